"""The client against the simulator, every operation.

The ``client`` fixture runs each test twice: over real HTTP on 127.0.0.1
(``SimulatorServer``) and through the in-process adapter.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import reach_simulator

from chorus_pro import auth
from chorus_pro.api import StructureInactiveError, StructureNotFoundError
from chorus_pro.cadres import Cadre
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig
from chorus_pro.documents import Attachment, DepositMode
from chorus_pro.errors import BusinessError, DocumentValidationError, DuplicateInvoiceError
from chorus_pro.results import ReferenceRequirement
from chorus_pro.simulator import Simulator, seed


@pytest.fixture(params=["http", "in_process"])
def config(request, sim):
    with reach_simulator(sim, ChorusConfig().with_simulation_defaults(), request.param) as settings:
        yield settings


@pytest.fixture
def client(config, sim):
    with ChorusProClient(config, simulator=sim, token_cache=auth.TokenCache(),
                         sleep=lambda seconds: None) as running:
        yield running


def test_health_and_transverses(client):
    assert client.transverses.health_check().ok
    assert [(s.id, s.identifier) for s in client.transverses.supplier_structures()] == [(seed.SUPPLIER.id, seed.SUPPLIER.siret)]
    assert [a.id for a in client.transverses.valid_bank_accounts(seed.SUPPLIER.id)] == [seed.SUPPLIER_BANK_ACCOUNTS[0][0]]
    attachments = client.utilisateurs.my_attachments()
    assert seed.SUPPLIER.id in [a.structure_id for a in attachments]


def test_requests_go_to_the_real_paths_with_the_account_header(sim, client):
    client.transverses.supplier_structures()
    assert sim.stats.by_operation.get("transverses/v1/recuperer/structures/actives/fournisseur") == 1
    assert client.stats.http_requests == 1 and client.stats.token_requests == 1
    assert sim.stats.token_requests == 1
    assert "cpro-account" not in client.session.headers and "Authorization" not in client.session.headers


@pytest.mark.parametrize("buyer, requirement", [
    (seed.COMMUNE, ReferenceRequirement.SERVICE), (seed.DEPARTEMENT, ReferenceRequirement.EJ),
    (seed.HOPITAL, ReferenceRequirement.SERVICE_AND_EJ), (seed.COMMUNAUTE, ReferenceRequirement.SERVICE_OR_EJ),
    (seed.OPH, ReferenceRequirement.NONE),
])
def test_structures(client, buyer, requirement):
    structure = client.structures.find(buyer.siret)
    assert (structure.id, structure.name, structure.active) == (buyer.id, buyer.name, True)
    details = client.structures.get(structure.id)
    assert details.requirement is requirement and details.identifier == buyer.siret and details.public


def test_structure_not_found_or_inactive(client):
    with pytest.raises(StructureInactiveError):
        client.structures.find(seed.SYNDICAT_INACTIF.siret)
    with pytest.raises(StructureNotFoundError) as info:
        client.structures.find("73282932000074")
    assert info.value.params["siret"] == "73282932000074" and "73282932000074" in str(info.value)


def test_technical_password_expiry_is_read_on_the_supplier_structure(sim, client):
    details = client.structures.get(seed.SUPPLIER.id)
    expected = sim.now() + timedelta(days=seed.TECH_PASSWORD_VALID_DAYS)
    assert details.technical_password_expiry is not None
    assert abs((details.technical_password_expiry - expected).total_seconds()) < 86400 + 1
    assert not details.public


def test_services(client):
    services = {s.code: s for s in client.structures.list_services(seed.COMMUNE.id)}
    assert set(services) == {s.code for s in seed.COMMUNE.services}
    assert not services["ANCIEN-SERV"].active and not services["FACTURES_PUBLIQUES"].selectable
    assert services["SERV-TECH"].selectable
    voirie = client.structures.get_service(seed.COMMUNE.id, services["DST-VOIRIE"].id)
    assert voirie.ej_required is True and voirie.code == "DST-VOIRIE"
    assert client.structures.get_service(seed.COMMUNE.id, services["SERV-TECH"].id).ej_required is False


def test_engagements(client):
    found = client.engagements_juridiques.search(seed.SUPPLIER.id, "1300012345")
    assert [e.number for e in found] == ["1300012345"]
    assert client.engagements_juridiques.search(seed.SUPPLIER.id, "9999999999") == []


def test_send_invoice_then_follow_it(sim, client, make_invoice):
    invoice = make_invoice()
    result = client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id)
    assert result.status == "DEPOSEE" and result.invoice_id > 0
    assert result.deposit_date == sim.now().date()
    assert sim.deposit_count(invoice.number) == 1
    details = client.factures.get_supplier_invoice(result.invoice_id)
    assert (details.invoice_number, details.buyer_identifier, details.service_code) == (
        invoice.number, seed.COMMUNE.siret, "SERV-TECH")
    assert details.amount_due == pytest.approx(5027.50)
    found = list(client.factures.iter_supplier_invoices(invoice_number=invoice.number))
    assert [s.invoice_id for s in found] == [result.invoice_id]
    assert client.deposits.find(invoice.number, around=sim.now().date()).invoice_id == result.invoice_id
    sim.advance(10 * 24 * 3600)
    history = client.factures.get_history(result.invoice_id)
    assert history.current_status != "DEPOSEE" and history.events[-1].status == "DEPOSEE"
    assert history.events[0].status == history.current_status


def test_invalid_invoice_sends_nothing(sim, client, make_invoice):
    with pytest.raises(DocumentValidationError):
        client.deposits.send(make_invoice(buyer=replace(make_invoice().buyer, service_code="")),
                             supplier_structure_id=seed.SUPPLIER.id)
    assert client.stats.http_requests == 0 and sim.deposits == []


def test_business_error_carries_operation_code_and_detail(client, make_invoice):
    invoice = make_invoice()
    from chorus_pro.documents import build_submit_payload

    payload = build_submit_payload(invoice, mode=DepositMode.DATA, supplier_structure_id=seed.SUPPLIER.id)
    payload["destinataire"]["codeServiceExecutant"] = "PAS-DE-SERVICE"
    with pytest.raises(BusinessError) as info:
        client.factures.submit(payload, reference=invoice.number)
    assert info.value.operation == "factures/v1/soumettre" and info.value.return_code != 0 and info.value.detail


def test_supplier_actions(sim, client, make_invoice):
    invoice_id = client.deposits.send(make_invoice(number="FA-ACT-1"), supplier_structure_id=seed.SUPPLIER.id,
                                      mode=DepositMode.DATA).invoice_id
    sim.set_invoice_status(invoice_id, "SUSPENDUE", "Joindre le PV de réception")
    assert client.factures.get_history(invoice_id).last_comment == "Joindre le PV de réception"
    pv = client.transverses.upload_file(Attachment("PV-reception.pdf", b"%PDF-1.4 pv"))
    client.factures.complete(invoice_id, comment="PV joint", attachment_ids=[pv.attachment_id])
    assert client.factures.get_history(invoice_id).current_status == "COMPLETEE"

    second = client.deposits.send(make_invoice(number="FA-ACT-2"), supplier_structure_id=seed.SUPPLIER.id).invoice_id
    sim.set_invoice_status(second, "A_RECYCLER", "Mauvais service")
    client.factures.recycle(second, buyer_siret=seed.COMMUNE.siret, service_code="SERV-TECH", comment="corrigé")
    assert client.factures.get_history(second).current_status != "A_RECYCLER"

    third = client.deposits.send(make_invoice(number="FA-ACT-3"), supplier_structure_id=seed.SUPPLIER.id).invoice_id
    sim.set_invoice_status(third, "REJETEE", "Doublon")
    client.factures.acknowledge_rejections([third])
    [summary] = client.factures.iter_supplier_invoices(invoice_number="FA-ACT-3")
    assert summary.status == "REJETEE" and summary.rejection_handled


def test_correct_validator_of_a_subcontractor_invoice(sim, client, make_invoice):
    invoice = make_invoice(number="FA-A9-1", cadre=Cadre.A9, validator_siret=seed.TITULAIRE.siret)
    invoice_id = client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id).invoice_id
    sim.set_invoice_status(invoice_id, "ERREUR_FOURNISSEUR_SUR_VALIDEUR", "Mauvais valideur")
    client.factures.correct_validator(invoice_id, seed.MANDATAIRE.siret)
    assert client.factures.get_history(invoice_id).current_status != "ERREUR_FOURNISSEUR_SUR_VALIDEUR"


def test_flow_deposit_and_report(sim, client):
    deposit = client.factures.deposit_flow(b"<Invoice/>", "FA-FLUX-1.xml", "IN_DP_E1_UBL_INVOICE")
    assert deposit.flow_number and deposit.syntax == "IN_DP_E1_UBL_INVOICE"
    assert deposit.deposit_date == sim.now().date()
    first = client.transverses.get_flow_report(deposit.flow_number)
    assert first.flow_number == deposit.flow_number and first.status
    sim.advance(24 * 3600)
    assert client.transverses.get_flow_report(deposit.flow_number).terminal


def test_works_document(sim, client, make_works_invoice):
    assert list(client.factures_travaux.iter_invoices(number="SIT-NONE")) == []  # codeRetour 20007
    result = client.deposits.send(make_works_invoice(), supplier_structure_id=seed.SUPPLIER.id)
    assert result.invoice_id > 0 and result.invoice_number == "SIT-2026-03"
    [works] = client.factures_travaux.iter_invoices(number="SIT-2026-03")
    assert works.works_invoice_id == result.invoice_id and works.cadre == Cadre.A4.value
    assert works.works_type == "PROJET_DECOMPTE_MENSUEL" and works.status
    assert sim.deposit_count("SIT-2026-03") == 1


def test_all_pages_of_a_search(sim, client, make_invoice):
    numbers = [f"FA-PAGE-{i:02d}" for i in range(7)]
    for number in numbers:
        client.deposits.send(make_invoice(number=number), supplier_structure_id=seed.SUPPLIER.id)
    found = [s.invoice_number for s in client.factures.iter_supplier_invoices(page_size=3)]
    assert sorted(n for n in found if n.startswith("FA-PAGE")) == numbers
    assert client.stats.by_operation["factures/v1/rechercher/fournisseur"]["http_requests"] >= 3


def test_in_process_simulator_needs_no_socket(sim, make_invoice):
    with ChorusProClient(ChorusConfig(), simulator=sim, token_cache=auth.TokenCache()) as local:
        assert local.structures.find(seed.COMMUNE.siret).id == seed.COMMUNE.id
        result = local.deposits.send(make_invoice(number="FA-LOCAL-1"), supplier_structure_id=seed.SUPPLIER.id)
    assert sim.invoices_by_number("FA-LOCAL-1")[0].id == result.invoice_id


def test_in_process_simulators_do_not_share_tokens():
    first, second = Simulator(), Simulator()
    with ChorusProClient(ChorusConfig(), simulator=first) as one, ChorusProClient(ChorusConfig(),
                                                                                   simulator=second) as two:
        for _ in range(2):
            one.transverses.supplier_structures()
            two.transverses.supplier_structures()
    assert one.stats.retries == two.stats.retries == 0
    assert first.stats.token_requests == second.stats.token_requests == 1


def test_default_in_process_simulator():
    with ChorusProClient(ChorusConfig(), token_cache=auth.TokenCache()) as local:
        assert local.transverses.supplier_structures()[0].id == seed.SUPPLIER.id


def test_threads_share_one_token(sim, config):
    client = ChorusProClient(config, simulator=sim, token_cache=auth.TokenCache())
    errors = []

    def work():
        try:
            for _ in range(3):
                client.structures.get(seed.COMMUNE.id)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and sim.stats.token_requests == 1 and client.stats.http_requests == 18


def test_find_supplier_invoice_unknown(sim, client):
    assert client.deposits.find("FA-NEVER-SENT", around=sim.now().date()) is None


def test_the_client_takes_today_from_the_simulator(sim, client, pinned_simulation_start):
    # 10:00 → 00:30 the next day, Paris time: the wall clock plays no part
    sim.advance(14.5 * 3600)
    assert client.now() == sim.now()
    assert client.today() == (pinned_simulation_start + timedelta(days=1)).date()


def test_refuse_duplicate_searches_the_number_before_anything_is_sent(sim, client, make_invoice):
    invoice = make_invoice(number="FA-DUP-0001")
    first = client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id, refuse_duplicate=True)
    with pytest.raises(DuplicateInvoiceError) as caught:
        client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id, refuse_duplicate=True)
    assert (caught.value.invoice_id, caught.value.status) == (first.invoice_id, "DEPOSEE")
    assert f"Chorus Pro id {first.invoice_id}" in caught.value.message_en
    assert sim.deposit_count("FA-DUP-0001") == 1
    assert sim.stats.by_operation["factures/v1/rechercher/fournisseur"] == 2
    assert sim.stats.by_operation["transverses/v1/ajouter/fichier"] == 1  # the refused one uploaded nothing
    # on purpose: sent again without the check
    client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id)
    assert sim.deposit_count("FA-DUP-0001") == 2
