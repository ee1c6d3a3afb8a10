"""Factures API (``/cpro/factures/v1/…``, reference §8): deposits, searches and follow-up of invoices."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date, datetime, timezone

from chorus_pro.dates import aware, format_datetime, parse_date, parse_datetime
from chorus_pro.documents import prune_empty
from chorus_pro.errors import DocumentValidationError, OutcomeUnknownError, ValidationIssue
from chorus_pro.results import (
    DocumentToValidate,
    FlowDeposit,
    InvoiceDetails,
    InvoiceHistory,
    InvoiceSummary,
    StatusEvent,
    SubmitResult,
    ValidationDecision,
)
from chorus_pro.validator import ACCEPT_ACTION, REFUSE_ACTION

from .base import ChorusApi
from .reading import SEARCH_PAGE_SIZE, as_decimal, as_float, as_int, as_list, cadre_of, first, paging


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


    # -- as validator of our subcontractors' and co-contractors' documents (chorus_pro.validator) ---------------
    def iter_documents_to_validate(self, *, page_size: int = SEARCH_PAGE_SIZE) -> Iterator[DocumentToValidate]:
        """``rechercher/aTraiter/valideur``: the documents waiting for our decision, walking every page."""
        def body(page: int) -> dict:
            return {"pagination": paging(page, page_size, "DateDepot", "Ascendant")}
        for item in self.pages("rechercher/aTraiter/valideur", body, "listeFactures"):
            yield _validator_item(item)

    def iter_validator_documents(self, *, number: str | None = None, statuses: list[str] | None = None,
                                 deposit_from: date | None = None, deposit_to: date | None = None,
                                 market_number: str | None = None,
                                 page_size: int = SEARCH_PAGE_SIZE) -> Iterator[DocumentToValidate]:
        """``rechercher/valideur``: every document naming us as validator, decided or not, walking every page."""
        criteria = {
            "numeroFacture": number, "numeroMarche": market_number,
            "statutCourant": list(statuses) if statuses else None,
            "periodeDateDepotDu": format_datetime(deposit_from),
            "periodeDateDepotAu": format_datetime(deposit_to, end_of_day=True),
        }
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "pagination": paging(page, page_size, "DateDepot", "Ascendant")}
        for item in self.pages("rechercher/valideur", body, "listeFactures"):
            yield _validator_item(item)

    def get_document_to_validate(self, invoice_id: int) -> DocumentToValidate:
        """``consulter/valideur``: one document as its validator reads it, with its cadre."""
        data = self.call("consulter/valideur", {"identifiantFactureCPP": invoice_id})
        invoice = data.get("facture") or {}
        supplier = invoice.get("fournisseur") or {}
        buyer = invoice.get("destinataire") or {}
        refs = invoice.get("references") or {}
        totals = invoice.get("montantTotal") or {}
        cadre = invoice.get("cadreDeFacturation") or {}
        return DocumentToValidate(
            invoice_id=as_int(invoice.get("identifiantFactureCPP")) or invoice_id,
            number=str(invoice.get("numeroFacture") or ""),
            status=str(invoice.get("statutFacture") or ""),
            kind="FACTURE_TRAVAUX" if refs.get("typeFactureTravaux") else "FACTURE",
            cadre=str(cadre.get("codeCadreFacturation") or ""),
            works_type=str(refs.get("typeFactureTravaux") or ""),
            supplier_identifier=str(supplier.get("codeFournisseur") or ""),
            supplier_structure_id=as_int(supplier.get("idFournisseur")),
            supplier_name=str(supplier.get("raisonSocialeFournisseur") or ""),
            buyer_identifier=str(buyer.get("codeDestinataire") or ""),
            market_number=str(refs.get("numeroMarche") or ""),
            invoice_date=parse_date(refs.get("dateFacture")),
            deposit_date=parse_date(refs.get("dateDepot")),
            amount_untaxed=as_decimal(totals.get("montantHtTotal")),
            amount_total=as_decimal(totals.get("montantTtcTotal")),
            amount_to_pay=as_decimal(totals.get("montantAPayer")),
            currency=str(refs.get("codeDeviseFacture") or "EUR"),
        )

    def accept_document(self, invoice_id: int, *, comment: str = "") -> ValidationDecision:
        """``traiter/factureAValider`` with the accepting action (a write: sent once)."""
        return self._decide(invoice_id, ACCEPT_ACTION, "", comment)

    def refuse_document(self, invoice_id: int, reason: str, *, comment: str = "") -> ValidationDecision:
        """``traiter/factureAValider`` with the refusing action; the reason is mandatory (checked before any call)."""
        if not (reason or "").strip():
            raise DocumentValidationError([ValidationIssue("motifRefus", "refusal_reason_missing",
                                                           {"number": str(invoice_id)})])
        return self._decide(invoice_id, REFUSE_ACTION, reason.strip(), comment)

    def _decide(self, invoice_id: int, action: str, reason: str, comment: str) -> ValidationDecision:
        body = prune_empty({"idFacture": invoice_id, "action": action, "motifRefus": reason,
                            "complementInfo": comment})
        data = self.call("traiter/factureAValider", body, write=True, reference=str(invoice_id))
        if not data.get("statutFacture"):  # HTTP 200 without the new status: read the document again
            raise OutcomeUnknownError("factures/v1/traiter/factureAValider", str(invoice_id), "no status in the answer")
        return ValidationDecision(as_int(data.get("idFacture")) or invoice_id, str(data.get("numeroFacture") or ""),
                                  str(data["statutFacture"]), parse_datetime(data.get("dateTraitement")))


def _validator_item(item: dict) -> DocumentToValidate:
    """One item of the validator's searches (``FactureRechercheValideur``); its amounts are int64 in the Swagger,
    read as decimals whatever their form.  The item has no cadre: :meth:`Factures.get_document_to_validate`."""
    return DocumentToValidate(
        invoice_id=as_int(item.get("idFacture")) or 0,
        number=str(item.get("numeroFacture") or ""),
        status=str(item.get("statut") or ""),
        kind=str(item.get("typeDemandePaiement") or "FACTURE"),
        cadre=cadre_of(item),
        works_type=str(item.get("typeFactureTravaux") or ""),
        supplier_identifier=str(first(item, "identifiantFournisseur", "codeFournisseur") or ""),
        supplier_structure_id=as_int(item.get("idFournisseur")),
        supplier_name=str(item.get("designationFournisseur") or ""),
        buyer_identifier=str(item.get("identifiantDestinataire") or ""),
        market_number=str(item.get("numeroMarche") or ""),
        invoice_date=parse_date(item.get("dateFacture")),
        deposit_date=parse_date(item.get("dateDepot")),
        amount_untaxed=as_decimal(item.get("montantHT")),
        amount_total=as_decimal(item.get("montantTTC")),
        amount_to_pay=as_decimal(item.get("montantAPayer")),
        currency=str(item.get("devise") or "EUR"),
    )
