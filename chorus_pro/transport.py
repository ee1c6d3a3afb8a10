"""HTTP plumbing: the session, timeouts, retry policy and the reading of failures."""

from __future__ import annotations

import email.utils
import math
import random
from datetime import datetime, timezone

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from . import __version__
from .config import SIMULATION_BASE_URL, ChorusConfig, Environment
from .credentials import TECHNICAL_PASSWORD_VALIDITY_DAYS
from .errors import ApiNotSubscribedError, AuthenticationError, PisteCredentialsError, TechnicalAccountError

#: product token: the distribution's name and version (PEP 440), as pip shows them
USER_AGENT = f"l10n-fr-chorus-btp/{__version__}"
#: connections kept open per host (a batch of reads from several threads reuses them)
POOL_SIZE = 10


def build_session(config: ChorusConfig, simulator=None) -> requests.Session:
    """A session for ``config``: pooled HTTPS, or the in-process simulator (no socket).

    urllib3 never retries by itself (``max_retries=0``): the client decides what
    may be sent again, because a deposit must never be repeated blindly.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    # proxies from the environment must not see the requests of a test simulator; the real
    # platform is reached through them (companies behind a proxy).  Every request sets its own
    # auth object (BearerToken, NoCredentials), so .netrc credentials are never used.
    session.trust_env = config.environment is not Environment.SIMULATION
    if config.in_process:
        from .simulator import SimulatorAdapter, default_simulator

        session.mount(SIMULATION_BASE_URL, SimulatorAdapter(simulator or default_simulator()))
    else:
        adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session


class BearerToken(AuthBase):
    """``Authorization: Bearer <token>``.

    Given as the request's auth object, not as a header: requests replaces an
    Authorization header with the credentials of a matching ``~/.netrc`` entry
    (or its ``default`` entry) when a request has no auth object.
    """

    def __init__(self, token: str):
        self._token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerToken(<hidden>)"


class NoCredentials(AuthBase):
    """No Authorization header (the PISTE token request carries its credentials in the form), and no
    ``.netrc`` login either."""

    def __call__(self, request):
        request.headers.pop("Authorization", None)
        return request


def timeouts(config: ChorusConfig) -> tuple[float, float]:
    """(connect, read) timeouts passed to every request."""
    return (config.connect_timeout, config.read_timeout)


# -- retry policy ---------------------------------------------------------------------------
def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): exponential, jittered, never above ``cap``.

    "Equal jitter": half the exponential step is fixed, half random, so that many
    clients hit by the same outage do not come back at the same instant.
    """
    step = min(cap, base * (2 ** (max(attempt, 1) - 1)))
    return step / 2 + rng.uniform(0, step / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delay in seconds or HTTP date); None if absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def request_not_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the request provably never reached the server (no connection was made).

    Only then may a write be attempted again later without searching first.
    Read timeouts, resets and aborted connections may happen after the server
    received (and processed) the request.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.Timeout):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        # NewConnectionError covers "connection refused" and name resolution failures
        return isinstance(reason, (NewConnectionError, ConnectTimeoutError))
    return False


def describe_failure(exc: requests.exceptions.RequestException) -> str:
    """Short English cause without any URL, header or body (they may hold secrets)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timeout"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read timeout"
    if request_not_sent(exc):
        return "connection refused"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection lost"
    return type(exc).__name__


# -- 401/403 --------------------------------------------------------------------------------
API_NAMES = {
    "factures": "Factures", "structures": "Structures", "transverses": "Transverses",
    "utilisateurs": "Utilisateurs", "engagementsJuridiques": "EngagementsJuridiques",
    "facturesTravaux": "FacturesTravaux",
}
_ACCOUNT_WORDS = ("cpro-account", "cpro_account", "compte technique", "technical account", "utilisateur technique",
                  "mot de passe", "password", "compte utilisateur", "user account")
_TOKEN_WORDS = ("invalid_token", "access token", "jeton", "oauth", "bearer")


def classify_auth_failure(status: int, body: str, api: str) -> AuthenticationError:
    """The error for an HTTP 401 (after a fresh token) or 403 answer of a Chorus Pro API.

    NOT VERIFIED (reference §17.1): what PISTE and Chorus Pro return for a bad
    or expired technical account, an unsubscribed API or a refused token is not
    documented.  This is the single place that interprets those answers:

    - 403 whose body speaks of the account (``cpro-account``, technical account,
      password) → :class:`TechnicalAccountError`; any other 403 → the PISTE
      application is not subscribed to the API → :class:`ApiNotSubscribedError`;
    - 401 with a brand-new token whose body speaks of the token only → the PISTE
      application itself is refused → :class:`PisteCredentialsError`; any other
      401 → the ``cpro-account`` header is refused → :class:`TechnicalAccountError`.

    The body is only inspected, never copied into the message.
    """
    text = (body or "")[:4000].lower()
    about_account = any(word in text for word in _ACCOUNT_WORDS)
    name = API_NAMES.get(api, api)
    if status == 403 and not about_account:
        return ApiNotSubscribedError(name)
    if status == 401 and not about_account and any(word in text for word in _TOKEN_WORDS):
        return PisteCredentialsError(code="piste_token_refused", field="piste_client_id")
    return TechnicalAccountError(code="technical_account_refused",
                                 params={"status": status, "days": TECHNICAL_PASSWORD_VALIDITY_DAYS}, field="tech_password")
