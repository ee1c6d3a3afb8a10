"""Depositing an invoice or a works document, and finding it again: the steps that span several APIs.

``send``: validate, optionally refuse a number already on Chorus Pro, upload the files
(Transverses), then deposit (Factures ``soumettre``, or the FacturesTravaux deposit).  A lost
answer of the deposit raises :class:`~chorus_pro.errors.OutcomeUnknownError`: ``find`` the
invoice before sending it again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .cadres import Cadre
from .documents import Attachment, DepositMode, Invoice, build_submit_payload, validate_invoice
from .errors import DuplicateInvoiceError, OutcomeUnknownError, TransientError, WriteInterrupted
from .results import InvoiceSummary, SubmitResult

if TYPE_CHECKING:
    from .client import ChorusProClient

#: days around the deposit date searched when reconciling a lost deposit
RECONCILE_WINDOW_DAYS = 30


class Deposits:
    """``client.deposits``: the deposit of a whole invoice, and its reconciliation."""

    def __init__(self, client: ChorusProClient):
        self.client = client

    def send(self, invoice: Invoice, *, supplier_structure_id: int, mode: DepositMode = DepositMode.PDF,
             refuse_duplicate: bool = False) -> SubmitResult:
        """Validate, upload the PDF and attachments, then ``soumettre`` (or the works deposit).

        Nothing is uploaded when validation fails.  With ``refuse_duplicate``, one search
        by invoice number comes first and :class:`DuplicateInvoiceError` (with the existing
        Chorus Pro id) stops the sending when the number is already there, not deleted.
        A lost answer of the final deposit raises OutcomeUnknownError: call
        :meth:`find` (``include_works=True`` for works cadres) before sending again.
        """
        works = isinstance(invoice.cadre, Cadre) and invoice.cadre.is_works  # an unknown cadre: refused below
        validate_invoice(invoice, operation="works" if works else "soumettre", mode=mode)
        if refuse_duplicate:
            existing = self.find(invoice.number)
            if existing is not None:
                raise DuplicateInvoiceError(existing.invoice_number, existing.invoice_id, existing.status)
        files = ([invoice.main_pdf] if invoice.main_pdf is not None else []) + list(invoice.attachments)
        uploaded = [self._upload(f, invoice.number) for f in files]
        main_id = uploaded.pop(0) if invoice.main_pdf is not None else None
        if works:
            return self.client.factures_travaux.deposit(invoice, supplier_structure_id=supplier_structure_id,
                                                        main_attachment_id=main_id, attachment_ids=uploaded,
                                                        mode=mode)
        payload = build_submit_payload(invoice, mode=mode, supplier_structure_id=supplier_structure_id,
                                       main_attachment_id=main_id, attachment_ids=uploaded)
        return self.client.factures.submit(payload, reference=invoice.number)

    def find(self, invoice_number: str, *, around: date | None = None,
             include_works: bool = False) -> InvoiceSummary | None:
        """Reconcile a lost deposit: the invoice with this supplier number, or None.

        ``around`` (the day it was sent) narrows the search to ±30 days of deposit.
        The newest match that is not deleted wins.  ``include_works`` also searches
        the works circuit (FacturesTravaux) when the invoice circuit has no match.
        """
        window = {}
        if around is not None:
            day = around.date() if isinstance(around, datetime) else around
            window = {"deposit_from": day - timedelta(days=RECONCILE_WINDOW_DAYS),
                      "deposit_to": day + timedelta(days=RECONCILE_WINDOW_DAYS)}
        wanted = invoice_number.strip()
        matches = [s for s in self.client.factures.iter_supplier_invoices(invoice_number=wanted, **window)
                   if s.invoice_number.strip() == wanted and s.status != "SUPPRIMEE"]
        if not matches and include_works:
            matches = [InvoiceSummary(w.works_invoice_id, w.number, w.status, status_date=w.status_date,
                                      invoice_type="FACTURE_TRAVAUX", cadre=w.cadre)
                       for w in self.client.factures_travaux.iter_invoices(number=wanted)
                       if w.number.strip() == wanted and w.status != "SUPPRIMEE"]
        if not matches:
            return None
        return max(matches, key=lambda s: (s.deposit_date or date.min, s.invoice_id))

    def _upload(self, attachment: Attachment, invoice_number: str) -> int:
        """Upload a file of an invoice about to be deposited.

        A lost upload answer leaves at most an unreferenced file on Chorus Pro: the
        invoice itself was not deposited, so it is safe to send it again later.
        """
        try:
            return self.client.transverses.upload_file(attachment).attachment_id
        except WriteInterrupted:
            raise KeyboardInterrupt from None  # a plain interruption: the invoice was not deposited
        except OutcomeUnknownError:
            raise TransientError(code="upload_unconfirmed",
                                 params={"name": attachment.name, "number": invoice_number}) from None
