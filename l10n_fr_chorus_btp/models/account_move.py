"""account.move for Chorus Pro: references, pre-flight checks, mapping to chorus_pro documents, the entry
points of the transfer (button, automatic transfer at validation) and of the follow-up actions.

What travels to Chorus Pro lives in ``chorus.pro.transmission``; the invoice shows its latest one.
"""

import logging
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from chorus_pro.cadres import CADRE_TABLE, parse_cadre
from chorus_pro.documents import (
    MAX_ATTACHMENT_NAME,
    ROUNDING_DISCOUNT_REASON,
    Attachment,
    Invoice,
    InvoiceType,
    Line,
    Party,
    PaymentMode,
    Totals,
    VatLine,
    VatRegime,
    invoice_issues,
)
from chorus_pro.results import ReferenceRequirement
from chorus_pro.siret import compact_siret
from chorus_pro.statuses import FOLLOW_UP_STATUSES, FollowUpAction, follow_up_action

from .chorus_market import WORKS_DOCUMENT_TYPES, allowed_cadres, derive_cadre
from .chorus_messages import code_text, issue_text
from .chorus_transmission import REQUEUABLE_STATES, TRANSFER_GROUP, TRANSMISSION_STATES
from .chorus_utils import CENT, as_cents

_logger = logging.getLogger(__name__)

#: the cadres of chorus_pro.cadres, by short name (A1, A4…)
CADRES = [(cadre.name, info.label_en) for cadre, info in CADRE_TABLE.items()]
#: the invoice's state: not concerned, waiting for a person with the right, or its transmission's state
CHORUS_STATES = [
    ("not_concerned", "Not concerned"),
    ("to_transfer", "To transfer"),
    *[state for state in TRANSMISSION_STATES if state[0] != "cancelled"],
]
CHORUS_MOVE_TYPES = ("out_invoice", "out_refund")
#: a person has to act: transfer it, deposit it on the portal, correct it
NEEDS_ACTION_STATES = ("to_transfer", "portal", "action_needed", "error")
FOLLOW_UP_ACTIONS = [
    (FollowUpAction.COMPLETE.value, "Complete"),
    (FollowUpAction.RECYCLE.value, "Recycle"),
    (FollowUpAction.CORRECT_VALIDATOR.value, "Correct the validator"),
]
#: fields only the sender and the follow-up write (as superuser): refused to anybody else, whatever the client
SENDER_ONLY_FIELDS = frozenset({
    "chorus_transmission_ids", "chorus_transmission_id", "chorus_state", "chorus_identifier",
    "chorus_invoice_number", "chorus_flow_number", "chorus_status", "chorus_status_date", "chorus_status_comment",
    "chorus_last_error", "chorus_deposit_date", "chorus_send_attempts", "chorus_next_attempt",
    "chorus_queued_by_id", "chorus_rejection_acknowledged",
})

#: pre-flight: what chorus_pro's validation checks but is only known when sending
NOT_YET_KNOWN_PREFIXES = ("number", "bank_account_id", "main_pdf", "attachments")


# -- mapping helpers ---------------------------------------------------------------------------------------
def int_or_none(value):
    """A Chorus Pro id stored as text (``chorus_…_identifier``) as an integer, or None."""
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def chorus_party(partner, service=None):
    """The :class:`chorus_pro.documents.Party` of ``partner``'s company (and Chorus service), or None."""
    if not partner:
        return None
    commercial = partner.commercial_partner_id
    return Party(
        siret=compact_siret(commercial.company_registry),
        name=commercial.name or "",
        structure_id=int_or_none(commercial.chorus_structure_identifier),
        service_code=service.code if service else "",
        service_id=int_or_none(service.chorus_identifier) if service else None,
    )


def _chorus_tax_problem(env, tax):
    """Why Chorus Pro cannot carry ``tax`` (a VAT rate is all it knows), or None."""
    if tax.amount_type == "fixed":
        return env._("The tax %(tax)s is a fixed amount per unit: Chorus Pro carries VAT rates only. Invoice that "
                     "amount on a line of its own.", tax=tax.display_name)
    if tax.amount_type != "percent":
        return env._("The tax %(tax)s is not a percentage of the price: Chorus Pro carries VAT rates only.",
                     tax=tax.display_name)
    if tax.amount < 0:
        return env._("The tax %(tax)s is negative (a withholding or a reverse charge): Chorus Pro carries VAT "
                     "rates only.", tax=tax.display_name)
    return None


def _chorus_exemption_reason(tax):
    """The reason of a 0 % VAT rate, as the tax states it (the exemption code of the European standard)."""
    return tax.ubl_cii_tax_exemption_reason_code or ""


def _chorus_vat_regime(move, vat_by_rate, exemption_reasons):
    """``typeTva`` and ``motifExonerationTva``: exempt when every line is at 0 %, else VAT on receipts when the
    taxes are due on payment (``tax_exigibility``), else VAT on debits.  The one place where this is decided:
    which codes Chorus Pro expects for each case is not verified (README, "Limits")."""
    reason = exemption_reasons[0] if exemption_reasons else ""
    if vat_by_rate and not any(vat_by_rate):
        return VatRegime.EXEMPT, reason
    taxes = move.invoice_line_ids.tax_ids.flatten_taxes_hierarchy()
    on_payment = any(tax.tax_exigibility == "on_payment" for tax in taxes if tax.amount)
    return (VatRegime.ON_RECEIPTS if on_payment else VatRegime.ON_DEBITS), reason


