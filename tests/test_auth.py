"""PISTE OAuth token: request, validation, cache, expiry, rotation, threads, secrecy."""

import json
import logging
import threading
import time
from dataclasses import replace
from urllib.parse import parse_qs

import pytest
import requests
import responses

from chorus_pro import auth
from chorus_pro.config import ChorusConfig, Environment
from chorus_pro.errors import PisteCredentialsError, ProtocolError, TransientError

TOKEN_URL = "https://sandbox-oauth.piste.gouv.fr/api/oauth/token"
SECRET = "s3cr&t+v=lue%20/é"
CONFIG = ChorusConfig(environment=Environment.QUALIFICATION, piste_client_id="my-client",
                      piste_client_secret=SECRET, tech_login="TECH_1_x@cpro.fr", tech_password="pw",
                      token_margin=60)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _ok(token="tok-1", expires_in=3600, token_type="Bearer"):
    return {"access_token": token, "token_type": token_type, "expires_in": expires_in, "scope": "openid"}


@responses.activate
def test_token_request_is_form_encoded_with_every_value_escaped():
    responses.post(TOKEN_URL, json=_ok())
    assert auth.request_token(CONFIG, requests.Session()) == ("tok-1", "Bearer", 3600)
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body) == {"grant_type": ["client_credentials"], "client_id": ["my-client"],
                                   "client_secret": [SECRET], "scope": ["openid"]}


@pytest.mark.parametrize("answer, problem", [
    (_ok(token=""), "access_token"),
    ({"token_type": "Bearer", "expires_in": 3600}, "access_token"),
    (_ok(token_type=""), "token_type"),
    (_ok(expires_in=0), "expires_in"),
    (_ok(expires_in=-5), "expires_in"),
    (_ok(expires_in="soon"), "expires_in"),
    (_ok(expires_in=True), "expires_in"),
    (_ok(expires_in=12.5), "expires_in"),
])
@responses.activate
def test_invalid_token_answers_are_protocol_errors(answer, problem):
    responses.post(TOKEN_URL, json=answer)
    with pytest.raises(ProtocolError) as info:
        auth.request_token(CONFIG, requests.Session())
    assert problem in str(info.value)


@responses.activate
def test_expires_in_given_as_digits_is_accepted():
    responses.post(TOKEN_URL, json=_ok(expires_in="3600"))
    assert auth.request_token(CONFIG, requests.Session())[2] == 3600


@responses.activate
def test_non_json_token_answer_is_a_protocol_error():
    responses.post(TOKEN_URL, body="<html>gateway</html>", status=200)
    with pytest.raises(ProtocolError):
        auth.request_token(CONFIG, requests.Session())


@pytest.mark.parametrize("status, body", [
    (401, {"error": "invalid_client", "error_description": "Client authentication failed"}),
    (400, {"error": "invalid_client"}),
    (400, {"error": "unauthorized_client"}),
    (401, None),
    (400, None),
])
@responses.activate
def test_refused_credentials_name_the_settings_to_check_without_the_secret(status, body):
    if body is None:
        responses.post(TOKEN_URL, body="refused", status=status)
    else:
        responses.post(TOKEN_URL, json=body, status=status)
    with pytest.raises(PisteCredentialsError) as info:
        auth.request_token(CONFIG, requests.Session())
    error = info.value
    assert error.code == "piste_credentials_refused" and error.field == "piste_client_secret"
    assert "client ID" in str(error)
    for text in (str(error), repr(error.params), repr(error.args)):
        assert SECRET not in text and "s3cr" not in text


