"""factures/v1/deposer/flux and transverses/v1/consulterCRDetaille."""

from __future__ import annotations

import base64
import io
import tarfile
import zlib

import pytest
import test_simulator_support as support

from chorus_pro.simulator import seed

api = support.api
local = support.local

STEP = 60  # default flow_step_seconds


def cii(number="FX-001", buyer=seed.COMMUNE.siret, service="SERV-TECH", ej="", type_code="380",
        cadre="A1_FACTURE_FOURNISSEUR", seller=seed.SUPPLIER.siret, total="120.00") -> bytes:
    order = (f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{ej}</ram:IssuerAssignedID>"
             "</ram:BuyerOrderReferencedDocument>") if ej else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>{cadre}</ram:ID>
  </ram:BusinessProcessSpecifiedDocumentContextParameter>
  <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:factur-x.eu:1p0:en16931</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument><ram:ID>{number}</ram:ID><ram:TypeCode>{type_code}</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20261102</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:BuyerReference>{service}</ram:BuyerReference>
   <ram:SellerTradeParty><ram:Name>{seed.SUPPLIER.name}</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{seller}</ram:ID></ram:SpecifiedLegalOrganization>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Acheteur</ram:Name>
    <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{buyer}</ram:ID></ram:SpecifiedLegalOrganization>
   </ram:BuyerTradeParty>{order}
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">20.00</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>
    <ram:DuePayableAmount>120.00</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def ubl(number="UBL-001", buyer=seed.DEPARTEMENT.siret, ej="1300012345", root="Invoice") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ProfileID>A1_FACTURE_FOURNISSEUR</cbc:ProfileID><cbc:ID>{number}</cbc:ID><cbc:IssueDate>2026-11-02</cbc:IssueDate>
 <cac:OrderReference><cbc:ID>{ej}</cbc:ID></cac:OrderReference>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyIdentification><cbc:ID schemeID="0009">{buyer}</cbc:ID>
 </cac:PartyIdentification></cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">20.00</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
 <cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount>
 <cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</{root}>""".encode()


def facturx_pdf(xml: bytes) -> bytes:
    """A PDF whose embedded file stream holds the CII XML, Flate-compressed like real Factur-X files."""
    stream = zlib.compress(xml)
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Length 44 >>\nstream\n"
            b"BT /F1 12 Tf 72 712 Td (Facture) Tj ET\nendstream\nendobj\n"
            b"3 0 obj\n<< /Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode /Length "
            + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n%%EOF\n")


def lot(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def deposit(api, content: bytes, name="facture.xml", syntax="IN_DP_E1_CII_16B") -> dict:
    return api.ok("factures/v1/deposer/flux", {"fichierFlux": base64.b64encode(content).decode(), "nomFichier": name,
                                               "syntaxeFlux": syntax, "avecSignature": False})


def report(api, number: str) -> dict:
    return api.ok("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": number})


def test_flow_lifecycle(api):
    data = deposit(api, cii())
    number = data["numeroFluxDepot"]
    assert data["libelle"] == "GCU_MSG_01_000" and data["syntaxeFlux"] == "IN_DP_E1_CII_16B"
    assert len(number) == 25 and number.startswith("CPP001111")
    assert data["dateDepot"] == api.sim.now().date().isoformat()
    assert api.sim.deposit_count("FX-001") == 1 and api.sim.deposits[0].flow_number == number
    first = report(api, number)
    assert first["etatCourantDepotFlux"] == "IN_RECU" and first["libelle"] == "TRA_MSG_00.000"
    assert first["nomFichier"] == "facture.xml" and first["codeInterfaceDepotFlux"] == "IN_DP_E1_CII_16B"
    found = api.ok("factures/v1/rechercher/fournisseur", {"numeroFluxDepot": number})
    assert found["listeFactures"] == []
    api.sim.advance(STEP)
    assert report(api, number)["etatCourantDepotFlux"] == "IN_EN_COURS_TRAITEMENT_CPP"
    api.sim.advance(STEP)
    final = report(api, number)
    assert final["etatCourantDepotFlux"] == "IN_INTEGRE" and final["listeErreurDP"] == []
    assert final["dateHeureEtatCourantFlux"] > final["dateDepotFlux"]
    items = api.ok("factures/v1/rechercher/fournisseur", {
        "numeroFluxDepot": number, "rechercheFactureParFournisseur": {"nbResultatsParPage": 12}})["listeFactures"]
    assert [(i["numeroFacture"], i["statut"], i["numeroFluxDepot"]) for i in items] == [("FX-001", "DEPOSEE", number)]
    assert items[0]["codeDestinataire"] == seed.COMMUNE.siret and items[0]["codeServiceExecutant"] == "SERV-TECH"
    assert items[0]["montantTTC"] == 120.0 and items[0]["dateFacture"] == "2026-11-02"
    api.sim.advance(3600)
    assert api.sim.invoices_by_number("FX-001")[0].status == "EN_COURS_ACHEMINEMENT"


def test_ubl_and_credit_note(local):
    number = deposit(local, ubl(), "ubl.xml", "IN_DP_E1_UBL_INVOICE")["numeroFluxDepot"]
    credit = deposit(local, ubl("AV-001", root="CreditNote"), "avoir.xml", "IN_DP_E1_UBL_INVOICE")["numeroFluxDepot"]
    local.sim.advance(2 * STEP)
    assert report(local, number)["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert report(local, credit)["etatCourantDepotFlux"] == "IN_INTEGRE"
    invoice = local.sim.invoices_by_number("UBL-001")[0]
    assert (invoice.buyer_id, invoice.ej_number, invoice.invoice_type) == (seed.DEPARTEMENT.id, "1300012345", "FACTURE")
    assert local.sim.invoices_by_number("AV-001")[0].invoice_type == "AVOIR"


def test_facturx_pdf_with_compressed_xml(api):
    number = deposit(api, facturx_pdf(cii("FX-PDF-7")), "FX-PDF-7.pdf", "IN_DP_E2_CII_FACTURX")["numeroFluxDepot"]
    api.sim.advance(2 * STEP)
    assert report(api, number)["etatCourantDepotFlux"] == "IN_INTEGRE"
    invoice = api.sim.invoices_by_number("FX-PDF-7")[0]
    assert invoice.buyer_id == seed.COMMUNE.id and invoice.mode == "EDI_MIXTE"


def test_unreadable_file_takes_its_number_from_the_file_name(local):
    number = deposit(local, b"%PDF-1.4 no xml here", "FA-2026-099.pdf", "IN_DP_E2_CII_FACTURX")["numeroFluxDepot"]
    assert local.sim.deposit_count("FA-2026-099") == 1
    local.sim.advance(2 * STEP)
    assert report(local, number)["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert local.sim.invoices_by_number("FA-2026-099")[0].flow_number == number


def test_rejected_flow_lists_the_invoice_error(api):
    number = deposit(api, cii("FX-BAD", service=""))["numeroFluxDepot"]
    api.sim.advance(2 * STEP)
    data = report(api, number)
    assert data["codeRetour"] == 0 and data["etatCourantDepotFlux"] == "IN_REJETE"
    error = data["listeErreurDP"][0]
    assert error["numeroDP"] == "FX-BAD" and error["identifiantFournisseur"] == seed.SUPPLIER.siret
    assert error["identifiantDestinataire"] == seed.COMMUNE.siret and "code service" in error["libelleErreurDP"]
    assert api.sim.invoices_by_number("FX-BAD") == []


def test_xml_that_is_not_an_invoice_is_rejected(local):
    number = deposit(local, b"<?xml version='1.0'?><Commande><ID>1</ID></Commande>", "commande.xml")["numeroFluxDepot"]
    local.sim.advance(2 * STEP)
    data = report(local, number)
    assert data["etatCourantDepotFlux"] == "IN_REJETE" and data["listeErreurDP"][0]["numeroDP"] == "commande"


def test_lot_partially_integrated(api):
    content = lot(("a.xml", cii("LOT-1")), ("b.xml", cii("LOT-2", buyer=seed.SYNDICAT_INACTIF.siret, service="")),
                  ("c.xml", ubl("LOT-3")))
    number = deposit(api, content, "IN_DP_E1_CII_16B_chorus_lot_factures.tar.gz")["numeroFluxDepot"]
    assert [d.invoice_number for d in api.sim.deposits] == ["LOT-1", "LOT-2", "LOT-3"]
    api.sim.advance(2 * STEP)
    data = report(api, number)
    assert data["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    assert [e["numeroDP"] for e in data["listeErreurDP"]] == ["LOT-2"]
    items = api.ok("factures/v1/rechercher/fournisseur", {"numeroFluxDepot": number})["listeFactures"]
    assert sorted(i["numeroFacture"] for i in items) == ["LOT-1", "LOT-3"]


def test_flow_of_more_than_ten_invoices_pages(local):
    content = lot(*[(f"{n}.xml", cii(f"BIG-{n:02d}")) for n in range(14)])
    number = deposit(local, content, "lot.tar.gz")["numeroFluxDepot"]
    local.sim.advance(2 * STEP)
    default = local.ok("factures/v1/rechercher/fournisseur", {"numeroFluxDepot": number})
    assert len(default["listeFactures"]) == 10 and default["parametresRetour"]["pages"] == 2
    everything = local.ok("factures/v1/rechercher/fournisseur", {
        "numeroFluxDepot": number, "rechercheFactureParFournisseur": {"nbResultatsParPage": 16}})
    assert len(everything["listeFactures"]) == 14


@pytest.mark.parametrize("field", ["fichierFlux", "nomFichier", "syntaxeFlux"])
def test_required_fields(local, field):
    body = {"fichierFlux": base64.b64encode(cii()).decode(), "nomFichier": "f.xml", "syntaxeFlux": "IN_DP_E1_CII"}
    del body[field]
    assert local.refused("factures/v1/deposer/flux", body)["champ"] == field


def test_file_too_large_is_20001(local):
    data = local.refused("factures/v1/deposer/flux", {"fichierFlux": base64.b64encode(b"<" * (10 * 1024 * 1024 + 1))
                                                      .decode(), "nomFichier": "f.xml", "syntaxeFlux": "IN_DP_E1_CII"})
    assert (data["codeRetour"], data["libelle"]) == (20001, "GDP_MSG_11.022")
    assert local.sim.deposits == []


@pytest.mark.spec_exempt
def test_unknown_syntax_is_400(local):
    answer = local.call("factures/v1/deposer/flux", {"fichierFlux": "PA==", "nomFichier": "f.xml",
                                                     "syntaxeFlux": "IN_DP_E2_CII_FACTURX_MIN"})
    assert answer.status_code == 400 and answer.json()["champ"] == "syntaxeFlux"


def test_unknown_flow(api):
    assert api.refused("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": "CPP0"})["champ"] == "numeroFluxDepot"


@pytest.mark.parametrize("document,words", [
    (cii("FX-SELLER", seller=seed.TITULAIRE.siret), "vendeur"),
    (cii("FX-CADRE", cadre="A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"), "marché"),
    (cii("FX-CADRE-X", cadre="A3_MEMOIRE_JUSTICE"), "A3_MEMOIRE_JUSTICE"),
    (cii("FX-TOTAL", total="121.00"), "incohérents"),
    (cii("FX-EJ", buyer=seed.DEPARTEMENT.siret, service="", ej="1300099999"), "COMMANDE"),
])
def test_invoice_checks_at_integration(local, document, words):
    number = deposit(local, document)["numeroFluxDepot"]
    local.sim.advance(2 * STEP)
    data = report(local, number)
    assert data["etatCourantDepotFlux"] == "IN_REJETE" and words in data["listeErreurDP"][0]["libelleErreurDP"]


def test_older_report(api):
    number = deposit(api, cii("FX-BAD", service=""))["numeroFluxDepot"]
    api.sim.advance(2 * STEP)
    data = api.ok("transverses/v1/consulterCR", {"numeroFluxDepot": number, "dateDepot": api.sim.now().date().isoformat()})
    assert data["etatCourantFlux"] == "IN_REJETE" and data["nomFichierFlux"] == "facture.xml"
    pdf = base64.b64decode(data["fichierCR"])
    assert pdf.startswith(b"%PDF") and "FX-BAD" in pdf.decode("utf-8")