def _chorus_gross_amount(base_line, untaxed):
    """The line's amount without VAT before its discount: the untaxed amount itself when there is no discount."""
    discount = Decimal(str(base_line["discount"] or 0))
    if not discount:
        return untaxed
    raw = Decimal(str(base_line["tax_details"]["raw_total_excluded_currency"]))
    if discount < 100:
        return (raw / (1 - discount / 100)).quantize(CENT, ROUND_HALF_UP)
    # a 100 % discount: the price without VAT, from the price as typed and its share of VAT
    price = Decimal(str(base_line["price_unit"])) * Decimal(str(base_line["quantity"]))
    included = sum((Decimal(str(t["tax"].amount)) for t in base_line["tax_details"]["taxes_data"]
                    if t["tax"].price_include), Decimal(0))
    return (price / (1 + included / 100)).quantize(CENT, ROUND_HALF_UP)


def _chorus_line(number, label, record, quantity, gross, untaxed, rates):
    """A Chorus Pro line: positive quantity, unit price without VAT (negative for a discount line), and the
    discount that brings quantity × unit price to the line's untaxed amount."""
    quantity = abs(Decimal(str(quantity or 0)).quantize(Decimal("0.0001")))
    unit_price = (gross / quantity).quantize(Decimal("0.000001")) if quantity else gross
    if quantity and (quantity * unit_price).quantize(CENT, ROUND_HALF_UP) != gross:
        # a unit price of 6 decimals cannot give this gross amount (huge quantities): one line for the lot
        label = f"{label} ({quantity.normalize()} × {unit_price.normalize()})"
        quantity, unit_price = Decimal(1), gross
    return Line(
        number=number,
        description=label[:500] or "-",
        quantity=quantity if quantity else Decimal(0),
        unit_price=unit_price,
        vat_rate=rates[0] if rates else Decimal(0),
        reference=record.product_id.default_code or "",
        unit=record.product_uom_id.name or "",
        discount=gross - untaxed,
    )


def _transmission_field(name, string, field_type=fields.Char, **kwargs):
    """A read-only mirror of the latest transmission, for the invoice's views, filters and reports."""
    return field_type(related=f"chorus_transmission_id.{name}", string=string, readonly=True, **kwargs)


