"""PISTE OAuth2 (client credentials): fetch, validate and cache the access token.

The cache is process-wide and keyed by (environment, token URL, client id,
SHA-256 of the secret): a rotated secret never reuses the old token, and two
configurations never share one.  A token is reused until ``expires_in`` minus
``config.token_margin``.  Concurrent callers needing the same token wait for a
single request.  Nothing here ever logs or raises a secret or a token.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from .config import ChorusConfig
from .errors import ConfigurationError, PisteCredentialsError, ProtocolError, TransientError
from .transport import NoCredentials, timeouts

_logger = logging.getLogger("chorus_pro")

#: OAuth2 error codes meaning "these client credentials are refused" (RFC 6749 §5.2)
CREDENTIAL_ERRORS = frozenset({"invalid_client", "unauthorized_client", "invalid_grant", "access_denied"})

@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    token_type: str
    #: clock value after which the token must not be used any more
    renew_at: float


def cache_key(config: ChorusConfig) -> tuple:
    """Identity of a token: a new secret (or client id, or environment) means a new token."""
    digest = hashlib.sha256((config.piste_client_secret or "").encode("utf-8")).hexdigest()
    return (config.environment.value, config.token_url, config.piste_client_id, digest)


def token_lifetime(expires_in: int, margin: float) -> float:
    """Seconds a fresh token is reused; half its life when the margin exceeds it."""
    return expires_in - margin if expires_in > margin else expires_in / 2


def request_token(config: ChorusConfig, session: requests.Session) -> tuple[str, str, int]:
    """POST the client-credentials grant and return (access_token, token_type, expires_in)."""
    form = {
        "grant_type": "client_credentials",
        "client_id": config.piste_client_id,
        "client_secret": config.piste_client_secret,
        "scope": "openid",
    }
    started = time.monotonic()
    try:
        # ``data=`` with a dict: requests URL-encodes each value (a secret may hold & or +)
        response = session.post(config.token_url, data=form, headers={"Accept": "application/json"},
                                auth=NoCredentials(), timeout=timeouts(config))
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
        raise ConfigurationError(code="url_invalid", params={"server": "piste"}, field="simulator_url") from None
    except requests.exceptions.Timeout:
        raise TransientError(code="piste_timeout")
    except requests.exceptions.RequestException as exc:
        raise TransientError(code="piste_unreachable", params={"cause": type(exc).__name__})
    _logger.debug("PISTE token request: HTTP %s in %.0f ms", response.status_code,
                  (time.monotonic() - started) * 1000)
    return parse_token_response(response)


def parse_token_response(response: requests.Response) -> tuple[str, str, int]:
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = None
    if status == 429 or status >= 500:
        raise TransientError(code="piste_unavailable", params={"status": status}, http_status=status)
    oauth_error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status in (401, 403) or (status == 400 and (oauth_error in CREDENTIAL_ERRORS or not oauth_error)):
        detail = f" ({oauth_error})" if oauth_error else ""
        raise PisteCredentialsError(code="piste_credentials_refused", params={"detail": detail, "status": status},
                                    field="piste_client_secret")
    if status != 200:
        detail = f" ({oauth_error})" if oauth_error else ""
        raise ProtocolError(code="piste_unexpected_answer", params={"detail": f"HTTP {status}{detail}"})
    if not isinstance(data, dict):
        raise ProtocolError(code="piste_unexpected_answer", params={"detail": "not a JSON object"})
    token, token_type, expires_in = data.get("access_token"), data.get("token_type"), data.get("expires_in")
    if isinstance(expires_in, str) and expires_in.strip().isdigit():
        expires_in = int(expires_in)
    problems = []
    if not isinstance(token, str) or not token.strip():
        problems.append("access_token is empty")
    if not isinstance(token_type, str) or not token_type.strip():
        problems.append("token_type is empty")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        problems.append("expires_in is not a positive integer")
    if problems:
        raise ProtocolError(code="piste_unexpected_answer", params={"detail": ", ".join(problems)})
    return token, token_type, expires_in


class TokenCache:
    """Access tokens by :func:`cache_key`; safe to share between threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._tokens: dict[tuple, AccessToken] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock_for(self, key: tuple) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, config: ChorusConfig, session: requests.Session,
            on_request: Callable[[], None] | None = None) -> str:
        """A valid access token, fetched once for all the threads that need it."""
        key = cache_key(config)
        cached = self._tokens.get(key)
        if cached is not None and self.clock() < cached.renew_at:
            return cached.value
        with self._lock_for(key):
            cached = self._tokens.get(key)  # another thread may have fetched it meanwhile
            if cached is not None and self.clock() < cached.renew_at:
                return cached.value
            if on_request is not None:
                on_request()
            value, token_type, expires_in = request_token(config, session)
            fetched = AccessToken(value, token_type, self.clock() + token_lifetime(expires_in, config.token_margin))
            self._tokens[key] = fetched
            return fetched.value

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (refused with HTTP 401): the next :meth:`get` fetches a new one."""
        with self._guard:
            for key, cached in list(self._tokens.items()):
                if cached.value == token:
                    del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


#: the process-wide cache used by every client
default_cache = TokenCache()


def get_token(config: ChorusConfig, session: requests.Session,
              on_request: Callable[[], None] | None = None) -> str:
    return default_cache.get(config, session, on_request)


def invalidate(token: str) -> None:
    default_cache.invalidate(token)
