"""A monthly situation of a public works market: the projet de décompte mensuel and its état d'acompte.

The site manager enters the cumulative progress of each line of the bill of quantities; the figures (works at
initial prices, price variation, VAT, advance repayment, retention, penalties, direct payments, amount to pay)
come from :func:`ccag_travaux.compute_situation`, from the market's terms, this month's measures and the
previous situation's carried figures.  The accountant validates: the situation is frozen (a correction is a
new situation or a credit note), then invoiced, deposited on Chorus Pro and followed to payment.
"""

from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import formatLang

from ccag_travaux import (
    DirectPaymentShare,
    InputError,
    MonthMeasures,
    Penalty,
    PreviousSituation,
    compute_situation,
)
from ccag_travaux.jsonio import parse_previous, to_jsonable

from .ccag_messages import error_text, notice_text
from .chorus_situation_measure import OPEN_STATES, check_code_only_fields
from .chorus_utils import CENT, as_decimal

#: what the site manager and the accountant do, in order; the last states follow the invoice
STATES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("validated", "Validated"),
    ("invoiced", "Invoiced"),
    ("deposited", "Deposited"),
    ("accepted", "Accepted"),
    ("paid", "Paid"),
]
SITE_MANAGER_GROUP = "l10n_fr_chorus_btp.group_chorus_site_manager"
ACCOUNTANT_GROUP = "account.group_account_invoice"
#: the stored totals of the state-of-account (list views, graph), read from the figures
TOTAL_FIELDS = {
    "works_cumulative": "works_cumulative_ht",
    "works_period": "works_period_ht",
    "variation_period": "variation_period_ht",
    "total_ht": "total_ht",
    "total_vat": "total_vat",
    "total_ttc": "total_ttc",
    "penalties_total": "penalties_total",
    "direct_payments_total": "direct_payments_total",
    "amount_to_pay": "amount_to_pay",
}
#: set by the workflow and the computation only (as superuser); refused from any client
CODE_ONLY_FIELDS = ("name", "company_id", "number", "month", "stage", "state", "previous_id", "figures", "carry",
                    "notices", *TOTAL_FIELDS, "advance_deduction", "retention", "is_credit_note", "move_id",
                    "settlement_move_id", "statement_attachment_id")



def _vat_percent(env, rate):
    """A VAT rate of the maths (a fraction: 0.055) as the user reads it (« 5,5 »; « 20 »)."""
    percent = Decimal(str(rate)) * 100
    return formatLang(env, float(percent), digits=0 if percent == percent.to_integral_value() else 1)


def _month(value):
    return value.strftime("%Y-%m") if value else ""


