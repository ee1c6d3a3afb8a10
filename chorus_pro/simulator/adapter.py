"""A ``requests`` transport adapter that calls the simulator in process (no socket).

Mount it on the simulation base URL::

    session.mount(SIMULATION_BASE_URL, SimulatorAdapter(simulator))

Faults behave as over HTTP: a reset or a lost answer raises
``requests.ConnectionError``; a delay longer than the read timeout raises
``requests.ReadTimeout`` at once (the request is processed, as a real server
would after the client gave up), a shorter delay sleeps.
"""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .app import AnswerTimeout, DropConnection


def _read_timeout(timeout):
    if isinstance(timeout, tuple):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if timeout is not None else None


class SimulatorAdapter(BaseAdapter):
    def __init__(self, simulator):
        super().__init__()
        self.simulator = simulator

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        overrides = {}
        read_timeout = _read_timeout(timeout)
        if read_timeout is not None:
            overrides["chorus_simulator.read_timeout"] = read_timeout
        builder = EnvironBuilder(
            path=parts.path or "/", query_string=parts.query, method=request.method,
            headers=list(request.headers.items()), data=body or b"",
            base_url=f"{parts.scheme}://{parts.netloc}", environ_overrides=overrides,
        )
        environ = builder.get_environ()
        builder.close()
        try:
            app_iter, status, headers = run_wsgi_app(self.simulator.wsgi_app, environ, buffered=True)
            content = b"".join(app_iter)
            if hasattr(app_iter, "close"):
                app_iter.close()
        except DropConnection:
            raise requests.ConnectionError("Connection reset by peer (simulated)", request=request) from None
        except AnswerTimeout:
            raise requests.ReadTimeout(f"Read timed out (simulated, read timeout={read_timeout})",
                                       request=request) from None
        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = CaseInsensitiveDict(headers.items())
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response._content_consumed = True
        response.raw = io.BytesIO(content)
        response.url = request.url
        response.request = request
        response.connection = self
        response.elapsed = timedelta(0)
        return response

    def close(self):
        pass
