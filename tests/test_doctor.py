"""The setup doctor against the simulator (over HTTP on 127.0.0.1, and in process)."""

from __future__ import annotations

import contextlib
import io
import socket
from dataclasses import replace
from datetime import timedelta

import pytest

from chorus_pro import auth
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig, Environment
from chorus_pro.doctor import (
    NOT_RUN,
    STEPS,
    PasswordExpiry,
    doctor_ok,
    first_failure,
    format_report,
    is_warning,
    run_doctor,
    step_title_en,
    supplier_structure_id,
)
from chorus_pro.messages import MESSAGES
from chorus_pro.results import BankAccount
from chorus_pro.simulator import DELAY, Simulator, SimulatorServer, seed

STEP_KEYS = list(STEPS)



@pytest.fixture
def server(sim):
    with SimulatorServer(sim) as running:
        yield running


@pytest.fixture
def config(server):
    return ChorusConfig(simulator_url=server.url).with_simulation_defaults()


def make_client(config):
    return ChorusProClient(config, token_cache=auth.TokenCache(), sleep=lambda seconds: None)


@pytest.fixture
def client(config):
    with make_client(config) as running:
        yield running


def by_key(results):
    return {result.key: result for result in results}


def today(sim):
    return sim.now().date()


def assert_not_run_after(results, key):
    keys = [result.key for result in results]
    assert keys == STEP_KEYS
    for result in results[keys.index(key) + 1:]:
        assert not result.passed
        assert result.code == NOT_RUN


def test_every_step_passes_on_the_seed(sim, client):
    results = run_doctor(client, supplier_siret=seed.SUPPLIER.siret, today=today(sim))
    assert [r.key for r in results] == STEP_KEYS
    assert doctor_ok(results), format_report(results)
    assert all(step_title_en(r.key) and r.code in MESSAGES for r in results)
    steps = by_key(results)
    assert steps["supplier"].value == seed.SUPPLIER.id == supplier_structure_id(results)
    assert steps["bank_accounts"].value == [BankAccount(*seed.SUPPLIER_BANK_ACCOUNTS[0])]
    expiry = steps["password_expiry"].value
    assert isinstance(expiry, PasswordExpiry)
    assert expiry.days_left in (seed.TECH_PASSWORD_VALID_DAYS - 1, seed.TECH_PASSWORD_VALID_DAYS)
    assert not any(is_warning(r) for r in results)
    report = format_report(results)
    assert "Connection with Chorus Pro established" in report
    assert "[KO]" not in report
    # one token for the whole run
    assert client.stats.token_requests == 1


def test_without_siret_the_single_supplier_structure_is_used(sim, client):
    results = run_doctor(client, today=today(sim))
    assert doctor_ok(results)
    assert supplier_structure_id(results) == seed.SUPPLIER.id


def test_in_process_with_a_config(sim):
    results = run_doctor(ChorusConfig(environment=Environment.SIMULATION), simulator=sim, today=today(sim))
    assert doctor_ok(results), format_report(results)
    assert sim.stats.token_requests >= 1  # the given simulator answered, not the process-wide one


def test_missing_setting_stops_before_any_call():
    config = ChorusConfig(environment=Environment.QUALIFICATION, piste_client_id="abc")
    results = run_doctor(config)
    failure = first_failure(results)
    assert failure.key == "settings"
    assert failure.code == "setting_missing" and failure.params["setting"] == "piste_client_secret"
    assert "PISTE client secret" in failure.message_en
    assert_not_run_after(results, "settings")
    assert "Connection with Chorus Pro not established" in format_report(results)


def test_wrong_piste_secret(sim, config):
    wrong = "wrong-secret-4242"
    with make_client(replace(config, piste_client_secret=wrong)) as client:
        results = run_doctor(client, today=today(sim))
    failure = first_failure(results)
    assert failure.key == "piste_token"
    assert failure.code == "doctor_piste_refused" and "check the client ID and secret" in failure.message_en
    assert_not_run_after(results, "piste_token")
    report = format_report(results)
    assert wrong not in report and all(wrong not in r.message_en for r in results)


def test_unreachable_platform_is_reported_as_temporary():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ChorusConfig(simulator_url=f"http://127.0.0.1:{port}", max_attempts=1).with_simulation_defaults()
    with make_client(config) as client:
        results = run_doctor(client)
    failure = first_failure(results)
    assert failure.key == "piste_token"
    assert failure.code == "doctor_unexpected_retry" and "Try again" in failure.message_en
    assert failure.value.retryable


def test_unsubscribed_required_api(sim, client):
    sim.unsubscribe("factures")
    results = run_doctor(client, today=today(sim))
    steps = by_key(results)
    failure = steps["api_factures"]
    assert not failure.passed
    assert failure.code == "doctor_api_not_subscribed"
    assert failure.params == {"api": "Factures", "purpose": "factures"}
    assert "accept the terms of use (CGU) of the Factures API" in failure.message_en
    # the other APIs are still probed, so that one run lists every missing subscription
    assert all(steps[f"api_{api}"].passed for api in ("structures", "transverses", "utilisateurs",
                                                      "engagementsJuridiques", "facturesTravaux"))
    assert steps["technical_account"].code == NOT_RUN
    assert not doctor_ok(results)


def test_unsubscribed_optional_api_is_a_warning(sim, client):
    sim.unsubscribe("facturesTravaux")
    results = run_doctor(client, today=today(sim))
    assert doctor_ok(results)
    works = by_key(results)["api_facturesTravaux"]
    assert is_warning(works)
    assert works.code == "doctor_api_optional_missing" and "FacturesTravaux API" in works.message_en
    report = format_report(results)
    assert "[!!] API FacturesTravaux reachable" in report
    assert "Connection with Chorus Pro established" in report


