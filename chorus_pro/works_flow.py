"""The flux deposit of a works document: a structured CII (Factur-X EN 16931 profile) for ``factures/v1/deposer/flux``.

NOT VERIFIED as a route for works documents.  What is known (reference works-circuit §2, chorus-pro-api §8):
``deposer/flux`` exists and is verified for invoices; the AIFE split the works flows (E4/E5) from E1/E2 in
February 2024, but their ``syntaxeFlux`` values are not public; Chorus Pro reads the cadre de facturation in
BT-23 (``ExchangedDocumentContext/BusinessProcessSpecifiedDocumentContextParameter/ID``).  So:

- :func:`build_works_cii` writes the document as a CII D16B invoice of the EN 16931 profile: the cadre in BT-23,
  the market number in BT-12 (``ContractReferencedDocument``), the MOA as the buyer (BT-44/BT-47) when it is the
  buyer, the situation period in BG-14, one line per VAT rate (the details are in the PDF the MOE checks);
- the MOE has no place in EN 16931: :func:`moe_reference` alone decides how it travels (today a supporting
  document reference, BG-24, named "MOE", whose id is its SIRET);
- :func:`works_flow_syntax` alone decides the ``syntaxeFlux``.  ``chorus-pro probe`` lists the flow formats
  the platform accepts (``transverses/v1/recuperer/formatflux``): when it shows the works syntax, change it there.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

from .cadres import Cadre
from .documents import Invoice, InvoiceType, PaymentMode, VatRegime
from .siret import compact_siret
from .works import works_summary

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
#: BT-24: the EN 16931 profile of Factur-X
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
#: scheme of a French SIRET in BT-30 / BT-47 (ISO 6523 ICD 0002)
SIRET_SCHEME = "0002"
#: the name of the supporting document that carries the MOE (see :func:`moe_reference`)
MOE_DOCUMENT_NAME = "MOE"
MOA_DOCUMENT_NAME = "MOA"
#: supporting document type code (UNTDID 1001 "916": reference paper) of BG-24
SUPPORTING_DOCUMENT_TYPE = "916"
CENT = Decimal("0.01")

for _prefix, _uri in (("rsm", RSM), ("ram", RAM), ("udt", UDT), ("qdt", QDT)):
    ElementTree.register_namespace(_prefix, _uri)


def works_flow_syntax() -> str:
    """The ``syntaxeFlux`` of a works CII flow: UNVERIFIED, the one place to change.

    The February 2024 E4 (structured works) syntax is not public; until the probe shows it, the structured CII
    D16B syntax of invoices (a value of the Factures Swagger) is sent, with the works cadre in BT-23.
    """
    return "IN_DP_E1_CII_16B"


def works_flow_file_name(invoice: Invoice) -> str:
    """``nomFichier`` of the flow: the document number, made safe for a file name."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in invoice.number) or "travaux"
    return f"{safe}.xml"


def _cents(value) -> str:
    return str(Decimal(str(value if value is not None else 0)).quantize(CENT, rounding=ROUND_HALF_UP))


def _rate(value) -> str:
    return str(Decimal(str(value)).normalize()) if Decimal(str(value)) else "0"


def _sub(parent, namespace: str, tag: str, text=None, **attributes):
    element = ElementTree.SubElement(parent, f"{{{namespace}}}{tag}", attributes)
    if text is not None:
        element.text = str(text)
    return element


def _date(parent, tag: str, day) -> None:
    holder = _sub(parent, RAM, tag)
    _sub(holder, UDT, "DateTimeString", f"{day:%Y%m%d}", format="102")


def _party(parent, tag: str, party) -> None:
    element = _sub(parent, RAM, tag)
    _sub(element, RAM, "Name", party.name or compact_siret(party.siret))
    organisation = _sub(element, RAM, "SpecifiedLegalOrganization")
    _sub(organisation, RAM, "ID", compact_siret(party.siret), schemeID=SIRET_SCHEME)
    country = _sub(element, RAM, "PostalTradeAddress")
    _sub(country, RAM, "CountryID", "FR")


def moe_reference(agreement, invoice: Invoice) -> None:
    """How the MOE (and an MOA other than the buyer) travel: UNVERIFIED, the one place to change.

    EN 16931 has no maître d'œuvre.  A supporting document reference (BG-24: BT-122 its SIRET, BT-123 "MOE",
    its service code after a slash) is valid in the EN 16931 profile and readable by a person.
    """
    for name, party in ((MOE_DOCUMENT_NAME, invoice.moe), (MOA_DOCUMENT_NAME, invoice.moa)):
        if party is None:
            continue
        reference = _sub(agreement, RAM, "AdditionalReferencedDocument")
        identifier = compact_siret(party.siret)
        if party.service_code:
            identifier = f"{identifier}/{party.service_code}"
        _sub(reference, RAM, "IssuerAssignedID", identifier)
        _sub(reference, RAM, "TypeCode", SUPPORTING_DOCUMENT_TYPE)
        _sub(reference, RAM, "Name", name)


def _vat_category(invoice: Invoice, rate: Decimal) -> str:
    if invoice.vat_regime is VatRegime.EXEMPT or invoice.vat_regime is VatRegime.NO_VAT:
        return "E"
    return "S" if rate else "Z"