class AccountMove(models.Model):
    _inherit = "account.move"

    # -- fields ---------------------------------------------------------------------------------------------
    # Odoo's own Chorus Pro references, filled from the market (kept editable)
    buyer_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                  precompute=True, help="Service code in Chorus Pro.")
    contract_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                     precompute=True, help="Market number in Chorus Pro.")
    purchase_order_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                           precompute=True, help="Legal commitment (EJ) in Chorus Pro.")

    chorus_client = fields.Boolean(related="commercial_partner_id.chorus_client", string="Chorus Pro client")
    chorus_market_id = fields.Many2one(
        "chorus.pro.market", string="Market", index="btree_not_null", check_company=True, tracking=True,
        domain="[('partner_id', '=', commercial_partner_id), ('company_id', '=', company_id)]")
    chorus_market_kind = fields.Selection(related="chorus_market_id.kind", string="Market kind")
    chorus_works_document_type = fields.Selection(
        WORKS_DOCUMENT_TYPES, string="Works document type", compute="_compute_chorus_works_document_type",
        store=True, readonly=False, precompute=True)
    chorus_cadre = fields.Selection(CADRES, string="Invoicing frame (cadre)", compute="_compute_chorus_cadre",
                                    store=True, readonly=False, precompute=True, tracking=True)
    chorus_allowed_cadres = fields.Char(string="Allowed invoicing frames",
                                        compute="_compute_chorus_cadre_allowed")
    chorus_is_works = fields.Boolean(compute="_compute_chorus_is_works", string="Works document")
    chorus_situation_number = fields.Integer(string="Situation number", copy=False,
                                             help="Number of the monthly statement within the market.")
    chorus_situation_id = fields.Many2one("chorus.pro.situation", string="Works situation", readonly=True,
                                          copy=False, index="btree_not_null", check_company=True)
    chorus_amount_correction_of_id = fields.Many2one(
        "chorus.pro.situation", string="Brings to the amount accepted of", readonly=True, copy=False,
        index="btree_not_null", check_company=True,
        help="The situation whose amount, corrected by the project manager on Chorus Pro, this document accepts.")

    # the transmission to Chorus Pro (written by the sender and the follow-up only)
    chorus_transmission_ids = fields.One2many("chorus.pro.transmission", "move_id", string="Chorus Pro transmissions",
                                              readonly=True, copy=False)
    # not stored: the live transmission is found through chorus_transmission_ids (one per invoice, a unique
    # index); storing it cost every queued invoice a second UPDATE of its account_move row
    chorus_transmission_id = fields.Many2one(
        "chorus.pro.transmission", string="Chorus Pro transmission", compute="_compute_chorus_transmission_id",
        search="_search_chorus_transmission_id", readonly=True)
    chorus_state = fields.Selection(CHORUS_STATES, string="Chorus Pro transmission state",
                                    compute="_compute_chorus_state", store=True, readonly=True, copy=False,
                                    tracking=True, index=True)
    chorus_identifier = _transmission_field("chorus_invoice_id", "Chorus Pro invoice id")
    chorus_invoice_number = _transmission_field("chorus_number", "Number on Chorus Pro")
    chorus_flow_number = _transmission_field("flow_number", "Flow number")
    chorus_status = _transmission_field("status", "Chorus Pro status code")
    chorus_status_label = _transmission_field("status_label", "Chorus Pro status")
    # which follow-up button the status calls for: the statuses of each action are chorus_pro.statuses'
    chorus_follow_up_action = fields.Selection(FOLLOW_UP_ACTIONS, string="Chorus Pro action to take",
                                               compute="_compute_chorus_follow_up_action")
    chorus_status_date = _transmission_field("status_date", "Status date", fields.Datetime)
    chorus_status_comment = _transmission_field("status_comment", "Buyer's comment", fields.Text)
    chorus_last_error = _transmission_field("last_error", "Last error", fields.Text)
    chorus_deposit_date = _transmission_field("deposit_date", "Deposit date", fields.Date)
    chorus_send_attempts = _transmission_field("attempts", "Sending attempts", fields.Integer)
    chorus_next_attempt = _transmission_field("next_attempt", "Next attempt", fields.Datetime)
    chorus_queued_by_id = _transmission_field("queued_by_id", "Queued by", fields.Many2one)
    chorus_rejection_acknowledged = _transmission_field("rejection_acknowledged", "Rejection acknowledged",
                                                        fields.Boolean)
    # the one definition of "action needed": search filter, "To handle" menu and dashboard counter use it
    chorus_needs_action = fields.Boolean(
        "Chorus Pro: action needed", compute="_compute_chorus_needs_action", search="_search_chorus_needs_action",
        help="The invoice waits for a user with the right \"Invoice transfer\" (to transfer it, or to deposit it on "
             "the Chorus Pro portal), the buyer suspended it, asked "
             "to recycle it or to correct its validator, rejected it (a credit note and a new invoice are "
             "needed), or the transfer failed.")

    # -- guard ----------------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            if any(SENDER_ONLY_FIELDS & vals.keys() for vals in vals_list):
                raise AccessError(self._chorus_sender_only_message())
            for vals in vals_list:
                self._chorus_check_sending_author(vals)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if SENDER_ONLY_FIELDS & vals.keys():
                raise AccessError(self._chorus_sender_only_message())
            self._chorus_check_sending_author(vals)
        return super().write(vals)

    def _chorus_check_sending_author(self, vals):
        """Send & Print's background sending acts as the author written in ``sending_data``: a user may only
        name himself there, or anybody could have his invoice transferred in the name of a user with the right."""
        sending_data = vals.get("sending_data")
        if not isinstance(sending_data, dict):
            return
        for key, own in (("author_user_id", self.env.uid), ("author_partner_id", self.env.user.partner_id.id)):
            if sending_data.get(key) not in (None, False, own):
                raise AccessError(self.env._("An invoice can only be sent in your own name: the author of a "
                                             "sending must be the user who asks for it."))

    def _chorus_sender_only_message(self):
        return self.env._("The Chorus Pro transmission of an invoice is written by Odoo only: use \"Transfer to "
                          "Chorus Pro\" (right \"Invoice transfer\").")

    # -- compute --------------------------------------------------------------------------------------------
    @api.depends("chorus_market_id")
    def _compute_chorus_references(self):
        for move in self:
            market = move.chorus_market_id
            if market:
                move.contract_reference = market.name
                move.buyer_reference = market.service_id.code or move.buyer_reference
                move.purchase_order_reference = market.engagement or move.purchase_order_reference
            else:
                move.contract_reference = move.contract_reference
                move.buyer_reference = move.buyer_reference
                move.purchase_order_reference = move.purchase_order_reference

    @api.depends("chorus_market_id.kind")
    def _compute_chorus_works_document_type(self):
        for move in self:
            if move.chorus_market_id.kind == "works":
                move.chorus_works_document_type = move.chorus_works_document_type or "monthly"
            else:
                move.chorus_works_document_type = False

    @api.depends("chorus_market_id.kind", "chorus_market_id.role", "chorus_works_document_type")
    def _compute_chorus_cadre(self):
        for move in self:
            market = move.chorus_market_id
            if market:
                move.chorus_cadre = derive_cadre(market.kind, market.role, move.chorus_works_document_type)
            else:
                move.chorus_cadre = move.chorus_cadre or "A1"

    @api.depends("chorus_market_id.kind", "chorus_market_id.role")
    def _compute_chorus_cadre_allowed(self):
        for move in self:
            market = move.chorus_market_id
            allowed = allowed_cadres(market.kind, market.role)
            move.chorus_allowed_cadres = ",".join(allowed)

    @api.depends("chorus_cadre")
    def _compute_chorus_is_works(self):
        for move in self:
            move.chorus_is_works = bool(move.chorus_cadre) and parse_cadre(move.chorus_cadre).is_works

    @api.depends("chorus_status")
    def _compute_chorus_follow_up_action(self):
        for move in self:
            action = follow_up_action(move.chorus_status)
            move.chorus_follow_up_action = action.value if action else False

    @api.depends("chorus_transmission_ids.state")
    def _compute_chorus_transmission_id(self):
        for move in self:
            move.chorus_transmission_id = move.chorus_transmission_ids.filtered(
                lambda t: t.state != "cancelled").sorted("id")[-1:]

    def _search_chorus_transmission_id(self, operator, value):
        live = Domain("state", "!=", "cancelled")
        if operator in ("any", "not any"):
            return Domain("chorus_transmission_ids", operator, live & Domain(value))
        if operator not in ("in", "not in"):
            return NotImplemented
        ids = [v for v in value if v]
        domain = Domain("chorus_transmission_ids", "any", live & Domain("id", "in", ids)) if ids else Domain.FALSE
        if False in value:
            domain |= Domain("chorus_transmission_ids", "not any", live)
        return domain if operator == "in" else ~domain

    @api.depends("state", "move_type", "commercial_partner_id.chorus_client", "chorus_market_id.chorus_circuit",
                 "reversed_entry_id.chorus_transmission_ids.state", "chorus_transmission_ids.state", "chorus_cadre",
                 "company_id.chorus_invoice_route", "chorus_amount_correction_of_id")
    def _compute_chorus_state(self):
        for move in self:
            transmission = move.chorus_transmission_id
            if transmission:
                move.chorus_state = transmission.state
            elif move.state == "posted" and move._chorus_is_concerned():
                move.chorus_state = "to_transfer"
            else:
                move.chorus_state = "not_concerned"

    @api.depends("chorus_state", "payment_state")
    def _compute_chorus_needs_action(self):
        for move in self:
            move.chorus_needs_action = move.chorus_state in NEEDS_ACTION_STATES or (
                move.chorus_state == "rejected" and move.payment_state != "reversed")

    def _search_chorus_needs_action(self, operator, value):
        if operator != "in":
            return NotImplemented
        assert list(value) == [True]
        return ["|", ("chorus_state", "in", NEEDS_ACTION_STATES),
                "&", ("chorus_state", "=", "rejected"), ("payment_state", "!=", "reversed")]

    @api.depends("chorus_transmission_ids.state", "chorus_transmission_ids.chorus_invoice_id")
    def _compute_show_reset_to_draft_button(self):
        super()._compute_show_reset_to_draft_button()
        for move in self.filtered(lambda m: m._chorus_on_chorus_or_sending()):
            move.show_reset_to_draft_button = False

    def _chorus_on_chorus_or_sending(self):
        """Deposited on Chorus Pro (by the sender or by hand on the portal), or a deposit may be in flight: the
        invoice can no longer change."""
        self.ensure_one()
        transmission = self.chorus_transmission_id
        return bool(transmission.chorus_invoice_id) or transmission.state in (
            "sending", "to_reconcile", "portal_to_find")

    # -- pre-flight: checks run before posting, one message listing every problem ---------------------------
    def _chorus_raise_preflight(self):
        messages = []
        for move in self:
            issues = move._chorus_preflight_issues()
            if issues:
                messages.append(move._chorus_format_issues(issues))
        if messages:
            raise UserError("\n\n".join(messages))

    def _chorus_format_issues(self, issues):
        self.ensure_one()
        title = self.env._("The invoice %(invoice)s cannot be sent to Chorus Pro (customer %(customer)s):",
                           invoice=self.name if self.name and self.name != "/" else self.env._("draft"),
                           customer=self.commercial_partner_id.display_name)
        return "\n".join([title, *(f"- {issue}" for issue in issues)])

    def _chorus_preflight_issues(self):
        """Everything that would make Chorus Pro refuse this invoice, in the user's language: the library's
        validation, and what only Odoo knows (the customer's services, the bank account, the market)."""
        self.ensure_one()
        _ = self.env._
        issues = []
        customer, market = self.commercial_partner_id, self.chorus_market_id
        service_code = (self.buyer_reference or "").strip()
        ej = (self.purchase_order_reference or "").strip()
        if service_code:
            services = customer.with_context(active_test=False).chorus_service_ids
            service = services.filtered(lambda s: s.code == service_code)[:1]
            if services and (not service or not service.selectable):
                choices = ", ".join(services.filtered("selectable").mapped("code")) or _("none")
                issues.append(_("The service code %(code)s is not one of the customer's active services on Chorus "
                                "Pro (choose one of: %(choices)s).", code=service_code, choices=choices))
            elif service.ej_required and not ej:
                issues.append(_("The service %(code)s requires a legal commitment (EJ): fill in \"Legal commitment "
                                "(EJ)\" in the Chorus Pro tab.", code=service_code))
        if market and market._needs_market_number() and not (self.contract_reference or "").strip():
            issues.append(_("The market number is required by the market %(market)s.",
                            market=market.name))
        if self.chorus_is_works and not market:
            issues.append(_("A works document must be linked to its public works market."))
        if self.move_type == "out_invoice":
            bank = self.partner_bank_id
            if not bank:
                issues.append(_("Choose the recipient bank account (your IBAN) of the invoice: Chorus Pro needs it "
                                "for a payment by transfer."))
            elif bank.acc_type != "iban":
                issues.append(_("The bank account %(account)s is not an IBAN: Chorus Pro only accepts IBAN for a "
                                "payment by transfer.", account=bank.display_name))
        if not self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            issues.append(code_text(self.env, "no_lines"))
        issues.extend(self._chorus_library_issues())
        return list(dict.fromkeys(issues))

    def _chorus_library_issues(self):
        """What Chorus Pro cannot carry in the amounts, and what :func:`chorus_pro.documents.invoice_issues`
        refuses, except what is only known when sending (the number before posting, the Chorus Pro bank account
        id, the PDF)."""
        amounts = self._chorus_amounts()
        if amounts["problems"]:
            return amounts["problems"]
        invoice = self._chorus_build_invoice(with_pdf=False, amounts=amounts)
        issues = invoice_issues(invoice, operation="works" if self.chorus_is_works else "soumettre")
        return [issue_text(self.env, issue) for issue in issues
                if not (issue.field or "").startswith(NOT_YET_KNOWN_PREFIXES)]

    # -- amounts: from Odoo's own tax engine ----------------------------------------------------------------
    def _chorus_amounts(self):
        """Lines, per-rate VAT and totals exactly as Odoo computed the posted invoice, and what Chorus Pro cannot
        carry (the problems, in the user's language).

        The figures come from the base lines of Odoo's tax engine (``_get_rounded_base_and_tax_lines``), the
        source of the invoice's own totals and of its UBL/Factur-X export: price-included taxes, groups of
        taxes, discounts, negative lines and cash rounding come out as on the invoice, to the cent.
        """
        self.ensure_one()
        _ = self.env._
        base_lines, _tax_lines = self._get_rounded_base_and_tax_lines()
        rounding_lines = [line for line in base_lines if line["special_type"] == "cash_rounding"]
        product_lines = [line for line in base_lines if not line["special_type"]]
        problems = []
        if any(line["special_type"] == "early_payment" for line in base_lines):
            problems.append(_("The payment terms give an early payment discount computed on the VAT (\"mixed\"): "
                              "Chorus Pro cannot carry it. Choose payment terms without it."))
        lines, vat_by_rate, exemption_reasons = [], defaultdict(lambda: [Decimal(0), Decimal(0)]), []
        for number, base_line in enumerate(product_lines, start=1):
            record = base_line["record"]
            label = (record.name or record.product_id.display_name or "").strip()
            details = base_line["tax_details"]
            untaxed = as_cents(details["total_excluded_currency"] + details["delta_total_excluded_currency"])
            gross = _chorus_gross_amount(base_line, untaxed)
            rates = []
            for tax_data in details["taxes_data"]:
                tax = tax_data["tax"]
                problem = _chorus_tax_problem(self.env, tax)
                if problem:
                    problems.append(problem)
                    continue
                rate = as_cents(tax.amount)
                rates.append(rate)
                vat_by_rate[rate][0] += as_cents(tax_data["base_amount_currency"])
                vat_by_rate[rate][1] += as_cents(tax_data["tax_amount_currency"])
                if not rate:
                    reason = _chorus_exemption_reason(tax)
                    if reason:
                        exemption_reasons.append(reason)
                    else:
                        problems.append(_("The tax %(tax)s is at 0 %%: give it its exemption reason (field \"Tax "
                                          "Exemption Reason Code\" of the tax); Chorus Pro asks why an invoice "
                                          "is exempt.", tax=tax.display_name))
            if not details["taxes_data"]:
                problems.append(_("The line \"%(line)s\" has no tax: give it its VAT (a 0 %% tax with its "
                                  "exemption reason when it is exempt).", line=label or number))
                rates.append(Decimal(0))
                vat_by_rate[Decimal(0)][0] += untaxed
            if len(set(rates)) > 1:
                # like the European standard, Chorus Pro knows one VAT rate per line, on the line's base
                problems.append(_("The line \"%(line)s\" is taxed at several VAT rates (%(rates)s): Chorus Pro "
                                  "carries one VAT rate per line. Split it into one line per rate.",
                                  line=label or number, rates=", ".join(f"{rate} %" for rate in rates)))
            lines.append(_chorus_line(number, label, record, base_line["quantity"], gross, untaxed, rates))
        untaxed_total = sum((line.amount_untaxed for line in lines), Decimal(0))
        vat_total = sum((amount for _base, amount in vat_by_rate.values()), Decimal(0))
        # a situation's invoice is paid less its retention, advance repayment, penalties and direct payments
        due = (self.chorus_situation_id._amount_due_on(self) if self.chorus_situation_id
               else as_cents(self.amount_total))
        # a rounding line of the invoice (cash rounding "Add a rounding line") travels as Chorus Pro's global
        # discount, which can only lower the total: rounding up needs the strategy "Modify tax amount"
        rounding = sum((as_cents(line["tax_details"]["total_excluded_currency"]) for line in rounding_lines), Decimal(0))
        if rounding > 0:
            problems.append(_("The cash rounding %(rounding)s adds a rounding line that raises the total: Chorus Pro "
                              "can only carry a rounding that lowers it. Choose the rounding strategy \"Modify tax "
                              "amount\" for invoices to Chorus Pro.", rounding=self.invoice_cash_rounding_id.name))
        total = untaxed_total + vat_total + rounding
        # what is deposited is the posted invoice, to the cent, or nothing
        if not problems and (untaxed_total + rounding != as_cents(self.amount_untaxed) or vat_total != as_cents(self.amount_tax)
                             or total != as_cents(self.amount_total)):
            problems.append(_("The amounts of the invoice (untaxed %(untaxed)s, VAT %(vat)s) could not be carried "
                              "to Chorus Pro to the cent (%(chorus_untaxed)s, %(chorus_vat)s): check its taxes.",
                              untaxed=self.amount_untaxed, vat=self.amount_tax, chorus_untaxed=untaxed_total,
                              chorus_vat=vat_total))
        vat_lines = [VatLine(rate=rate, base=base, amount=amount) for rate, (base, amount) in sorted(vat_by_rate.items())]
        totals = Totals(untaxed=untaxed_total, vat=vat_total, total=total, amount_due=due, global_discount=-rounding,
                        global_discount_reason=ROUNDING_DISCOUNT_REASON if rounding else "")
        regime, reason = _chorus_vat_regime(self, vat_by_rate, exemption_reasons)
        return {"lines": lines, "vat_lines": vat_lines, "totals": totals, "vat_regime": regime,
                "vat_exemption_reason": reason, "problems": list(dict.fromkeys(problems))}

    # -- mapping: account.move -> chorus_pro.documents.Invoice (what the client sends) ----------------------
    def _chorus_build_invoice(self, with_pdf=True, amounts=None):
        self.ensure_one()
        company, customer, market = self.company_id, self.commercial_partner_id, self.chorus_market_id
        service_code = (self.buyer_reference or "").strip()
        service = customer.with_context(active_test=False).chorus_service_ids.filtered(
            lambda s: s.code == service_code)[:1]
        supplier = Party(siret=compact_siret(company.company_registry), name=company.name or "",
                         structure_id=int_or_none(company.chorus_supplier_structure_identifier))
        buyer = chorus_party(customer, service)
        if not service and service_code:
            buyer.service_code = service_code
        if customer.chorus_requirement:
            buyer.requirement = ReferenceRequirement(customer.chorus_requirement)
        amounts = amounts or self._chorus_amounts()
        if amounts["problems"]:
            raise UserError(self._chorus_format_issues(amounts["problems"]))
        is_refund = self.move_type == "out_refund"
        invoice = Invoice(
            number=self.name or "",
            invoice_date=self.invoice_date or self.date,
            supplier=supplier,
            buyer=buyer,
            lines=amounts["lines"],
            vat_lines=amounts["vat_lines"],
            totals=amounts["totals"],
            invoice_type=InvoiceType.CREDIT_NOTE if is_refund else InvoiceType.INVOICE,
            cadre=parse_cadre(self.chorus_cadre or "A1"),
            currency=self.currency_id.name or "EUR",
            vat_regime=amounts["vat_regime"],
            vat_exemption_reason=amounts["vat_exemption_reason"],
            payment_mode=None if is_refund else PaymentMode.TRANSFER,
            bank_account_id=None if is_refund else int_or_none(company.chorus_bank_account_identifier),
            ej_number=(self.purchase_order_reference or "").strip(),
            market_number=(self.contract_reference or "").strip(),
            original_invoice_number=(self.reversed_entry_id.name or self.ref or "").strip() if is_refund else "",
            validator_siret=compact_siret(market.validator_partner_id.commercial_partner_id.company_registry)
            if market.validator_partner_id else "",
            moe=chorus_party(market.moe_partner_id),
            moa=chorus_party(market.moa_partner_id),
            situation_number=self.chorus_situation_number or None,
            comment=(self.ref or "")[:500] if not is_refund else "",
        )
        if with_pdf:
            invoice.main_pdf = self._chorus_main_attachment()
            if self.chorus_situation_id:
                # the projet de décompte is the document the MOE checks; the invoice goes with it
                invoice.attachments = [invoice.main_pdf]
                invoice.main_pdf = self.chorus_situation_id._statement_attachment()
        return invoice

    def _chorus_main_attachment(self):
        """The invoice as printed by Odoo (the stored PDF when there is one, else a fresh rendering).

        In test mode Odoo renders HTML instead of PDF; that rendering is still sent as the main file.
        """
        self.ensure_one()
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name or "facture").strip("_") or "facture"
        if self.invoice_pdf_report_id:
            content, extension, mime = self.invoice_pdf_report_id.raw, "pdf", "application/pdf"
        else:
            content, report_type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
                "account.account_invoices", self.ids)
            # Odoo renders HTML instead of PDF only in test mode (no wkhtmltopdf worker there); the
            # rendering is still sent as the main file so that tests exercise the whole deposit
            extension, mime = "pdf", "application/pdf"
            if report_type != "pdf":
                _logger.debug("test mode: invoice %s rendered as %s", self.id, report_type)
        if isinstance(content, str):
            content = content.encode()
        name = f"{base[:MAX_ATTACHMENT_NAME - len(extension) - 1]}.{extension}"
        return Attachment(name=name, content=content, mime_type=mime)

    # -- transfer: who is concerned -------------------------------------------------------------------------
    def _chorus_is_concerned(self):
        """Customer invoice or credit note of a Chorus Pro client, outside markets that opted out.

        The credit note of an invoice rejected on Chorus Pro only cancels it in the books: the rejected
        invoice no longer exists for the buyer, so the credit note is not sent."""
        self.ensure_one()
        if self.move_type == "out_refund" and self.reversed_entry_id.chorus_transmission_id.state == "rejected":
            return False
        if self.chorus_amount_correction_of_id:
            return False  # Chorus Pro carries the amount the project manager corrected already: books only
        return (self.move_type in CHORUS_MOVE_TYPES and self.commercial_partner_id.chorus_client
                and (not self.chorus_market_id or self.chorus_market_id.chorus_circuit)
                # works documents always go to Chorus Pro directly; other invoices unless the company chose
                # to reach public buyers through Peppol or its approved platform
                and (self.chorus_is_works or self.company_id.chorus_invoice_route == "chorus_api"))

    def _chorus_waits_for_transfer(self):
        """Posted, for Chorus Pro, and not queued nor on Chorus Pro yet (or refused before its deposit)."""
        self.ensure_one()
        transmission = self.chorus_transmission_id
        return (self.state == "posted" and self._chorus_is_concerned() and not transmission.chorus_invoice_id
                and transmission.state in (False, *REQUEUABLE_STATES))

    def _chorus_can_auto_queue(self):
        """All conditions of the automatic transfer at posting time."""
        self.ensure_one()
        company = self.company_id
        return (company.chorus_auto_transfer
                and not self._chorus_before_start_date()
                and self.env.user.has_group(TRANSFER_GROUP)
                and company._chorus_is_configured()
                # an experimental works deposit waits for its confirmation, asked by the button
                and not self.env["chorus.pro.transmission"]._unconfirmed_experimental(self))

    def _chorus_before_start_date(self):
        self.ensure_one()
        start = self.company_id.chorus_start_date
        return bool(start) and (self.invoice_date or self.date) < start

    # -- transfer: posting ----------------------------------------------------------------------------------
    def _post(self, soft=True):
        chorus_moves = self.filtered(lambda m: m._chorus_is_concerned())
        if chorus_moves:
            chorus_moves._chorus_check_market()
            chorus_moves._chorus_assign_situation_numbers()
            chorus_moves._chorus_raise_preflight()
        posted = super()._post(soft=soft)
        for move in posted.filtered("chorus_situation_id"):
            move.chorus_situation_id._settle(move)
        auto = (posted & chorus_moves).filtered(lambda m: m._chorus_can_auto_queue())
        if auto:
            # pre-flight just ran: queue without running it again
            self.env["chorus.pro.transmission"]._queue_moves(auto, origin="automatic", preflight=False)
        return posted

    def _chorus_check_market(self):
        for move in self.filtered("chorus_market_id"):
            market = move.chorus_market_id
            if not market.active:
                raise UserError(self.env._(
                    "Invoice %(invoice)s: the market %(market)s is archived. Restore the market or choose another "
                    "one before posting.", invoice=move.display_name, market=market.display_name))
            allowed = move.chorus_allowed_cadres.split(",")
            if move.chorus_cadre not in allowed:
                raise UserError(self.env._(
                    "Invoice %(invoice)s: the invoicing frame (cadre) %(cadre)s does not fit the market %(market)s; "
                    "choose one of: %(allowed)s.", invoice=move.display_name, cadre=move.chorus_cadre,
                    market=market.name, allowed=", ".join(allowed)))

    def _chorus_assign_situation_numbers(self):
        """Number the monthly statements of each market (1, 2, 3…) in posting order."""
        monthly = self.filtered(lambda m: m.chorus_market_id and m.chorus_works_document_type == "monthly"
                                and not m.chorus_situation_number)
        for market in monthly.chorus_market_id:
            # lock the market row: two users posting situations of one market get distinct numbers
            self.env.cr.execute("SELECT id FROM chorus_pro_market WHERE id = %s FOR UPDATE", [market.id])
            self.env.cr.execute(
                "SELECT COALESCE(MAX(chorus_situation_number), 0) FROM account_move WHERE chorus_market_id = %s",
                [market.id])
            last = self.env.cr.fetchone()[0]
            for move in monthly.filtered(lambda m, market=market: m.chorus_market_id == market).sorted("id"):
                last += 1
                move.chorus_situation_number = last

    # -- transfer: manual transfer --------------------------------------------------------------------------
    def _chorus_transfer_problems(self, preflight=True):
        """Why each invoice cannot be queued for Chorus Pro (empty: all can)."""
        problems = []
        for move in self:
            transmission = move.chorus_transmission_id
            if move.move_type not in CHORUS_MOVE_TYPES or move.state != "posted":
                problems.append(self.env._("%(invoice)s: only posted customer invoices and credit notes can be "
                                           "transferred.", invoice=move.display_name))
            elif not move._chorus_is_concerned():
                problems.append(self.env._(
                    "%(invoice)s: the customer is not a Chorus Pro client, or the market is outside the Chorus "
                    "Pro circuit.", invoice=move.display_name))
            elif transmission.chorus_invoice_id:
                problems.append(self.env._("%(invoice)s is already on Chorus Pro (id %(identifier)s).",
                                           invoice=move.display_name, identifier=transmission.chorus_invoice_id))
            elif transmission and transmission.state not in REQUEUABLE_STATES:
                problems.append(self.env._("%(invoice)s is queued or being sent already.",
                                           invoice=move.display_name))
            elif move.chorus_is_works and move.chorus_market_id._works_party_problems():
                problems.extend(move.chorus_market_id._works_party_problems())
            elif preflight:
                issues = move._chorus_preflight_issues()
                if issues:
                    problems.append(move._chorus_format_issues(issues))
            if not move.company_id._chorus_is_configured():
                problems.append(self.env._(
                    "%(invoice)s: Chorus Pro is not configured for %(company)s (SIRET and connection settings).",
                    invoice=move.display_name, company=move.company_id.name))
        return problems

    def action_chorus_transfer(self):
        """Button and list action "Transfer to Chorus Pro" (right "Invoice transfer" checked by the queue)."""
        self.env["chorus.pro.transmission"]._check_transfer_right()
        early = self.filtered(lambda m: m.state == "posted" and m._chorus_before_start_date())
        if early and not self.env.context.get("chorus_confirm_before_start"):
            return self._chorus_confirm_before_start(early)
        Transmission = self.env["chorus.pro.transmission"]
        unconfirmed = Transmission._unconfirmed_experimental(self.filtered(lambda m: m.state == "posted"))
        if unconfirmed:
            return self.env["chorus.pro.works.experimental.wizard"]._open_for(moves=self)
        Transmission._queue_moves(self, origin="button")
        self._chorus_log(self.env._("Queued for Chorus Pro by %(user)s.", user=self.env.user.name))
        on_portal = self.chorus_transmission_id.filtered(lambda t: t.state == "portal")
        if len(self) == 1 and on_portal:
            return self.env["chorus.pro.works.portal.wizard"]._open_for(on_portal)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro"),
                "message": self.env._("%(count)s invoice(s) queued for Chorus Pro.", count=len(self)),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _chorus_confirm_before_start(self, early):
        """Invoices dated before the transfer start date: the user confirms before they are queued."""
        start = fields.Date.to_date(self.company_id[:1].chorus_start_date)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Transfer to Chorus Pro"),
            "res_model": "chorus.pro.transfer.confirm.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "account.move", "active_ids": self.ids,
                "default_move_ids": self.ids, "default_early_move_ids": early.ids,
                "default_start_date": start,
            },
        }

    def action_chorus_portal_deposit(self):
        """The steps of the assisted portal deposit of a works document waiting for it."""
        self.ensure_one()
        self.env["chorus.pro.transmission"]._check_transfer_right()
        transmission = self.chorus_transmission_id
        if transmission.state != "portal":
            raise UserError(self.env._("%(invoice)s does not wait for a deposit on the Chorus Pro portal.",
                                       invoice=self.display_name))
        return self.env["chorus.pro.works.portal.wizard"]._open_for(transmission)

    def _chorus_portal_pdf(self):
        """The plain PDF a person deposits on the portal: the projet de décompte of a situation, else a fresh
        rendering of the invoice (never the stored Factur-X PDF/A-3, which the portal would read as a flow)."""
        self.ensure_one()
        if self.chorus_situation_id:
            return self.chorus_situation_id._statement_attachment()
        content, _report_type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "account.account_invoices", self.ids)
        if isinstance(content, str):
            content = content.encode()
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name or "facture").strip("_") or "facture"
        return Attachment(name=f"{base[:MAX_ATTACHMENT_NAME - 4]}.pdf", content=content)

    def action_chorus_update_status(self):
        return self.env["chorus.pro.sync"]._sync_moves(self)

    # -- transfer: chatter, reset to draft ------------------------------------------------------------------
    def _chorus_log(self, body):
        """A note in the chatter of each invoice.  Callers never pass secrets (messages are built from codes)."""
        for move in self:
            move.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _chorus_schedule_activity(self, summary, note):
        for move in self:
            user = move.invoice_user_id or move.chorus_transmission_id.queued_by_id or move.create_uid
            move.sudo().activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note,
                                          user_id=user.id or self.env.uid)

    def button_draft(self):
        on_chorus = self.filtered(lambda m: m._chorus_on_chorus_or_sending())
        if on_chorus:
            raise UserError(self.env._(
                "%(invoices)s is on Chorus Pro (or being sent): it cannot be reset to draft. Issue a credit note "
                "instead.", invoices=", ".join(on_chorus.mapped("display_name"))))
        res = super().button_draft()
        self.chorus_transmission_id._cancel_unsent()
        return res

    # -- follow-up actions: buttons of the Chorus Pro tab ---------------------------------------------------
    def _chorus_open_wizard(self, model, statuses, title):
        wrong = self.filtered(lambda m: m.chorus_status not in statuses or not m.chorus_identifier)
        if wrong:
            raise UserError(self.env._(
                "This action is possible only for an invoice whose Chorus Pro status is %(statuses)s "
                "(invoice %(name)s).", statuses=", ".join(sorted(statuses)), name=wrong[0].display_name))
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids, "active_id": self[:1].id},
        }

    def action_chorus_complete(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.complete.wizard", FOLLOW_UP_STATUSES[FollowUpAction.COMPLETE],
                                        self.env._("Complete on Chorus Pro"))

    def action_chorus_recycle(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.recycle.wizard", FOLLOW_UP_STATUSES[FollowUpAction.RECYCLE],
                                        self.env._("Recycle"))

    def action_chorus_correct_validator(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.validator.wizard",
                                        FOLLOW_UP_STATUSES[FollowUpAction.CORRECT_VALIDATOR],
                                        self.env._("Correct the validator"))

    def action_chorus_acknowledge_rejection(self):
        moves = self.filtered(lambda m: m.chorus_state == "rejected" and not m.chorus_rejection_acknowledged)
        if not moves:
            raise UserError(self.env._("No selected invoice is rejected on Chorus Pro with a rejection "
                                       "still to acknowledge."))
        return moves._chorus_open_wizard("chorus.pro.rejection.wizard", {m.chorus_status for m in moves},
                                         self.env._("Acknowledge the rejection"))

    def action_chorus_credit_note(self):
        """The rejected invoice is dead on Chorus Pro: cancel it in the books with a credit note."""
        self.ensure_one()
        return self.action_reverse()

    def action_chorus_open_transmission(self):
        self.ensure_one()
        return self.chorus_transmission_id._get_records_action()
