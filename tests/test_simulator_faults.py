"""Fault injection, in process and over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests
import test_simulator_support as support
from test_simulator_support import Api, submit_body

from chorus_pro.simulator import (
    DELAY,
    FAULT_KINDS,
    HTTP_429,
    HTTP_500,
    HTTP_503,
    LOST_ANSWER,
    MALFORMED_JSON,
    RESET,
    TOKEN_EXPIRED,
    Simulator,
    SimulatorServer,
)

api = support.api
local = support.local

SUBMIT = "factures/v1/soumettre"


def _wait_for(condition, seconds=10.0):
    """Bounded wait for the server thread (not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.parametrize("kind,status", [(HTTP_500, 500), (HTTP_503, 503)])
def test_server_errors_do_not_process(api, kind, status):
    api.token  # noqa: B018 - the token request is not an API operation
    api.sim.faults.add(kind, SUBMIT)
    assert api.call(SUBMIT, submit_body()).status_code == status
    assert api.sim.deposits == []
    assert api.call(SUBMIT, submit_body()).status_code == 200
    assert api.sim.faults.injected == {"total": 1, kind: 1}


def test_429_carries_retry_after(api):
    api.sim.faults.add(HTTP_429, "*", seconds=7)
    answer = api.call("structures/v1/consulter", {"idStructureCPP": 27100001})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"


def test_reset_closes_without_answer_and_without_processing(api):
    api.sim.faults.add(RESET, "/cpro/factures/v1/soumettre")
    with pytest.raises(requests.ConnectionError):
        api.call(SUBMIT, submit_body())
    assert api.sim.deposits == []
    assert api.call(SUBMIT, submit_body()).status_code == 200


def test_lost_answer_processes_then_drops(api):
    api.sim.faults.add(LOST_ANSWER, SUBMIT)
    with pytest.raises(requests.ConnectionError):
        api.call(SUBMIT, submit_body())
    assert api.sim.deposit_count("FA-2026-001") == 1
    found = api.ok("factures/v1/rechercher/fournisseur", {"numeroFacture": "FA-2026-001"})["listeFactures"]
    assert len(found) == 1


def test_malformed_json_answer_after_processing(api):
    api.sim.faults.add(MALFORMED_JSON, SUBMIT)
    answer = api.call(SUBMIT, submit_body())
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert api.sim.deposit_count("FA-2026-001") == 1


def test_token_expired_invalidates_the_presented_token(api):
    token = api.token
    api.sim.faults.add(TOKEN_EXPIRED, "structures/v1/consulter")
    answer = api.call("structures/v1/consulter", {"idStructureCPP": 27100001})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"
    assert token not in api.sim.store.tokens
    answer = api.call("structures/v1/consulter", {"idStructureCPP": 27100001})
    assert answer.status_code == 401  # the token stays dead
    api.renew()
    assert api.call("structures/v1/consulter", {"idStructureCPP": 27100001}).status_code == 200


def test_delay_beyond_the_read_timeout_in_process(local):
    slept = []
    local.sim.sleep = slept.append
    local.sim.faults.add(DELAY, SUBMIT, seconds=30)
    with pytest.raises(requests.ReadTimeout):
        local.call(SUBMIT, submit_body(), timeout=(1, 5))
    assert slept == [] and local.sim.deposit_count("FA-2026-001") == 1  # processed, as a server would


def test_short_delay_in_process_sleeps_then_answers(local):
    slept = []
    local.sim.sleep = slept.append
    local.sim.faults.add(DELAY, SUBMIT, seconds=2)
    assert local.call(SUBMIT, submit_body(), timeout=10).status_code == 200
    assert slept == [2.0]


def test_delay_over_http_makes_the_client_time_out(sim):
    with SimulatorServer(sim) as server:
        caller = Api(sim, server.url)
        sim.faults.add(DELAY, SUBMIT, seconds=1.0)
        with pytest.raises(requests.ReadTimeout):
            caller.call(SUBMIT, submit_body(), timeout=(2, 0.2))
        # the server answers late but still creates the invoice
        assert _wait_for(lambda: sim.deposit_count("FA-2026-001") == 1)


def test_count_and_operation_matching(local):
    local.token  # noqa: B018
    local.sim.faults.add(HTTP_500, "structures/v1/consulter", count=2)
    body = {"idStructureCPP": 27100001}
    assert [local.call("structures/v1/consulter", body).status_code for _ in range(3)] == [500, 500, 200]
    assert local.call("structures/v1/rechercher", {}).status_code == 200
    assert local.sim.faults.pending == []


def test_star_does_not_touch_the_token_endpoint(local):
    local.sim.faults.add(HTTP_503, "*")
    assert local.request_token().status_code == 200
    assert local.sim.faults.injected["total"] == 0
    local.sim.faults.add(HTTP_503, "oauth/token")
    assert local.request_token().status_code == 503


def test_faults_on_the_token_endpoint(api):
    api.sim.faults.add(RESET, "/api/oauth/token")
    with pytest.raises(requests.ConnectionError):
        api.request_token()
    api.sim.faults.add(HTTP_429, "oauth/token", seconds=3)
    answer = api.request_token()
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    assert api.request_token().status_code == 200


def _pattern(seed: int, calls: int = 40):
    simulator = Simulator()
    caller = Api(simulator)
    caller.token  # noqa: B018
    simulator.faults.random(0.5, kinds=[HTTP_500, HTTP_503, HTTP_429], operations=["structures/v1/consulter"],
                            seed=seed)
    codes = [caller.call("structures/v1/consulter", {"idStructureCPP": 27100001}).status_code for _ in range(calls)]
    others = caller.call("structures/v1/rechercher", {}).status_code
    return codes, others, simulator.faults.injected


def test_random_mode_is_reproducible_and_tallied():
    first, others, tally = _pattern(seed=7)
    second, _, _ = _pattern(seed=7)
    assert first == second and others == 200
    assert set(first) <= {200, 500, 503, 429} and 200 in first and len(set(first)) > 2
    assert tally["total"] == sum(1 for c in first if c != 200)
    assert tally["total"] == sum(tally.get(k, 0) for k in (HTTP_500, HTTP_503, HTTP_429))
    assert _pattern(seed=8)[0] != first


def test_random_rate_bounds(local):
    local.token  # noqa: B018
    local.sim.faults.random(0.0, seed=1)
    assert all(local.call("structures/v1/rechercher", {}).status_code == 200 for _ in range(10))
    local.sim.faults.random(1.0, kinds=[HTTP_500], seed=1)
    assert all(local.call("structures/v1/rechercher", {}).status_code == 500 for _ in range(10))
    local.sim.faults.clear()
    assert local.call("structures/v1/rechercher", {}).status_code == 200


def test_bad_fault_definitions(sim):
    with pytest.raises(ValueError):
        sim.faults.add("explosion")
    with pytest.raises(ValueError):
        sim.faults.add(HTTP_500, count=0)
    with pytest.raises(ValueError):
        sim.faults.random(1.5)
    with pytest.raises(ValueError):
        sim.faults.random(0.5, kinds=["nope"])
    assert len(FAULT_KINDS) == 8


def test_random_default_kinds_leave_delays_out(local):
    local.token  # noqa: B018
    local.sim.sleep = lambda seconds: pytest.fail("no delay expected")
    local.sim.faults.random(1.0, seed=3)
    for _ in range(30):
        try:
            local.call("structures/v1/rechercher", {})
        except requests.ConnectionError:
            pass
    assert DELAY not in local.sim.faults.injected and local.sim.faults.injected["total"] == 30
    assert len(set(local.sim.faults.injected) - {"total"}) >= 4


def test_late_faults_also_hit_refusals(local):
    local.sim.faults.add(LOST_ANSWER, "structures/v1/consulter")
    with pytest.raises(requests.ConnectionError):
        local.call("structures/v1/consulter", {"idStructureCPP": 27100001}, headers={"cpro-account": "bad"})
    local.sim.faults.add(DELAY, "structures/v1/consulter", seconds=60)
    with pytest.raises(requests.ReadTimeout):
        local.call("structures/v1/consulter", {"idStructureCPP": 27100001}, headers={"Authorization": "Bearer x"},
                   timeout=5)
    local.sim.faults.add(MALFORMED_JSON, "oauth/token")
    answer = local.request_token(secret="wrong")
    with pytest.raises(ValueError):
        answer.json()
