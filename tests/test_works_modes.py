"""The three deposit modes of a works document: the portal steps, the works CII flow, and the simulator's flows."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from conftest import build_works_invoice

from chorus_pro.cadres import Cadre
from chorus_pro.config import Environment
from chorus_pro.documents import Party, Totals, VatLine
from chorus_pro.simulator import seed
from chorus_pro.works_flow import build_works_cii, works_flow_file_name, works_flow_syntax
from chorus_pro.works_portal import PORTAL_URLS, french_amount, portal_steps, portal_url

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
      "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}
SUPPLIER_ID = seed.SUPPLIER.id


# -- portal --------------------------------------------------------------------------------------------
def test_portal_url_of_each_environment():
    assert portal_url("qualification") == "https://chorus-pro.gouv.fr/qualif"
    assert portal_url(Environment.PRODUCTION) == "https://chorus-pro.gouv.fr"
    assert portal_url("simulation", "http://127.0.0.1:8765") == "http://127.0.0.1:8765/"
    assert portal_url("simulation") is None, "an in-process simulator has no page"
    assert set(PORTAL_URLS) == {Environment.QUALIFICATION, Environment.PRODUCTION}


def test_portal_steps_of_a_monthly_statement():
    invoice = build_works_invoice(Cadre.A4, ej_number="EJ-77")
    steps = portal_steps(invoice, pdf_name="SIT-2026-03.pdf", url="https://chorus-pro.gouv.fr/qualif")
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    by_code = {}
    for step in steps:
        by_code.setdefault(step.code, []).append(step)
    assert by_code["open_portal"][0].value == "https://chorus-pro.gouv.fr/qualif"
    assert by_code["works_space"][0].portal_label == "Factures de travaux"
    assert by_code["cadre"][0].value == ("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR — "
                                         "A4 - Dépôt par un fournisseur d'un projet de décompte mensuel")
    assert by_code["moe"][0].value == f"{seed.MOE.siret} ({seed.MOE.name})"
    assert [s.value for s in by_code["moa"]] == [f"{seed.OPH.siret} ({seed.OPH.name})", "MOA-TRAVAUX"]
    assert by_code["supplier"][0].value.startswith(seed.SUPPLIER.siret)
    assert by_code["market"][0].value == "2026-TX-017"
    assert by_code["engagement"][0].value == "EJ-77"
    assert by_code["number"][0].value == "SIT-2026-03"
    assert by_code["date"][0].value == "02/11/2026"
    assert by_code["situation"][0].value == "Situation n° 3 - période du 01/10/2026 au 31/10/2026"
    assert by_code["amounts"][0].value == "4 250,00 / 777,50 / 5 027,50"
    assert by_code["pdf"][0].value == "SIT-2026-03.pdf"
    assert steps[-1].code == "submit"


def test_portal_steps_refuse_an_invoice_cadre():
    with pytest.raises(ValueError):
        portal_steps(build_works_invoice(Cadre.A1), pdf_name="x.pdf", url=None)


@pytest.mark.parametrize("value,text", [(Decimal("1234567.891"), "1 234 567,89"), (0, "0,00"),
                                        (Decimal("-12.5"), "-12,50"), (Decimal("999.995"), "1 000,00")])
def test_french_amount(value, text):
    assert french_amount(value) == text


# -- the works CII -------------------------------------------------------------------------------------
def _xml(invoice):
    return ElementTree.fromstring(build_works_cii(invoice))


def test_cii_carries_the_cadre_market_parties_and_amounts():
    invoice = build_works_invoice(Cadre.A4, moe=Party(seed.MOE.siret, seed.MOE.name, service_code="MOE-01"))
    root = _xml(invoice)
    assert root.tag == f"{{{NS['rsm']}}}CrossIndustryInvoice"
    assert root.findtext("rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
                         namespaces=NS) == "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
    assert root.findtext("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
                         namespaces=NS) == "urn:cen.eu:en16931:2017"
    assert root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=NS) == "SIT-2026-03"
    agreement = root.find("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement", NS)
    assert agreement.findtext("ram:ContractReferencedDocument/ram:IssuerAssignedID", namespaces=NS) == "2026-TX-017"
    assert agreement.findtext("ram:BuyerReference", namespaces=NS) == "MOA-TRAVAUX"
    assert agreement.findtext("ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID",
                              namespaces=NS) == seed.OPH.siret
    references = {r.findtext("ram:Name", namespaces=NS): r.findtext("ram:IssuerAssignedID", namespaces=NS)
                  for r in agreement.findall("ram:AdditionalReferencedDocument", NS)}
    assert references == {"MOE": f"{seed.MOE.siret}/MOE-01", "MOA": f"{seed.OPH.siret}/MOA-TRAVAUX"}
    settlement = root.find("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement", NS)
    summation = settlement.find("ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    totals = invoice.totals
    assert Decimal(summation.findtext("ram:TaxBasisTotalAmount", namespaces=NS)) == totals.untaxed
    assert Decimal(summation.findtext("ram:TaxTotalAmount", namespaces=NS)) == totals.vat
    assert Decimal(summation.findtext("ram:GrandTotalAmount", namespaces=NS)) == totals.total
    assert Decimal(summation.findtext("ram:DuePayableAmount", namespaces=NS)) == totals.amount_due
    taxes = [(Decimal(t.findtext("ram:RateApplicablePercent", namespaces=NS)),
              Decimal(t.findtext("ram:BasisAmount", namespaces=NS)),
              Decimal(t.findtext("ram:CalculatedAmount", namespaces=NS)))
             for t in settlement.findall("ram:ApplicableTradeTax", NS)]
    assert taxes == [(v.rate, v.base, v.amount) for v in invoice.vat_lines]
    lines = root.findall("rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem", NS)
    line_sum = sum(Decimal(li.findtext("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLine"
                                       "MonetarySummation/ram:LineTotalAmount", namespaces=NS)) for li in lines)
    assert line_sum == totals.untaxed
    period = settlement.find("ram:BillingSpecifiedPeriod", NS)
    assert [d.text for d in period.iter(f"{{{NS['udt']}}}DateTimeString")] == ["20261001", "20261031"]


def test_cii_of_a_final_statement_has_no_situation_note():
    invoice = build_works_invoice(Cadre.A7, situation_number=None, period_start=None, period_end=None,
                                  vat_lines=[VatLine(Decimal("20"), Decimal("1000.00"), Decimal("200.00"))],
                                  totals=Totals(Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"),
                                                Decimal("950.00")))
    root = _xml(invoice)
    assert root.findtext(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
                         namespaces=NS) == Cadre.A7.value
    assert root.find("rsm:ExchangedDocument/ram:IncludedNote", NS) is None
    assert root.findtext(".//ram:DuePayableAmount", namespaces=NS) == "950.00"


def test_cii_refuses_an_invoice_cadre_and_names_its_file():
    with pytest.raises(ValueError):
        build_works_cii(build_works_invoice(Cadre.A1))
    assert works_flow_file_name(build_works_invoice(number="SIT/2026/03")) == "SIT_2026_03.xml"
    assert works_flow_syntax() == "IN_DP_E1_CII_16B"


# -- the simulator takes the works flow ----------------------------------------------------------------
@pytest.fixture
def client(client_on_simulator):
    return client_on_simulator


def _integrate(client, content, name="works.xml"):
    deposit = client.factures.deposit_flow(content, name, works_flow_syntax())
    client.sim.advance(3 * client.sim.flow_step_seconds)
    return deposit, client.transverses.get_flow_report(deposit.flow_number)


@pytest.mark.parametrize("cadre", [Cadre.A4, Cadre.A7, Cadre.A13])
def test_simulator_integrates_a_works_flow_as_a_works_document(client, cadre):
    invoice = build_works_invoice(cadre, number=f"SIT-{cadre.name}")
    deposit, report = _integrate(client, build_works_cii(invoice))
    assert report.status == "IN_INTEGRE", report
    found = list(client.factures_travaux.iter_invoices(supplier_structure_id=SUPPLIER_ID, number=invoice.number))
    assert len(found) == 1 and found[0].cadre == cadre.value and found[0].market_number == "2026-TX-017"
    held = client.sim.invoice(found[0].works_invoice_id)
    assert (held.moe_id, held.moa_id, held.flow_number) == (seed.MOE.id, seed.OPH.id, deposit.flow_number)
    assert (held.untaxed, held.vat, held.total) == (invoice.totals.untaxed, invoice.totals.vat, invoice.totals.total)
    # the sender's reconciliation finds it by number, in the works circuit
    assert client.deposits.find(invoice.number, include_works=True).invoice_id == held.id


@pytest.mark.parametrize("change,words", [
    ({"moe": None}, "maître d'œuvre"),
    ({"moe": Party("41234567800012")}, "n'existe pas"),
    ({"market_number": ""}, "marché"),
])
def test_simulator_refuses_a_works_flow_without_its_parties(client, change, words):
    invoice = build_works_invoice(Cadre.A4, **change)
    _deposit, report = _integrate(client, build_works_cii(invoice))
    assert report.status == "IN_REJETE"
    assert words in report.invoice_errors[0].message
