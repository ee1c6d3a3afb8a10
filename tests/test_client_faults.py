"""Failures injected by the simulator: what is retried, what never is.

Every test runs twice: over real HTTP on 127.0.0.1 and through the in-process adapter.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from conftest import reach_simulator

from chorus_pro import auth
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.documents import DepositMode
from chorus_pro.errors import (
    ApiNotSubscribedError,
    OutcomeUnknownError,
    PisteCredentialsError,
    ProtocolError,
    TechnicalAccountError,
    TransientError,
    WriteInterrupted,
)
from chorus_pro.simulator import Simulator, SimulatorServer, seed
from chorus_pro.simulator.faults import (
    DELAY,
    HTTP_429,
    HTTP_500,
    HTTP_503,
    LOST_ANSWER,
    MALFORMED_JSON,
    RESET,
    TOKEN_EXPIRED,
)

READ = "structures/v1/consulter"
SUBMIT = "factures/v1/soumettre"


@pytest.fixture(params=["http", "in_process"])
def config(request, sim):
    with reach_simulator(sim, ChorusConfig(max_attempts=3, backoff_base=0.01, backoff_max=0.05).with_simulation_defaults(), request.param) as settings:
        yield settings


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(sim, sleeps):
    """A client of ``settings`` on this test's simulator, with its own token cache."""
    def make(settings, cache=None):
        return ChorusProClient(settings, simulator=sim, token_cache=cache or auth.TokenCache(), sleep=sleeps.append)
    return make


@pytest.fixture
def client(config, make_client):
    with make_client(config) as running:
        yield running


def _submit(client, make_invoice, number="FA-FAULT-1"):
    return client.deposits.send(make_invoice(number=number, main_pdf=None, attachments=[]),
                                supplier_structure_id=seed.SUPPLIER.id, mode=DepositMode.DATA)


# -- reads are retried ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", [HTTP_500, HTTP_503, HTTP_429, MALFORMED_JSON, RESET])
def test_reads_are_retried(sim, client, sleeps, kind):
    sim.faults.add(kind, READ, count=2, seconds=0.01 if kind == HTTP_429 else None)
    assert client.structures.get(seed.COMMUNE.id).identifier == seed.COMMUNE.siret
    assert client.stats.by_operation[READ] == {"http_requests": 3, "retries": 2}
    assert len(sleeps) == 2 and all(0 <= s <= 0.05 for s in sleeps)


def test_reads_give_up_after_max_attempts(sim, client):
    sim.faults.add(HTTP_503, READ, count=5)
    with pytest.raises(TransientError) as info:
        client.structures.get(seed.COMMUNE.id)
    assert info.value.http_status == 503 and client.stats.by_operation[READ]["http_requests"] == 3


def test_persistently_malformed_read_is_a_protocol_error(sim, client):
    sim.faults.add(MALFORMED_JSON, READ, count=5)
    with pytest.raises(ProtocolError):
        client.structures.get(seed.COMMUNE.id)


def test_429_retry_after_is_honoured_within_the_cap(sim, client, sleeps):
    sim.faults.add(HTTP_429, READ, count=1, seconds=30)
    client.structures.get(seed.COMMUNE.id)
    assert sleeps == [0.05]  # Retry-After: 30 capped at backoff_max


def test_read_timeout_is_retried(sim, config, make_client, sleeps):
    sim.faults.add(DELAY, READ, count=1, seconds=1.0)
    with make_client(replace(config, read_timeout=0.2)) as client:
        assert client.structures.get(seed.COMMUNE.id).id == seed.COMMUNE.id
    assert len(sleeps) == 1


# -- writes are never retried ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", [HTTP_500, HTTP_503, MALFORMED_JSON, RESET, LOST_ANSWER])
def test_writes_failing_after_sending_are_outcome_unknown(sim, client, sleeps, make_invoice, kind):
    sim.faults.add(kind, SUBMIT, count=1)
    with pytest.raises(OutcomeUnknownError) as info:
        _submit(client, make_invoice)
    assert info.value.reference == "FA-FAULT-1" and info.value.operation == SUBMIT
    assert client.stats.by_operation[SUBMIT] == {"http_requests": 1, "retries": 0} and sleeps == []


