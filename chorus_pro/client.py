"""The Chorus Pro client: one method per operation, typed results, typed errors.

Interface contract (implemented in this module, used by the CLI, the doctor and
the Odoo add-on).  Reads retry transient failures with bounded exponential
backoff; writes (deposits) are sent once: a lost answer raises
:class:`~chorus_pro.errors.OutcomeUnknownError` and the caller reconciles with
:meth:`ChorusProClient.find_supplier_invoice` before sending again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from .config import ChorusConfig
from .documents import Attachment, DepositMode, Invoice
from .results import (
    BankAccount,
    EngagementJuridique,
    FlowDeposit,
    FlowReport,
    HealthStatus,
    InvoiceDetails,
    InvoiceHistory,
    InvoiceSummary,
    Service,
    Structure,
    StructureDetails,
    SubmitResult,
    SupplierStructure,
    UploadedFile,
    UserAttachment,
    WorksInvoiceSummary,
)


@dataclass
class ClientStats:
    """Counters for benchmarks and tests."""

    http_requests: int = 0
    token_requests: int = 0
    retries: int = 0
    by_operation: dict = field(default_factory=dict)


class ChorusProClient:
    """Talks to one Chorus Pro environment with one set of credentials."""

    def __init__(self, config: ChorusConfig, *, session=None, simulator=None, sleep=None):
        """``session``: a ``requests.Session`` to use; ``simulator``: the in-process
        simulator (defaults to the process-wide one) when ``config.in_process``;
        ``sleep``: replaced in unit tests to observe backoff delays."""
        raise NotImplementedError

    stats: ClientStats

    # -- low level -------------------------------------------------------------------------
    def call(self, api: str, operation: str, body: dict | None = None, *, write: bool = False,
             reference: str | None = None) -> dict:
        """POST ``/cpro/{api}/v1/{operation}`` and return the JSON answer (``codeRetour`` 0)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- Transverses -------------------------------------------------------------------------
    def health_check(self) -> HealthStatus:
        raise NotImplementedError

    def upload_file(self, attachment: Attachment) -> UploadedFile:
        raise NotImplementedError

    def get_flow_report(self, flow_number: str) -> FlowReport:
        raise NotImplementedError

    def supplier_structures(self) -> list[SupplierStructure]:
        raise NotImplementedError

    def valid_bank_accounts(self, supplier_structure_id: int) -> list[BankAccount]:
        raise NotImplementedError

    # -- Utilisateurs -------------------------------------------------------------------------
    def my_attachments(self) -> list[UserAttachment]:
        raise NotImplementedError

    # -- Structures -------------------------------------------------------------------------
    def search_structures(self, identifier: str, identifier_type: str = "SIRET") -> list[Structure]:
        raise NotImplementedError

    def find_structure(self, siret: str) -> Structure:
        """Exactly one structure for this SIRET, else a BusinessError with a French explanation."""
        raise NotImplementedError

    def get_structure(self, structure_id: int) -> StructureDetails:
        raise NotImplementedError

    def list_services(self, structure_id: int) -> list[Service]:
        """Every service of the structure (walks all pages)."""
        raise NotImplementedError

    def get_service(self, structure_id: int, service_id: int) -> Service:
        raise NotImplementedError

    # -- EngagementsJuridiques --------------------------------------------------------------
    def search_engagements(self, supplier_structure_id: int, number: str,
                           state: str = "COMMANDE") -> list[EngagementJuridique]:
        raise NotImplementedError

    # -- Factures ------------------------------------------------------------------------------
    def submit_invoice(self, payload: dict, *, reference: str) -> SubmitResult:
        raise NotImplementedError

    def deposit_flow(self, content: bytes, file_name: str, syntax: str) -> FlowDeposit:
        raise NotImplementedError

    def iter_supplier_invoices(self, *, invoice_number: str | None = None, flow_number: str | None = None,
                               status_changed_from: datetime | None = None,
                               status_changed_to: datetime | None = None,
                               deposit_from: date | None = None, deposit_to: date | None = None,
                               statuses: list[str] | None = None,
                               page_size: int = 100) -> Iterator[InvoiceSummary]:
        """``rechercher/fournisseur``, walking every page."""
        raise NotImplementedError

    def get_supplier_invoice(self, invoice_id: int) -> InvoiceDetails:
        raise NotImplementedError

    def get_history(self, invoice_id: int) -> InvoiceHistory:
        raise NotImplementedError

    def complete_invoice(self, invoice_id: int, *, comment: str = "",
                         attachment_ids: list[int] | None = None) -> None:
        raise NotImplementedError

    def recycle_invoice(self, invoice_id: int, *, buyer_siret: str, service_code: str = "",
                        ej_number: str = "", market_number: str = "", comment: str = "") -> None:
        raise NotImplementedError

    def acknowledge_rejections(self, invoice_ids: list[int]) -> None:
        raise NotImplementedError

    def correct_validator(self, invoice_id: int, validator_siret: str) -> None:
        raise NotImplementedError

    # -- FacturesTravaux ------------------------------------------------------------------------
    def iter_works_invoices(self, *, supplier_structure_id: int | None = None, number: str | None = None,
                            market_number: str | None = None,
                            page_size: int = 100) -> Iterator[WorksInvoiceSummary]:
        raise NotImplementedError

    def deposit_works_document(self, invoice: Invoice, *, supplier_structure_id: int,
                               main_attachment_id: int | None,
                               attachment_ids: list[int] | None = None) -> SubmitResult:
        """Deposit a works document (A4, A7, A8, A10, A11, A13, A14).  Not verified: see works.py."""
        raise NotImplementedError

    # -- higher level ------------------------------------------------------------------------------
    def find_supplier_invoice(self, invoice_number: str, *, around: date | None = None) -> InvoiceSummary | None:
        """Reconcile a lost deposit: the invoice with this supplier number, or None."""
        raise NotImplementedError

    def send_invoice(self, invoice: Invoice, *, supplier_structure_id: int,
                     mode: DepositMode = DepositMode.PDF) -> SubmitResult:
        """Validate, upload the PDF and attachments, then ``soumettre`` (or the works deposit)."""
        raise NotImplementedError
