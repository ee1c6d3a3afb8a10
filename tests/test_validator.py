"""Our company as validator of its subcontractors' and co-contractors' documents (chorus_pro.validator):
the Factures operations of the validator role through the client, and the simulator's behaviour.

Every request here is checked against the official Swagger by the suite's observer (conftest.py); the
answers are checked against the Swagger's response definitions below.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from test_simulator_spec import _check_answer

from chorus_pro import auth
from chorus_pro.api.factures_travaux import VALIDATOR_ROLE
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.errors import BusinessError, DocumentValidationError, OutcomeUnknownError
from chorus_pro.messages import message_en
from chorus_pro.simulator import faults, seed
from chorus_pro.validator import (
    ACCEPT_ACTION,
    REFUSE_ACTION,
    VALIDATION_DELAY_DAYS,
    ValidationState,
    validation_deadline,
    validation_state,
)

DAY = 86400
A9 = "A9_FACTURE_SOUSTRAITANT"
A10 = "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT"


@pytest.fixture
def client(sim):
    with ChorusProClient(ChorusConfig(), simulator=sim, token_cache=auth.TokenCache()) as running:
        yield running


def deposit(sim, number="ST-2026-001", **options):
    options.setdefault("untaxed", "4200.00")
    options.setdefault("market_number", "2026-TX-017")
    return sim.deposit_for_validation(seed.SOUS_TRAITANT.siret, number, **options)


# -- the rules ---------------------------------------------------------------------------------------
def test_deadline_is_fifteen_calendar_days_after_the_deposit():
    assert VALIDATION_DELAY_DAYS == 15
    assert validation_deadline(date(2026, 2, 20)) == date(2026, 3, 7)  # across the end of February


@pytest.mark.parametrize("status, state", [
    ("A_VALIDER_1", ValidationState.TO_VALIDATE), ("VALIDEE_1", ValidationState.ACCEPTED),
    ("REFUSEE_1", ValidationState.REFUSED), ("ABSENCE_VALIDATION_1_HORS_DELAI", ValidationState.ACCEPTED_BY_SILENCE),
    ("EN_COURS_ACHEMINEMENT", ValidationState.ACCEPTED), ("MISE_EN_PAIEMENT", ValidationState.ACCEPTED),
    ("A_VALIDER_MOE", ValidationState.ACCEPTED), ("DEPOSEE", ValidationState.ELSEWHERE),
    ("ERREUR_FOURNISSEUR_SUR_VALIDEUR", ValidationState.ELSEWHERE), ("", ValidationState.ELSEWHERE),
])
def test_validation_state_of_each_status(status, state):
    assert validation_state(status) is state


# -- client ↔ simulator ---------------------------------------------------------------------------
def test_documents_to_validate_are_listed_read_and_accepted(client, sim):
    a9 = deposit(sim, vat="840.00")
    deposit(sim, "ST-SIT-03", cadre=A10, untaxed="12500.50")
    waiting = list(client.factures.iter_documents_to_validate())
    assert [(d.number, d.kind, d.status) for d in waiting] == [
        ("ST-2026-001", "FACTURE", "A_VALIDER_1"), ("ST-SIT-03", "FACTURE_TRAVAUX", "A_VALIDER_1")]
    first = waiting[0]
    assert (first.supplier_identifier, first.supplier_name, first.market_number) == (
        seed.SOUS_TRAITANT.siret, seed.SOUS_TRAITANT.name, "2026-TX-017")
    assert (first.amount_untaxed, first.amount_total) == (Decimal("4200.00"), Decimal("5040.00"))
    assert first.deposit_date == sim.now().date()
    assert waiting[1].works_type == "PROJET_DECOMPTE_MENSUEL" and waiting[1].amount_untaxed == Decimal("12500.5")

    detail = client.factures.get_document_to_validate(a9.id)
    assert (detail.cadre, detail.number, detail.supplier_structure_id, detail.amount_untaxed) == (
        A9, "ST-2026-001", seed.SOUS_TRAITANT.id, Decimal("4200.0"))

    decision = client.factures.accept_document(a9.id)
    assert (decision.invoice_id, decision.number, decision.status) == (a9.id, "ST-2026-001", "VALIDEE_1")
    assert [d.number for d in client.factures.iter_documents_to_validate()] == ["ST-SIT-03"]
    sim.advance(3600)  # accepted, the invoice goes on to the buyer
    assert sim.invoice(a9.id).status == "EN_COURS_ACHEMINEMENT"


def test_refusal_carries_its_reason_and_needs_one(client, sim):
    document = deposit(sim)
    with pytest.raises(DocumentValidationError) as refused:
        client.factures.refuse_document(document.id, "   ")
    assert refused.value.issues[0].code == "refusal_reason_missing"
    assert refused.value.issues[0].field == "motifRefus"
    assert "reason" in message_en("refusal_reason_missing", {"number": "7"})
    assert client.stats.by_operation.get("factures/v1/traiter/factureAValider") is None, "nothing was sent"

    decision = client.factures.refuse_document(document.id, "Quantités non conformes au DC4", comment="lot 2")
    assert decision.status == "REFUSEE_1"
    stored = sim.invoice(document.id)
    assert stored.status_comment == "Quantités non conformes au DC4 – lot 2"
    sim.advance(30 * DAY)
    assert sim.invoice(document.id).status == "REFUSEE_1", "a refused document stays refused"


def test_silence_past_fifteen_days_is_acceptance(client, sim):
    document = deposit(sim)
    sim.advance(VALIDATION_DELAY_DAYS * DAY - 60)
    assert sim.invoice(document.id).status == "A_VALIDER_1", "it waits for us for fifteen days"
    sim.advance(60)
    listed = list(client.factures.iter_validator_documents(statuses=["ABSENCE_VALIDATION_1_HORS_DELAI"]))
    assert [d.invoice_id for d in listed] == [document.id]
    assert validation_state(listed[0].status) is ValidationState.ACCEPTED_BY_SILENCE
    assert list(client.factures.iter_documents_to_validate()) == []
    sim.advance(3600)
    assert sim.invoice(document.id).status == "EN_COURS_ACHEMINEMENT"


def test_a_document_decided_already_cannot_be_decided_again(client, sim):
    document = deposit(sim)
    client.factures.accept_document(document.id)
    with pytest.raises(BusinessError):
        client.factures.refuse_document(document.id, "trop tard")
    assert sim.invoice(document.id).status in ("VALIDEE_1", "EN_COURS_ACHEMINEMENT")


def test_a_lost_decision_answer_is_an_unknown_outcome_and_the_document_tells_the_truth(client, sim):
    document = deposit(sim)
    sim.faults.add(faults.LOST_ANSWER, "factures/v1/traiter/factureAValider")
    with pytest.raises(OutcomeUnknownError):
        client.factures.accept_document(document.id)
    assert sim.stats.by_operation["factures/v1/traiter/factureAValider"] == 1, "a write is not retried"
    assert client.factures.get_document_to_validate(document.id).status == "VALIDEE_1"


def test_the_searches_walk_every_page(client, sim):
    for n in range(7):
        deposit(sim, f"ST-{n:03d}")
    waiting = list(client.factures.iter_documents_to_validate(page_size=3))
    assert [d.number for d in waiting] == [f"ST-{n:03d}" for n in range(7)]
    assert client.stats.by_operation["factures/v1/rechercher/aTraiter/valideur"]["http_requests"] == 3
    everything = list(client.factures.iter_validator_documents(page_size=2, market_number="2026-TX-017"))
    assert len(everything) == 7


def test_the_validator_sees_only_the_documents_naming_it(client, sim):
    deposit(sim, "ST-OTHER", validator=seed.TITULAIRE.siret)  # another titulaire validates this one
    ours = deposit(sim, "ST-OURS")
    assert [d.invoice_id for d in client.factures.iter_documents_to_validate()] == [ours.id]
    assert [i.invoice_number for i in client.factures.iter_supplier_invoices()] == [], \
        "a partner's documents are not ours as supplier"
    with pytest.raises(BusinessError):
        client.factures.get_document_to_validate(ours.id - 1)


def test_works_documents_to_validate_in_the_works_search_as_validator(client, sim):
    sit = deposit(sim, "ST-SIT-04", cadre=A10, untaxed="9000.00")
    deposit(sim, "ST-FACT-05")  # an A9 invoice is not a works document
    found = list(client.factures_travaux.iter_invoices(role=VALIDATOR_ROLE))
    assert [(w.works_invoice_id, w.status, w.cadre) for w in found] == [(sit.id, "A_VALIDER_1", A10)]
    assert list(client.factures_travaux.iter_invoices()) == [], "as supplier we deposited no works document"
    with pytest.raises(ValueError):
        list(client.factures_travaux.iter_invoices(role="VALIDATOR"))
    client.factures.accept_document(sit.id)
    sim.advance(3600)  # an accepted works document goes on to the MOE
    assert sim.invoice(sit.id).status == "A_VALIDER_MOE"


def test_answers_fit_the_swagger(sim):
    from test_simulator_support import Api

    api = Api(sim)
    document = deposit(sim, untaxed="4200.00")
    for operation, body in (("factures/v1/rechercher/aTraiter/valideur", {"pagination": {"pageResultatDemandee": 1}}),
                            ("factures/v1/rechercher/valideur", {"statutCourant": ["A_VALIDER_1"]})):
        answer = api.ok(operation, body)
        for item in answer["listeFactures"]:  # int64 in the Swagger; the simulator sends the cents
            for key in ("montantHT", "montantTTC", "montantAPayer"):
                item[key] = int(item[key])
        _check_answer(operation, answer)
    _check_answer("factures/v1/consulter/valideur",
                  api.ok("factures/v1/consulter/valideur", {"identifiantFactureCPP": document.id}))
    _check_answer("factures/v1/traiter/factureAValider", api.ok("factures/v1/traiter/factureAValider", {
        "idFacture": document.id, "action": REFUSE_ACTION, "motifRefus": "Montant hors DC4"}))
    refused = api.refused("factures/v1/traiter/factureAValider", {"idFacture": document.id, "action": ACCEPT_ACTION})
    _check_answer("factures/v1/traiter/factureAValider", refused)


def test_the_simulator_refuses_a_refusal_without_reason_and_an_unknown_action(sim):
    from test_simulator_support import Api

    api = Api(sim)
    document = deposit(sim)
    no_reason = api.refused("factures/v1/traiter/factureAValider", {"idFacture": document.id,
                                                                     "action": REFUSE_ACTION})
    assert "motifRefus" in no_reason["detail"]
    unknown = api.refused("factures/v1/traiter/factureAValider", {"idFacture": document.id, "action": "ACCEPTER"})
    assert "ACCEPTER" in unknown["detail"]
    assert sim.invoice(document.id).status == "A_VALIDER_1"


def test_the_control_endpoint_deposits_a_document_to_validate(sim):
    import requests

    from chorus_pro.simulator import SimulatorServer

    with SimulatorServer(sim) as server:
        answer = requests.post(f"{server.url}/_simulator/validations", json={
            "supplier": seed.SOUS_TRAITANT.siret, "number": "ST-HTTP-1", "untaxed": "150.00"}, timeout=10).json()
        missing = requests.post(f"{server.url}/_simulator/validations", json={"number": "X"}, timeout=10)
    assert (answer["numeroFacture"], answer["statut"], answer["identifiantValideur"]) == (
        "ST-HTTP-1", "A_VALIDER_1", seed.SUPPLIER.siret)
    assert missing.status_code == 400
    assert sim.now() - sim.invoice(answer["idFacture"]).deposited_at < timedelta(seconds=1)
