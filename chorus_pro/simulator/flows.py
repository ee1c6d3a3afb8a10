"""Flow deposits (``factures/v1/deposer/flux``): read the file, integrate it later.

Accepted files: a CII (Factur-X / ZUGFeRD) or UBL XML, a PDF embedding such an
XML (Factur-X; the embedded stream may be Flate-compressed), or a tar / tar.gz
lot of those (one invoice per member).  Any other file becomes one invoice whose
number is the file name without its extension.  The invoice data read from XML
(number, date, type, buyer SIRET, service, EJ, cadre, totals) is checked at
integration with the same routing rules as ``soumettre``; failures are listed in
``listeErreurDP`` and the flow ends ``IN_REJETE`` (or ``IN_INTEGRE_PARTIEL``).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import tarfile
import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree

from chorus_pro.cadres import WORKS_CADRES, WORKS_TYPE_OF_CADRE

from . import messages as m
from . import rules
from .clock import PARIS, fmt_date, fmt_datetime
from .ops_factures import ok_read, ok_write
from .state import Flow, FlowDocument, Invoice

MAX_FLOW_BYTES = 10 * 1024 * 1024
WORKS_CADRE_CODES = frozenset(c.value for c in WORKS_CADRES)
WORKS_TYPE_OF_CODE = {c.value: works_type for c, works_type in WORKS_TYPE_OF_CADRE.items()}
MAX_LOT_MEMBERS = 200


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root, *path):
    """First element following local names ``path`` (any depth for the first step)."""
    candidates = [e for e in root.iter() if _local(e.tag) == path[0]]
    for element in candidates:
        current = element
        for name in path[1:]:
            current = next((c for c in current if _local(c.tag) == name), None)
            if current is None:
                break
        if current is not None:
            return current
    return None


def _text(root, *path) -> str:
    element = _find(root, *path)
    return (element.text or "").strip() if element is not None else ""


def _parse_cii(root) -> dict:
    date_text = _text(root, "IssueDateTime", "DateTimeString")
    summation = _find(root, "SpecifiedTradeSettlementHeaderMonetarySummation")

    def amount(name):
        if summation is None:
            return None
        element = next((c for c in summation if _local(c.tag) == name), None)
        return rules.dec(element.text) if element is not None and element.text else None

    buyer = _find(root, "BuyerTradeParty")
    siret = ""
    if buyer is not None:
        siret = _text(buyer, "SpecifiedLegalOrganization", "ID") or _text(buyer, "GlobalID")
    seller = _find(root, "SellerTradeParty")
    seller_siret = _text(seller, "SpecifiedLegalOrganization", "ID") if seller is not None else ""
    # the MOE / MOA of a works document, as chorus_pro.works_flow.moe_reference writes them (UNVERIFIED)
    works_parties = {}
    for element in root.iter():
        if _local(element.tag) == "AdditionalReferencedDocument":
            name = _text(element, "Name").upper()
            if name in ("MOE", "MOA"):
                siret, _slash, service = _text(element, "IssuerAssignedID").partition("/")
                works_parties[name.lower()] = (siret.replace(" ", ""), service)
    return {
        **works_parties,
        "seller": seller_siret,
        "number": _text(root, "ExchangedDocument", "ID"),
        "date": datetime.strptime(date_text, "%Y%m%d").replace(tzinfo=PARIS) if re.fullmatch(r"\d{8}", date_text)
        else None,
        "type": "AVOIR" if _text(root, "ExchangedDocument", "TypeCode") in ("381", "261", "262") else "FACTURE",
        "buyer": siret, "service": _text(root, "BuyerReference"),
        "ej": _text(root, "BuyerOrderReferencedDocument", "IssuerAssignedID"),
        "market": _text(root, "ContractReferencedDocument", "IssuerAssignedID"),
        "cadre": _text(root, "BusinessProcessSpecifiedDocumentContextParameter", "ID"),
        "untaxed": amount("TaxBasisTotalAmount"), "vat": amount("TaxTotalAmount"),
        "total": amount("GrandTotalAmount"), "due": amount("DuePayableAmount"),
    }


def _parse_ubl(root) -> dict:
    def direct(name):
        element = next((c for c in root if _local(c.tag) == name), None)
        return (element.text or "").strip() if element is not None else ""

    customer = _find(root, "AccountingCustomerParty")
    siret = ""
    if customer is not None:
        siret = _text(customer, "PartyIdentification", "ID") or _text(customer, "PartyLegalEntity", "CompanyID")
    supplier = _find(root, "AccountingSupplierParty")
    seller_siret = ""
    if supplier is not None:
        seller_siret = _text(supplier, "PartyLegalEntity", "CompanyID") or _text(supplier, "PartyIdentification", "ID")
    totals = _find(root, "LegalMonetaryTotal")

    def amount(name):
        if totals is None:
            return None
        element = next((c for c in totals if _local(c.tag) == name), None)
        return rules.dec(element.text) if element is not None and element.text else None

    tax = _text(root, "TaxTotal", "TaxAmount")
    issue = direct("IssueDate")
    return {
        "seller": seller_siret,
        "number": direct("ID"),
        "date": datetime.strptime(issue, "%Y-%m-%d").replace(tzinfo=PARIS) if issue else None,
        "type": "AVOIR" if _local(root.tag) == "CreditNote" else "FACTURE",
        "buyer": siret, "service": direct("BuyerReference"), "ej": _text(root, "OrderReference", "ID"),
        "market": _text(root, "ContractDocumentReference", "ID"), "cadre": direct("ProfileID"),
        "untaxed": amount("TaxExclusiveAmount"), "vat": rules.dec(tax) if tax else None,
        "total": amount("TaxInclusiveAmount"), "due": amount("PayableAmount"),
    }


def _xml_data(content: bytes) -> dict | None:
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError:
        return None
    name = _local(root.tag)
    if name == "CrossIndustryInvoice":
        return _parse_cii(root)
    if name in ("Invoice", "CreditNote"):
        return _parse_ubl(root)
    return None


def _pdf_xml(content: bytes) -> bytes | None:
    """The embedded CII/UBL XML of a Factur-X PDF (plain or Flate-compressed stream)."""
    for match in re.finditer(rb"stream\r?\n", content):
        start = match.end()
        end = content.find(b"endstream", start)
        if end < 0:
            break
        chunk = content[start:end].rstrip(b"\r\n")
        for candidate in (chunk, None):
            if candidate is None:
                try:
                    candidate = zlib.decompressobj().decompress(chunk, 20 * 1024 * 1024)
                except zlib.error:
                    continue
            if b"CrossIndustryInvoice" in candidate or b"urn:oasis:names:specification:ubl" in candidate:
                return candidate[candidate.find(b"<"):]
    return None


def read_documents(content: bytes, file_name: str) -> list[FlowDocument]:
    """The invoices of a flow file (see module docstring)."""
    stem = file_name.rsplit("/", 1)[-1].split(".", 1)[0] or file_name

    def one(data: bytes, name: str) -> FlowDocument:
        xml = data if data.lstrip()[:1] == b"<" else (_pdf_xml(data) if data[:5] == b"%PDF-" else None)
        parsed = _xml_data(xml) if xml else None
        own_stem = name.rsplit("/", 1)[-1].split(".", 1)[0] or stem
        if parsed and parsed.get("number"):
            return FlowDocument(parsed["number"], parsed)
        return FlowDocument(own_stem, {"unreadable": xml is not None and parsed is None})

    if content[:2] == b"\x1f\x8b" or content[257:262] == b"ustar":
        try:
            documents = []
            with tarfile.open(fileobj=io.BytesIO(content), mode="r:*") as archive:
                for member in archive:
                    if len(documents) >= MAX_LOT_MEMBERS:
                        break
                    if member.isfile():
                        handle = archive.extractfile(member)
                        documents.append(one(handle.read(MAX_FLOW_BYTES + 1), member.name))
            if documents:
                return documents
        except (tarfile.TarError, OSError, EOFError):
            pass
    return [one(content, file_name)]


def deposer_flux(sim, body: dict) -> dict:
    for field in ("fichierFlux", "nomFichier", "syntaxeFlux"):
        if not body.get(field):
            raise m.business(m.MISSING_FIELD, f"Le champ « {field} » est obligatoire.", field=field)
    if len(body["fichierFlux"]) > (MAX_FLOW_BYTES * 4) // 3 + 8:
        raise m.Failure(*m.FLOW_TOO_LARGE, "Le fichier du flux dépasse la taille maximale de 10 Mo.",
                        field="fichierFlux")
    try:
        content = base64.b64decode(body["fichierFlux"], validate=True)
    except (binascii.Error, ValueError):
        raise m.bad_request("Le champ « fichierFlux » doit contenir le fichier encodé en base64.", field="fichierFlux")
    if len(content) > MAX_FLOW_BYTES:
        raise m.Failure(*m.FLOW_TOO_LARGE, "Le fichier du flux dépasse la taille maximale de 10 Mo.",
                        field="fichierFlux")
    if not content:
        raise m.business(m.FLOW_INVALID, "Le fichier du flux est vide.", field="fichierFlux")
    now = sim.clock.now()
    flow = Flow(sim.store.next_flow_number(), body["nomFichier"], body["syntaxeFlux"], now, sim.supplier_id,
                read_documents(content, body["nomFichier"]))
    flow.history.append(("IN_RECU", now))
    sim.store.flows[flow.number] = flow
    sim.store.open_flows.add(flow.number)
    for document in flow.documents:
        sim.add_deposit("flux", None, document.number, flow_number=flow.number)
    return ok_write(numeroFluxDepot=flow.number, dateDepot=fmt_date(now), syntaxeFlux=flow.syntax)


def _integrate(sim, flow: Flow, at: datetime) -> None:
    supplier = sim.store.structures[sim.supplier_id]
    for document in flow.documents:
        data = document.data
        try:
            if data.get("unreadable"):
                raise m.business(m.FLOW_INVALID, "Le fichier XML n'est pas une facture CII ou UBL lisible.")
            buyer = service = None
            if data.get("seller") and data["seller"].replace(" ", "") != supplier.siret:
                raise m.business(m.SUPPLIER_MISMATCH, f"Le vendeur du fichier (SIRET {data['seller']}) n'est pas la "
                                                      f"structure du compte technique ({supplier.siret}).")
            if data.get("buyer") is not None:
                buyer = rules.find_buyer(sim, data["buyer"], field="BuyerTradeParty (SIRET de l'acheteur)")
                service = rules.check_routing(sim, buyer, data.get("service") or "", data.get("ej") or "",
                                              service_field="BuyerReference (code service)",
                                              ej_field="BuyerOrderReferencedDocument (engagement juridique)")
            cadre = data.get("cadre") or "A1_FACTURE_FOURNISSEUR"
            works = cadre in WORKS_CADRE_CODES
            if works and not _carries_works(flow.syntax):
                # works cadres travel in a structured CII flow only (chorus_pro.works_flow, UNVERIFIED)
                raise m.business(m.CADRE_REFUSED, f"Cadre de facturation « {cadre} » non accepté dans un flux "
                                                  f"{flow.syntax} (un document de travaux se dépose en flux CII "
                                                  "structuré).")
            if not works and not cadre.startswith(("A1_", "A2_", "A9_", "A12_")):
                raise m.business(m.CADRE_REFUSED, f"Cadre de facturation « {cadre} » non accepté dans un flux "
                                                  "E1/E2 (seuls A1, A2, A9 et A12 le sont).")
            moe = moa = None
            if works:
                if not data.get("market"):
                    raise m.business(m.MISSING_FIELD, "Le numéro de marché (ContractReferencedDocument) est "
                                                      "obligatoire pour un document de travaux.")
                moe = _works_structure(sim, data.get("moe"), "maître d'œuvre", "MOE")
                moa = _works_structure(sim, data.get("moa") or (data.get("buyer") or "", ""), "maître d'ouvrage",
                                       "MOA")
                rules.check_market(sim, moa, data["market"])
            if None not in (data.get("untaxed"), data.get("vat"), data.get("total")) and \
                    rules.cents(data["untaxed"] + data["vat"]) != rules.cents(data["total"]):
                raise m.business(m.TOTALS, f"Montants incohérents : HT {data['untaxed']} + TVA {data['vat']} ≠ "
                                           f"TTC {data['total']}.")
        except m.Failure as failure:
            flow.errors.append({"numeroDP": document.number, "identifiantFournisseur": supplier.siret,
                                "identifiantDestinataire": data.get("buyer") or None,
                                "libelleErreurDP": failure.detail})
            continue
        untaxed, vat = data.get("untaxed") or Decimal("0"), data.get("vat") or Decimal("0")
        total = data.get("total") if data.get("total") is not None else untaxed + vat
        invoice = Invoice(
            id=sim.store.next_invoice_id(), number=document.number, supplier_id=sim.supplier_id,
            kind="FACTURE_TRAVAUX" if works else "FACTURE",
            cadre=cadre, mode="EDI" if flow.syntax.startswith("IN_DP_E1") else "EDI_MIXTE",
            invoice_type=data.get("type") or "FACTURE", invoice_date=data.get("date") or at, deposited_at=at,
            buyer_id=buyer.id if buyer else None, service_id=service.id if service else None,
            ej_number=data.get("ej") or "", market_number=data.get("market") or "", flow_number=flow.number,
            untaxed=untaxed, vat=vat, total=total,
            amount_due=data.get("due") if data.get("due") is not None else total,
        )
        if works:
            invoice.works_type = WORKS_TYPE_OF_CODE.get(cadre, "")
            invoice.moe_id, invoice.moe_service_code = moe.id, (data.get("moe") or ("", ""))[1]
            invoice.moa_id, invoice.moa_service_code = moa.id, (data.get("moa") or ("", ""))[1]
        if buyer is not None and buyer.id in sim.buyer_scenarios:
            invoice.script = list(sim.buyer_scenarios[buyer.id])
        sim.record_status(invoice, "A_VALIDER_MOE" if works else "DEPOSEE", at=at)
        sim.store.invoices[invoice.id] = invoice
        flow.invoice_ids.append(invoice.id)
    if not flow.invoice_ids:
        flow.history.append(("IN_REJETE", at))
    elif flow.errors:
        flow.history.append(("IN_INTEGRE_PARTIEL", at))
    else:
        flow.history.append(("IN_INTEGRE", at))


def _carries_works(syntax: str) -> bool:
    """A structured CII flow: E1 CII (D16B or not) or any E4 syntax."""
    return syntax in ("IN_DP_E1_CII", "IN_DP_E1_CII_16B") or "_E4_" in syntax


def _works_structure(sim, party, label: str, role: str):
    """The MOE or MOA structure named in a works flow, which must exist and be active on the platform."""
    siret = (party or ("", ""))[0]
    if not siret:
        raise m.business(m.WORKS_PARTY, f"Le {label} ({role}) est obligatoire pour un document de travaux.")
    structure = sim.store.structure_by_siret(siret)
    if structure is None or not structure.active:
        raise m.business(m.WORKS_PARTY, f"La structure {siret} indiquée comme {role} n'existe pas ou est inactive.")
    if role == "MOA" and not (structure.moa and structure.public):
        raise m.business(m.WORKS_PARTY, f"La structure {siret} ({structure.name}) n'est pas maître d'ouvrage public.")
    return structure


def progress_flows(sim, now: datetime) -> None:
    step = timedelta(seconds=sim.flow_step_seconds)
    for number in sorted(sim.store.open_flows):
        flow = sim.store.flows[number]
        if flow.status == "IN_RECU" and flow.status_at + step <= now:
            flow.history.append(("IN_EN_COURS_TRAITEMENT_CPP", flow.status_at + step))
        if flow.status == "IN_EN_COURS_TRAITEMENT_CPP" and flow.status_at + step <= now:
            _integrate(sim, flow, flow.status_at + step)
            sim.store.open_flows.discard(number)


def consulter_cr_detaille(sim, body: dict) -> dict:
    number = body.get("numeroFluxDepot") or ""
    flow = sim.store.flows.get(number)
    if flow is None or flow.supplier_id != sim.supplier_id:
        raise m.business(m.UNKNOWN_OBJECT, f"Aucun flux de numéro « {number} » (« numeroFluxDepot »).",
                         prefix="TRA", field="numeroFluxDepot")
    return ok_read(
        numeroFluxDepot=flow.number, codeInterfaceDepotFlux=flow.syntax, etatCourantDepotFlux=flow.status,
        dateDepotFlux=fmt_datetime(flow.deposited_at), dateHeureEtatCourantFlux=fmt_datetime(flow.status_at),
        nomFichier=flow.file_name, listeErreurDP=list(flow.errors), listeErreurTechnique=list(flow.technical_errors),
    )


def consulter_cr(sim, body: dict) -> dict:
    """The older report (``etatCourantFlux``, a PDF report in ``fichierCR``); clients should prefer the detailed one."""
    detailed = consulter_cr_detaille(sim, {"numeroFluxDepot": body.get("numeroFluxDepot")})
    errors = "\n".join(f"{e['numeroDP']} : {e['libelleErreurDP']}" for e in detailed["listeErreurDP"])
    report = (f"%PDF-1.4\n% Compte rendu du flux {detailed['numeroFluxDepot']} : "
              f"{detailed['etatCourantDepotFlux']}\n{errors}\n%%EOF\n").encode()
    return ok_read(
        numeroFluxDepot=detailed["numeroFluxDepot"], etatCourantFlux=detailed["etatCourantDepotFlux"],
        dateDepotFlux=detailed["dateDepotFlux"], dateHeureEtatCourantFlux=detailed["dateHeureEtatCourantFlux"],
        codeInterfaceFlux=detailed["codeInterfaceDepotFlux"], nomFichierFlux=detailed["nomFichier"],
        designationPartenaire=sim.store.structures[sim.supplier_id].name,
        fichierCR=base64.b64encode(report).decode("ascii"),
    )
