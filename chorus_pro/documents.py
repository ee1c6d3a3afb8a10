"""The neutral invoice object, its validation, and the payload builders.

The Odoo add-on (or the CLI reading a JSON file) fills an :class:`Invoice`;
:func:`validate_invoice` lists every problem before anything is sent;
:func:`build_submit_payload` produces the body of ``factures/v1/soumettre``.
The works deposit (cadres A4, A7, …) is built in :mod:`chorus_pro.works`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .cadres import MONTHLY_CADRES, SUBMIT_CADRES, VALIDATOR_CADRES, WORKS_CADRES, Cadre, parse_cadre
from .errors import DocumentValidationError, ValidationIssue
from .results import PUBLIC_INVOICES_SERVICE, ReferenceRequirement
from .siret import PROBLEMS as SIRET_PROBLEMS
from .siret import compact_siret, siret_problem

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENT_NAME = 50
MAX_EJ_LENGTH = 50
#: one "dossier de facturation" (invoice + every attachment) may not exceed 120 MB
MAX_DOSSIER_BYTES = 120 * 1024 * 1024
#: reason given to the buyer for a global discount that is a cash rounding of the total
ROUNDING_DISCOUNT_REASON = "Arrondi"
#: the VAT rates in force in France, in percent: mainland (20, 10, 5.5, 2.1), Corsica (10, 2.1, 0.9),
#: Guadeloupe, Martinique and La Réunion (8.5, 2.1, 1.75, 1.05), and 0 (exempt, reverse charge)
FRENCH_VAT_RATES = tuple(Decimal(rate) for rate in ("20", "10", "8.5", "5.5", "2.1", "1.75", "1.05", "0.9", "0"))
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
    #: for a buyer: the references its Chorus Pro structure requires (``structures/v1/consulter``),
    #: when known, so that a missing service code or engagement juridique is caught before sending
    requirement: ReferenceRequirement | None = None


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


#: enum fields of an invoice: their type, how a code given as text is read, their French name for a message
ENUM_FIELDS = {
    "cadre": (Cadre, parse_cadre, "cadre de facturation"),
    "invoice_type": (InvoiceType, InvoiceType, "type de document (FACTURE ou AVOIR)"),
    "payment_mode": (PaymentMode, PaymentMode, "mode de paiement"),
    "vat_regime": (VatRegime, VatRegime, "régime de TVA"),
}


@dataclass
class Invoice:
    """Everything Chorus Pro needs about one invoice, credit note or works document.

    Its codes are read once, when they are set: ``cadre="A1"``, ``invoice_type="AVOIR"`` or
    ``payment_mode="VIREMENT"`` are stored as :class:`Cadre`, :class:`InvoiceType`… (``payment_mode``
    ``""`` as None), so validation and the payload builders work on the invoice as it is, without copies.
    An unknown code is kept as given: :func:`validate_invoice` reports it with every other problem.
    """

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

    def __setattr__(self, name, value):
        kind, read, _label = ENUM_FIELDS.get(name, (None, None, None))
        if kind is not None and not isinstance(value, kind):
            if name == "payment_mode" and value in (None, ""):
                value = None
            else:
                try:
                    value = read(value)
                except ValueError:
                    pass  # kept as given: reported by validate_invoice, refused by the payload builders
        super().__setattr__(name, value)


# -- validation ---------------------------------------------------------------------------------
CENT = Decimal("0.01")


def _cents(value) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(value) -> str:
    """An amount as people read it in French ("1 234,50")."""
    return f"{_cents(value):,.2f}".replace(",", " ").replace(".", ",")


class _Issues(list):
    def add(self, field_name: str, message_fr: str, message_en: str) -> None:
        self.append(ValidationIssue(field_name, message_fr, message_en))


def _check_siret(issues: _Issues, field_name: str, value: str, who_fr: str, who_en: str, fix_fr: str) -> None:
    problem = siret_problem(value)
    if problem is None:
        return
    why_fr, why_en = SIRET_PROBLEMS[problem]
    shown = f" « {value} »" if problem != "missing" else ""
    shown_en = f" '{value}'" if problem != "missing" else ""
    issues.add(field_name, f"Le SIRET {who_fr}{shown} {why_fr} : {fix_fr}.",
               f"The SIRET of the {who_en}{shown_en} {why_en}.")


def _check_attachment(issues: _Issues, field_name: str, attachment: Attachment, *, pdf_only: bool = False) -> None:
    name = attachment.name or ""
    if not name.strip():
        issues.add(f"{field_name}.name", "Le nom de fichier d'une pièce jointe est vide : donnez-lui un nom avec "
                   "son extension (par exemple « situation-03.pdf »).",
                   "An attachment has an empty file name: give it a name with its extension.")
        return
    if len(name) > MAX_ATTACHMENT_NAME:
        issues.add(f"{field_name}.name",
                   f"Le nom de fichier de la pièce jointe « {name} » compte {len(name)} caractères : Chorus Pro en "
                   f"accepte {MAX_ATTACHMENT_NAME} au plus, extension comprise ; raccourcissez-le.",
                   f"Attachment name '{name}' has {len(name)} characters; Chorus Pro accepts at most "
                   f"{MAX_ATTACHMENT_NAME} including the extension.")
    extension = attachment.extension
    if pdf_only and extension != "PDF":
        issues.add(f"{field_name}.name", f"Le fichier principal « {name} » doit être un PDF (extension .pdf).",
                   f"The main file '{name}' must be a PDF (.pdf extension).")
    elif extension not in ALLOWED_EXTENSIONS:
        issues.add(f"{field_name}.name",
                   f"L'extension du fichier de la pièce jointe « {name} » "
                   f"{'est absente' if not extension else f'({extension}) est refusée par Chorus Pro'} : "
                   "utilisez par exemple PDF, JPG, PNG, XLSX, DOCX, ODT ou ZIP.",
                   f"Attachment '{name}' has {'no extension' if not extension else f'extension {extension}'}, "
                   "not accepted by Chorus Pro (use e.g. PDF, JPG, PNG, XLSX, DOCX, ODT, ZIP).")
    size = len(attachment.content or b"")
    if size == 0:
        issues.add(f"{field_name}.content", f"Le fichier de la pièce jointe « {name} » est vide : joignez le "
                   "document complet.", f"Attachment '{name}' is empty.")
    elif size > MAX_ATTACHMENT_BYTES:
        issues.add(f"{field_name}.content",
                   f"Le fichier de la pièce jointe « {name} » pèse {size / 1048576:.1f} Mo : Chorus Pro accepte "
                   "10 Mo au plus par fichier ; compressez-le ou découpez-le.",
                   f"Attachment '{name}' is {size / 1048576:.1f} MB; Chorus Pro accepts at most 10 MB per file.")


def attachment_issues(attachments: list[Attachment]) -> list[ValidationIssue]:
    """What Chorus Pro would refuse in these supporting files (name, extension, size), field by field."""
    issues = _Issues()
    for index, attachment in enumerate(attachments):
        _check_attachment(issues, f"attachments[{index}]", attachment)
    return issues


def unknown_codes(invoice: Invoice) -> list[ValidationIssue]:
    """The enum fields of ``invoice`` holding a code Chorus Pro does not know (kept as given by the invoice)."""
    issues = []
    for name, (kind, _read, label) in ENUM_FIELDS.items():
        value = getattr(invoice, name)
        if not isinstance(value, kind) and not (name == "payment_mode" and value is None):
            issues.append(ValidationIssue(name, f"Le {label} « {value} » est inconnu de Chorus Pro : choisissez une "
                                                "valeur de la liste.", f"Unknown {name} {value!r}."))
    return issues


def require_known_codes(invoice: Invoice) -> None:
    """``ValueError`` naming the first enum field of ``invoice`` with an unknown code (payload builders)."""
    for issue in unknown_codes(invoice):
        raise ValueError(f"unknown {issue.field} {getattr(invoice, issue.field)!r}")


def validate_invoice(invoice: Invoice, *, operation: str = "soumettre", mode: DepositMode = DepositMode.PDF):
    """Raise :class:`~chorus_pro.errors.DocumentValidationError` listing every problem.

    ``operation`` is ``"soumettre"`` (A1, A2, A9, A12) or ``"works"`` (works cadres).
    Every rule is checked, so the person fixes everything in one go.
    """
    if operation not in ("soumettre", "works"):
        raise ValueError(f"unknown operation {operation!r}: expected 'soumettre' or 'works'")
    mode = DepositMode(mode)
    issues = _Issues(unknown_codes(invoice))
    if issues:
        raise DocumentValidationError(issues)  # the other rules depend on these codes
    _check_parties(issues, invoice)
    _check_cadre(issues, invoice, operation)
    _check_references(issues, invoice)
    _check_content(issues, invoice, mode)
    _check_vat_rates(issues, invoice)
    _check_totals(issues, invoice, mode)
    _check_payment(issues, invoice)
    if issues:
        raise DocumentValidationError(issues)


def _check_parties(issues: _Issues, invoice: Invoice) -> None:
    _check_siret(issues, "supplier.siret", invoice.supplier.siret, "du fournisseur", "supplier",
                 "renseignez le SIRET de votre société (14 chiffres) dans sa fiche")
    _check_siret(issues, "buyer.siret", invoice.buyer.siret, "du destinataire", "buyer",
                 "renseignez le SIRET du client public (14 chiffres) dans sa fiche, tel qu'il figure dans "
                 "l'annuaire Chorus Pro")
    if not (invoice.number or "").strip():
        issues.add("number", "Le numéro de facture est absent : validez la facture pour lui attribuer un numéro.",
                   "The invoice number is missing: post the invoice first.")
    _check_routing(issues, invoice)
    if (invoice.buyer.service_code or "").strip().upper() == PUBLIC_INVOICES_SERVICE:
        issues.add("buyer.service_code",
                   f"Le code service {PUBLIC_INVOICES_SERVICE} est réservé aux factures entre entités publiques : "
                   "choisissez un autre code service du destinataire (ou aucun s'il n'en exige pas).",
                   f"Service code {PUBLIC_INVOICES_SERVICE} is reserved to invoices between public entities: "
                   "choose another service code of the buyer.")


def _check_routing(issues: _Issues, invoice: Invoice) -> None:
    """The references the buyer requires (when its Chorus Pro settings are known)."""
    requirement = invoice.buyer.requirement
    if requirement is None:
        return
    requirement = ReferenceRequirement(requirement)
    buyer = invoice.buyer.name or invoice.buyer.siret
    has_service = bool((invoice.buyer.service_code or "").strip())
    has_ej = bool((invoice.ej_number or "").strip())
    if requirement.needs_service and not has_service:
        issues.add("buyer.service_code", f"Le destinataire {buyer} exige un code service : choisissez le service "
                   "destinataire de la facture (code service fourni par l'acheteur public).",
                   f"Buyer {buyer} requires a service code (destinataire.codeServiceExecutant).")
    if requirement.needs_ej and not has_ej:
        issues.add("ej_number", f"Le destinataire {buyer} exige un numéro d'engagement juridique : reportez le "
                   "numéro du bon de commande ou de l'engagement fourni par l'acheteur public.",
                   f"Buyer {buyer} requires an engagement juridique number (references.numeroBonCommande).")
    if requirement is ReferenceRequirement.SERVICE_OR_EJ and not (has_service or has_ej):
        issues.add("buyer.service_code", f"Le destinataire {buyer} exige un code service ou un numéro "
                   "d'engagement juridique : renseignez l'un des deux.",
                   f"Buyer {buyer} requires a service code or an engagement juridique number.")


def _check_cadre(issues: _Issues, invoice: Invoice, operation: str) -> None:
    cadre = invoice.cadre
    if operation == "soumettre" and cadre not in SUBMIT_CADRES:
        issues.add("cadre", f"Le cadre de facturation « {cadre.label} » ne peut pas être déposé comme une facture : "
                   "choisissez A1, A2, A9 ou A12, ou déposez ce document comme document de travaux.",
                   f"Cadre {cadre.name} cannot be submitted as an invoice (soumettre accepts A1, A2, A9, A12); "
                   "deposit it as a works document.")
    if operation == "works" and cadre not in WORKS_CADRES:
        issues.add("cadre", f"Le cadre de facturation « {cadre.label} » n'est pas un document de travaux : "
                   "choisissez A4, A7, A8, A10, A11, A13 ou A14, ou envoyez-le comme une facture.",
                   f"Cadre {cadre.name} is not a works cadre (A4, A7, A8, A10, A11, A13, A14).")
    if cadre in VALIDATOR_CADRES:
        who = "du titulaire (valideur)" if cadre is Cadre.A9 else "du mandataire (valideur)"
        _check_siret(issues, "validator_siret", invoice.validator_siret, who, "validator",
                     f"le cadre {cadre.name} exige le SIRET du valideur ; renseignez-le sur le marché")
    if cadre in WORKS_CADRES:
        if not (invoice.market_number or "").strip():
            issues.add("market_number", f"Le numéro de marché est absent : il est obligatoire pour le cadre "
                       f"{cadre.name} (document de travaux) ; renseignez-le sur le marché.",
                       f"The market number is required for works cadre {cadre.name}.")
        for role, party, name, en in (("moe", invoice.moe, "maître d'œuvre (MOE)", "maître d'œuvre (MOE)"),
                                      ("moa", invoice.moa, "maître d'ouvrage (MOA)", "maître d'ouvrage (MOA)")):
            if party is None:
                issues.add(role, f"Le {name} est absent : il est obligatoire pour le cadre {cadre.name} ; "
                           "renseignez-le sur le marché.",
                           f"The {en} is required for works cadre {cadre.name}.")
            else:
                _check_siret(issues, f"{role}.siret", party.siret, f"du {name}", en,
                             "corrigez-le dans la fiche du marché")
        if cadre in MONTHLY_CADRES and not (invoice.situation_number and invoice.situation_number > 0):
            issues.add("situation_number", f"Le numéro de situation est absent : un projet de décompte mensuel "
                       f"({cadre.name}) doit porter son numéro de situation (1, 2, 3…).",
                       f"The situation number is required for a monthly statement ({cadre.name}).")


def _check_references(issues: _Issues, invoice: Invoice) -> None:
    ej = (invoice.ej_number or "").strip()
    if len(ej) > MAX_EJ_LENGTH:
        issues.add("ej_number", f"Le numéro d'engagement juridique (bon de commande) compte {len(ej)} caractères : "
                   f"Chorus Pro en accepte {MAX_EJ_LENGTH} au plus ; corrigez-le.",
                   f"The engagement juridique number has {len(ej)} characters (at most {MAX_EJ_LENGTH}).")
    if (invoice.currency or "").upper() != "EUR":
        issues.add("currency", f"La devise « {invoice.currency} » n'est pas prise en charge : seules les factures "
                   "en euros (EUR) peuvent être envoyées à Chorus Pro ; changez la devise de la facture.",
                   f"Currency '{invoice.currency}' is not supported: only invoices in euros (EUR) can be sent.")
    if invoice.vat_regime is VatRegime.EXEMPT and not (invoice.vat_exemption_reason or "").strip():
        issues.add("vat_exemption_reason", "Le motif d'exonération de TVA est absent : une facture exonérée doit "
                   "indiquer son motif (par exemple l'autoliquidation de la sous-traitance BTP).",
                   "A VAT-exempt invoice needs its exemption reason.")


def _check_content(issues: _Issues, invoice: Invoice, mode: DepositMode) -> None:
    if mode is DepositMode.DATA:
        if not invoice.lines:
            issues.add("lines", "La facture n'a aucune ligne : le dépôt en mode saisie (SAISIE_API) exige au moins "
                       "une ligne.", "The invoice has no line: data-entry mode (SAISIE_API) needs at least one.")
        for index, line in enumerate(invoice.lines):
            if not (line.description or "").strip():
                issues.add(f"lines[{index}].description", f"La ligne {line.number} n'a pas de désignation : "
                           "décrivez la prestation.", f"Line {line.number} has no description.")
    if mode is DepositMode.PDF and invoice.main_pdf is None:
        issues.add("main_pdf", "Le PDF de la facture est absent : le dépôt en mode PDF (DEPOT_PDF_API) exige le "
                   "PDF de la facture ; générez-le avant l'envoi.",
                   "The invoice PDF is missing: PDF mode (DEPOT_PDF_API) needs it.")
    if invoice.main_pdf is not None:
        _check_attachment(issues, "main_pdf", invoice.main_pdf, pdf_only=True)
    issues.extend(attachment_issues(invoice.attachments))
    files = ([invoice.main_pdf] if invoice.main_pdf else []) + list(invoice.attachments)
    total = sum(len(f.content or b"") for f in files)
    if total > MAX_DOSSIER_BYTES:
        issues.add("attachments", f"La facture et ses pièces jointes pèsent {total / 1048576:.1f} Mo : Chorus Pro "
                   "accepte 120 Mo au plus par dossier ; retirez ou compressez des pièces jointes.",
                   f"Invoice and attachments weigh {total / 1048576:.1f} MB; Chorus Pro accepts at most 120 MB.")


def _vat_rate_problem(rate) -> tuple[str, str] | None:
    """(French, English) explanation when ``rate`` is not a French VAT rate, else None."""
    shown = str(rate)
    try:
        rate = Decimal(shown)
    except ArithmeticError:
        rate = Decimal("NaN")
    if rate.is_finite() and rate in FRENCH_VAT_RATES:
        return None
    listed = ", ".join(f"{r:f}" for r in FRENCH_VAT_RATES)
    hint_fr = hint_en = ""
    if rate.is_finite() and rate * 100 in FRENCH_VAT_RATES:
        meant = f"{(rate * 100).normalize():f}"
        hint_fr = f" ; un taux s'écrit en pourcentage : {meant} et non {shown}"
        hint_en = f"; rates are percentages: write {meant}, not {shown}"
    return (f"le taux de TVA {shown} n'est pas un taux français ({listed}){hint_fr}",
            f"VAT rate {shown} is not a French rate ({listed}){hint_en}")


def _check_vat_rates(issues: _Issues, invoice: Invoice) -> None:
    for index, line in enumerate(invoice.lines):
        problem = _vat_rate_problem(line.vat_rate)
        if problem:
            issues.add(f"lines[{index}].vat_rate", f"Ligne {line.number} : {problem[0]} ; corrigez la taxe de la ligne.",
                       f"Line {line.number} (lines[{index}].vat_rate): {problem[1]}.")
    for index, vat_line in enumerate(invoice.vat_lines):
        problem = _vat_rate_problem(vat_line.rate)
        if problem:
            issues.add(f"vat_lines[{index}].rate", f"Détail de TVA : {problem[0]} ; corrigez les taxes de la facture.",
                       f"VAT breakdown (vat_lines[{index}].rate): {problem[1]}.")


def _check_totals(issues: _Issues, invoice: Invoice, mode: DepositMode) -> None:
    totals = invoice.totals
    untaxed, vat, total, due = (_cents(totals.untaxed), _cents(totals.vat), _cents(totals.total),
                                _cents(totals.amount_due))
    if invoice.lines:
        lines_sum = sum((line.amount_untaxed for line in invoice.lines), Decimal("0"))
        if _cents(lines_sum) != untaxed:
            issues.add("totals.untaxed", f"Le total HT ({_fmt(untaxed)} €) diffère de la somme des lignes "
                       f"({_fmt(lines_sum)} €) : recalculez les montants de la facture.",
                       f"Untaxed total {untaxed} differs from the sum of the lines {_cents(lines_sum)}.")
    vat_sum = sum((_cents(v.amount) for v in invoice.vat_lines), Decimal("0"))
    if vat_sum != vat:
        issues.add("totals.vat", f"Le montant de TVA ({_fmt(vat)} €) diffère de la somme du détail de TVA par taux "
                   f"({_fmt(vat_sum)} €) : recalculez les taxes de la facture.",
                   f"VAT total {vat} differs from the sum of the per-rate VAT lines {vat_sum}.")
    if invoice.vat_lines:
        base_sum = sum((_cents(v.base) for v in invoice.vat_lines), Decimal("0"))
        if base_sum != untaxed:
            issues.add("vat_lines", f"La somme des bases HT du détail de TVA ({_fmt(base_sum)} €) diffère du total "
                       f"HT ({_fmt(untaxed)} €) : recalculez les taxes de la facture.",
                       f"The per-rate VAT bases sum to {base_sum}, not the untaxed total {untaxed}.")
    discount = _cents(totals.global_discount)
    if untaxed + vat - discount != total:
        issues.add("totals.total", f"Le total TTC ({_fmt(total)} €) n'est pas égal au total HT plus la TVA "
                   f"moins la remise globale ({_fmt(untaxed + vat - discount)} €) : recalculez les montants de la "
                   "facture.", f"Total {total} is not untaxed {untaxed} + VAT {vat} - global discount {discount}.")
    if total < 0 or untaxed < 0:
        issues.add("totals.total", f"Le total de la facture est négatif ({_fmt(min(total, untaxed))} €) : pour "
                   "annuler ou réduire une facture, envoyez un avoir (type AVOIR) aux montants positifs.",
                   f"The total is negative ({min(total, untaxed)}): to cancel or reduce an invoice, send a "
                   "credit note (invoice_type: AVOIR) with positive amounts.")
    elif due < 0 or due > total:
        issues.add("totals.amount_due", f"Le montant à payer ({_fmt(due)} €) doit être compris entre 0 et le total "
                   f"TTC ({_fmt(total)} €) : corrigez les acomptes ou retenues déduits.",
                   f"Amount due {due} must be between 0 and the total {total}.")


def _check_payment(issues: _Issues, invoice: Invoice) -> None:
    if invoice.invoice_type is InvoiceType.CREDIT_NOTE:
        if invoice.payment_mode is not None:
            issues.add("payment_mode", "Un avoir ne doit pas porter de mode de paiement : retirez le mode de "
                       "paiement de l'avoir.", "A credit note must not carry a payment mode.")
        if not (invoice.original_invoice_number or "").strip():
            issues.add("original_invoice_number", "Le numéro de la facture d'origine est absent : un avoir doit "
                       "indiquer la facture qu'il corrige.",
                       "A credit note needs the number of the invoice it corrects.")
        return
    if invoice.payment_mode is None:
        issues.add("payment_mode", "Le mode de paiement est absent : choisissez-en un (virement, chèque…) sur la "
                   "facture.", "The invoice needs a payment mode.")
    elif invoice.payment_mode is PaymentMode.TRANSFER and not invoice.bank_account_id:
        issues.add("bank_account_id", "Le compte bancaire Chorus Pro est absent : le paiement par virement exige un "
                   "compte bancaire enregistré et valide sur Chorus Pro pour votre structure ; lancez la "
                   "vérification de la configuration Chorus Pro.",
                   "Payment by transfer needs the id of a valid bank account registered on Chorus Pro.")


# -- payload ------------------------------------------------------------------------------------
def format_date(value: date | datetime | str) -> str:
    """The one place where dates are formatted for Chorus Pro: ``YYYY-MM-DD``.

    The Swagger says date-time, but every client and the published examples send
    a plain date (reference §3.4; §17.9 unverified whether both are accepted).
    """
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def money(value) -> float:
    """An amount as a JSON number rounded to the cent (half up, as the invoice shows it)."""
    return float(_cents(value))


def unit_price(value) -> float:
    """A unit price keeps up to 6 decimals: rounding it to the cent would change line totals."""
    return float(Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def quantity(value) -> float | int:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


#: the rates of FRENCH_VAT_RATES with a Chorus Pro rate code (reference §8.2: "TVA20"-style codes,
#: §17.11 unverified); the others are sent as a numeric rate
_VAT_RATE_CODES = {Decimal("20"): "TVA20", Decimal("10"): "TVA10", Decimal("5.5"): "TVA5.5",
                   Decimal("2.1"): "TVA2.1"}


def vat_rate_fields(rate, prefix: str) -> dict:
    """The one place deciding how a VAT rate is written: ``{prefix}TauxTva`` (a code) when the
    rate has a known code, else ``{prefix}TauxTvaManuel`` (the numeric rate).

    ``prefix`` is ``"lignePoste"`` or ``"ligneTva"``.  The codes Chorus Pro expects
    (from ``transverses/v1/recuperer/tauxtva``) are not verified: confirm on qualification.
    """
    rate = Decimal(str(rate)).normalize()
    code = _VAT_RATE_CODES.get(rate)
    if prefix == "ligneTva":
        return {"ligneTvaTaux": code} if code else {"ligneTvaTauxManuel": float(rate)}
    return {f"{prefix}TauxTva": code} if code else {f"{prefix}TauxTvaManuel": float(rate)}


def main_attachment_field(attachment_id: int, designation: str):
    """The one place deciding the shape of ``pieceJointePrincipale``.

    The 2020 Swagger declares an object; third-party documentation of 2025 shows an
    array of such objects (reference §17.7, unverified).  We follow the Swagger.
    """
    return {"pieceJointePrincipaleDesignation": designation[:100], "pieceJointePrincipaleId": int(attachment_id)}


def prune_empty(value):
    """Drop empty optional fields (None, "", empty dicts and lists): Chorus Pro gets no nulls."""
    if isinstance(value, dict):
        pruned = {k: prune_empty(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", {}, [])}
    if isinstance(value, list):
        return [prune_empty(v) for v in value if v is not None]
    return value


def _line_payload(line: Line) -> dict:
    body = {
        "lignePosteNumero": int(line.number),
        "lignePosteReference": line.reference,
        "lignePosteDenomination": line.description,
        "lignePosteQuantite": quantity(line.quantity),
        "lignePosteUnite": line.unit,
        "lignePosteMontantUnitaireHT": unit_price(line.unit_price),
        "lignePosteMontantRemiseHT": money(line.discount) if line.discount else None,
    }
    body.update(vat_rate_fields(line.vat_rate, "lignePoste"))
    return body


def _vat_line_payload(vat_line: VatLine) -> dict:
    body = vat_rate_fields(vat_line.rate, "ligneTva")
    body.update({"ligneTvaMontantBaseHtParTaux": money(vat_line.base),
                 "ligneTvaMontantTvaParTaux": money(vat_line.amount)})
    return body


def build_common_body(invoice: Invoice, *, mode: DepositMode, supplier_structure_id: int,
                      main_attachment_id: int | None = None, attachment_ids: list[int] | None = None) -> dict:
    """The body shared by ``soumettre`` and the works deposit, before pruning empty fields."""
    mode = DepositMode(mode)
    require_known_codes(invoice)
    attachment_ids = list(attachment_ids or [])
    is_credit_note = invoice.invoice_type is InvoiceType.CREDIT_NOTE
    payment_mode = None if is_credit_note or invoice.payment_mode is None else PaymentMode(invoice.payment_mode)
    totals = invoice.totals
    body = {
        "modeDepot": mode.value,
        "numeroFactureSaisi": invoice.number,
        "dateFacture": format_date(invoice.invoice_date),
        "destinataire": {"codeDestinataire": compact_siret(invoice.buyer.siret),
                         "codeServiceExecutant": invoice.buyer.service_code},
        "fournisseur": {"idFournisseur": int(supplier_structure_id),
                        "codeCoordonneesBancairesFournisseur":
                            invoice.bank_account_id if payment_mode is PaymentMode.TRANSFER else None},
        "cadreDeFacturation": {"codeCadreFacturation": invoice.cadre.value},
        "references": {
            "deviseFacture": (invoice.currency or "EUR").upper(),
            "typeFacture": InvoiceType(invoice.invoice_type).value,
            "typeTva": VatRegime(invoice.vat_regime).value,
            "motifExonerationTva": invoice.vat_exemption_reason,
            "numeroMarche": invoice.market_number,
            # the engagement juridique travels as the purchase order number (reference §8.2)
            "numeroBonCommande": (invoice.ej_number or "").strip(),
            "numeroFactureOrigine": invoice.original_invoice_number if is_credit_note else "",
            "modePaiement": payment_mode.value if payment_mode else None,
        },
        "lignePoste": [_line_payload(line) for line in invoice.lines] if mode is DepositMode.DATA else [],
        "ligneTva": [_vat_line_payload(v) for v in invoice.vat_lines],
        "montantTotal": {
            "montantHtTotal": money(totals.untaxed),
            "montantTVA": money(totals.vat),
            "montantTtcTotal": money(totals.total),
            "montantRemiseGlobaleTTC": money(totals.global_discount) if totals.global_discount else None,
            "motifRemiseGlobaleTTC": totals.global_discount_reason if totals.global_discount else "",
            "montantAPayer": money(totals.amount_due),
        },
        "pieceJointePrincipale": None,
        "pieceJointeComplementaire": [
            {"pieceJointeComplementaireDesignation": attachment.name,
             "pieceJointeComplementaireType": attachment.type_code,
             "pieceJointeComplementaireId": int(attachment_id)}
            for attachment, attachment_id in zip(invoice.attachments, attachment_ids, strict=True)
        ],
        "commentaire": invoice.comment,
    }
    if invoice.cadre in VALIDATOR_CADRES:
        body["cadreDeFacturation"]["codeStructureValideur"] = compact_siret(invoice.validator_siret)
        body["cadreDeFacturation"]["codeServiceValideur"] = invoice.validator_service_code
    if main_attachment_id is not None:
        designation = invoice.main_pdf.name if invoice.main_pdf else f"Facture {invoice.number}"
        body["pieceJointePrincipale"] = main_attachment_field(main_attachment_id, designation)
    return body


def build_submit_payload(invoice: Invoice, *, mode: DepositMode, supplier_structure_id: int,
                         main_attachment_id: int | None = None,
                         attachment_ids: list[int] | None = None) -> dict:
    """Body of ``factures/v1/soumettre`` (reference §8.2), empty optional fields left out.

    ``main_attachment_id`` and ``attachment_ids`` come from ``transverses/v1/ajouter/fichier``;
    ``attachment_ids`` follows the order of ``invoice.attachments``.
    """
    if len(attachment_ids or []) != len(invoice.attachments):
        # an attachment without its uploaded id would silently be left out
        raise ValueError(f"{len(attachment_ids or [])} attachment ids for {len(invoice.attachments)} attachments")
    if DepositMode(mode) is DepositMode.PDF and main_attachment_id is None:
        raise ValueError("DEPOT_PDF_API needs main_attachment_id (upload the PDF first)")
    return prune_empty(build_common_body(invoice, mode=mode, supplier_structure_id=supplier_structure_id,
                                    main_attachment_id=main_attachment_id, attachment_ids=attachment_ids))