@responses.activate
def test_other_oauth_errors_are_protocol_errors():
    responses.post(TOKEN_URL, json={"error": "invalid_scope"}, status=400)
    with pytest.raises(ProtocolError) as info:
        auth.request_token(CONFIG, requests.Session())
    assert "invalid_scope" in str(info.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
@responses.activate
def test_unavailable_oauth_server_is_transient(status):
    responses.post(TOKEN_URL, body="busy", status=status)
    with pytest.raises(TransientError) as info:
        auth.request_token(CONFIG, requests.Session())
    assert info.value.http_status == status


@responses.activate
def test_unreachable_oauth_server_is_transient():
    responses.post(TOKEN_URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(TransientError):
        auth.request_token(CONFIG, requests.Session())


def test_cache_key_changes_with_the_secret_and_never_holds_it():
    key = auth.cache_key(CONFIG)
    assert SECRET not in repr(key)
    assert key != auth.cache_key(replace(CONFIG, piste_client_secret="rotated"))
    assert key != auth.cache_key(replace(CONFIG, piste_client_id="other"))
    assert key != auth.cache_key(replace(CONFIG, environment=Environment.PRODUCTION))
    assert key == auth.cache_key(replace(CONFIG, tech_password="changed"))


def test_token_lifetime_keeps_the_margin_and_stays_positive():
    assert auth.token_lifetime(3600, 60) == 3540
    assert auth.token_lifetime(30, 60) == 15


@responses.activate
def test_cached_until_expiry_minus_margin():
    responses.post(TOKEN_URL, json=_ok("tok-1"))
    responses.post(TOKEN_URL, json=_ok("tok-2"))
    clock = Clock()
    cache = auth.TokenCache(clock)
    session = requests.Session()
    assert cache.get(CONFIG, session) == "tok-1"
    clock.now += 3600 - 60 - 1
    assert cache.get(CONFIG, session) == "tok-1"
    assert len(responses.calls) == 1
    clock.now += 1  # reached expires_in - token_margin
    assert cache.get(CONFIG, session) == "tok-2"
    assert len(responses.calls) == 2


@responses.activate
def test_rotated_secret_fetches_a_new_token_and_invalidate_forgets_one():
    responses.post(TOKEN_URL, json=_ok("tok-old"))
    responses.post(TOKEN_URL, json=_ok("tok-new"))
    responses.post(TOKEN_URL, json=_ok("tok-renewed"))
    cache = auth.TokenCache(Clock())
    session = requests.Session()
    assert cache.get(CONFIG, session) == "tok-old"
    rotated = replace(CONFIG, piste_client_secret="brand-new-secret")
    assert cache.get(rotated, session) == "tok-new"
    assert parse_qs(responses.calls[1].request.body)["client_secret"] == ["brand-new-secret"]
    assert cache.get(CONFIG, session) == "tok-old"  # each credential keeps its own token
    cache.invalidate("tok-old")
    assert cache.get(CONFIG, session) == "tok-renewed"
    assert len(responses.calls) == 3


def test_on_request_is_called_once_per_token_request():
    calls = []

    class Session:
        def post(self, url, data, headers, auth, timeout):
            calls.append(timeout)
            return _FakeResponse(_ok())

    cache = auth.TokenCache(Clock())
    counted = []
    cache.get(CONFIG, Session(), on_request=lambda: counted.append(1))
    cache.get(CONFIG, Session(), on_request=lambda: counted.append(1))
    assert counted == [1] and calls == [(CONFIG.connect_timeout, CONFIG.read_timeout)]


class _FakeResponse:
    status_code = 200

    def __init__(self, data):
        self._data = data

    def json(self):
        return self._data


def test_concurrent_callers_share_one_token_request():
    requests_made = []
    release = threading.Event()

    class SlowSession:
        def post(self, url, data, headers, auth, timeout):
            requests_made.append(url)
            release.wait(5)  # hold the first request while the other threads arrive
            return _FakeResponse(_ok(f"tok-{len(requests_made)}"))

    cache = auth.TokenCache(Clock())
    barrier = threading.Barrier(8)
    results = []

    def worker():
        barrier.wait()
        results.append(cache.get(CONFIG, SlowSession()))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(500):  # wait (bounded) until the first request is in flight
        if requests_made:
            break
        time.sleep(0.01)
    time.sleep(0.1)  # let the other threads queue behind the lock
    release.set()
    for thread in threads:
        thread.join(10)
    assert requests_made == [CONFIG.token_url]
    assert results == ["tok-1"] * 8


@responses.activate
def test_nothing_secret_is_logged(caplog):
    responses.post(TOKEN_URL, json=_ok("tok-visible-nowhere"))
    caplog.set_level(logging.DEBUG, logger="chorus_pro")
    auth.TokenCache(Clock()).get(CONFIG, requests.Session())
    assert caplog.records, "the token request is logged at debug level"
    assert SECRET not in caplog.text and "tok-visible-nowhere" not in caplog.text


def test_access_token_repr_hides_the_value():
    token = auth.AccessToken("very-secret-token", "Bearer", 1.0)
    assert "very-secret-token" not in repr(token)
    assert json.dumps(auth.cache_key(CONFIG))  # serialisable, e.g. for debugging
