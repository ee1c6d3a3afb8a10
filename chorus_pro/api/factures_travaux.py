"""FacturesTravaux API (``/cpro/facturesTravaux/v1/…``, reference §9): the works circuit.

The search is verified; the deposit is not (see :mod:`chorus_pro.works`, the single place of its guesses),
nor is the detail of a works piece read through the Factures API (:meth:`FacturesTravaux.get_document`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from chorus_pro.dates import format_datetime, parse_date, parse_datetime
from chorus_pro.documents import DepositMode, Invoice
from chorus_pro.errors import OutcomeUnknownError, ProtocolError
from chorus_pro.results import SubmitResult, WorksDocumentDetails, WorksInvoiceSummary, WorksPieceLink
from chorus_pro.works import WORKS_API, build_works_request, parse_works_response

from .base import ChorusApi
from .reading import SEARCH_PAGE_SIZE, as_decimal, as_int, cadre_of, first, paging

#: ``roleUtilisateur`` of the works search (verified, reference §9.1): ours as depositor, ours as validator of a
#: subcontractor's or co-contractor's works documents (A10, A11, A13, A14)
SUPPLIER_ROLE = "FOURNISSEUR"
VALIDATOR_ROLE = "VALIDEUR"
WORKS_SEARCH_ROLES = (SUPPLIER_ROLE, "MOE", "MOA", VALIDATOR_ROLE, "DESTINATAIRE")


class FacturesTravaux(ChorusApi):
    name = WORKS_API

    def iter_invoices(self, *, supplier_structure_id: int | None = None, number: str | None = None,
                      market_number: str | None = None, status_changed_from: datetime | None = None,
                      status_changed_to: datetime | None = None, role: str = SUPPLIER_ROLE,
                      page_size: int = SEARCH_PAGE_SIZE) -> Iterator[WorksInvoiceSummary]:
        """``rechercher`` works documents in ``role`` (FOURNISSEUR: ours; VALIDEUR: those we validate), walking
        every page; ``status_changed_from``/``_to`` keep those whose status changed in that period."""
        if role not in WORKS_SEARCH_ROLES:
            raise ValueError(f"unknown works search role {role!r}; choose one of {', '.join(WORKS_SEARCH_ROLES)}")
        criteria = {"roleUtilisateur": role, "idStructureFournisseur": supplier_structure_id,
                    "numeroFactureTravaux": number, "numeroMarche": market_number,
                    "periodeDateHeureEtatCourantDu": format_datetime(status_changed_from),
                    "periodeDateHeureEtatCourantAu": format_datetime(status_changed_to, end_of_day=True)}
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "rechercheFactureTravaux": paging(page, page_size)}
        for item in self.pages("rechercher", body, "listeFacturesTravaux"):
            yield _works_summary(item)

    def get_document(self, works_invoice_id: int) -> WorksDocumentDetails:
        """One works piece in detail, through the Factures API's ``factures/v1/consulter/fournisseur``.

        ``piecePrecedente`` / ``pieceSuivante`` and ``montantAPayer`` are fields of that operation's answer
        [spec]; that it answers for an ``idFactureTravaux`` is UNVERIFIED (the FacturesTravaux API has no
        public "consulter"): the simulator does, and ``chorus-pro probe`` shows what the platform does.
        """
        details = self.client.factures.get_supplier_invoice(works_invoice_id)
        invoice = details.raw  # what the invoice's reading leaves aside: the works parts
        refs = invoice.get("references") or {}
        totals = invoice.get("montantTotal") or {}
        previous, following = invoice.get("piecePrecedente") or {}, invoice.get("pieceSuivante") or {}
        return WorksDocumentDetails(
            works_invoice_id=details.invoice_id, number=details.invoice_number, status=details.status,
            cadre=details.cadre,
            works_type=str(refs.get("typeFactureTravaux") or ""),
            amount_to_pay=as_decimal(totals.get("montantAPayer")),
            previous=_piece_link(previous, "idPiecePrecedente", "numeroPiecePrecedente",
                                 "cadreFacturationPiecePrecedente"),
            # "numeroPieceSuiante": the Swagger's spelling
            next=_piece_link(following, "idPieceSuivante", "numeroPieceSuiante", "cadreFacturationPieceSuivante"),
        )

    def deposit(self, invoice: Invoice, *, supplier_structure_id: int, main_attachment_id: int | None,
                attachment_ids: list[int] | None = None, mode: DepositMode = DepositMode.PDF) -> SubmitResult:
        """Deposit a works document (A4, A7, A8, A10, A11, A13, A14).  Not verified: see works.py."""
        api, operation, body = build_works_request(invoice, supplier_structure_id=supplier_structure_id,
                                                   main_attachment_id=main_attachment_id,
                                                   attachment_ids=list(attachment_ids or []), mode=mode)
        data = self.client.call(api, operation, body, write=True, reference=invoice.number)
        try:
            result = parse_works_response(data)
        except ProtocolError:  # HTTP 200 without an id: the document may exist anyway
            raise OutcomeUnknownError(f"{api}/v1/{operation}", invoice.number, "no id in the answer") from None
        return result if result.invoice_number else replace(result, invoice_number=invoice.number)


def _works_summary(item: dict) -> WorksInvoiceSummary:
    """One item of the works search (``listeFacturesTravaux``) as a :class:`WorksInvoiceSummary`."""
    return WorksInvoiceSummary(
        works_invoice_id=as_int(item.get("idFactureTravaux")) or 0,
        number=str(item.get("numeroFactureTravaux") or ""),
        status=str(first(item, "statut", "statutFactureTravaux", "etatCourant", "statutCourant") or ""),
        works_type=str(item.get("typeFactureTravaux") or ""),
        cadre=cadre_of(item),
        status_date=parse_datetime(item.get("dateHeureEtatCourant")),
        market_number=str(item.get("numeroMarche") or ""),
        supplier_structure_id=as_int(item.get("idStructureFournisseur")),
        supplier_identifier=str(first(item, "codeFournisseur", "identifiantFournisseur") or ""),
        deposit_date=parse_date(item.get("dateDepot")),
        status_comment=str(item.get("commentaireEtatCourant") or ""),
        amount_to_pay=as_decimal(item.get("montantAPayer")),
        total=as_decimal(item.get("montantTTC")),
    )


def _piece_link(block: dict, id_key: str, number_key: str, cadre_key: str) -> WorksPieceLink | None:
    """The previous or next piece named in a detail, or None when there is none."""
    piece_id = as_int(block.get(id_key)) if isinstance(block, dict) else None
    if not piece_id:
        return None
    return WorksPieceLink(piece_id, str(block.get(number_key) or ""), str(block.get(cadre_key) or ""))
