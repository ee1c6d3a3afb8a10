"""account.move: the public buyer's payment deadline of each invoice of a market, and the moratory interest
and recovery indemnity it owes when it pays late (the maths are ``ccag_travaux.payment``'s); the draft invoice
that claims them.

Kept apart from ``account_move.py`` (the Chorus Pro transfer): this is the follow-up of payments.
"""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytz
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ccag_travaux import InputError
from ccag_travaux.payment import DAYS_IN_YEAR, Payment, late_interest, payment_due_date

from .chorus_market import derive_cadre
from .chorus_utils import CENT, as_cents

#: the Chorus Pro status that ends the interest: the buyer's accountant put the amount into payment
PUT_INTO_PAYMENT = "MISE_EN_PAIEMENT"
#: the chart's accounts of the claim (French chart), when the company has them
INTEREST_ACCOUNT_CODE = "763800"  # revenus des créances diverses
INDEMNITY_ACCOUNT_CODE = "758000"  # indemnités et autres produits


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_payment_start = fields.Date(
        string="Payment delay runs from", compute="_compute_chorus_late_payment",
        help="The deposit on Chorus Pro (for a works document: when the projet is made available to the project "
             "manager), else the project manager's receipt entered on the situation, else the invoice date.")
    chorus_payment_due = fields.Date(string="Due by the buyer", compute="_compute_chorus_late_payment",
                                     help="The end of the buyer's payment delay (market's setting: 30, 50 or 60 "
                                          "days).")
    chorus_paid_on = fields.Date(string="Paid on", compute="_compute_chorus_late_payment",
                                 help="The day Chorus Pro reports the document put into payment, else the date of "
                                      "the last payment reconciled.")
    chorus_days_late = fields.Integer(string="Days late", compute="_compute_chorus_late_payment")
    chorus_late_rate = fields.Float(string="Interest rate (%)", digits=(5, 2), compute="_compute_chorus_late_payment",
                                    help="The ECB main refinancing rate of the half-year in which the interest "
                                         "started to run, plus 8 points.")
    chorus_late_interest = fields.Monetary(string="Moratory interest", compute="_compute_chorus_late_payment")
    chorus_late_indemnity = fields.Monetary(string="Recovery indemnity", compute="_compute_chorus_late_payment")
    chorus_late_unpaid = fields.Monetary(string="Still unpaid", compute="_compute_chorus_late_payment")
    chorus_late_problem = fields.Char(string="Interest not computed", compute="_compute_chorus_late_payment")
    chorus_late_claim_id = fields.Many2one("account.move", string="Interest claimed on", readonly=True, copy=False,
                                           index="btree_not_null", ondelete="set null")
    chorus_late_claimed_ids = fields.One2many("account.move", "chorus_late_claim_id", string="Documents paid late",
                                              readonly=True)

    # -- which documents, from when, paid when: each choice in one place ------------------------------------
    def _chorus_late_concerned(self):
        """A posted customer invoice of a public market, not itself a claim of interest."""
        self.ensure_one()
        return (self.move_type == "out_invoice" and self.state == "posted" and bool(self.chorus_market_id)
                and not self.chorus_late_claimed_ids)

    def _chorus_payment_start(self):
        """The day the buyer's payment delay starts to run: the deposit on Chorus Pro (for works, the moment
        the projet is made available to the project manager, as Chorus Pro time-stamps it), else the project
        manager's receipt entered on the situation, else the invoice date."""
        self.ensure_one()
        return self.chorus_deposit_date or self.chorus_situation_id.submission_date or self.invoice_date

    def _chorus_amount_owed(self):
        """What the buyer owes for this document: a situation's amount to pay (after its deductions), else the
        total; less the credit notes reconciled with it."""
        self.ensure_one()
        owed = self.chorus_situation_id._amount_due_on(self) if self.chorus_situation_id else as_cents(self.amount_total)
        refunds = sum((paid for _day, paid, kind in self._chorus_settlements() if kind == "refund"), Decimal(0))
        return max(owed - refunds, Decimal(0)).quantize(CENT)

    def _chorus_settlements(self):
        """``(day, amount, kind)`` of what settled the receivable: ``payment`` or ``refund``; the situation's
        entry of deductions settles nothing the buyer pays."""
        self.ensure_one()
        settlements = []
        deductions = self.chorus_situation_id.settlement_move_id
        receivable = self.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        for partial in receivable.matched_credit_ids:
            counterpart = partial.credit_move_id
            if counterpart.move_id == deductions:
                continue
            kind = "refund" if counterpart.move_id.move_type == "out_refund" else "payment"
            settlements.append((counterpart.date, as_cents(partial.amount), kind))
        # a payment registered without a journal entry (no outstanding account) is linked, not reconciled
        for payment in self.matched_payment_ids.filtered(
                lambda p: not p.move_id and p.state in ("in_process", "paid")):
            settlements.append((payment.date, as_cents(payment.amount), "payment"))
        return settlements

    def _chorus_put_into_payment_on(self):
        """The day (Paris time) Chorus Pro reported the document put into payment, or None."""
        self.ensure_one()
        events = self.chorus_transmission_id.event_ids.filtered(lambda e: e.status == PUT_INTO_PAYMENT)
        when = min(events.mapped("date")) if events else None
        if when is None and self.chorus_status == PUT_INTO_PAYMENT:
            when = self.chorus_status_date
        if not when:
            return None
        return pytz.utc.localize(when).astimezone(pytz.timezone("Europe/Paris")).date() if isinstance(
            when, datetime) else when

    def _chorus_late_payments(self, amount):
        """What the buyer paid and when. Chorus Pro's "put into payment" ends the interest (the regulation counts
        it up to the payment order) and settles the whole amount; else the payments reconciled in Odoo."""
        self.ensure_one()
        put_on = self._chorus_put_into_payment_on()
        if put_on:
            return [Payment(put_on, amount)]
        return [Payment(day, paid) for day, paid, kind in self._chorus_settlements() if kind == "payment"]

    # -- the figures ------------------------------------------------------------------------------------------
    def _chorus_late_result(self, rates, today):
        """``(start, due, payments, LateInterest or None, problem)`` of this document."""
        self.ensure_one()
        start = self._chorus_payment_start()
        if not start:
            return None, None, [], None, ""
        due = payment_due_date(start, int(self.chorus_market_id.payment_delay or 30))
        amount = self._chorus_amount_owed()
        payments = self._chorus_late_payments(amount)
        try:
            return start, due, payments, late_interest(amount, due, as_of=today, payments=payments, rates=rates), ""
        except InputError as error:
            if error.code == "ecb_rate_missing":
                problem = self.env._("No ECB rate for the half-year starting %(date)s: add it under Chorus Pro > "
                                     "ECB rates.", date=error.params["half_year"])
            else:
                problem = error.message
            return start, due, payments, None, problem

    @api.depends_context("tz")
    @api.depends("state", "move_type", "chorus_market_id.payment_delay", "invoice_date", "amount_total",
                 "amount_residual", "chorus_transmission_ids.deposit_date", "chorus_transmission_ids.event_ids",
                 "chorus_situation_id.submission_date", "chorus_late_claimed_ids", "matched_payment_ids.state")
    def _compute_chorus_late_payment(self):
        today = fields.Date.context_today(self)
        concerned = self.filtered(lambda move: move._chorus_late_concerned())
        rates = self.env["chorus.pro.ecb.rate"]._ecb_rates() if concerned else None
        for move in self:
            values = dict.fromkeys(("chorus_payment_start", "chorus_payment_due", "chorus_paid_on",
                                    "chorus_late_problem"), False)
            values.update(dict.fromkeys(("chorus_days_late", "chorus_late_rate", "chorus_late_interest",
                                         "chorus_late_indemnity", "chorus_late_unpaid"), 0))
            if move in concerned:
                start, due, payments, result, problem = move._chorus_late_result(rates, today)
                values.update(chorus_payment_start=start or False, chorus_payment_due=due or False,
                              chorus_late_problem=problem or False)
                if result:
                    paid_days = [payment.date for payment in payments]
                    values.update(
                        chorus_paid_on=max(paid_days) if paid_days and not result.unpaid else False,
                        chorus_days_late=result.days_late, chorus_late_rate=float(result.rate or 0),
                        chorus_late_interest=float(result.interest), chorus_late_indemnity=float(result.indemnity),
                        chorus_late_unpaid=float(result.unpaid))
            move.update(values)

    # -- the claim --------------------------------------------------------------------------------------------
    @api.model
    def _chorus_create_late_interest_claim(self, market, moves):
        """A draft invoice to the market's buyer of the interest and indemnity of ``moves`` (paid late), the
        computation in a CSV attached to it; ``moves`` remember the claim."""
        company = market.company_id
        rates = self.env["chorus.pro.ecb.rate"]._ecb_rates()
        today = fields.Date.context_today(self)
        tax = self._chorus_late_interest_tax(company)
        interest_account = self._chorus_claim_account(company, INTEREST_ACCOUNT_CODE)
        indemnity_account = self._chorus_claim_account(company, INDEMNITY_ACCOUNT_CODE)
        _ = self.env._
        lines, rows, claimed = [], [], self.browse()
        for move in moves.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            start, due, _payments, result, _problem = move._chorus_late_result(rates, today)
            if not result or not result.is_late:
                continue
            document, claimed = move.name, claimed | move
            for part in result.parts:
                rows.append((document, start, due, part.paid_on or today, part.amount, result.ecb_rate, result.rate,
                             part.days, part.interest.quantize(Decimal("0.0001"))))
            if result.interest:
                lines.append(self._chorus_claim_line(
                    _("Moratory interest on %(document)s: %(amount)s × %(rate)s %% × %(days)s days / 365 "
                      "(due on %(due)s)", document=document, amount=self._chorus_money(result.amount, company),
                      rate=self._chorus_number(result.rate), days=result.days_late,
                      due=fields.Date.to_string(due)) if len(result.parts) == 1 else
                    _("Moratory interest on %(document)s: %(amount)s paid late in %(count)s parts, at %(rate)s %% "
                      "(due on %(due)s; computation attached)", document=document,
                      amount=self._chorus_money(result.amount, company), count=len(result.parts),
                      rate=self._chorus_number(result.rate), due=fields.Date.to_string(due)),
                    result.interest, interest_account, tax))
            lines.append(self._chorus_claim_line(
                _("Flat indemnity for recovery costs on %(document)s", document=document), result.indemnity,
                indemnity_account, tax))
        if not lines:
            raise UserError(_("No document of market %(market)s was paid late.", market=market.name))
        claim = self.create({
            "move_type": "out_invoice", "company_id": company.id, "partner_id": market.partner_id.id,
            "chorus_market_id": market.id, "chorus_works_document_type": False,
            # an ordinary invoice on the market, not a works document
            "chorus_cadre": derive_cadre("services", market.role),
            "invoice_origin": market.name,
            "narration": _("Moratory interest and flat indemnity for recovery costs owed for late payment "
                           "(public procurement code, articles R2192-31 ff. and D2192-35): interest = amount paid "
                           "late × (ECB main refinancing rate of the half-year in which the interest started to "
                           "run + 8 points) × days late / 365. Computation attached."),
            "invoice_line_ids": lines,
        })
        claimed.sudo().write({"chorus_late_claim_id": claim.id})
        attachment = self.env["ir.attachment"].create({
            "name": f"interets-moratoires-{market.name}.csv".replace("/", "-"), "res_model": "account.move",
            "res_id": claim.id, "mimetype": "text/csv", "raw": self._chorus_claim_csv(rows).encode("utf-8"),
        })
        claim.message_post(body=_("Computation of the moratory interest of market %(market)s.", market=market.name),
                           attachment_ids=attachment.ids)
        return claim

    def _chorus_claim_line(self, label, amount, account, tax):
        values = {"name": label, "quantity": 1, "price_unit": float(amount), "tax_ids": [Command.set(tax.ids)]}
        if account:
            values["account_id"] = account.id
        return Command.create(values)

    @api.model
    def _chorus_claim_csv(self, rows):
        _ = self.env._
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([_("Document"), _("Payment delay runs from"), _("Due by the buyer"), _("Paid on"),
                         _("Amount paid late"), _("ECB rate (%)"), _("Moratory interest rate (%)"), _("Days late"),
                         _("Interest (before rounding)")])
        for document, start, due, paid_on, amount, ecb, rate, days, interest in rows:
            writer.writerow([document, start.isoformat(), due.isoformat(), paid_on.isoformat(), str(amount), str(ecb),
                             str(rate), days, str(interest)])
        writer.writerow([])
        writer.writerow([_("Interest = amount × rate / 100 × days / %(days)s, summed per document and rounded once "
                           "to the cent (half up).", days=DAYS_IN_YEAR)])
        return out.getvalue()

    @api.model
    def _chorus_late_interest_tax(self, company):
        """Moratory interest and the recovery indemnity compensate a delay; they are not the price of a supply:
        outside the scope of VAT (BOI-TVA-BASE-10-10-10). The one place where this is decided. Chorus Pro wants a
        rate on every line: a 0 % tax, category O (outside scope), reason VATEX-EU-O."""
        Tax = self.env["account.tax"].sudo().with_company(company)
        domain = [*Tax._check_company_domain(company), ("type_tax_use", "=", "sale"), ("amount", "=", 0),
                  ("amount_type", "=", "percent"), ("ubl_cii_tax_category_code", "=", "O")]
        return Tax.search(domain, limit=1) or Tax.create({
            "name": "Hors champ de TVA", "amount": 0, "amount_type": "percent", "type_tax_use": "sale",
            "company_id": company.id, "ubl_cii_tax_category_code": "O",
            "ubl_cii_tax_exemption_reason_code": "VATEX-EU-O", "invoice_label": "Hors champ de TVA",
        })

    @api.model
    def _chorus_claim_account(self, company, code):
        Account = self.env["account.account"].sudo().with_company(company)
        return Account.search([*Account._check_company_domain(company), ("code", "=", code)], limit=1)

    def _chorus_money(self, amount, company):
        return formatLang(self.env, float(amount), currency_obj=company.currency_id)

    def _chorus_number(self, value):
        return formatLang(self.env, float(value), digits=2)