def test_lost_deposit_answer_is_reconciled_without_a_second_deposit(sim, client, make_invoice):
    sim.faults.add(LOST_ANSWER, SUBMIT, count=1)
    with pytest.raises(OutcomeUnknownError):
        _submit(client, make_invoice)
    found = client.deposits.find("FA-FAULT-1", around=sim.now().date())
    assert found is not None and found.invoice_number == "FA-FAULT-1"
    assert found.invoice_id == sim.invoices_by_number("FA-FAULT-1")[0].id
    assert sim.deposit_count("FA-FAULT-1") == 1


def test_write_timeout_is_outcome_unknown(sim, config, make_client, make_invoice):
    sim.faults.add(DELAY, SUBMIT, count=1, seconds=1.0)
    with make_client(replace(config, read_timeout=0.2)) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            _submit(client, make_invoice)
    assert "read timeout" in str(info.value)


def test_throttled_write_is_transient_and_nothing_is_deposited(sim, client, sleeps, make_invoice):
    sim.faults.add(HTTP_429, SUBMIT, count=1, seconds=12)
    with pytest.raises(TransientError) as info:
        _submit(client, make_invoice)
    assert info.value.retry_after == 0.05 and info.value.http_status == 429
    assert sim.deposit_count("FA-FAULT-1") == 0 and sleeps == []


def test_refused_connection_on_a_write_is_transient(sim, make_client, make_invoice):
    cache = auth.TokenCache()
    with SimulatorServer(sim) as server:
        settings = ChorusConfig(simulator_url=server.url, connect_timeout=2).with_simulation_defaults()
        with make_client(settings, cache) as client:
            client.structures.get(seed.COMMUNE.id)  # the token is now cached
    # the server is gone: a new session (no kept-alive connection) gets "connection refused"
    with make_client(settings, cache) as client:
        with pytest.raises(TransientError) as info:
            _submit(client, make_invoice)
        assert client.stats.token_requests == 0 and client.stats.http_requests == 1
    assert "connection refused" in str(info.value) and sim.deposit_count("FA-FAULT-1") == 0


# -- tokens and credentials -------------------------------------------------------------------------
def test_token_expired_mid_batch_is_replayed_once(sim, client):
    for index in range(6):
        if index == 3:
            sim.faults.add(TOKEN_EXPIRED, READ, count=1)
        client.structures.get(seed.COMMUNE.id)
    assert client.stats.token_requests == 2 and sim.stats.token_requests == 2
    assert client.stats.by_operation[READ] == {"http_requests": 7, "retries": 1}


def test_token_expired_on_a_write_is_replayed_once_and_deposits_once(sim, client, make_invoice):
    sim.faults.add(TOKEN_EXPIRED, SUBMIT, count=1)
    result = _submit(client, make_invoice)
    assert result.status and sim.deposit_count("FA-FAULT-1") == 1


def test_unsubscribed_api(sim, client):
    sim.unsubscribe("engagementsJuridiques")
    with pytest.raises(ApiNotSubscribedError) as info:
        client.engagements_juridiques.search(seed.SUPPLIER.id, "1300012345")
    assert info.value.code == "api_not_subscribed" and info.value.params == {"api": "EngagementsJuridiques"}


def test_expired_technical_password(sim, client):
    sim.expire_technical_password()
    with pytest.raises(TechnicalAccountError) as info:
        client.structures.get(seed.COMMUNE.id)
    assert info.value.code == "technical_account_refused" and info.value.field == "tech_password"


def test_wrong_technical_password(config, make_client):
    wrong = replace(config, tech_password="not-the-password")
    with make_client(wrong) as client:
        with pytest.raises(TechnicalAccountError):
            client.structures.get(seed.COMMUNE.id)


def test_rotated_piste_secret(sim, config, make_client):
    cache = auth.TokenCache()
    with make_client(config, cache) as client:
        client.structures.get(seed.COMMUNE.id)
    sim.set_piste_secret("rotated-secret-2026")
    sim.revoke_tokens()
    with make_client(config, cache) as stale:
        with pytest.raises(PisteCredentialsError) as info:
            stale.structures.get(seed.COMMUNE.id)
    assert "rotated-secret-2026" not in str(info.value) and config.piste_client_secret not in str(info.value)
    with make_client(replace(config, piste_client_secret="rotated-secret-2026"), cache) as fresh:
        assert fresh.structures.get(seed.COMMUNE.id).id == seed.COMMUNE.id
        assert fresh.stats.token_requests == 1


