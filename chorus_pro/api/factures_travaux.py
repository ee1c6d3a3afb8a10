"""FacturesTravaux API (``/cpro/facturesTravaux/v1/…``, reference §9): the works circuit.

The search is verified; the deposit is not (see :mod:`chorus_pro.works`, the single place of its guesses).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from chorus_pro.dates import parse_datetime
from chorus_pro.documents import DepositMode, Invoice
from chorus_pro.errors import OutcomeUnknownError, ProtocolError
from chorus_pro.results import SubmitResult, WorksInvoiceSummary
from chorus_pro.works import WORKS_API, build_works_request, parse_works_response

from .base import ChorusApi
from .reading import SEARCH_PAGE_SIZE, as_int, cadre_of, first, paging


class FacturesTravaux(ChorusApi):
    name = WORKS_API

    def iter_invoices(self, *, supplier_structure_id: int | None = None, number: str | None = None,
                      market_number: str | None = None,
                      page_size: int = SEARCH_PAGE_SIZE) -> Iterator[WorksInvoiceSummary]:
        """``rechercher`` the supplier's works documents, walking every page."""
        criteria = {"roleUtilisateur": "FOURNISSEUR", "idStructureFournisseur": supplier_structure_id,
                    "numeroFactureTravaux": number, "numeroMarche": market_number}
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "rechercheFactureTravaux": paging(page, page_size)}
        for item in self.pages("rechercher", body, "listeFacturesTravaux"):
            yield WorksInvoiceSummary(
                works_invoice_id=as_int(item.get("idFactureTravaux")) or 0,
                number=str(item.get("numeroFactureTravaux") or ""),
                status=str(first(item, "statut", "statutFactureTravaux", "etatCourant", "statutCourant") or ""),
                works_type=str(item.get("typeFactureTravaux") or ""),
                cadre=cadre_of(item),
                status_date=parse_datetime(item.get("dateHeureEtatCourant")),
                market_number=str(item.get("numeroMarche") or ""),
                supplier_identifier=str(item.get("codeFournisseur") or ""),
                supplier_structure_id=as_int(item.get("idStructureFournisseur")),
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
