"""Serve a simulator over real HTTP on 127.0.0.1, in a daemon thread.

A "reset" or "lost answer" fault really closes the TCP connection without an
answer (with SO_LINGER 0, so the client sees a reset).
"""

from __future__ import annotations

import socket
import struct
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import DropConnection


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no access log: tests and demos stay readable
        pass


def _dropping(app):
    """Turn :class:`DropConnection` into a closed socket without any answer."""

    def wrapper(environ, start_response):
        try:
            return app(environ, start_response)
        except DropConnection:
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            # werkzeug treats ConnectionError as a dropped connection: it writes nothing
            raise ConnectionResetError("connection dropped by the simulator") from None

    return wrapper


class SimulatorServer:
    """``with SimulatorServer(sim) as server: requests.get(server.url + "/")``."""

    def __init__(self, simulator, host: str = "127.0.0.1", port: int = 0, *, allow_any_host: bool = False):
        """``allow_any_host``: accept a non-loopback ``host`` (a container network only, e.g. docker compose)."""
        if host not in ("127.0.0.1", "localhost", "::1") and not allow_any_host:
            raise ValueError("the simulator only listens on the loopback interface (allow_any_host=True for a "
                             "container network)")
        self.simulator = simulator
        self._server = make_server(host, port, _dropping(simulator.wsgi_app), threaded=True,
                                   request_handler=_QuietHandler)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SimulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name=f"chorus-simulator-{self.port}", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (command line); stops on KeyboardInterrupt."""
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._server.server_close()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    stop = close

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