def test_secrets_stay_out_of_logs_during_failures(sim, client, caplog, make_invoice):
    caplog.set_level(logging.DEBUG)
    sim.faults.add(TOKEN_EXPIRED, READ, count=1)
    sim.faults.add(HTTP_500, SUBMIT, count=1)
    client.structures.get(seed.COMMUNE.id)
    with pytest.raises(OutcomeUnknownError):
        _submit(client, make_invoice)
    for secret in (seed.PISTE_CLIENT_SECRET, seed.TECH_PASSWORD):
        assert secret not in caplog.text
    assert f"{READ}: HTTP 401" in caplog.text and f"{SUBMIT}: HTTP 500" in caplog.text


def test_lost_upload_answer_means_nothing_was_deposited(sim, client, make_invoice):
    sim.faults.add(LOST_ANSWER, "transverses/v1/ajouter/fichier", count=1)
    with pytest.raises(TransientError) as info:
        client.deposits.send(make_invoice(number="FA-UP-1"), supplier_structure_id=seed.SUPPLIER.id)
    assert info.value.code == "upload_unconfirmed" and info.value.params["number"] == "FA-UP-1" and sim.deposit_count("FA-UP-1") == 0
    assert client.deposits.send(make_invoice(number="FA-UP-1"), supplier_structure_id=seed.SUPPLIER.id).invoice_id
    assert sim.deposit_count("FA-UP-1") == 1


def test_lost_works_deposit_is_found_again(sim, client, make_works_invoice):
    from chorus_pro.works import WORKS_API, WORKS_OPERATION

    sim.faults.add(LOST_ANSWER, f"{WORKS_API}/v1/{WORKS_OPERATION}", count=1)
    with pytest.raises(OutcomeUnknownError) as info:
        client.deposits.send(make_works_invoice(), supplier_structure_id=seed.SUPPLIER.id)
    assert info.value.reference == "SIT-2026-03"
    found = client.deposits.find("SIT-2026-03", around=sim.now().date(), include_works=True)
    assert found is not None and sim.deposit_count("SIT-2026-03") == 1


@pytest.mark.parametrize("kind", [HTTP_503, RESET])
def test_token_endpoint_failures(sim, client, make_invoice, kind):
    sim.faults.add(kind, "oauth/token", count=1)
    assert client.structures.get(seed.COMMUNE.id).id == seed.COMMUNE.id  # a read retries
    assert client.stats.retries == 1 and client.stats.token_requests == 2
    sim.revoke_tokens()
    client._tokens.clear()
    sim.faults.add(kind, "oauth/token", count=1)
    with pytest.raises(TransientError):  # a write is not retried, and nothing was sent
        _submit(client, make_invoice)
    assert sim.deposit_count("FA-FAULT-1") == 0


def test_an_interruption_once_the_deposit_left_is_an_unknown_outcome(make_invoice):
    def interrupted(seconds):  # Ctrl-C while the platform holds the request
        raise KeyboardInterrupt

    sim = Simulator(sleep=interrupted)
    client = ChorusProClient(ChorusConfig(), simulator=sim, token_cache=auth.TokenCache())
    sim.faults.add(DELAY, SUBMIT, seconds=1)
    with pytest.raises(WriteInterrupted) as caught:
        client.deposits.send(make_invoice(number="FA-INT-1"), supplier_structure_id=seed.SUPPLIER.id)
    assert isinstance(caught.value, KeyboardInterrupt)  # the program still stops
    assert (caught.value.outcome.operation, caught.value.outcome.reference) == (SUBMIT, "FA-INT-1")
    assert "search Chorus Pro for it before sending it again" in caught.value.outcome.message_en

    # during the upload of the PDF: a plain interruption, the invoice was not deposited
    sim.faults.add(DELAY, "transverses/v1/ajouter/fichier", seconds=1)
    with pytest.raises(KeyboardInterrupt) as caught:
        client.deposits.send(make_invoice(number="FA-INT-2"), supplier_structure_id=seed.SUPPLIER.id)
    assert not isinstance(caught.value, WriteInterrupted) and sim.deposit_count("FA-INT-2") == 0
