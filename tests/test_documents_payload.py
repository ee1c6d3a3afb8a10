"""build_submit_payload: the body of factures/v1/soumettre (reference §8.2)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from conftest import build_invoice

from chorus_pro.cadres import Cadre
from chorus_pro.documents import (
    Attachment,
    DepositMode,
    InvoiceType,
    Party,
    PaymentMode,
    Totals,
    VatRegime,
    build_submit_payload,
    format_date,
    main_attachment_field,
    money,
    vat_rate_fields,
)
from chorus_pro.simulator import seed

D = Decimal
SUPPLIER_ID = seed.SUPPLIER.id


def payload(invoice=None, mode=DepositMode.PDF, **kwargs):
    kwargs.setdefault("supplier_structure_id", SUPPLIER_ID)
    if mode is DepositMode.PDF:
        kwargs.setdefault("main_attachment_id", 901)
    invoice = invoice or build_invoice()
    kwargs.setdefault("attachment_ids", list(range(950, 950 + len(invoice.attachments))))
    return build_submit_payload(invoice, mode=mode, **kwargs)


def walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    yield path, value


def test_data_mode_payload_in_full():
    body = payload(build_invoice(ej_number=" 1300012345 "), DepositMode.DATA, main_attachment_id=901)
    assert body == {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": "FA-2026-0042",
        "dateFacture": "2026-11-02",
        "destinataire": {"codeDestinataire": "21720001300019", "codeServiceExecutant": "SERV-TECH"},
        "fournisseur": {"idFournisseur": 26300001, "codeCoordonneesBancairesFournisseur": 5151},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {"deviseFacture": "EUR", "typeFacture": "FACTURE", "typeTva": "TVA_SUR_DEBIT",
                       "numeroMarche": "2026-TX-017", "numeroBonCommande": "1300012345",
                       "modePaiement": "VIREMENT"},
        "lignePoste": [
            {"lignePosteNumero": 1, "lignePosteReference": "LOT-02",
             "lignePosteDenomination": "Reprise de maçonnerie - école", "lignePosteQuantite": 3,
             "lignePosteUnite": "forfait", "lignePosteMontantUnitaireHT": 1250.0, "lignePosteTauxTva": "TVA20"},
            {"lignePosteNumero": 2, "lignePosteDenomination": "Isolation des combles", "lignePosteQuantite": 12.5,
             "lignePosteUnite": "m2", "lignePosteMontantUnitaireHT": 40.0, "lignePosteTauxTva": "TVA5.5"},
        ],
        "ligneTva": [
            {"ligneTvaTaux": "TVA20", "ligneTvaMontantBaseHtParTaux": 3750.0, "ligneTvaMontantTvaParTaux": 750.0},
            {"ligneTvaTaux": "TVA5.5", "ligneTvaMontantBaseHtParTaux": 500.0, "ligneTvaMontantTvaParTaux": 27.5},
        ],
        "montantTotal": {"montantHtTotal": 4250.0, "montantTVA": 777.5, "montantTtcTotal": 5027.5,
                         "montantAPayer": 5027.5},
        "pieceJointePrincipale": {"pieceJointePrincipaleDesignation": "FA-2026-0042.pdf",
                                  "pieceJointePrincipaleId": 901},
    }


def test_pdf_mode_sends_the_pdf_and_no_lines():
    body = payload(mode=DepositMode.PDF, main_attachment_id=777)
    assert body["modeDepot"] == "DEPOT_PDF_API"
    assert "lignePoste" not in body
    assert body["pieceJointePrincipale"] == {"pieceJointePrincipaleDesignation": "FA-2026-0042.pdf",
                                             "pieceJointePrincipaleId": 777}
    assert [v["ligneTvaTaux"] for v in body["ligneTva"]] == ["TVA20", "TVA5.5"]
    assert body["montantTotal"]["montantTtcTotal"] == 5027.5


def test_pdf_mode_without_the_uploaded_pdf_is_refused():
    with pytest.raises(ValueError, match="main_attachment_id"):
        build_submit_payload(build_invoice(), mode=DepositMode.PDF, supplier_structure_id=SUPPLIER_ID)


def test_data_mode_without_a_pdf_has_no_main_attachment():
    body = payload(build_invoice(main_pdf=None), DepositMode.DATA)
    assert "pieceJointePrincipale" not in body
    assert len(body["lignePoste"]) == 2


def test_no_null_and_no_empty_optional_field():
    body = payload(build_invoice(buyer=Party(seed.DEPARTEMENT.siret)), DepositMode.DATA)
    for path, value in walk(body):
        assert value not in (None, "", {}, []), path
    assert body["destinataire"] == {"codeDestinataire": seed.DEPARTEMENT.siret}
    json.dumps(body, allow_nan=False)


def test_amounts_are_numbers_rounded_half_up_to_the_cent():
    assert money(D("2.675")) == 2.68
    assert money(D("33.333")) == 33.33
    assert money(D("0.005")) == 0.01
    assert money(0) == 0.0
    body = payload(build_invoice(totals=Totals(D("4250.004"), D("777.496"), D("5027.5"), D("5027.5"))))
    assert body["montantTotal"] == {"montantHtTotal": 4250.0, "montantTVA": 777.5, "montantTtcTotal": 5027.5,
                                    "montantAPayer": 5027.5}
    for path, value in walk(body["montantTotal"]):
        if path:
            assert isinstance(value, float), path


def test_unit_price_keeps_its_precision():
    invoice = build_invoice()
    invoice.lines[1].unit_price = D("39.9999")
    body = payload(invoice, DepositMode.DATA)
    assert body["lignePoste"][1]["lignePosteMontantUnitaireHT"] == 39.9999


def test_line_discount():
    invoice = build_invoice()
    invoice.lines[0].discount = D("150")
    line = payload(invoice, DepositMode.DATA)["lignePoste"][0]
    assert line["lignePosteMontantRemiseHT"] == 150.0


@pytest.mark.parametrize("value, expected", [
    (date(2026, 3, 9), "2026-03-09"),
    (datetime(2026, 3, 9, 23, 59, tzinfo=timezone.utc), "2026-03-09"),
    ("2026-03-09T10:00:00+01:00", "2026-03-09"),
])
def test_dates_are_formatted_in_one_place(value, expected):
    assert format_date(value) == expected


@pytest.mark.parametrize("rate, expected", [
    (D("20"), {"lignePosteTauxTva": "TVA20"}),
    (D("20.00"), {"lignePosteTauxTva": "TVA20"}),
    (D("10"), {"lignePosteTauxTva": "TVA10"}),
    (D("5.50"), {"lignePosteTauxTva": "TVA5.5"}),
    (D("2.1"), {"lignePosteTauxTva": "TVA2.1"}),
    (D("8.5"), {"lignePosteTauxTvaManuel": 8.5}),
    (D("0"), {"lignePosteTauxTvaManuel": 0.0}),
])
def test_vat_rate_code_or_manual_rate(rate, expected):
    assert vat_rate_fields(rate, "lignePoste") == expected


def test_vat_rate_of_vat_lines():
    assert vat_rate_fields(D("20"), "ligneTva") == {"ligneTvaTaux": "TVA20"}
    assert vat_rate_fields(D("13"), "ligneTva") == {"ligneTvaTauxManuel": 13.0}


def test_main_attachment_is_an_object_per_the_swagger():
    assert main_attachment_field(5, "facture.pdf") == {"pieceJointePrincipaleDesignation": "facture.pdf",
                                                       "pieceJointePrincipaleId": 5}


def test_credit_note():
    invoice = build_invoice(invoice_type=InvoiceType.CREDIT_NOTE, number="AV-2026-0003", payment_mode=None,
                            original_invoice_number="FA-2026-0042", bank_account_id=5151)
    body = payload(invoice)
    assert body["references"]["typeFacture"] == "AVOIR"
    assert body["references"]["numeroFactureOrigine"] == "FA-2026-0042"
    assert "modePaiement" not in body["references"]
    assert "codeCoordonneesBancairesFournisseur" not in body["fournisseur"]


def test_invoice_does_not_send_an_original_invoice_number():
    body = payload(build_invoice(original_invoice_number="FA-2025-0001"))
    assert "numeroFactureOrigine" not in body["references"]


def test_bank_account_only_for_a_transfer():
    body = payload(build_invoice(payment_mode=PaymentMode.CHEQUE, bank_account_id=5151))
    assert body["references"]["modePaiement"] == "CHEQUE"
    assert body["fournisseur"] == {"idFournisseur": SUPPLIER_ID}


@pytest.mark.parametrize("cadre, validator", [(Cadre.A9, seed.TITULAIRE.siret), (Cadre.A12, seed.MANDATAIRE.siret)])
def test_validator_of_subcontractor_and_cotraitant_invoices(cadre, validator):
    spaced = f"{validator[:3]} {validator[3:6]} {validator[6:9]} {validator[9:]}"
    body = payload(build_invoice(cadre=cadre, validator_siret=spaced, validator_service_code="COMPTA"))
    assert body["cadreDeFacturation"] == {"codeCadreFacturation": cadre.value,
                                          "codeStructureValideur": validator, "codeServiceValideur": "COMPTA"}


def test_no_validator_outside_a9_and_a12():
    body = payload(build_invoice(cadre=Cadre.A2, validator_siret=seed.TITULAIRE.siret))
    assert body["cadreDeFacturation"] == {"codeCadreFacturation": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"}


def test_exemption_and_global_discount_and_comment():
    invoice = build_invoice(vat_regime=VatRegime.EXEMPT, vat_exemption_reason="AUTOLIQUIDATION",
                            comment="Situation de travaux n° 3",
                            totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("4900.00"),
                                          global_discount=D("127.50"), global_discount_reason="Remise fidélité"))
    body = payload(invoice)
    assert body["references"]["typeTva"] == "EXONERATION"
    assert body["references"]["motifExonerationTva"] == "AUTOLIQUIDATION"
    assert body["montantTotal"]["montantRemiseGlobaleTTC"] == 127.5
    assert body["montantTotal"]["motifRemiseGlobaleTTC"] == "Remise fidélité"
    assert body["montantTotal"]["montantAPayer"] == 4900.0
    assert body["commentaire"] == "Situation de travaux n° 3"


def test_supplementary_attachments_follow_their_uploaded_ids():
    invoice = build_invoice(attachments=[Attachment("pv-reception.pdf", b"x", type_code="01"),
                                         Attachment("metre.xlsx", b"y", type_code="02")])
    body = payload(invoice, attachment_ids=[11, 12])
    assert body["pieceJointeComplementaire"] == [
        {"pieceJointeComplementaireDesignation": "pv-reception.pdf", "pieceJointeComplementaireType": "01",
         "pieceJointeComplementaireId": 11},
        {"pieceJointeComplementaireDesignation": "metre.xlsx", "pieceJointeComplementaireType": "02",
         "pieceJointeComplementaireId": 12},
    ]


@pytest.mark.parametrize("ids", [None, [11], [11, 12, 13]])
def test_an_attachment_without_its_uploaded_id_is_never_dropped_silently(ids):
    invoice = build_invoice(attachments=[Attachment("a.pdf", b"x"), Attachment("b.pdf", b"y")])
    with pytest.raises(ValueError, match="attachment ids"):
        build_submit_payload(invoice, mode=DepositMode.PDF, supplier_structure_id=SUPPLIER_ID,
                             main_attachment_id=1, attachment_ids=ids)


def test_the_invoice_object_is_not_modified():
    invoice = build_invoice()
    before = repr(invoice)
    payload(invoice, DepositMode.DATA)
    assert repr(invoice) == before


def test_codes_given_as_text():
    invoice = build_invoice(cadre="A12", invoice_type="AVOIR", payment_mode=None, vat_regime="SANS_TVA",
                            original_invoice_number="FA-1", validator_siret=seed.MANDATAIRE.siret)
    body = payload(invoice)
    assert body["cadreDeFacturation"]["codeCadreFacturation"] == "A12_FACTURE_COTRAITANT"
    assert body["references"]["typeFacture"] == "AVOIR" and body["references"]["typeTva"] == "SANS_TVA"
    with pytest.raises(ValueError, match="cadre"):
        payload(build_invoice(cadre="A99"))


def test_zero_amounts_and_zero_rate_are_kept():
    invoice = build_invoice(cadre=Cadre.A2, payment_mode=PaymentMode.CHEQUE,
                            totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("0")))
    invoice.lines[1].vat_rate = D("0")
    body = payload(invoice, DepositMode.DATA)
    assert body["montantTotal"]["montantAPayer"] == 0.0
    assert body["lignePoste"][1]["lignePosteTauxTvaManuel"] == 0.0
