"""The Chorus Pro client: the request loop, and the operations of each API as ``client.<api>``.

:class:`ChorusProClient` sends every request (PISTE token, ``cpro-account`` header, retries of
reads with bounded exponential backoff, the envelope's ``codeRetour``, counters); the operations
live in one class per Chorus Pro API (:mod:`chorus_pro.api`): ``client.factures``,
``client.factures_travaux``, ``client.structures``, ``client.engagements_juridiques``,
``client.transverses``, ``client.utilisateurs``; ``client.deposits`` sends a whole invoice
(:mod:`chorus_pro.deposits`).  Writes (deposits) are sent once: a lost answer raises
:class:`~chorus_pro.errors.OutcomeUnknownError` and the caller reconciles with
``client.deposits.find`` before sending again.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import requests

from . import auth
from .api import EngagementsJuridiques, Factures, FacturesTravaux, Structures, Transverses, Utilisateurs
from .api.reading import as_list, page_count
from .config import ChorusConfig
from .dates import PARIS, aware
from .deposits import Deposits
from .errors import (
    BusinessError,
    ChorusProError,
    ConfigurationError,
    OutcomeUnknownError,
    ProtocolError,
    TransientError,
    WriteInterrupted,
)
from .transport import (
    BearerToken,
    backoff_delay,
    build_session,
    classify_auth_failure,
    describe_failure,
    parse_retry_after,
    request_not_sent,
    timeouts,
)

_logger = logging.getLogger("chorus_pro")

#: ``idUtilisateurCourant`` appears on most inputs, but whether it is required and
#: where a technical account's value comes from is NOT VERIFIED (reference §3.5,
#: §17.6).  The OCA module never sends it and works in production, so it is not
#: sent.  Set an integer here (the only place) to send it on every POST body.
CURRENT_USER_ID: int | None = None

#: ``codeRetour`` of a search that found nothing (reference §14.2): an empty result
EMPTY_SEARCH_CODES = frozenset({20000, 20007})
#: hard bound of every paging loop
MAX_PAGES = 1000


@dataclass
class ClientStats:
    """Counters for benchmarks and tests.

    ``by_operation`` maps ``api/v1/operation`` to ``{"http_requests": n, "retries": n}``.
    """

    http_requests: int = 0
    token_requests: int = 0
    retries: int = 0
    by_operation: dict = field(default_factory=dict)


class _Retryable(Exception):
    """Inside :meth:`ChorusProClient.call`: ``error`` may go away by itself (reads try again)."""

    def __init__(self, error: ChorusProError, delay: float | None = None):
        super().__init__(str(error))
        self.error, self.delay = error, delay


class _Unauthorized(Exception):
    """Inside :meth:`ChorusProClient.call`: HTTP 401 with ``token`` (never shown)."""

    def __init__(self, token: str, body: str):
        super().__init__("HTTP 401")
        self.token, self.body = token, body


class ChorusProClient:
    """Talks to one Chorus Pro environment with one set of credentials.

    Thread-safe for concurrent calls (shared pooled session and token cache).
    In the simulation environment, empty credentials take the simulator's seeded ones.
    """

    def __init__(self, config: ChorusConfig, *, session=None, simulator=None, sleep=None,
                 token_cache: auth.TokenCache | None = None, rng: random.Random | None = None,
                 clock: Callable[[], datetime] | None = None):
        """``session``: a ``requests.Session`` to use; ``simulator``: the in-process
        simulator (defaults to the process-wide one) when ``config.in_process``;
        ``sleep``: replaced in unit tests to observe backoff delays;
        ``token_cache``: defaults to the process-wide cache; ``rng``: backoff jitter;
        ``clock``: "now" as an aware datetime, defaults to the simulator's clock when
        there is a simulator (given, or in process), else the wall clock."""
        self.config = config.with_simulation_defaults()
        self._own_session = session is None
        self.session = session if session is not None else build_session(self.config, simulator)
        self._clock = clock or _default_clock(self.config, simulator)
        self._sleep = sleep or time.sleep
        self._tokens = token_cache or _default_token_cache(self.config, simulator)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._validated = False
        self.stats = ClientStats()
        # the operations, one object per Chorus Pro API, all sending through this request loop
        self.factures = Factures(self)
        self.factures_travaux = FacturesTravaux(self)
        self.structures = Structures(self)
        self.engagements_juridiques = EngagementsJuridiques(self)
        self.transverses = Transverses(self)
        self.utilisateurs = Utilisateurs(self)
        self.deposits = Deposits(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def now(self) -> datetime:
        """The current instant for this client's platform (see ``clock``)."""
        return self._clock()

    def today(self) -> date:
        """The current day in Paris, the day of Chorus Pro's dates."""
        return aware(self.now()).astimezone(PARIS).date()

    # -- low level -------------------------------------------------------------------------
    def call(self, api: str, operation: str, body: dict | None = None, *, write: bool = False,
             reference: str | None = None, method: str = "POST") -> dict:
        """POST ``/cpro/{api}/v1/{operation}`` and return the JSON answer (``codeRetour`` 0).

        A read's answer with an empty-search code (20000, 20007) is returned as is:
        its lists are simply absent.  ``reference`` names the document in errors.
        """
        op = f"{api}/v1/{operation}"
        url = f"{self.config.api_base_url}/cpro/{op}"
        payload = None
        if method != "GET":
            body = dict(body or {})
            if CURRENT_USER_ID is not None:
                body.setdefault("idUtilisateurCourant", CURRENT_USER_ID)
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        attempt, replayed = 0, False
        while True:  # bounded: max_attempts, plus one replay after a 401
            attempt += 1
            try:
                return self._attempt(api, op, url, method, payload, write, reference)
            except _Unauthorized as refused:
                # an expired or revoked token: the request was not processed, so replay it once
                self._tokens.invalidate(refused.token)
                if replayed:
                    raise classify_auth_failure(401, refused.body, api) from None
                replayed, attempt = True, attempt - 1
                self._count_retry(op)
            except _Retryable as retry:
                if write or attempt >= self.config.max_attempts:
                    raise retry.error from None
                self._count_retry(op)
                self._sleep(retry.delay if retry.delay is not None else
                            backoff_delay(attempt, self.config.backoff_base, self.config.backoff_max, self._rng))

    def _attempt(self, api: str, op: str, url: str, method: str, payload: bytes | None, write: bool,
                 reference: str | None) -> dict:
        """One request: its answer, or the error to raise, or _Retryable / _Unauthorized for :meth:`call`."""
        try:
            token = self.access_token()
        except TransientError as exc:  # nothing sent yet
            raise _Retryable(exc) from None
        try:
            return self._exchange(api, op, url, method, payload, token, write, reference)
        except KeyboardInterrupt:
            if write:
                # interrupted once the request was handed over: Chorus Pro may have received it
                raise WriteInterrupted(OutcomeUnknownError(op, reference, "interrupted")) from None
            raise

    def _exchange(self, api: str, op: str, url: str, method: str, payload: bytes | None, token: str, write: bool,
                  reference: str | None) -> dict:
        try:
            response = self._send(method, url, payload, token, op)
        except requests.exceptions.RequestException as exc:
            cause = describe_failure(exc)
            if write and not request_not_sent(exc):
                raise OutcomeUnknownError(op, reference, cause) from None
            raise _Retryable(self._transient(op, cause)) from None
        status = response.status_code
        if status == 401:
            raise _Unauthorized(token, _text(response))
        if status == 403:
            raise classify_auth_failure(403, _text(response), api)
        if status == 429:  # throttled: nothing was processed, even for a write
            asked = parse_retry_after(response.headers.get("Retry-After"), self.now())
            delay = min(asked, self.config.backoff_max) if asked is not None else None
            raise _Retryable(self._transient(op, "HTTP 429, too many requests", status, delay), delay)
        if status >= 500:
            if write:
                raise OutcomeUnknownError(op, reference, f"HTTP {status}")
            raise _Retryable(self._transient(op, f"HTTP {status}", status))
        try:
            data = _decode(response, op)
        except ProtocolError as exc:
            if status >= 300:
                raise _http_error(op, status) from None
            if write:
                raise OutcomeUnknownError(op, reference, "malformed answer") from None
            raise _Retryable(exc) from None
        return self._check_envelope(op, status, data, write)

    def access_token(self) -> str:
        """A PISTE access token for this client's configuration (cached; a request only when needed)."""
        if not self._validated:
            self.config.validate()
            self._validated = True
        return self._tokens.get(self.config, self.session, on_request=self._count_token_request)

    def _send(self, method: str, url: str, payload: bytes | None, token: str, op: str) -> requests.Response:
        headers = {
            "cpro-account": _cpro_account(self.config),
            "Accept": "application/json",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json;charset=utf-8"
        with self._lock:
            self.stats.http_requests += 1
            self._op_stats(op)["http_requests"] += 1
        started = time.monotonic()
        try:
            response = self.session.request(method, url, data=payload, headers=headers, auth=BearerToken(token),
                                            timeout=timeouts(self.config))
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):  # e.g. a malformed simulator_url
            raise ConfigurationError(code="url_invalid", params={"server": "chorus"}, field="simulator_url") from None
        except requests.exceptions.RequestException as exc:
            _logger.debug("%s: %s after %.0f ms", op, describe_failure(exc), (time.monotonic() - started) * 1000)
            raise
        _logger.debug("%s: HTTP %s in %.0f ms", op, response.status_code, (time.monotonic() - started) * 1000)
        return response

    def _check_envelope(self, op: str, status: int, data: dict, write: bool) -> dict:
        code = data.get("codeRetour")
        if code is None and status == 200:
            code = 0  # e.g. health-check, which has no envelope
        _logger.debug("%s: codeRetour %s", op, code)
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise _http_error(op, status) if status >= 300 else ProtocolError(
                code="answer_unreadable", params={"operation": op, "detail": "codeRetour is not a number"})
        if code == 0 and status == 200:
            return data
        if code != 0 and not write and code in EMPTY_SEARCH_CODES:
            return data
        if code == 0:
            raise _http_error(op, status)
        detail = data.get("detail") or data.get("message") or ""
        raise BusinessError(op, code, str(data.get("libelle") or ""), str(detail) if detail else "",
                            http_status=status)

    def _transient(self, op: str, cause: str, status: int | None = None, retry_after: float | None = None):
        return TransientError(code="unavailable", params={"operation": op, "cause": cause},
                              retry_after=retry_after, http_status=status)

    def _op_stats(self, op: str) -> dict:
        return self.stats.by_operation.setdefault(op, {"http_requests": 0, "retries": 0})

    def _count_retry(self, op: str) -> None:
        with self._lock:
            self.stats.retries += 1
            self._op_stats(op)["retries"] += 1

    def _count_token_request(self) -> None:
        with self._lock:
            self.stats.token_requests += 1

    def pages(self, api: str, operation: str, make_body: Callable[[int], dict], list_key: str) -> Iterator[dict]:
        """Items of every page of a search (explicit page size in ``make_body``), at most MAX_PAGES pages."""
        for page in range(1, MAX_PAGES + 1):
            data = self.call(api, operation, make_body(page))
            items = as_list(data.get(list_key))
            yield from items
            pages = page_count(data)
            if not items or pages is None or page >= pages:
                return

