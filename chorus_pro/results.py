"""Typed results of the Chorus Pro operations (what callers use, not raw dicts)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

#: the buyer service reserved to invoicing between public entities: a supplier never chooses it
PUBLIC_INVOICES_SERVICE = "FACTURES_PUBLIQUES"


def is_selectable_service(code: str | None, active: bool = True) -> bool:
    """Whether a supplier may address an invoice to the buyer's service ``code``."""
    return bool(active) and (code or "").strip().upper() != PUBLIC_INVOICES_SERVICE


class ReferenceRequirement(str, enum.Enum):
    """Which routing references a public buyer requires on an invoice."""

    NONE = "none"
    SERVICE = "service"
    EJ = "ej"
    SERVICE_OR_EJ = "service_or_ej"
    SERVICE_AND_EJ = "service_and_ej"

    @property
    def needs_service(self) -> bool:
        return self in (ReferenceRequirement.SERVICE, ReferenceRequirement.SERVICE_AND_EJ)

    @property
    def needs_ej(self) -> bool:
        return self in (ReferenceRequirement.EJ, ReferenceRequirement.SERVICE_AND_EJ)


@dataclass(frozen=True)
class Structure:
    """One line of ``structures/v1/rechercher``."""

    id: int
    identifier: str
    name: str
    identifier_type: str = "SIRET"
    active: bool = True


@dataclass(frozen=True)
class StructureDetails:
    """``structures/v1/consulter``: identity and the references the buyer requires."""

    id: int
    identifier: str
    name: str
    requirement: ReferenceRequirement
    public: bool = True
    email: str = ""
    vat_number: str = ""
    moa_only: bool = False
    payment_status_not_reported: bool = False
    technical_password_expiry: datetime | None = None
    raw_flags: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Service:
    """One service of a structure (``rechercher/services``), with ``consulter/service`` data when fetched."""

    id: int
    code: str
    name: str
    active: bool = True
    ej_required: bool | None = None

    @property
    def selectable(self) -> bool:
        """Active, and not :data:`PUBLIC_INVOICES_SERVICE`."""
        return is_selectable_service(self.code, self.active)


@dataclass(frozen=True)
class EngagementJuridique:
    number: str
    state: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SupplierStructure:
    """A structure the technical account may invoice for (``structures/actives/fournisseur``)."""

    id: int
    identifier: str
    name: str


@dataclass(frozen=True)
class BankAccount:
    """A valid bank account registered on the supplier structure (``coordbanc/valides``)."""

    id: int
    name: str


@dataclass(frozen=True)
class UserAttachment:
    """A structure the technical account is attached to (``monCompte/recuperer/rattachements``)."""

    structure_id: int
    identifier: str
    name: str
    role: str = ""
    status: str = ""


@dataclass(frozen=True)
class UploadedFile:
    attachment_id: int
    name: str


@dataclass(frozen=True)
class SubmitResult:
    """``factures/v1/soumettre`` (or the works deposit): the invoice now exists on Chorus Pro."""

    invoice_id: int
    invoice_number: str
    status: str
    deposit_date: date | None = None
    structure_identifier: str = ""
    certificate_fingerprint: str = ""


@dataclass(frozen=True)
class FlowDeposit:
    """``factures/v1/deposer/flux``: a flow was created; its invoices come later."""

    flow_number: str
    deposit_date: date | None
    syntax: str


@dataclass(frozen=True)
class FlowError:
    invoice_number: str
    message: str


@dataclass(frozen=True)
class FlowReport:
    """``transverses/v1/consulterCRDetaille``."""

    flow_number: str
    status: str
    status_date: datetime | None = None
    invoice_errors: tuple[FlowError, ...] = ()
    technical_errors: tuple[str, ...] = ()

    @property
    def terminal(self) -> bool:
        from .statuses import FLOW_TERMINAL_STATUSES
        return self.status in FLOW_TERMINAL_STATUSES


@dataclass(frozen=True)
class InvoiceSummary:
    """One invoice of ``factures/v1/rechercher/fournisseur``."""

    invoice_id: int
    invoice_number: str
    status: str
    status_date: datetime | None = None
    status_comment: str = ""
    flow_number: str = ""
    invoice_type: str = "FACTURE"
    cadre: str = ""
    buyer_identifier: str = ""
    deposit_date: date | None = None
    amount_due: float | None = None
    rejection_handled: bool = False
    #: SIRET of the supplier (``codeFournisseur``)
    supplier_identifier: str = ""


