"""Transport: session, Retry-After, backoff bounds, "was it sent?", 401/403 interpretation."""

import ast
import random
import re
import socket
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import chorus_pro
from chorus_pro.config import ChorusConfig, Environment
from chorus_pro.errors import ApiNotSubscribedError, PisteCredentialsError, TechnicalAccountError
from chorus_pro.transport import (
    backoff_delay,
    build_session,
    classify_auth_failure,
    describe_failure,
    parse_retry_after,
    request_not_sent,
    timeouts,
)

NOW = datetime(2026, 11, 23, 10, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("header, seconds", [
    ("120", 120.0), (" 7 ", 7.0), ("1.5", 1.5), ("0", 0.0), ("-3", 0.0),
    (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
    (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
    ("Mon, 23 Nov 2026 10:01:00 GMT", 60.0),
])
def test_retry_after_in_seconds_or_http_date(header, seconds):
    assert parse_retry_after(header, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("header", [None, "", "   ", "soon", "nan", "inf"])
def test_unreadable_retry_after_is_none(header):
    assert parse_retry_after(header, now=NOW) is None


def test_backoff_grows_is_jittered_and_never_exceeds_the_cap():
    rng = random.Random(42)
    base, cap = 0.5, 30.0
    for attempt in range(1, 40):
        step = min(cap, base * 2 ** (attempt - 1))
        delays = {backoff_delay(attempt, base, cap, rng) for _ in range(20)}
        assert all(step / 2 <= d <= step <= cap for d in delays)
        assert len(delays) > 1, "jitter: not the same delay every time"
    assert backoff_delay(1, base, cap, rng) <= 0.5 < backoff_delay(3, base, cap, rng)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_is_known_as_not_sent():
    session = build_session(ChorusConfig(environment=Environment.QUALIFICATION))
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        session.post(f"http://127.0.0.1:{_free_port()}/cpro/factures/v1/soumettre", json={}, timeout=(2, 2))
    assert request_not_sent(info.value)
    assert describe_failure(info.value) == "connection refused"


def test_failures_after_sending_are_not_known_as_not_sent():
    assert request_not_sent(requests.exceptions.ConnectTimeout("connect timeout"))
    refused = NewConnectionError(None, "Connection refused")
    assert request_not_sent(requests.exceptions.ConnectionError(MaxRetryError(None, "/x", refused)))
    assert not request_not_sent(requests.exceptions.ReadTimeout("read timeout"))
    aborted = ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    assert not request_not_sent(requests.exceptions.ConnectionError(aborted))
    assert not request_not_sent(requests.exceptions.ChunkedEncodingError("broken"))
    assert describe_failure(requests.exceptions.ReadTimeout("x")) == "read timeout"
    assert describe_failure(requests.exceptions.ConnectionError(aborted)) == "connection lost"


def test_session_pools_connections_and_uses_explicit_timeouts():
    config = ChorusConfig(environment=Environment.PRODUCTION, connect_timeout=3, read_timeout=45)
    session = build_session(config)
    adapter = session.get_adapter("https://api.piste.gouv.fr/cpro/factures/v1/soumettre")
    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter._pool_maxsize >= 2 and adapter.max_retries.total == 0
    assert timeouts(config) == (3, 45)
    assert session.headers["User-Agent"] == f"l10n-fr-chorus-btp/{chorus_pro.__version__}"


def test_the_package_has_its_own_version_read_by_setup_py():
    """setup.py reads chorus_pro.__version__ (one place); it is not the Odoo series of the add-on."""
    root = Path(__file__).resolve().parent.parent
    packaged = subprocess.run([sys.executable, "setup.py", "--version"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]
    assert packaged == chorus_pro.__version__
    manifest = ast.literal_eval((root / "l10n_fr_chorus_btp" / "__manifest__.py").read_text(encoding="utf-8"))
    assert not chorus_pro.__version__.startswith(manifest["version"].rsplit(".", 3)[0] + ".")
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+)?", chorus_pro.__version__)


def test_403_is_an_unsubscribed_api_named_by_its_code():
    error = classify_auth_failure(403, '{"error": "forbidden"}', "facturesTravaux")
    assert isinstance(error, ApiNotSubscribedError)
    assert error.api == "FacturesTravaux"
    assert error.code == "api_not_subscribed" and error.params == {"api": "FacturesTravaux"}
    assert "CGU" in str(error)


@pytest.mark.parametrize("body", ["Compte technique refusé", '{"message": "Invalid cpro-account header"}',
                                  "password expired"])
def test_403_about_the_account_is_a_technical_account_error(body):
    error = classify_auth_failure(403, body, "factures")
    assert isinstance(error, TechnicalAccountError)
    assert error.code == "technical_account_refused" and "password" in str(error)


def test_401_after_a_fresh_token():
    assert isinstance(classify_auth_failure(401, '{"error": "invalid_token"}', "factures"), PisteCredentialsError)
    assert isinstance(classify_auth_failure(401, "", "factures"), TechnicalAccountError)
    assert isinstance(classify_auth_failure(401, "cpro-account invalid token", "factures"), TechnicalAccountError)


def test_auth_errors_never_copy_the_body():
    body = "echo of cpro-account: VEVDSF8xOnNlY3JldA== Bearer abc.def"
    for status in (401, 403):
        error = classify_auth_failure(status, body, "factures")
        assert "VEVDSF8x" not in str(error) and "VEVDSF8x" not in repr(error.params)
        assert "abc.def" not in str(error)