def test_expired_technical_password(sim, client):
    sim.expire_technical_password()
    results = run_doctor(client, today=today(sim))
    failure = first_failure(results)
    assert failure.key == "technical_account"
    assert failure.code == "doctor_technical_account_refused" and failure.params == {"days": "424"}
    assert "Raccordement EDI/API" in failure.message_en and "renews" in failure.message_en
    assert_not_run_after(results, "technical_account")
    assert seed.TECH_PASSWORD not in format_report(results)


def test_wrong_technical_password(sim, config):
    with make_client(replace(config, tech_password="Not-The-Password-1")) as client:
        results = run_doctor(client, today=today(sim))
    failure = first_failure(results)
    assert failure.key == "technical_account"
    assert "Not-The-Password-1" not in format_report(results)


def test_password_expiring_soon_is_a_warning(sim, client):
    sim.set_technical_password(seed.TECH_PASSWORD, valid_days=10)
    results = run_doctor(client, today=today(sim))
    assert doctor_ok(results)
    expiry = by_key(results)["password_expiry"]
    assert is_warning(expiry)
    assert expiry.value.days_left in (9, 10)
    assert expiry.code == "doctor_password_expires_soon" and expiry.message_en.startswith("Warning: the password")


def test_password_expiry_counted_from_the_given_day(sim, client):
    later = today(sim) + timedelta(days=seed.TECH_PASSWORD_VALID_DAYS + 5)
    expiry = by_key(run_doctor(client, today=later))["password_expiry"]
    assert not expiry.passed
    assert expiry.code == "doctor_password_expired" and expiry.params["expiry"] == expiry.value.expiry.isoformat()


def test_supplier_not_attached(sim, client):
    results = run_doctor(client, supplier_siret=seed.TITULAIRE.siret, today=today(sim))
    failure = first_failure(results)
    assert failure.key == "supplier"
    assert failure.code == "doctor_supplier_not_attached" and failure.params["siret"] == seed.TITULAIRE.siret
    assert f"Structure {seed.TITULAIRE.siret} is not attached" in failure.message_en
    assert seed.SUPPLIER.siret in failure.params["seen"]  # what is attached, to help the fix
    assert_not_run_after(results, "supplier")


def test_no_valid_bank_account(sim, client):
    sim.store.bank_accounts[seed.SUPPLIER.id] = []
    results = run_doctor(client, supplier_siret=seed.SUPPLIER.siret, today=today(sim))
    failure = first_failure(results)
    assert failure.key == "bank_accounts"
    assert failure.code == "doctor_no_bank_account" and "No valid bank account" in failure.message_en
    assert failure.value == []
    # the password expiry does not depend on the bank details: still checked
    assert by_key(results)["password_expiry"].passed


def test_not_run_steps_of_a_report(sim, client):
    sim.unsubscribe("utilisateurs")
    report = format_report(run_doctor(client, today=today(sim)))
    assert "[KO] API Utilisateurs reachable" in report
    assert "[--] Technical account accepted by Chorus Pro" in report
    assert MESSAGES[NOT_RUN] in report
    assert 'fix the step "API Utilisateurs reachable"' in report


def test_password_expiry_counted_from_the_platform_day(sim, config):
    # no ``today`` given: the client's day, taken from the simulator's clock
    with ChorusProClient(config, simulator=sim, token_cache=auth.TokenCache()) as client:
        expiry = by_key(run_doctor(client))["password_expiry"].value
    assert expiry.days_left == seed.TECH_PASSWORD_VALID_DAYS


# -- each step as soon as it is done ---------------------------------------------------------------------
BANK_ACCOUNTS = "transverses/v1/recuperer/coordbanc/valides"


def test_on_result_gets_each_step_before_the_next_one_runs(pinned_simulation_start):
    reported, reported_when_slow = [], []
    slow = Simulator(sleep=lambda seconds: reported_when_slow.append([r.key for r in reported]))
    slow.faults.add(DELAY, BANK_ACCOUNTS, seconds=1)
    results = run_doctor(ChorusConfig(), simulator=slow, on_result=reported.append)
    assert reported == results and doctor_ok(results)
    assert reported_when_slow == [STEP_KEYS[:STEP_KEYS.index("bank_accounts")]]


def test_on_result_gets_the_steps_not_run_too(sim, client):
    sim.unsubscribe("factures")
    reported = []
    results = run_doctor(client, today=today(sim), on_result=reported.append)
    assert reported == results and [r.key for r in reported] == STEP_KEYS


def test_the_command_prints_each_step_as_soon_as_it_is_done():
    from chorus_pro.cli import main

    printed = io.StringIO()
    printed_when_slow = []
    slow = Simulator(sleep=lambda seconds: printed_when_slow.append(printed.getvalue()))
    slow.faults.add(DELAY, BANK_ACCOUNTS, seconds=1)
    with SimulatorServer(slow) as server, contextlib.redirect_stdout(printed):
        assert main(["--simulator-url", server.url, "doctor"]) == 0
    # while the platform was slow to answer, the steps already done were on the screen
    (shown,) = printed_when_slow
    assert "[OK] Supplier structure connected" in shown and "bank details" not in shown
    assert printed.getvalue().rstrip().endswith("Connection with Chorus Pro established.")
    assert printed.getvalue().startswith(shown)
