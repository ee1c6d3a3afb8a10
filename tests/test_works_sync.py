"""Works status sync over real HTTP against the simulator: one search per page, a detail only for a new piece."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from conftest import build_works_invoice

from chorus_pro import auth
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.simulator import Simulator, SimulatorServer, seed
from chorus_pro.statuses import WORKS_STATUSES, TransmissionState, status_label, transmission_state
from chorus_pro.works_sync import FollowedWorksPiece, naive_utc, sync_works

#: one status step; shorter than the token's life, so that no call is a replay after a 401
STEP = 60
SEARCH = "facturesTravaux/v1/rechercher"
DETAIL = "factures/v1/consulter/fournisseur"


@pytest.fixture
def sim():
    return Simulator(step_seconds=STEP)


@pytest.fixture
def client(sim):
    with SimulatorServer(sim) as server:
        config = ChorusConfig(simulator_url=server.url).with_simulation_defaults()
        with ChorusProClient(config, simulator=sim, token_cache=auth.TokenCache(), sleep=lambda s: None) as running:
            yield running


def deposit(client, number):
    result = client.deposits.send(build_works_invoice(number=number), supplier_structure_id=seed.SUPPLIER.id)
    return FollowedWorksPiece(result.invoice_id, result.invoice_number, result.status)


def calls(client, operation):
    return client.stats.by_operation.get(operation, {}).get("http_requests", 0)


def run(client, followed, since, **kwargs):
    before = {op: calls(client, op) for op in (SEARCH, DETAIL)}
    result = sync_works(client, followed, since=since, supplier_structure_id=seed.SUPPLIER.id,
                        supplier_identifier=seed.SUPPLIER.siret, **kwargs)
    return result, {op: calls(client, op) - before[op] for op in before}


def test_one_search_per_page_and_no_detail_for_a_plain_change(sim, client):
    followed = [deposit(client, f"SIT-2026-{n:02d}") for n in range(1, 6)]
    since = sim.now()
    sim.advance(STEP)
    result, spent = run(client, followed, since, page_size=2)
    assert spent == {SEARCH: math.ceil(5 / 2), DETAIL: 0}
    assert sorted(c.followed.number for c in result.changes) == [f.number for f in followed]
    assert {(c.latest.status, c.problem) for c in result.changes} == {("MISE_A_DISPOSITION_MOE", "")}
    moved = result.changes[0].latest
    assert naive_utc(moved.status_date) == naive_utc(sim.invoice(moved.works_invoice_id).status_at)
    assert moved.amount_to_pay == Decimal("5027.50")


def test_unchanged_documents_cost_nothing_but_the_search(sim, client):
    followed = [deposit(client, "SIT-2026-01")]
    sim.advance(STEP)
    now = sim.invoice(followed[0].works_invoice_id)
    current = [FollowedWorksPiece(now.id, now.number, now.status, now.status_at)]
    result, spent = run(client, current, None)
    assert result.changes == [] and spent == {SEARCH: 1, DETAIL: 0}


def test_the_billing_file_in_order_with_the_amount_the_moe_accepted(sim, client):
    piece = deposit(client, "SIT-2026-03")
    sim.set_accepted_amount(piece.works_invoice_id, "4800.00")
    since = sim.now()
    sim.advance(4 * STEP)  # … A_ASSOCIER_MOE → ASSOCIEE: the MOE deposits its état d'acompte
    result, spent = run(client, [piece], since)
    assert spent == {SEARCH: 1, DETAIL: 1}, "a detail call only for the piece that got a next one"
    [change] = result.changes
    assert [(p.number, p.cadre, p.status) for p in change.pieces] == [
        ("SIT-2026-03", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "ASSOCIEE"),
        ("SIT-2026-03-EA", "A15_ETAT_ACOMPTE_MOE", "TRANSMISE_MOA")]
    assert change.latest.amount_to_pay == Decimal("4800.00") and change.latest.previous_id == piece.works_invoice_id

    tip = change.latest
    followed = FollowedWorksPiece(tip.works_invoice_id, tip.number, tip.status, tip.status_date)
    since = sim.now()
    sim.advance(8 * STEP)  # the MOE's piece → ASSOCIEE, the MOA's piece → … MISE_EN_PAIEMENT
    result, spent = run(client, [followed], since)
    assert [(p.number, p.status) for p in result.changes[0].pieces] == [
        ("SIT-2026-03-EA", "ASSOCIEE"), ("SIT-2026-03-EAV", "MISE_EN_PAIEMENT")]
    assert spent == {SEARCH: 1, DETAIL: 1}
    assert transmission_state(result.changes[0].latest.status) is TransmissionState.PAID


def test_a_line_of_another_number_or_supplier_is_not_applied(sim, client):
    piece = deposit(client, "SIT-2026-07")
    sim.advance(STEP)
    wrong_number = FollowedWorksPiece(piece.works_invoice_id, "SIT-2026-99", piece.status)
    [change] = run(client, [wrong_number], None)[0].changes
    assert "numbered 'SIT-2026-07', not 'SIT-2026-99'" in change.problem
    result = sync_works(client, [piece], since=None, supplier_identifier=seed.TITULAIRE.siret)
    assert f"not {seed.TITULAIRE.siret}" in result.changes[0].problem


def test_works_statuses_table_gives_english_french_and_state():
    assert WORKS_STATUSES["A_ASSOCIER_FOURNISSEUR"].state is TransmissionState.ACTION_NEEDED
    assert WORKS_STATUSES["REFUSEE_MOA"].french == status_label("REFUSEE_MOA") == "Refusée par la MOA"
    assert WORKS_STATUSES["TRANSMISE_MOA"].english == "Sent to the contracting authority (MOA)"
    assert transmission_state("ASSOCIEE") is TransmissionState.IN_PROGRESS
    assert all(status.english and status.french for status in WORKS_STATUSES.values())