@dataclass(frozen=True)
class InvoiceDetails:
    """``factures/v1/consulter/fournisseur`` (the parts the ERP uses)."""

    invoice_id: int
    invoice_number: str
    status: str
    cadre: str = ""
    buyer_identifier: str = ""
    service_code: str = ""
    market_number: str = ""
    ej_number: str = ""
    payment_due_date: date | None = None
    amount_due: float | None = None
    #: the supplier: SIRET (``fournisseur.codeFournisseur``) and structure id (``fournisseur.idFournisseur``)
    supplier_identifier: str = ""
    supplier_structure_id: int | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StatusEvent:
    status: str
    date: datetime | None
    comment: str = ""


@dataclass(frozen=True)
class InvoiceHistory:
    """``factures/v1/consulter/historique``: current status and its history, newest first."""

    invoice_id: int
    invoice_number: str
    current_status: str
    events: tuple[StatusEvent, ...] = ()

    @property
    def last_comment(self) -> str:
        for event in self.events:
            if event.status == self.current_status and event.comment:
                return event.comment
        return ""


@dataclass(frozen=True)
class WorksInvoiceSummary:
    """One line of ``facturesTravaux/v1/rechercher``."""

    works_invoice_id: int
    number: str
    status: str
    works_type: str = ""
    cadre: str = ""
    status_date: datetime | None = None
    market_number: str = ""
    supplier_structure_id: int | None = None
    supplier_identifier: str = ""
    deposit_date: date | None = None
    status_comment: str = ""
    #: the amount the MOE/MOA accepted (``montantAPayer``), which may differ from the supplier's figure
    amount_to_pay: Decimal | None = None
    total: Decimal | None = None


@dataclass(frozen=True)
class WorksPieceLink:
    """The previous or next piece of a works billing file (``piecePrecedente`` / ``pieceSuivante``)."""

    works_invoice_id: int
    number: str = ""
    cadre: str = ""


@dataclass(frozen=True)
class WorksDocumentDetails:
    """The detail of one works piece: its place in the billing file and the amount accepted."""

    works_invoice_id: int
    number: str
    status: str
    cadre: str = ""
    works_type: str = ""
    amount_to_pay: Decimal | None = None
    previous: WorksPieceLink | None = None
    next: WorksPieceLink | None = None


@dataclass(frozen=True)
class DocumentToValidate:
    """A subcontractor's or co-contractor's document naming us as validator (``rechercher/…/valideur`` item, or
    ``consulter/valideur``, which alone gives the cadre)."""

    invoice_id: int
    number: str
    status: str
    #: ``FACTURE`` (A9, A12) or ``FACTURE_TRAVAUX`` (A10, A11, A13, A14)
    kind: str = "FACTURE"
    cadre: str = ""
    works_type: str = ""
    #: the depositor: SIRET, Chorus Pro structure id and name
    supplier_identifier: str = ""
    supplier_structure_id: int | None = None
    supplier_name: str = ""
    buyer_identifier: str = ""
    market_number: str = ""
    invoice_date: date | None = None
    deposit_date: date | None = None
    amount_untaxed: Decimal | None = None
    amount_total: Decimal | None = None
    amount_to_pay: Decimal | None = None
    currency: str = "EUR"
    status_comment: str = ""


@dataclass(frozen=True)
class ValidationDecision:
    """``traiter/factureAValider``: the document's status after our decision."""

    invoice_id: int
    number: str
    status: str
    processed_at: datetime | None = None


@dataclass(frozen=True)
class HealthStatus:
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class CheckResult:
    """One step of the setup doctor: what it found, as a code of :data:`chorus_pro.messages.MESSAGES` and its
    parameters (plain strings), from which the command line says it in English and the add-on in its user's
    language."""

    key: str
    passed: bool
    code: str
    params: dict = field(default_factory=dict, hash=False)
    #: optional value learnt by the check (e.g. the supplier structure id), or the error that made it fail
    value: object = None

    @property
    def message_en(self) -> str:
        from .messages import message_en

        return message_en(self.code, self.params)