class ChorusProSituation(models.Model):
    _name = "chorus.pro.situation"
    _description = "Works situation (projet de décompte mensuel)"
    _inherit = ["mail.thread", "mail.activity.mixin", "chorus.pro.amount.correction"]
    _order = "market_id, number desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    market_id = fields.Many2one("chorus.pro.market", string="Market", required=True, index=True, tracking=True,
                                domain="[('kind', '=', 'works')]")  # the company follows the market
    company_id = fields.Many2one(related="market_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="market_id.currency_id")
    partner_id = fields.Many2one(related="market_id.partner_id", string="Public customer")
    number = fields.Integer(string="Number", readonly=True, copy=False, help="Number of the situation in the market.")
    period_end = fields.Date(string="Works up to", required=True, tracking=True,
                             default=lambda self: fields.Date.context_today(self) + relativedelta(day=31),
                             help="The last day of the month of execution the situation covers.")
    month = fields.Char(compute="_compute_month", store=True)
    submission_date = fields.Date(string="Submitted to the project manager on", tracking=True,
                                  help="Receipt of the projet de décompte by the MOE: the payment delay runs from it.")
    stage = fields.Selection(STATES[:3], string="Stage", default="draft", required=True, copy=False,
                             help="What the site manager and the accountant did; the state then follows the invoice.")
    state = fields.Selection(STATES, string="State", compute="_compute_state", store=True, tracking=True, index=True)
    line_ids = fields.One2many("chorus.pro.situation.line", "situation_id", string="Progress", copy=False)
    part_ids = fields.One2many("chorus.pro.situation.part", "situation_id", string="Supplies, bonuses and outlays")
    penalty_ids = fields.One2many("chorus.pro.situation.penalty", "situation_id", string="Penalties of the month")
    direct_payment_ids = fields.One2many("chorus.pro.situation.direct.payment", "situation_id",
                                         string="Direct payments")
    previous_id = fields.Many2one("chorus.pro.situation", string="Previous situation", readonly=True, copy=False)
    figures = fields.Json(string="Figures", readonly=True, copy=False,
                          help="Every figure of the état d'acompte, as computed (frozen once validated).")
    carry = fields.Json(readonly=True, copy=False, help="What the next situation needs from this one.")
    notices = fields.Json(readonly=True, copy=False)
    notice_text = fields.Text(string="Warnings", compute="_compute_notice_text")
    figures_html = fields.Html(string="Statement", compute="_compute_figures_html", sanitize=False)
    works_cumulative = fields.Monetary(string="Works to date (initial prices)", readonly=True, copy=False)
    works_period = fields.Monetary(string="Works of the month", readonly=True, copy=False)
    variation_period = fields.Monetary(string="Price variation", readonly=True, copy=False)
    total_ht = fields.Monetary(string="Total excl. VAT", readonly=True, copy=False)
    total_vat = fields.Monetary(string="VAT", readonly=True, copy=False)
    total_ttc = fields.Monetary(string="Total incl. VAT", readonly=True, copy=False)
    advance_deduction = fields.Monetary(string="Advance repaid", readonly=True, copy=False)
    retention = fields.Monetary(string="Retention (retenue de garantie)", readonly=True, copy=False)
    penalties_total = fields.Monetary(string="Penalties", readonly=True, copy=False)
    direct_payments_total = fields.Monetary(string="Paid directly to subcontractors", readonly=True, copy=False)
    amount_to_pay = fields.Monetary(string="Amount to pay", readonly=True, copy=False, tracking=True)
    is_credit_note = fields.Boolean(string="Negative month", readonly=True, copy=False)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, copy=False, index="btree_not_null",
                              check_company=True)
    transmission_id = fields.Many2one(related="move_id.chorus_transmission_id", string="Chorus Pro transmission")
    statement_attachment_id = fields.Many2one("ir.attachment", string="Printed statement", readonly=True, copy=False,
                                              help="The projet de décompte as deposited on Chorus Pro.")
    settlement_move_id = fields.Many2one("account.move", string="Settlement entry", readonly=True, copy=False,
                                         help="Moves the retention to its own receivable, clears the advance, books "
                                              "the penalties and the direct payments.")

    chorus_correction_move_ids = fields.One2many(
        "account.move", "chorus_amount_correction_of_id", string="Correcting documents", readonly=True,
        groups="account.group_account_invoice",
        help="The credit note or complementary invoice that brings the books to the amount accepted.")

    _number_unique = models.Constraint("UNIQUE(market_id, number)", "Each situation of a market has its own number.")

    # -- compute ----------------------------------------------------------------------------------------
    @api.depends("stage", "move_id.state", "move_id.chorus_state", "move_id.payment_state", "amount_to_pay")
    def _compute_state(self):
        for situation in self:
            move = situation.move_id
            if not move or move.state == "cancel":
                situation.state = situation.stage
            # settled by its deductions alone (nothing to pay now), it waits for Chorus Pro's word
            elif move.chorus_state == "paid" or (move.payment_state in ("paid", "in_payment")
                                                 and situation.amount_to_pay):
                situation.state = "paid"
            elif move.chorus_state in ("deposited", "in_progress", "action_needed"):
                situation.state = "deposited"
            else:
                situation.state = "invoiced"

    @api.depends("market_id.name", "number")
    def _compute_name(self):
        for situation in self:
            situation.name = self.env._("Situation %(number)s – %(market)s", number=situation.number or "…",
                                        market=situation.market_id.name or "")

    @api.depends("period_end")
    def _compute_month(self):
        for situation in self:
            situation.month = _month(situation.period_end)

    @api.depends("notices")
    def _compute_notice_text(self):
        for situation in self:
            situation.notice_text = "\n".join(notice_text(self.env, notice, situation.currency_id)
                                              for notice in situation.notices or []) or False

    @api.depends("figures")
    def _compute_figures_html(self):
        for situation in self:
            situation.figures_html = self.env["ir.qweb"]._render(
                "l10n_fr_chorus_btp.situation_statement_block", {"situation": situation}) if situation.figures else False

    def _statement_rows(self):
        """The état d'acompte, row by row, as the form and the printed statement show it.

        Each row: ``label``, ``detail`` (how the figure was obtained), ``amount`` (signed: a deduction is
        negative) and ``style`` (``line``, ``subtotal`` or ``total``).
        """
        self.ensure_one()
        _ = self.env._
        figures = self.figures or {}
        rows = []

        def money(amount):
            return formatLang(self.env, float(amount or 0), currency_obj=self.currency_id)

        def row(label, amount, detail="", style="line"):
            rows.append({"label": label, "detail": detail, "amount": Decimal(str(amount or 0)), "style": style})

        row(_("Works executed to date, at the initial prices"), figures.get("works_cumulative_ht"))
        row(_("Works of the previous situations"), -Decimal(str(figures.get("works_previous_ht") or 0)))
        row(_("Works of the month"), figures.get("works_period_ht"), style="subtotal")
        if Decimal(str(figures.get("parts_period_ht") or 0)):
            row(_("Supplies on site, bonuses and outlays of the month"), figures.get("parts_period_ht"))
        variation = figures.get("variation")
        if variation:
            indices = ", ".join(f"{use['index_name']} {use['month']} = {use['value']}"
                                + (_(" (provisional: %(month)s)", month=use["value_month"]) if use["provisional"] else "")
                                for use in variation["indices"])
            label = _("Price revision") if variation["kind"] == "revision" else _("Price actualisation")
            row(label, variation["amount_ht"], _("coefficient %(coefficient)s (%(indices)s)",
                                                  coefficient=variation["coefficient"], indices=indices))
        for regularisation in figures.get("regularisations") or []:
            row(_("Regularisation of situation %(number)s (%(month)s)", number=regularisation["situation_number"],
                  month=regularisation["month"]), regularisation["amount_ht"],
                _("coefficient %(provisional)s → %(definitive)s", provisional=regularisation["provisional_coefficient"],
                  definitive=regularisation["definitive_coefficient"]))
        row(_("Total excluding VAT"), figures.get("total_ht"), style="subtotal")
        for vat_line in figures.get("vat_lines") or []:
            row(_("VAT %(rate)s %%", rate=_vat_percent(self.env, vat_line["rate"])), vat_line["vat"],
                _("on %(base)s", base=money(vat_line["base_ht"])))
        if figures.get("vat_mention"):
            row(figures["vat_mention"], 0)
        row(_("Total including VAT"), figures.get("total_ttc"), style="subtotal")
        advance = figures.get("advance")
        if advance and Decimal(advance["period_deduction"]):
            row(_("Advance repaid"), -Decimal(advance["period_deduction"]),
                _("%(ratio)s %% executed; repaid to date %(to_date)s of %(amount)s",
                  ratio=formatLang(self.env, float(Decimal(advance["execution_ratio"]) * 100), digits=2),
                  to_date=money(advance["repaid_to_date"]), amount=money(advance["amount"])))
        retention = figures.get("retention")
        if retention and Decimal(retention["period_retention"]):
            row(_("Retention (retenue de garantie)"), -Decimal(retention["period_retention"]),
                _("%(rate)s %% of %(base)s", rate=formatLang(self.env, float(Decimal(retention["rate"]) * 100), digits=2),
                  base=money(retention["period_withheld_base"])))
        for penalty in figures.get("penalties") or []:
            row(_("Penalty: %(reason)s", reason=penalty["reason"]), -Decimal(penalty["amount"]))
        for payment in figures.get("direct_payments") or []:
            row(_("Paid directly to %(subcontractor)s", subcontractor=payment["name"]), -Decimal(payment["deducted"]),
                payment.get("mention") or "")
        row(_("Amount to pay"), figures.get("amount_to_pay"), style="total")
        return rows

    # -- creation: the lines of the bill of quantities, the previous figures ---------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        check_code_only_fields(self, vals_list, CODE_ONLY_FIELDS)
        situations = super().create(vals_list)
        for situation in situations:
            situation._take_number_and_previous()
            situation._create_progress_lines()
        situations._propose_direct_payments()
        situations._refresh_figures()
        return situations

    def _propose_direct_payments(self):
        """Direct-payment lines from the invoices (A9) of directly paid subcontractors that we accepted on Chorus
        Pro (or that silence accepted) up to the end of the month, not deducted by another situation yet: one
        line per subcontractor, its amount excl. VAT the sum of theirs.  A subcontractor the user already
        entered keeps the user's line.  Returns the lines created."""
        created = self.env["chorus.pro.situation.direct.payment"]
        refreshing = self.env(context=dict(self.env.context, chorus_situation_refreshing=True), su=True)
        for situation in self.filtered(lambda s: s.state in OPEN_STATES):
            invoices = refreshing["chorus.pro.validation"]._unused_accepted_invoices(situation.market_id,
                                                                                     situation.period_end)
            entered = situation.direct_payment_ids.subcontractor_id
            for subcontractor in invoices.subcontractor_id - entered:
                mine = invoices.filtered(lambda v, s=subcontractor: v.subcontractor_id == s)
                amount = sum((as_decimal(v.amount_untaxed) for v in mine), Decimal(0))
                line = refreshing["chorus.pro.situation.direct.payment"].create({
                    "situation_id": situation.id, "subcontractor_id": subcontractor.id, "amount": float(amount)})
                mine.write({"direct_payment_id": line.id})
                created |= line
        return created

    def _take_number_and_previous(self):
        self.ensure_one()
        # lock the market: two situations created at once get distinct numbers
        self.env.cr.execute("SELECT id FROM chorus_pro_market WHERE id = %s FOR UPDATE", [self.market_id.id])
        previous = self.search([("market_id", "=", self.market_id.id), ("id", "!=", self.id)],
                               order="number desc", limit=1)
        if previous and previous.state in OPEN_STATES:
            raise UserError(self.env._(
                "Situation %(number)s of the market %(market)s is not validated yet: validate it before starting "
                "the next one.", number=previous.number, market=self.market_id.name))
        if previous and self.period_end <= previous.period_end:
            raise UserError(self.env._(
                "A situation covers one month after the previous one (situation %(number)s, %(month)s).",
                number=previous.number, month=previous.month))
        self.sudo().write({"number": previous.number + 1 if previous else 1, "previous_id": previous.id or False})

    def _previous_carry(self):
        self.ensure_one()
        if self.previous_id.carry:
            return parse_previous(self.previous_id.carry)
        return PreviousSituation.start()

    def _create_progress_lines(self):
        """One progress line per line of the bill of quantities known at the end of the month, starting from
        the previous cumulative progress."""
        self.ensure_one()
        previous = self._previous_carry().line_quantities
        market_lines = self.market_id.line_ids.filtered(
            lambda line: not line.amendment_id or line.amendment_id.date <= self.period_end)
        # one computation for the whole situation, after its lines exist (not one per line)
        refreshing = self.env(context=dict(self.env.context, chorus_situation_refreshing=True), su=True)
        refreshing["chorus.pro.situation.line"].create([{
            "situation_id": self.id,
            "market_line_id": line.id,
            "progress_mode": "percent" if (line.unit or "").lower() in ("ft", "forfait", "ens") else "quantity",
            "previous_quantity": float(previous.get(line.code, 0)),
            "cumulative_quantity": float(previous.get(line.code, 0)),
        } for line in market_lines])
        carried = self._previous_carry().parts
        refreshing["chorus.pro.situation.part"].create([{
            "situation_id": self.id, "kind": part.kind, "code": part.code, "name": part.label or part.code,
            "vat_rate": float(part.vat_rate * 100), "previous_amount": float(part.cumulative_ht),
            "cumulative_amount": float(part.cumulative_ht),
        } for part in carried])

    def _set_progress(self, progress):
        """Enter the cumulative progress of several lines at once: ``{code: ("percent" | "quantity", value)}``
        (imports, scripts and demo data); the figures are computed once."""
        self.ensure_one()
        lines = {line.code: line for line in self.line_ids}
        unknown = sorted(set(progress) - set(lines))
        if unknown:
            raise UserError(self.env._("These codes are not in the bill of quantities of %(market)s: %(codes)s.",
                                       market=self.market_id.name, codes=", ".join(unknown)))
        self.write({"line_ids": [Command.update(lines[code].id, {"progress_mode": mode, f"cumulative_{mode}": value})
                                 for code, (mode, value) in progress.items()]})

    @api.model
    def _create_validated(self, market_id, months):
        """Situations of a market month after month, each validated, invoiced and posted before the next one
        unless told otherwise (``months``: ``[(period_end, {code: (mode, value)}, validate)]``); the demo data
        builds its market's history with it."""
        market = self.env["chorus.pro.market"].browse(market_id)
        situations = self.browse()
        for period_end, progress, validate in months:
            situation = self.create({"market_id": market.id, "period_end": period_end})
            situation._set_progress(progress)
            if validate:
                situation.action_validate()
                situation.action_create_invoice()
                situation.move_id.action_post()
            situations |= situation
        return situations

    # -- the figures ------------------------------------------------------------------------------------
    def _ccag_measures(self):
        self.ensure_one()
        indices = {}
        if self.market_id.price_basis != "firm":
            indices = self.market_id.variation_index_ids.index_id._values_by_month()
        return MonthMeasures(
            number=self.number,
            month=self.month,
            progress=tuple(line._ccag_progress() for line in self.line_ids),
            approvisionnements=tuple(part._ccag_part() for part in self.part_ids if part.kind == "approvisionnements"),
            primes=tuple(part._ccag_part() for part in self.part_ids if part.kind == "primes"),
            debours=tuple(part._ccag_part() for part in self.part_ids if part.kind == "debours"),
            penalties=tuple(Penalty(reason=penalty.name, amount=as_decimal(penalty.amount) if not penalty.rule_id else None,
                                    rule=penalty.rule_id.code or None,
                                    units=as_decimal(penalty.units) if penalty.rule_id else None)
                            for penalty in self.penalty_ids),
            direct_payments=tuple(DirectPaymentShare(str(share.subcontractor_id.partner_id.id), as_decimal(share.amount))
                                  for share in self.direct_payment_ids),
            indices=indices,
            submission_date=self.submission_date or None,
        )

    def _compute_ccag(self):
        """The état d'acompte of this situation (raises a UserError naming what is wrong)."""
        self.ensure_one()
        try:
            return compute_situation(self.market_id._ccag_terms(), self._ccag_measures(), self._previous_carry())
        except InputError as error:
            raise UserError(self.env._("The situation %(situation)s cannot be computed: %(problem)s",
                                       situation=self.name, problem=error_text(self.env, error))) from None

    def _refresh_figures(self):
        """Recompute and store the figures of the situations still open (validated ones stay frozen)."""
        for situation in self.filtered(lambda s: s.state in OPEN_STATES and s.number):
            result = situation.sudo()._compute_ccag()  # index tables, taxes: rights are checked on the situation
            situation._store_figures(result)

    def _store_figures(self, result):
        figures = to_jsonable(result)
        values = {field: float(getattr(result, attr)) for field, attr in TOTAL_FIELDS.items()}
        values.update({
            "figures": figures,
            "carry": to_jsonable(result.carry_forward()),
            "notices": [to_jsonable(notice) for notice in result.notices],
            "advance_deduction": float(result.advance.period_deduction) if result.advance else 0.0,
            "retention": float(result.retention.period_retention) if result.retention else 0.0,
            "is_credit_note": result.is_credit_note,
        })
        super(ChorusProSituation, self.sudo()).write(values)

    def write(self, vals):
        check_code_only_fields(self, [vals], CODE_ONLY_FIELDS)
        frozen = self.filtered(lambda s: s.state not in OPEN_STATES)
        measures = {"line_ids", "part_ids", "penalty_ids", "direct_payment_ids", "period_end", "market_id"}
        if frozen and measures & vals.keys():
            raise UserError(self.env._(
                "The situation %(situation)s is validated: it can no longer change. Correct it with the next "
                "situation, or with a credit note.", situation=frozen[0].name))
        # the lines written with the situation are computed once, with it (not once per line)
        result = super(ChorusProSituation, self.with_context(chorus_situation_refreshing=True)).write(vals)
        if measures & vals.keys() or "submission_date" in vals:
            self._refresh_figures()
        return result

    # -- workflow ---------------------------------------------------------------------------------------
    def _check_group(self, group, action):
        if not self.env.user.has_group(group):
            raise AccessError(self.env._("You may not %(action)s a situation.", action=action))

    def action_compute(self):
        self.check_access("write")
        self._propose_direct_payments()
        self._refresh_figures()

    def action_submit(self):
        """The site manager hands the situation to the accountant."""
        self._check_group(SITE_MANAGER_GROUP, self.env._("submit"))
        for situation in self:
            if situation.state != "draft":
                raise UserError(self.env._("Only a draft situation can be submitted."))
        self._refresh_figures()
        self.sudo().write({"stage": "submitted"})

    def action_back_to_draft(self):
        self._check_group(SITE_MANAGER_GROUP, self.env._("reopen"))
        if any(situation.state != "submitted" for situation in self):
            raise UserError(self.env._("Only a submitted situation goes back to draft."))
        self.sudo().write({"stage": "draft"})

    def action_validate(self):
        """The accountant checks and freezes the figures."""
        self._check_group(ACCOUNTANT_GROUP, self.env._("validate"))
        for situation in self:
            if situation.state not in OPEN_STATES:
                raise UserError(self.env._("The situation %(situation)s is validated already.",
                                           situation=situation.name))
            if not situation.submission_date:
                # the payment delay runs from the projet's receipt: today unless the user said otherwise
                situation.submission_date = fields.Date.context_today(situation)
            situation._refresh_figures()
        self.sudo().write({"stage": "validated"})

    def action_view_invoice(self):
        self.ensure_one()
        return self.move_id._get_records_action()

    def action_open_progress(self):
        """The progress lines in a list of their own: long bills of quantities are entered there, lot by lot."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_situation_lines")
        action.update({"name": self.name, "domain": [("situation_id", "=", self.id)],
                       "context": {"search_default_group_lot": 1}})
        return action

    def action_print_statement(self):
        return self.env.ref("l10n_fr_chorus_btp.action_report_situation").report_action(self)

    # -- invoice ----------------------------------------------------------------------------------------
    def action_create_invoice(self):
        """The invoice of the month: works by lot (or by line), supplies, price variation; VAT by Odoo."""
        self._check_group(ACCOUNTANT_GROUP, self.env._("invoice"))
        for situation in self:
            if situation.state != "validated" or situation.move_id:
                raise UserError(self.env._("Only a validated situation without invoice can be invoiced."))
            move = self.env["account.move"].create(situation._invoice_values())
            situation.sudo().move_id = move
            situation.message_post(body=self.env._("Invoice %(invoice)s created.", invoice=move.display_name))
        return self.move_id._get_records_action() if len(self) == 1 else True

    def _invoice_values(self):
        self.ensure_one()
        market, figures = self.market_id, self.figures
        sign = -1 if self.is_credit_note else 1
        lines = []

        def line(name, amount, rate, code=""):
            amount = Decimal(str(amount or 0))
            if amount:
                lines.append(Command.create({
                    "name": name, "quantity": 1, "price_unit": float(sign * amount),
                    "tax_ids": [Command.set(self._tax_for_rate(Decimal(str(rate))).ids)],
                }))

        # the invoice is the buyer's document: its lines are written in the buyer's language
        _ = self.with_context(lang=market.partner_id.lang or self.env.lang).env._
        if market.invoice_detail == "line":
            for figure in figures["lines"]:
                line(f"{figure['code']} {figure['label']}", figure["period_ht"], figure["vat_rate"])
        else:
            # one invoice line per lot and VAT rate: a lot may mix rates (renovation at 10 %, the rest at 20 %)
            by_lot_and_rate = {}
            for figure in figures["lines"]:
                key = (figure["lot"], Decimal(str(figure["vat_rate"])))
                by_lot_and_rate[key] = by_lot_and_rate.get(key, Decimal(0)) + Decimal(str(figure["period_ht"]))
            rates_per_lot = Counter(lot for lot, _rate in by_lot_and_rate)
            for (lot, rate), amount in by_lot_and_rate.items():
                if rates_per_lot[lot] > 1:
                    name = _("Lot %(lot)s – works of the month at %(rate)s %% VAT", lot=lot,
                             rate=_vat_percent(self.env, rate))
                else:
                    name = _("Lot %(lot)s – works of the month", lot=lot)
                line(name, amount, rate)
        for part in figures["parts"]:
            line(part["label"] or part["code"], part["period_ht"], part["vat_rate"])
        variation = figures.get("variation")
        if variation:
            for rate, amount in variation["amount_by_rate"]:
                line(_("Price variation (coefficient %(coefficient)s)", coefficient=variation["coefficient"]),
                     amount, rate)
        for regularisation in figures.get("regularisations") or []:
            for rate, amount in regularisation["amount_by_rate"]:
                line(_("Regularisation of the price variation of situation %(number)s",
                       number=regularisation["situation_number"]), amount, rate)
        return {
            "move_type": "out_refund" if self.is_credit_note else "out_invoice",
            "company_id": self.company_id.id,
            "partner_id": market.partner_id.id,
            "invoice_date": self.period_end,
            # the buyer's payment delay runs from the projet's receipt by the project manager, not from the invoice date
            "invoice_payment_term_id": False,
            "invoice_date_due": figures.get("payment_due_date") or self.period_end,
            "chorus_market_id": market.id,
            "chorus_works_document_type": "monthly",
            "chorus_situation_number": self.number,
            "chorus_situation_id": self.id,
            "ref": _("Situation %(number)s – %(month)s", number=self.number, month=self.month),
            "narration": figures.get("vat_mention") or False,
            "invoice_line_ids": lines,
        }

    def _tax_for_rate(self, rate):
        """The company's sale tax for a VAT rate of the maths (a fraction); the reverse charge tax for 0 under
        reverse charge."""
        self.ensure_one()
        market = self.market_id
        if market.autoliquidation:
            return self.company_id._chorus_autoliquidation_tax()
        percent = float(rate * 100)
        for tax in (market.tax_id | market.line_ids.tax_id):  # the taxes chosen on the market come first
            if abs(tax.amount - percent) < 1e-6:
                return tax
        tax = self.env["account.tax"].search([
            *self.env["account.tax"]._check_company_domain(self.company_id), ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"), ("amount", "=", percent), ("price_include_override", "!=", "tax_included"),
        ], limit=1)
        if not tax:
            raise UserError(self.env._("No sale tax at %(rate)s %% in %(company)s: create it before invoicing.",
                                       rate=percent, company=self.company_id.name))
        return tax

    def _amount_due_on(self, move):
        """What the buyer pays now for the invoice ``move``: the amount to pay, to the cent of Odoo's own total."""
        self.ensure_one()
        gap = Decimal(str(move.amount_total)) - abs(Decimal(str(self.figures["total_ttc"])))
        return abs(Decimal(str(self.figures["amount_to_pay"]))) + gap

    def _settle(self, move):
        """After the invoice is posted: the retention moves to its own receivable (due at its release), the
        advance received earlier is cleared, the penalties and the direct payments settle their share; the
        customer's balance due now is the amount to pay."""
        self.ensure_one()
        figures, company = self.figures, self.company_id
        deductions = []
        retention = figures.get("retention")
        if retention and Decimal(retention["period_retention"]):
            deductions.append((company._chorus_account("retention"), Decimal(retention["period_retention"]),
                               self.env._("Retention"), self.market_id._retention_expected_release(self.period_end),
                               move.commercial_partner_id))
        advance = figures.get("advance")
        if advance and Decimal(advance["period_deduction"]):
            deductions.append((company._chorus_account("advance"), Decimal(advance["period_deduction"]),
                               self.env._("Advance repaid"), None, move.commercial_partner_id))
        for penalty in figures.get("penalties") or []:
            deductions.append((company._chorus_account("penalty"), Decimal(penalty["amount"]),
                               self.env._("Penalty: %(reason)s", reason=penalty["reason"]), None,
                               move.commercial_partner_id))
        for payment in figures.get("direct_payments") or []:
            partner = self.env["res.partner"].browse(int(payment["partner_id"]))
            deductions.append((company._chorus_account("direct_payment"), Decimal(payment["deducted"]),
                               self.env._("Paid directly to %(subcontractor)s", subcontractor=payment["name"]), None,
                               partner))
        deductions = [d for d in deductions if d[1]]
        if not deductions:
            return
        # in the invoice's direction: a deduction lowers what the buyer pays (a credit note turns them round)
        direction = -1 if move.move_type == "out_refund" else 1
        receivable = move.line_ids.filtered(lambda line: line.display_type == "payment_term")[:1]
        lines = []
        for account, amount, label, maturity, partner in deductions:
            balance = float(direction * amount)
            lines.append(Command.create({"name": label, "account_id": account.id, "partner_id": partner.id,
                                         "debit": max(balance, 0.0), "credit": max(-balance, 0.0),
                                         "date_maturity": maturity or move.invoice_date_due}))
        total = float(direction * sum(amount for _account, amount, *_rest in deductions))
        lines.append(Command.create({"name": self.env._("Deductions of situation %(number)s", number=self.number),
                                     "account_id": receivable.account_id.id, "partner_id": move.commercial_partner_id.id,
                                     "debit": max(-total, 0.0), "credit": max(total, 0.0)}))
        journal = self.env["account.journal"].search([
            *self.env["account.journal"]._check_company_domain(company), ("type", "=", "general")], limit=1)
        entry = self.env["account.move"].create({
            "move_type": "entry", "journal_id": journal.id, "date": move.date, "company_id": company.id,
            "ref": self.env._("%(invoice)s – deductions of situation %(number)s", invoice=move.name, number=self.number),
            "line_ids": lines,
        })
        entry.action_post()
        (receivable | entry.line_ids.filtered(lambda line: line.account_id == receivable.account_id)).reconcile()
        self.sudo().settlement_move_id = entry

    # -- an amount corrected by the project manager (chorus.pro.amount.correction) --------------------------
    def _chorus_own_amount_to_pay(self):
        """What was deposited as the amount to pay (montantAPayer): the figures' amount to pay, to the cent of
        Odoo's own total."""
        self.ensure_one()
        if not self.move_id:
            return abs(self.amount_to_pay)
        return float(self._amount_due_on(self.move_id))

    def _chorus_responsible(self):
        self.ensure_one()
        if self.move_id:
            return self.env["chorus.pro.sync"]._responsible_user(self.move_id)
        return super()._chorus_responsible()

    def _chorus_correcting_document(self):
        """A draft credit note (accepted amount lower than ours) or complementary invoice (higher) of the
        situation's invoice, for the difference, with the invoice's taxes.

        The difference is one of amounts to pay; the deductions (retention, advance, penalties, direct
        payments) are the situation's own and the MOE did not change them (the figures do not say which it
        would have), so the whole difference is on the works, taxes included: it is split into its amount
        excluding VAT and its VAT by Odoo's own tax computation, so that the draft's total is the difference to
        the cent.  The draft is the books' side only: Chorus Pro carries the corrected amount already, so the
        draft is never sent there (see account.move._chorus_is_concerned)."""
        self.ensure_one()
        move = self.move_id
        if not move:
            return self.env["account.move"]
        difference = as_decimal(self.chorus_amount_difference)
        lower = difference < 0
        if move.move_type == "out_refund":  # a negative month: a lower amount is a smaller credit
            lower = not lower
        market = self.market_id
        _ = self.with_context(lang=market.partner_id.lang or self.env.lang).env._
        label = _("Amount accepted by the project manager for situation %(number)s (%(month)s)",
                  number=self.number, month=self.month)
        lines = [Command.create({"name": label, "quantity": 1, "price_unit": float(untaxed),
                                 "tax_ids": [Command.set(taxes.ids)]})
                 for taxes, untaxed in self._correction_amounts(move, abs(difference))]
        values = {
            "move_type": "out_refund" if lower else "out_invoice",
            "company_id": self.company_id.id,
            "partner_id": move.partner_id.id,
            "journal_id": move.journal_id.id,
            "currency_id": move.currency_id.id,
            "invoice_date": fields.Date.context_today(self),
            "ref": _("%(invoice)s – amount accepted by the project manager", invoice=move.name or ""),
            "chorus_amount_correction_of_id": self.id,
            "invoice_line_ids": lines,
        }
        if lower and move.move_type == "out_invoice" and move.state == "posted":
            values["reversed_entry_id"] = move.id
        return self.env["account.move"].create(values)

    def _correction_amounts(self, move, total):
        """``total`` (taxes included) shared between the invoice's taxes as the invoice's own total is, each
        share as ``(taxes, amount excluding VAT)``."""
        shares = {}
        for line in move.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            shares[line.tax_ids] = shares.get(line.tax_ids, Decimal(0)) + as_decimal(line.price_total)
        weight = sum(shares.values())
        if not shares or not weight:
            raise UserError(self.env._("The invoice %(invoice)s has no line to correct.", invoice=move.display_name))
        ordered = sorted(shares.items(), key=lambda item: item[1])
        amounts, left = [], total
        for taxes, share in ordered[:-1]:
            part = (total * share / weight).quantize(CENT, rounding=ROUND_HALF_UP)
            amounts.append((taxes, part))
            left -= part
        amounts.append((ordered[-1][0], left))  # the largest share takes the cents the others rounded away
        return [(taxes, self._untaxed_for_total(taxes, part)) for taxes, part in amounts if part]

    def _untaxed_for_total(self, taxes, total):
        """The amount excluding VAT whose total with ``taxes``, as Odoo computes it, is ``total`` to the cent."""
        currency, company = self.currency_id, self.company_id

        def details(amount, **kwargs):
            return taxes._get_tax_details(price_unit=float(amount), quantity=1, precision_rounding=currency.rounding,
                                          rounding_method=company.tax_calculation_rounding_method, **kwargs)

        guess = as_decimal(details(total, special_mode="total_included")["total_excluded"]).quantize(
            CENT, rounding=ROUND_HALF_UP)
        for untaxed in (guess, guess - CENT, guess + CENT):
            if not currency.compare_amounts(details(untaxed)["total_included"], float(total)):
                return untaxed
        # no amount excluding VAT gives this total with this tax (VAT rounded to the cent skips some totals):
        # the nearest one; the user corrects the draft by a cent before posting it
        return guess

    def _statement_attachment(self):
        """The printed projet de décompte, as a Chorus Pro attachment (in test mode, the HTML Odoo renders).
        A validated situation is frozen: its statement is printed once, kept on the situation, and the same
        file is deposited again after a failed attempt."""
        from chorus_pro.documents import MAX_ATTACHMENT_NAME, Attachment
        self.ensure_one()
        stored = self.statement_attachment_id
        if stored and self.state not in OPEN_STATES:
            return Attachment(name=stored.name, content=stored.raw, mime_type="application/pdf")
        content, _report_type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "l10n_fr_chorus_btp.report_situation", self.ids)
        if isinstance(content, str):
            content = content.encode()
        name = f"decompte-{self.market_id.name}-{self.number:02d}"
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:MAX_ATTACHMENT_NAME - 4] + ".pdf"
        if self.state not in OPEN_STATES:
            self.sudo().statement_attachment_id = self.env["ir.attachment"].sudo().create({
                "name": name, "raw": content, "mimetype": "application/pdf",
                "res_model": self._name, "res_id": self.id})
        return Attachment(name=name, content=content, mime_type="application/pdf")

    def action_send_to_chorus(self):
        self.ensure_one()
        if self.move_id.state == "draft":
            self.move_id.action_post()
        return self.move_id.action_chorus_transfer()

    def _month_start(self):
        return self.period_end.replace(day=1) if self.period_end else date.today().replace(day=1)