#: in-process simulators all answer on SIMULATION_BASE_URL: one token cache per simulator
_SIMULATOR_TOKEN_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SIMULATOR_CACHES_LOCK = threading.Lock()


def _default_clock(config: ChorusConfig, simulator) -> Callable[[], datetime]:
    if simulator is None and config.in_process:
        from .simulator import default_simulator

        simulator = default_simulator()
    return simulator.now if simulator is not None else _wall_clock


def _wall_clock() -> datetime:
    return datetime.now(PARIS)


def _default_token_cache(config: ChorusConfig, simulator) -> auth.TokenCache:
    if not config.in_process:
        return auth.default_cache
    if simulator is None:
        from .simulator import default_simulator

        simulator = default_simulator()
    with _SIMULATOR_CACHES_LOCK:
        cache = _SIMULATOR_TOKEN_CACHES.get(simulator)
        if cache is None:
            cache = _SIMULATOR_TOKEN_CACHES[simulator] = auth.TokenCache()
        return cache


# -- wire helpers ---------------------------------------------------------------------------------
def _cpro_account(config: ChorusConfig) -> str:
    """``cpro-account``: base64 of ``login:password`` in UTF-8 (reference §2.2)."""
    return base64.b64encode(f"{config.tech_login}:{config.tech_password}".encode()).decode("ascii")


def _text(response: requests.Response) -> str:
    try:
        return response.text or ""
    except Exception:  # undecodable body: treated as no body
        return ""


def _decode(response: requests.Response, op: str) -> dict:
    try:
        data = json.loads(response.content.decode("utf-8-sig")) if response.content else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ProtocolError(code="answer_unreadable",
                            params={"operation": op, "detail": f"not a JSON object, HTTP {response.status_code}"})
    return data


def _http_error(op: str, status: int) -> ChorusProError:
    """A 4xx answer without a business envelope: the request itself is wrong, sending it again will not help."""
    reason = {404: "not_found", 413: "too_large", 415: "format"}.get(status, "refused")
    return ChorusProError(code="http_refused", params={"operation": op, "status": status, "reason": reason})


