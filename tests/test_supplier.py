"""One policy for the supplier structure and the bank account of a deposit (chorus_pro.supplier)."""

from __future__ import annotations

import pytest
from conftest import reach_simulator

from chorus_pro import auth
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.errors import ConfigurationError
from chorus_pro.results import BankAccount
from chorus_pro.simulator import seed
from chorus_pro.supplier import BankAccountChoiceError, choose_bank_account, resolve_supplier

TWO_ACCOUNTS = [(5151, "Compte principal"), (5252, "Compte travaux")]


@pytest.fixture(params=["http", "in_process"])
def client(request, sim):
    with reach_simulator(sim, ChorusConfig().with_simulation_defaults(), request.param) as settings, \
            ChorusProClient(settings, simulator=sim, token_cache=auth.TokenCache(),
                            sleep=lambda seconds: None) as running:
        yield running


def test_one_valid_account_is_taken(client):
    resolved = resolve_supplier(client, seed.SUPPLIER.siret)
    assert resolved.structure_id == seed.SUPPLIER.id
    assert (resolved.bank_account_id, resolved.bank_account_name) == seed.SUPPLIER_BANK_ACCOUNTS[0]


def test_several_valid_accounts_are_refused_until_one_is_chosen(client, sim):
    sim.set_bank_accounts(TWO_ACCOUNTS)
    with pytest.raises(BankAccountChoiceError) as caught:
        resolve_supplier(client, seed.SUPPLIER.siret)
    assert [a.id for a in caught.value.accounts] == [5151, 5252]
    assert "5151 (Compte principal), 5252 (Compte travaux)" in caught.value.message_en
    assert caught.value.code == "bank_account_several" and caught.value.field == "bank_account_id"
    assert resolve_supplier(client, seed.SUPPLIER.siret, 5252).bank_account_id == 5252


def test_no_valid_account_is_refused(client, sim):
    sim.set_bank_accounts([])
    with pytest.raises(BankAccountChoiceError, match="No valid bank account") as caught:
        resolve_supplier(client, seed.SUPPLIER.siret)
    assert caught.value.code == "bank_account_none" and "IBAN" in caught.value.message_en


def test_no_bank_account_when_not_paid_by_transfer(client, sim):
    sim.set_bank_accounts(TWO_ACCOUNTS)
    resolved = resolve_supplier(client, seed.SUPPLIER.siret, needs_bank_account=False)
    assert (resolved.structure_id, resolved.bank_account_id) == (seed.SUPPLIER.id, None)


def test_a_known_structure_is_not_looked_up_and_an_unattached_siret_is_refused(client):
    assert resolve_supplier(client, "", structure_id=seed.SUPPLIER.id).structure_id == seed.SUPPLIER.id
    with pytest.raises(ConfigurationError, match=f"Supplier SIRET {seed.COMMUNE.siret} is not among") as caught:
        resolve_supplier(client, seed.COMMUNE.siret)
    assert caught.value.field == "supplier" and caught.value.code == "supplier_not_attached"
    assert caught.value.params == {"siret": seed.COMMUNE.siret, "seen": seed.SUPPLIER.siret}


def test_choose_bank_account_policy():
    only = BankAccount(1, "A")
    assert choose_bank_account([only]) is only
    for accounts in ([], [only, BankAccount(2, "B")]):
        with pytest.raises(BankAccountChoiceError):
            choose_bank_account(accounts)


# -- the command line follows the same policy ---------------------------------------------------------
@pytest.fixture(scope="module")
def served():
    from test_cli import SimulatorProcess

    running = SimulatorProcess("--step-seconds", "3600")
    yield running
    running.stop()


def test_cli_submit_asks_to_choose_among_several_bank_accounts(served, tmp_path):
    import requests
    from test_cli import assert_clean_error, run_cli, write_invoice

    requests.post(f"{served.url}/_simulator/bank-accounts", json={"accounts": TWO_ACCOUNTS}, timeout=10)
    path = write_invoice(tmp_path, number="CLI-BANK-0001")
    refused = run_cli("--simulator-url", served.url, "submit", path)
    assert_clean_error(refused, 2, "Several valid bank accounts on Chorus Pro: choose one of 5151 (Compte principal)")
    chosen = run_cli("--simulator-url", served.url, "submit", path, "--bank-account", "5252")
    assert chosen.returncode == 0, chosen.stderr
    assert "Using the bank account" not in chosen.stderr
    # the chosen id is the one deposited: Chorus Pro refuses an id that is not a valid account
    unknown = run_cli("--simulator-url", served.url, "submit", write_invoice(tmp_path, number="CLI-BANK-0002"),
                      "--bank-account", "9999")
    assert unknown.returncode != 0 and "9999" in unknown.stderr
