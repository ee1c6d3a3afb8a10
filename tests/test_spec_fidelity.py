"""The bodies we build fit the official Swagger definitions (Factures, Structures).

Known deviations from the 2020 Factures Swagger, kept on purpose:

- ``dateFacture`` is sent as ``YYYY-MM-DD`` where the Swagger says date-time (reference
  §3.4: what clients send and the documentation shows).  ``format`` is not enforced by
  the check, so this is the only deviation and it is not a schema error.

No other deviation: no unknown field, every enum value exists, every type matches.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import spec_validation
from conftest import SpecFidelity, build_invoice

from chorus_pro.cadres import SUBMIT_CADRES, Cadre
from chorus_pro.documents import (
    Attachment,
    DepositMode,
    InvoiceType,
    PaymentMode,
    Totals,
    VatRegime,
    build_submit_payload,
)
from chorus_pro.simulator import seed

spec_validation.require_specs()

SOUMETTRE = "/cpro/factures/v1/soumettre"
KNOWN_DEVIATIONS: dict[str, str] = {}  # Swagger path → why; the module docstring explains dateFacture
D = Decimal


@pytest.fixture(scope="module")
def specs():
    return spec_validation.load_specs()


def submit_body(invoice, mode=DepositMode.PDF):
    return build_submit_payload(invoice, mode=mode, supplier_structure_id=seed.SUPPLIER.id,
                                main_attachment_id=901,
                                attachment_ids=list(range(950, 950 + len(invoice.attachments))))


def rich_invoice(**overrides):
    """Every optional field filled: the widest body we can build."""
    values = dict(
        ej_number="1300012345", comment="Situation n° 3", validator_service_code="COMPTA",
        vat_regime=VatRegime.ON_RECEIPTS,
        attachments=[Attachment("pv-reception.pdf", b"x"), Attachment("metre.xlsx", b"y", type_code="02")],
        totals=Totals(D("4250.00"), D("777.50"), D("5027.50"), D("4900.00"), global_discount=D("127.50"),
                      global_discount_reason="Remise"),
    )
    values.update(overrides)
    return build_invoice(**values)


CASES = {
    "data mode": (rich_invoice(), DepositMode.DATA),
    "pdf mode": (rich_invoice(), DepositMode.PDF),
    "credit note": (rich_invoice(invoice_type=InvoiceType.CREDIT_NOTE, payment_mode=None,
                                 original_invoice_number="FA-2026-0041"), DepositMode.DATA),
    "already paid A2": (rich_invoice(cadre=Cadre.A2, payment_mode=PaymentMode.CHEQUE), DepositMode.PDF),
    "subcontractor A9": (rich_invoice(cadre=Cadre.A9, validator_siret=seed.TITULAIRE.siret), DepositMode.DATA),
    "cotraitant A12": (rich_invoice(cadre=Cadre.A12, validator_siret=seed.MANDATAIRE.siret), DepositMode.PDF),
    "exempt, odd VAT rate": (rich_invoice(vat_regime=VatRegime.EXEMPT, vat_exemption_reason="AUTOLIQUIDATION"),
                             DepositMode.DATA),
}


@pytest.mark.parametrize("case", list(CASES))
def test_submit_payloads_fit_the_swagger(specs, case):
    invoice, mode = CASES[case]
    if case.startswith("exempt"):
        invoice.lines[1].vat_rate = D("8.5")  # no code: sent as lignePosteTauxTvaManuel
    body = submit_body(invoice, mode)
    assert specs.validate(SOUMETTRE, body, {"cpro-account": "x"}) == []


def test_known_deviations_are_listed():
    assert KNOWN_DEVIATIONS == {}


def test_an_unknown_field_is_reported(specs):
    body = submit_body(build_invoice())
    body["fournisseur"]["siret"] = seed.SUPPLIER.siret
    body["numeroFacture"] = "FA-1"
    errors = specs.validate(SOUMETTRE, body)
    assert len(errors) == 2
    assert any("fournisseur" in e and "'siret'" in e for e in errors)
    assert any("'numeroFacture'" in e for e in errors)


def test_a_bad_enum_value_is_reported(specs):
    body = submit_body(build_invoice())
    body["modeDepot"] = "DEPOT_PDF"
    body["cadreDeFacturation"]["codeCadreFacturation"] = Cadre.A4.value
    errors = specs.validate(SOUMETTRE, body)
    assert len(errors) == 2
    assert any("modeDepot" in e and "DEPOT_PDF" in e for e in errors)
    assert any("cadreDeFacturation/codeCadreFacturation" in e for e in errors)


def test_a_wrong_type_is_reported(specs):
    body = submit_body(build_invoice())
    body["fournisseur"]["idFournisseur"] = str(seed.SUPPLIER.id)
    body["ligneTva"][0]["ligneTvaMontantTvaParTaux"] = "750.00"
    body["pieceJointePrincipale"] = [body["pieceJointePrincipale"]]  # the 2025 array form is not the Swagger's
    errors = specs.validate(SOUMETTRE, body)
    assert len(errors) == 3, errors


def test_the_required_account_header_is_checked(specs):
    assert specs.validate(SOUMETTRE, {}, {"Authorization": "Bearer x"}) == [
        f"{SOUMETTRE}: header cpro-account is required"]
    assert specs.validate(SOUMETTRE, {}, {"CPRO-ACCOUNT": "x"}) == []


# -- our enumerations are the Swagger's ----------------------------------------------------------
def enum_of(specs, definition, field):
    return set(specs.apis["factures"].definitions[definition]["properties"][field]["enum"])


def test_submit_cadres_are_exactly_the_swagger_enum(specs):
    assert {c.value for c in SUBMIT_CADRES} == enum_of(specs, "SoumettreFactureCadreDeFacturation",
                                                       "codeCadreFacturation")


def test_document_enums_exist_in_the_swagger(specs):
    assert {m.value for m in PaymentMode} == enum_of(specs, "SoumettreFactureReferences", "modePaiement")
    assert {v.value for v in VatRegime} == enum_of(specs, "SoumettreFactureReferences", "typeTva")
    assert {t.value for t in InvoiceType} == enum_of(specs, "SoumettreFactureReferences", "typeFacture")
    assert {m.value for m in DepositMode} <= enum_of(specs, "SoumettreFactureParam", "modeDepot")


# -- paths and coverage ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/cpro/factures/v1/soumettre", "factures/v1/soumettre",
                                  "/cpro/factures/v1/soumettre/", "/cpro/factures/v1/soumettre?x=1"])
def test_path_spellings(specs, path):
    assert specs.covered(path)
    assert specs.api_name(path) == "factures"


@pytest.mark.parametrize("path", ["/cpro/transverses/v1/ajouter/fichier", "/cpro/facturesTravaux/v1/soumettre",
                                  "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements",
                                  "/cpro/engagementsJuridiques/v1/rechercher", "/cpro/factures/v1/inconnue"])
def test_operations_without_a_public_swagger_are_not_covered(specs, path):
    assert not specs.covered(path)
    assert specs.validate(path, {"anything": 1}) is None


def test_structures_bodies(specs):
    good = {"structure": {"identifiantStructure": seed.COMMUNE.siret, "typeIdentifiantStructure": "SIRET"},
            "parametres": {"nbResultatsParPage": 10, "pageResultatDemandee": 1}}
    assert specs.validate("/cpro/structures/v1/rechercher", good) == []
    assert specs.validate("/cpro/structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id}) == []
    bad = {"structure": {"identifiantStructure": seed.COMMUNE.siret, "typeIdentifiantStructure": "SIREN"},
           "siret": seed.COMMUNE.siret}
    errors = specs.validate("/cpro/structures/v1/rechercher", bad)
    assert len(errors) == 2
    assert specs.api_name("/cpro/structures/v1/rechercher/services") == "structures"


# -- the session observer ----------------------------------------------------------------------------
def test_observer_counts_and_reports():
    fidelity = SpecFidelity()
    fidelity.wired = True
    fidelity.current_test = "t"
    good = submit_body(build_invoice())
    fidelity.observe(SOUMETTRE, {"cpro-account": "x"}, good)
    fidelity.observe("/cpro/structures/v1/consulter", {"cpro-account": "x"}, b'{"idStructureCPP": 1}')
    fidelity.observe("/cpro/transverses/v1/health-check", {}, None)
    fidelity.observe("/cpro/transverses/v1/ajouter/fichier", {}, {"pieceJointeNom": "a.pdf"})
    assert fidelity.violations == []
    assert fidelity.validated == {"factures": 1, "structures": 1}
    assert fidelity.not_covered == {"/cpro/transverses/v1/ajouter/fichier"}
    assert fidelity.summary() == ("spec fidelity: 2 requests validated against the official Swagger "
                                  "(factures: 1, structures: 1), 0 violations")
    fidelity.observe(SOUMETTRE, {"cpro-account": "x"}, {**good, "inconnu": 1})
    fidelity.observe("/cpro/factures/v1/soumettre", {"cpro-account": "x"}, b"{not json")
    assert len(fidelity.violations) == 2
    assert "'inconnu'" in fidelity.violations[0] and "(t)" in fidelity.violations[0]
    assert fidelity.summary().endswith("2 violations")


def test_observer_ignores_exempt_tests():
    fidelity = SpecFidelity()
    fidelity.exempt = True
    fidelity.observe(SOUMETTRE, {}, {"inconnu": 1})
    assert fidelity.violations == [] and fidelity.validated == {"factures": 0, "structures": 0}
