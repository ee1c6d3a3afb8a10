"""Factures API (``/cpro/factures/v1/…``, reference §8): deposits, searches and follow-up of invoices."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, datetime, timezone

from chorus_pro.dates import aware, format_datetime, parse_date, parse_datetime
from chorus_pro.documents import prune_empty
from chorus_pro.errors import OutcomeUnknownError
from chorus_pro.results import (
    FlowDeposit,
    InvoiceDetails,
    InvoiceHistory,
    InvoiceSummary,
    StatusEvent,
    SubmitResult,
)

from .base import ChorusApi
from .reading import SEARCH_PAGE_SIZE, as_float, as_int, as_list, cadre_of, paging


class Factures(ChorusApi):
    name = "factures"

    def submit(self, payload: dict, *, reference: str) -> SubmitResult:
        """``soumettre`` a body built by :func:`chorus_pro.documents.build_submit_payload` (a write: sent once)."""
        data = self.call("soumettre", payload, write=True, reference=reference)
        invoice_id = as_int(data.get("identifiantFactureCPP"))
        if invoice_id is None:  # HTTP 200 without an id: the invoice may exist anyway
            raise OutcomeUnknownError("factures/v1/soumettre", reference, "no invoice id in the answer")
        return SubmitResult(invoice_id, str(data.get("numeroFacture") or reference), str(data.get("statutFacture") or ""),
                            parse_date(data.get("dateDepot")), str(data.get("identifiantStructure") or ""),
                            str(data.get("empreinteCertificatDepot") or ""))

    def deposit_flow(self, content: bytes, file_name: str, syntax: str) -> FlowDeposit:
        body = {"fichierFlux": base64.b64encode(content).decode("ascii"), "nomFichier": file_name,
                "syntaxeFlux": syntax, "avecSignature": False}
        data = self.call("deposer/flux", body, write=True, reference=file_name)
        if not data.get("numeroFluxDepot"):
            raise OutcomeUnknownError("factures/v1/deposer/flux", file_name, "no numeroFluxDepot in the answer")
        return FlowDeposit(str(data["numeroFluxDepot"]), parse_date(data.get("dateDepot")),
                           str(data.get("syntaxeFlux") or syntax))

    def iter_supplier_invoices(self, *, invoice_number: str | None = None, flow_number: str | None = None,
                               status_changed_from: datetime | None = None,
                               status_changed_to: datetime | None = None,
                               deposit_from: date | None = None, deposit_to: date | None = None,
                               statuses: list[str] | None = None,
                               page_size: int = SEARCH_PAGE_SIZE) -> Iterator[InvoiceSummary]:
        """``rechercher/fournisseur``, walking every page."""
        criteria = {
            "numeroFacture": invoice_number,
            "numeroFluxDepot": flow_number,
            "periodeDateHeureEtatCourantDu": format_datetime(status_changed_from),
            "periodeDateHeureEtatCourantAu": format_datetime(status_changed_to, end_of_day=True),
            "periodeDateDepotDu": format_datetime(deposit_from),
            "periodeDateDepotAu": format_datetime(deposit_to, end_of_day=True),
            "statutCourant": list(statuses) if statuses else None,
        }
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "rechercheFactureParFournisseur": paging(page, page_size, "DateDepot", "Descendant")}
        for item in self.pages("rechercher/fournisseur", body, "listeFactures"):
            yield InvoiceSummary(
                invoice_id=as_int(item.get("identifiantFactureCPP")) or 0,
                invoice_number=str(item.get("numeroFacture") or ""),
                status=str(item.get("statut") or item.get("statutFacture") or ""),
                status_date=parse_datetime(item.get("dateHeureEtatCourant")),
                status_comment=str(item.get("commentaireEtatCourant") or ""),
                flow_number=str(item.get("numeroFluxDepot") or ""),
                invoice_type=str(item.get("typeFacture") or "FACTURE"),
                cadre=cadre_of(item),
                buyer_identifier=str(item.get("codeDestinataire") or ""),
                deposit_date=parse_date(item.get("dateDepot")),
                amount_due=as_float(item.get("montantAPayer")),
                rejection_handled=bool(item.get("rejetTraite")),
                supplier_identifier=str(item.get("codeFournisseur") or ""),
            )

    def get_supplier_invoice(self, invoice_id: int) -> InvoiceDetails:
        data = self.call("consulter/fournisseur", {"identifiantFactureCPP": invoice_id})
        invoice = data.get("facture") or {}
        buyer = invoice.get("destinataire") or {}
        refs = invoice.get("references") or {}
        cadre = invoice.get("cadreDeFacturation") or {}
        totals = invoice.get("montantTotal") or {}
        supplier = invoice.get("fournisseur") or {}
        return InvoiceDetails(
            invoice_id=as_int(invoice.get("identifiantFactureCPP")) or invoice_id,
            invoice_number=str(invoice.get("numeroFacture") or ""),
            status=str(invoice.get("statutFacture") or invoice.get("statut") or ""),
            cadre=str(cadre.get("codeCadreFacturation") or ""),
            buyer_identifier=str(buyer.get("codeDestinataire") or ""),
            service_code=str(buyer.get("codeServiceExecutant") or ""),
            market_number=str(refs.get("numeroMarche") or ""),
            ej_number=str(refs.get("numeroBonCommande") or ""),
            payment_due_date=parse_date(refs.get("dateEcheancePaiement")),
            amount_due=as_float(totals.get("montantAPayer")),
            supplier_identifier=str(supplier.get("codeFournisseur") or ""),
            supplier_structure_id=as_int(supplier.get("idFournisseur")),
            raw=invoice,
        )

    def get_history(self, invoice_id: int) -> InvoiceHistory:
        data = self.call("consulter/historique", {"idFacture": invoice_id, "nbResultatsMaximum": 100})
        history = data.get("historiquesDesStatuts") or {}
        events = [StatusEvent(str(e.get("histoStatutCode") or ""), parse_datetime(e.get("histoStatutDatePassage")),
                              str(e.get("histoStatutCommentaire") or ""))
                  for e in as_list(history.get("histoStatut"))]
        oldest = datetime.min.replace(tzinfo=timezone.utc)
        events.sort(key=lambda e: aware(e.date) or oldest, reverse=True)  # newest first, stable on ties
        return InvoiceHistory(as_int(data.get("idFacture")) or invoice_id, str(data.get("numeroFacture") or ""),
                              str(data.get("statutCourantCode") or ""), tuple(events))

    def complete(self, invoice_id: int, *, comment: str = "", attachment_ids: list[int] | None = None) -> None:
        """``completer`` an invoice put on hold (suspended) with a comment and files."""
        body = {"identifiantFactureCPP": invoice_id, "commentaire": comment,
                "pieceJointeComplementaire": [{"pieceJointeComplementaireId": i} for i in attachment_ids or []]}
        self.call("completer", prune_empty(body), write=True, reference=str(invoice_id))

    def recycle(self, invoice_id: int, *, buyer_siret: str, service_code: str = "",
                ej_number: str = "", market_number: str = "", comment: str = "") -> None:
        """``recycler`` an invoice to another buyer, service or engagement juridique."""
        body = {
            "identifiantFactureCPP": invoice_id,
            "destinataire": {"codeDestinataire": buyer_siret, "codeServiceExecutant": service_code},
            "commentaire": comment,
            # singular ``reference`` here, unlike ``references`` on soumettre (reference §3.6)
            "reference": {"numeroBonCommande": ej_number, "numeroMarche": market_number},
        }
        self.call("recycler", prune_empty(body), write=True, reference=str(invoice_id))

    def acknowledge_rejections(self, invoice_ids: list[int]) -> None:
        """``traiterRejet``: mark rejected invoices as handled."""
        body = {"listeDemandePaiement": [{"idDemandePaiement": i} for i in invoice_ids]}
        self.call("traiterRejet", body, write=True, reference=",".join(map(str, invoice_ids)))

    def correct_validator(self, invoice_id: int, validator_siret: str) -> None:
        body = {"idFacture": invoice_id, "identifiantStructure": validator_siret,
                "typeIdentifiantStructure": "SIRET"}
        self.call("corriger/valideur/facture", body, write=True, reference=str(invoice_id))