def build_works_cii(invoice: Invoice) -> bytes:
    """The works document as a CII XML (EN 16931 profile), UTF-8 bytes.  Amounts are the invoice's, to the cent."""
    cadre = invoice.cadre
    if not isinstance(cadre, Cadre) or not cadre.is_works:
        raise ValueError(f"a works flow carries a works cadre, not {cadre!r}")
    root = ElementTree.Element(f"{{{RSM}}}CrossIndustryInvoice")
    context = _sub(root, RSM, "ExchangedDocumentContext")
    # BT-23: Chorus Pro's cadre de facturation
    _sub(_sub(context, RAM, "BusinessProcessSpecifiedDocumentContextParameter"), RAM, "ID", cadre.value)
    _sub(_sub(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", EN16931_GUIDELINE)

    document = _sub(root, RSM, "ExchangedDocument")
    _sub(document, RAM, "ID", invoice.number)
    _sub(document, RAM, "TypeCode", "381" if invoice.invoice_type is InvoiceType.CREDIT_NOTE else "380")
    issued = _sub(document, RAM, "IssueDateTime")
    _sub(issued, UDT, "DateTimeString", f"{invoice.invoice_date:%Y%m%d}", format="102")
    for text in (works_summary(invoice), invoice.comment):
        if text:
            _sub(_sub(document, RAM, "IncludedNote"), RAM, "Content", text)

    transaction = _sub(root, RSM, "SupplyChainTradeTransaction")
    # one line per VAT rate: the projet de décompte's details are in its PDF
    for number, vat_line in enumerate(invoice.vat_lines, start=1):
        line = _sub(transaction, RAM, "IncludedSupplyChainTradeLineItem")
        _sub(_sub(line, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", number)
        _sub(_sub(line, RAM, "SpecifiedTradeProduct"), RAM, "Name", f"{cadre.label} — TVA {_rate(vat_line.rate)} %")
        agreement = _sub(line, RAM, "SpecifiedLineTradeAgreement")
        _sub(_sub(agreement, RAM, "NetPriceProductTradePrice"), RAM, "ChargeAmount", _cents(vat_line.base))
        _sub(_sub(line, RAM, "SpecifiedLineTradeDelivery"), RAM, "BilledQuantity", "1", unitCode="C62")
        settlement = _sub(line, RAM, "SpecifiedLineTradeSettlement")
        tax = _sub(settlement, RAM, "ApplicableTradeTax")
        _sub(tax, RAM, "TypeCode", "VAT")
        _sub(tax, RAM, "CategoryCode", _vat_category(invoice, vat_line.rate))
        _sub(tax, RAM, "RateApplicablePercent", _rate(vat_line.rate))
        summation = _sub(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation")
        _sub(summation, RAM, "LineTotalAmount", _cents(vat_line.base))

    agreement = _sub(transaction, RAM, "ApplicableHeaderTradeAgreement")
    if invoice.buyer is not None and invoice.buyer.service_code:
        _sub(agreement, RAM, "BuyerReference", invoice.buyer.service_code)  # BT-10
    _party(agreement, "SellerTradeParty", invoice.supplier)
    _party(agreement, "BuyerTradeParty", invoice.buyer)
    if invoice.ej_number:
        _sub(_sub(agreement, RAM, "BuyerOrderReferencedDocument"), RAM, "IssuerAssignedID", invoice.ej_number)
    if invoice.market_number:  # BT-12
        _sub(_sub(agreement, RAM, "ContractReferencedDocument"), RAM, "IssuerAssignedID", invoice.market_number)
    moe_reference(agreement, invoice)

    _sub(transaction, RAM, "ApplicableHeaderTradeDelivery")

    settlement = _sub(transaction, RAM, "ApplicableHeaderTradeSettlement")
    _sub(settlement, RAM, "InvoiceCurrencyCode", invoice.currency or "EUR")
    if invoice.payment_mode is PaymentMode.TRANSFER:
        _sub(_sub(settlement, RAM, "SpecifiedTradeSettlementPaymentMeans"), RAM, "TypeCode", "30")
    for vat_line in invoice.vat_lines:
        tax = _sub(settlement, RAM, "ApplicableTradeTax")
        _sub(tax, RAM, "CalculatedAmount", _cents(vat_line.amount))
        _sub(tax, RAM, "TypeCode", "VAT")
        if _vat_category(invoice, vat_line.rate) == "E":
            _sub(tax, RAM, "ExemptionReason", invoice.vat_exemption_reason or "Exonération")
        _sub(tax, RAM, "BasisAmount", _cents(vat_line.base))
        _sub(tax, RAM, "CategoryCode", _vat_category(invoice, vat_line.rate))
        _sub(tax, RAM, "RateApplicablePercent", _rate(vat_line.rate))
    if invoice.period_start or invoice.period_end:  # BG-14: the period of the works
        period = _sub(settlement, RAM, "BillingSpecifiedPeriod")
        if invoice.period_start:
            _date(period, "StartDateTime", invoice.period_start)
        if invoice.period_end:
            _date(period, "EndDateTime", invoice.period_end)
    totals = invoice.totals
    summation = _sub(settlement, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, RAM, "LineTotalAmount", _cents(sum((v.base for v in invoice.vat_lines), Decimal(0))))
    _sub(summation, RAM, "TaxBasisTotalAmount", _cents(totals.untaxed))
    _sub(summation, RAM, "TaxTotalAmount", _cents(totals.vat), currencyID=invoice.currency or "EUR")
    _sub(summation, RAM, "GrandTotalAmount", _cents(totals.total))
    _sub(summation, RAM, "DuePayableAmount", _cents(totals.amount_due))
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
