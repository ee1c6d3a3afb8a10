"""Works documents: the (unverified) deposit request, its answer, and a deposit on the simulator."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import build_works_invoice

import chorus_pro.simulator as simulator_package
from chorus_pro.cadres import WORKS_CADRES, WORKS_TYPE_OF_CADRE, Cadre
from chorus_pro.documents import Attachment, DepositMode, Party, validate_invoice
from chorus_pro.errors import ProtocolError
from chorus_pro.simulator import seed
from chorus_pro.works import build_works_request, parse_works_response, works_summary

SUPPLIER_ID = seed.SUPPLIER.id


def request(invoice=None, **kwargs):
    kwargs.setdefault("supplier_structure_id", SUPPLIER_ID)
    kwargs.setdefault("main_attachment_id", 901)
    return build_works_request(invoice or build_works_invoice(), **kwargs)


def test_monthly_statement_request():
    api, operation, body = request(build_works_invoice(Cadre.A4, comment="Lot 02 gros œuvre"))
    assert (api, operation) == ("facturesTravaux", "soumettre")
    assert body["typeFactureTravaux"] == "PROJET_DECOMPTE_MENSUEL"
    assert body["cadreDeFacturation"] == {"codeCadreFacturation": "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"}
    assert body["numeroMarche"] == body["references"]["numeroMarche"] == "2026-TX-017"
    assert body["moe"] == {"codeMOE": seed.MOE.siret}
    assert body["moa"] == {"codeMOA": seed.OPH.siret, "codeServiceMoa": "MOA-TRAVAUX"}
    assert body["destinataire"] == {"codeDestinataire": seed.OPH.siret, "codeServiceExecutant": "MOA-TRAVAUX"}
    assert body["fournisseur"]["idFournisseur"] == SUPPLIER_ID
    assert body["pieceJointePrincipale"] == {"pieceJointePrincipaleDesignation": "SIT-2026-03.pdf",
                                             "pieceJointePrincipaleId": 901}
    assert body["commentaire"] == "Situation n° 3 - période du 01/10/2026 au 31/10/2026 - Lot 02 gros œuvre"
    assert body["modeDepot"] == "DEPOT_PDF_API" and "lignePoste" not in body


@pytest.mark.parametrize("cadre", sorted(WORKS_CADRES, key=lambda c: int(c.name[1:])))
def test_every_works_cadre_names_its_works_type(cadre):
    invoice = build_works_invoice(cadre)
    validate_invoice(invoice, operation="works")
    _, _, body = request(invoice)
    assert body["typeFactureTravaux"] == WORKS_TYPE_OF_CADRE[cadre]
    assert body["cadreDeFacturation"]["codeCadreFacturation"] == cadre.value
    assert body["commentaire"].startswith("Situation n° 3" if cadre.name in ("A4", "A10", "A13") else "période")


def test_request_has_no_empty_field_and_no_invented_situation_field():
    invoice = build_works_invoice(Cadre.A7, situation_number=None, period_start=None, period_end=None,
                                  moe=Party(seed.MOE.siret, service_code=""))
    _, _, body = request(invoice)
    assert "commentaire" not in body
    assert body["moe"] == {"codeMOE": seed.MOE.siret}
    assert not {"numeroSituation", "dateDebutPeriode", "dateFinPeriode"} & set(body)

    def empties(value, path=""):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from empties(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from empties(item, f"{path}[{index}]")
        if value in (None, "", {}, []):
            yield path

    assert list(empties(body)) == []


def test_data_mode_sends_the_lines():
    _, _, body = request(mode=DepositMode.DATA)
    assert body["modeDepot"] == "SAISIE_API"
    assert [line["lignePosteNumero"] for line in body["lignePoste"]] == [1, 2]


def test_attachments_and_their_ids():
    invoice = build_works_invoice(attachments=[Attachment("metre-sit3.xlsx", b"x")])
    _, _, body = request(invoice, attachment_ids=[77])
    assert body["pieceJointeComplementaire"][0]["pieceJointeComplementaireId"] == 77
    with pytest.raises(ValueError, match="attachment ids"):
        request(invoice, attachment_ids=[])


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 10, 1), date(2026, 10, 31), "Situation n° 3 - période du 01/10/2026 au 31/10/2026"),
    (date(2026, 10, 1), None, "Situation n° 3 - période à partir du 01/10/2026"),
    (None, date(2026, 10, 31), "Situation n° 3 - période jusqu'au 31/10/2026"),
    (None, None, "Situation n° 3"),
])
def test_works_summary(start, end, expected):
    assert works_summary(build_works_invoice(period_start=start, period_end=end)) == expected


# -- the answer -------------------------------------------------------------------------------
def test_parse_the_answer():
    result = parse_works_response({"codeRetour": 0, "libelle": "GCU_MSG_01_000", "idFactureTravaux": 4012,
                                   "numeroFactureTravaux": "SIT-2026-03", "statut": "A_VALIDER_MOE",
                                   "dateDepot": "2026-11-02"})
    assert (result.invoice_id, result.invoice_number, result.status, result.deposit_date) == (
        4012, "SIT-2026-03", "A_VALIDER_MOE", date(2026, 11, 2))


def test_parse_the_answer_in_the_shape_of_soumettre():
    result = parse_works_response({"identifiantFactureCPP": "55", "numeroFacture": "SIT-1",
                                   "statutFacture": "DEPOSEE", "dateDepot": "2026-11-02T10:15:00.000+01:00",
                                   "identifiantStructure": seed.SUPPLIER.siret})
    assert (result.invoice_id, result.invoice_number, result.status, result.deposit_date,
            result.structure_identifier) == (55, "SIT-1", "DEPOSEE", date(2026, 11, 2), seed.SUPPLIER.siret)


def test_unreadable_date_is_left_empty():
    assert parse_works_response({"idFactureTravaux": 1, "dateDepot": "demain"}).deposit_date is None


@pytest.mark.parametrize("data", [{}, {"idFactureTravaux": None}, {"idFactureTravaux": "abc"}, [], None])
def test_an_answer_without_id_is_a_protocol_error(data):
    with pytest.raises(ProtocolError) as caught:
        parse_works_response(data)
    assert caught.value.code == "answer_unreadable"


# -- on the simulator, over real HTTP ---------------------------------------------------------------
needs_simulator = pytest.mark.skipif(not hasattr(simulator_package, "SimulatorServer"),
                                     reason="the simulator server is not available")


@pytest.fixture
def client(client_on_simulator):
    return client_on_simulator


@needs_simulator
@pytest.mark.parametrize("cadre", [Cadre.A4, Cadre.A8, Cadre.A13])
def test_works_document_is_deposited_on_the_simulator(client, cadre):
    invoice = build_works_invoice(cadre, number=f"SIT-{cadre.name}")
    validate_invoice(invoice, operation="works")
    uploaded = client.transverses.upload_file(invoice.main_pdf)
    result = client.factures_travaux.deposit(invoice, supplier_structure_id=SUPPLIER_ID,
                                             main_attachment_id=uploaded.attachment_id)
    assert result.invoice_id and result.status == "A_VALIDER_MOE"
    found = list(client.factures_travaux.iter_invoices(supplier_structure_id=SUPPLIER_ID, number=invoice.number))
    assert [(w.works_invoice_id, w.works_type) for w in found] == [(result.invoice_id, WORKS_TYPE_OF_CADRE[cadre])]
