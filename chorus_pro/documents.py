"""The neutral invoice object, its validation, and the payload builders.

The Odoo add-on (or the CLI reading a JSON file) fills an :class:`Invoice`;
:func:`validate_invoice` lists every problem before anything is sent;
:func:`build_submit_payload` produces the body of ``factures/v1/soumettre``.
The works deposit (cadres A4, A7, …) is built in :mod:`chorus_pro.works`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .statuses import Cadre

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_NAME = 50
MAX_EJ_LENGTH = 50
ALLOWED_EXTENSIONS = frozenset(
    "BMP BZ2 CSV DOC DOCX FAX GIF GZ GZIP HTM HTML JPEG JPG ODP ODS ODT P7S PDF PNG PPS PPT PPTX RTF SVG "
    "TGZ TIF TIFF TXT XHTML XLC XLM XLS XLSX XML XSD XSL ZIP".split()
)


class InvoiceType(str, enum.Enum):
    INVOICE = "FACTURE"
    CREDIT_NOTE = "AVOIR"


class DepositMode(str, enum.Enum):
    DATA = "SAISIE_API"
    PDF = "DEPOT_PDF_API"


class PaymentMode(str, enum.Enum):
    CHEQUE = "CHEQUE"
    DIRECT_DEBIT = "PRELEVEMENT"
    TRANSFER = "VIREMENT"
    CASH = "ESPECE"
    OTHER = "AUTRE"
    CARRY_OVER = "REPORT"


class VatRegime(str, enum.Enum):
    ON_DEBITS = "TVA_SUR_DEBIT"
    ON_RECEIPTS = "TVA_SUR_ENCAISSEMENT"
    EXEMPT = "EXONERATION"
    NO_VAT = "SANS_TVA"


@dataclass
class Party:
    """A company on the invoice: SIRET and, when known, its Chorus Pro ids."""

    siret: str
    name: str = ""
    structure_id: int | None = None
    service_code: str = ""
    service_id: int | None = None


@dataclass
class Line:
    number: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    reference: str = ""
    unit: str = ""
    discount: Decimal = Decimal("0")

    @property
    def amount_untaxed(self) -> Decimal:
        return (self.quantity * self.unit_price - self.discount).quantize(Decimal("0.01"))


@dataclass
class VatLine:
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass
class Totals:
    untaxed: Decimal
    vat: Decimal
    total: Decimal
    amount_due: Decimal
    global_discount: Decimal = Decimal("0")
    global_discount_reason: str = ""


@dataclass
class Attachment:
    """A file to send: the main PDF or a supporting document."""

    name: str
    content: bytes
    mime_type: str = "application/pdf"
    #: Chorus Pro attachment type code for complementary documents
    type_code: str = "01"

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].upper() if "." in self.name else ""


@dataclass
class Invoice:
    """Everything Chorus Pro needs about one invoice, credit note or works document."""

    number: str
    invoice_date: date
    supplier: Party
    buyer: Party
    lines: list[Line]
    vat_lines: list[VatLine]
    totals: Totals
    invoice_type: InvoiceType = InvoiceType.INVOICE
    cadre: Cadre = Cadre.A1
    currency: str = "EUR"
    vat_regime: VatRegime = VatRegime.ON_DEBITS
    vat_exemption_reason: str = ""
    payment_mode: PaymentMode | None = PaymentMode.TRANSFER
    bank_account_id: int | None = None
    ej_number: str = ""
    market_number: str = ""
    original_invoice_number: str = ""
    #: SIRET of the titulaire (A9) or mandataire (A12) who validates first
    validator_siret: str = ""
    validator_service_code: str = ""
    #: maître d'œuvre and maître d'ouvrage of a works contract
    moe: Party | None = None
    moa: Party | None = None
    #: situation number of a monthly works statement
    situation_number: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    main_pdf: Attachment | None = None
    attachments: list[Attachment] = field(default_factory=list)
    comment: str = ""


def validate_invoice(invoice: Invoice, *, operation: str = "soumettre", mode: DepositMode = DepositMode.PDF):
    """Raise :class:`~chorus_pro.errors.DocumentValidationError` listing every problem.

    ``operation`` is ``"soumettre"`` (A1, A2, A9, A12) or ``"works"`` (works cadres).
    """
    raise NotImplementedError


def build_submit_payload(invoice: Invoice, *, mode: DepositMode, supplier_structure_id: int,
                         main_attachment_id: int | None = None,
                         attachment_ids: list[int] | None = None) -> dict:
    """Body of ``factures/v1/soumettre``."""
    raise NotImplementedError
