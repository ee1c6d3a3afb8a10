from decimal import Decimal

from dateutil.relativedelta import relativedelta
from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ccag_travaux import (
    Advance,
    Basis,
    Guarantee,
    IndexTerm,
    InputError,
    MarketTerms,
    PenaltyRule,
    PriceBasis,
    PriceVariation,
    Retention,
    RetentionRounding,
    advance_base,
    cents,
    check_terms,
)
from ccag_travaux.rounding import COEFFICIENT_ROUNDING_PRESETS
from chorus_pro import cadres
from chorus_pro.documents import MAX_EJ_LENGTH

from .ccag_messages import error_text
from .chorus_utils import as_decimal
from .chorus_works_modes import WORKS_DEPOSIT_MODE_HELP, WORKS_DEPOSIT_MODES, works_deposit_mode

# the keys are those of the cadre rule (chorus_pro.cadres)
KINDS = [
    (cadres.SERVICES, "Services or supplies"),
    (cadres.WORKS, "Public works"),
]
ROLES = [
    (cadres.MAIN_CONTRACTOR, "Main contractor (titulaire)"),
    (cadres.CO_CONTRACTOR, "Co-contractor"),
    (cadres.SUBCONTRACTOR, "Subcontractor (direct payment)"),
]
PRICE_BASES = [
    ("firm", "Firm price"),
    ("actualisable", "Firm price with actualisation"),
    ("revisable", "Revisable price"),
]
COEFFICIENT_ROUNDINGS = [
    ("thousandth_up", "Thousandth, rounded up"),
    ("3_half_up", "3 decimals"),
    ("4_half_up", "4 decimals"),
    ("6_half_up", "6 decimals"),
    ("6_down", "6 decimals, truncated"),
    ("none", "Not rounded"),
]
BASES = [("ht", "Excluding VAT"), ("ttc", "Including VAT")]
GUARANTEES = [
    ("none", "None: the retention is withheld"),
    ("full", "Covers the whole market"),
    ("base_contract", "Covers the base contract (retention on the amendments)"),
    ("amount", "Covers an amount of retention"),
]
PAYMENT_DELAYS = [("30", "30 days"), ("50", "50 days (public health establishments)"), ("60", "60 days")]


def _fraction(percent):
    """A rate typed as a percentage (65.0) as the fraction the maths reads (0.65)."""
    return Decimal(str(percent or 0)) / 100


WORKS_DOCUMENT_TYPES = [
    (cadres.MONTHLY, "Monthly statement draft (situation)"),
    (cadres.FINAL, "Final statement draft"),
    (cadres.GENERAL, "Final general statement (DGD)"),
]

def derive_cadre(kind, role, works_document_type=None):
    """The cadre's short name (A1, A4…) for the market's kind and our role: the rule of chorus_pro.cadres."""
    return cadres.derive_cadre(kind, role, works_document_type).name


def allowed_cadres(kind, role):
    """Short names of the cadres a document of such a market may take (no market: those of a services market)."""
    return tuple(cadre.name for cadre in cadres.allowed_cadres(kind, role))


class ChorusProMarket(models.Model):
    _name = "chorus.pro.market"
    _description = "Public market"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Market number", required=True, tracking=True,
                       help="Market number, as written in the contract and expected by Chorus Pro.")
    title = fields.Char(string="Title", tracking=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", string="Public customer", required=True, tracking=True,
                                 check_company=True, domain="[('chorus_client', '=', True)]", index=True)
    service_id = fields.Many2one("chorus.pro.service", string="Chorus service", tracking=True,
                                 domain="[('partner_id', '=', partner_id), ('selectable', '=', True)]")
    engagement = fields.Char(string="Legal commitment (EJ)", tracking=True,
                             help="Legal commitment (EJ, purchase order number) given by the customer.")
    date_start = fields.Date(string="Start date")
    date_end = fields.Date(string="End date")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary(string="Amount (excl. VAT)", currency_field="currency_id")
    kind = fields.Selection(KINDS, string="Kind", required=True, default="services", tracking=True)
    moe_partner_id = fields.Many2one("res.partner", string="Project manager (MOE)", check_company=True)
    moa_partner_id = fields.Many2one("res.partner", string="Project owner (MOA)", check_company=True)
    role = fields.Selection(ROLES, string="Our role", required=True, default="titulaire", tracking=True)
    validator_partner_id = fields.Many2one(
        "res.partner", string="Validator", check_company=True,
        help="Lead member of the group of co-contractors (for a co-contractor) or main contractor (for a "
             "subcontractor) who validates the invoices first on Chorus Pro.")
    chorus_circuit = fields.Boolean(string="Chorus Pro circuit", default=True, tracking=True,
                                    help="Off: the invoices of this market are never sent to Chorus Pro.")
    market_number_required = fields.Boolean(
        string="Market number on invoices",
        help="Chorus Pro requires the market number on the invoices (always the case for public works).")
    default_cadre = fields.Char(string="Invoicing frame (cadre)", compute="_compute_default_cadre")
    works_deposit_mode = fields.Selection(
        WORKS_DEPOSIT_MODES, string="Deposit of works documents", tracking=True,
        help="Empty: the company's choice. " + WORKS_DEPOSIT_MODE_HELP)
    works_deposit_mode_used = fields.Selection(WORKS_DEPOSIT_MODES, string="Deposit mode used",
                                               compute="_compute_works_deposit_mode_used")
    # -- works contract terms (CCAG-Travaux) -------------------------------------------------------------
    tax_id = fields.Many2one("account.tax", string="VAT", check_company=True,
                             domain="[('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent')]",
                             compute="_compute_tax_id", store=True, readonly=False, precompute=True,
                             help="VAT of the works (20 % for most works; 10 % or 5.5 % for some renovations).")
    duration_months = fields.Integer(string="Duration (months)",
                                     help="Over 12 months, the advance is computed on 12 × amount / duration.")
    line_ids = fields.One2many("chorus.pro.market.line", "market_id", string="Bill of quantities", copy=True)
    amendment_ids = fields.One2many("chorus.pro.market.amendment", "market_id", string="Amendments and orders")
    price_basis = fields.Selection(PRICE_BASES, string="Price basis", default="firm", required=True, tracking=True)
    variation_fixed_part = fields.Float(string="Fixed part", digits=(6, 4), default=0.125,
                                        help="The part of the price that never varies (a in Cn = a + (1 − a) × "
                                             "In / I0): 0.125 in most works contracts, 0.15 in some.")
    variation_index_ids = fields.One2many("chorus.pro.market.index.term", "market_id", string="Indices",
                                          copy=True)
    variation_base_month = fields.Char(string="Base month (mois zéro)", help="YYYY-MM: the month of I0.")
    variation_month_lag = fields.Integer(
        string="Index month lag", help="In is the index of the month of execution minus this many months (0: the "
                                       "month itself; 3 for an actualisation « mois d − 3 »).")
    variation_rounding = fields.Selection(COEFFICIENT_ROUNDINGS, string="Coefficient rounding",
                                          default="3_half_up", required=True)
    variation_actualisation_month = fields.Char(
        string="Actualisation month", help="Firm price with actualisation: YYYY-MM, the month whose coefficient "
                                           "applies once to every payment (start order month − 3).")
    variation_supplies = fields.Boolean(string="Supplies on site varied too")
    advance_amount = fields.Monetary(string="Advance received", currency_field="currency_id", tracking=True)
    advance_date = fields.Date(string="Advance received on")
    advance_rate = fields.Float(string="Advance rate (%)", digits=(5, 2),
                                help="5 % to 30 % of the initial amount including VAT (higher for SMEs).")
    advance_start = fields.Float(string="Repayment starts at (%)", default=65.0, digits=(5, 2),
                                 help="Share of the market executed when the repayment starts.")
    advance_end = fields.Float(string="Fully repaid at (%)", default=80.0, digits=(5, 2))
    advance_execution_basis = fields.Selection(BASES, string="Execution measured", default="ttc", required=True)
    advance_deduction = fields.Selection(BASES, string="Repayment deducted", default="ttc", required=True)
    advance_first_payment_above = fields.Float(
        string="Repaid from the first payment above (%)", default=30.0, digits=(5, 2),
        help="An advance above this rate is repaid from the first payment on.")
    advance_thresholds_with_amendments = fields.Boolean(string="Thresholds include the amendments", default=True)
    advance_capped = fields.Boolean(
        string="Repayment limited to the sums due", default=True,
        help="The repayment is taken from the sums due on each payment (précompte): when a payment brings less "
             "than the schedule asks, the next payments catch up.")
    retention_rate = fields.Float(string="Retention rate (%)", digits=(5, 2), tracking=True,
                                  help="Retenue de garantie: 5 % at most of each payment including VAT.")
    retention_with_variation = fields.Boolean(string="Retention on the price variation too", default=True)
    retention_guarantee = fields.Selection(GUARANTEES, string="Bank guarantee", default="none", required=True,
                                           help="A first-demand guarantee or a surety replacing the retention.")
    retention_guarantee_amount = fields.Monetary(string="Retention covered by the guarantee",
                                                 currency_field="currency_id")
    retention_per_period = fields.Boolean(
        string="Retention rounded per payment", help="Off: the retention to date is the rate × the base to date "
                                                     "and each payment takes the difference (no drift).")
    guarantee_months = fields.Integer(string="Perfect completion guarantee (months)", default=12)
    reception_date = fields.Date(string="Acceptance of the works (réception)", tracking=True)
    retention_release_date = fields.Date(string="Retention release", compute="_compute_retention_release_date")
    penalty_rule_ids = fields.One2many("chorus.pro.market.penalty.rule", "market_id", string="Penalties",
                                       copy=True)
    invoice_detail = fields.Selection([("lot", "One line per lot"), ("line", "One line per line of the bill")],
                                      string="Invoice the works", default="lot", required=True)
    payment_delay = fields.Selection(PAYMENT_DELAYS, string="Buyer's payment delay", default="30", required=True)
    subcontractor_ids = fields.One2many("chorus.pro.market.subcontractor", "market_id", string="Subcontractors")
    autoliquidation = fields.Boolean(
        string="Reverse charge (autoliquidation)",
        help="We are a subcontractor of building works: our invoices are excluding VAT, the main contractor pays "
             "the VAT (article 283-2 nonies of the CGI).")
    situation_ids = fields.One2many("chorus.pro.situation", "market_id", string="Situations")
    works_document_ids = fields.One2many("chorus.pro.works.document", "market_id", string="Final documents")
    retention_released = fields.Boolean(string="Retention released", readonly=True, copy=False)
    situation_count = fields.Integer(compute="_compute_situation_count")
    billing_chart = fields.Html(string="Works billed", compute="_compute_billing_chart", sanitize=False,
                                help="Works executed to date, month by month, against the market's amount, with the "
                                     "window where the advance is repaid.")

    invoice_ids = fields.One2many("account.move", "chorus_market_id", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    transmission_ids = fields.One2many("chorus.pro.transmission", "market_id", string="Billing file",
                                       help="Every document of the market sent to Chorus Pro, in order.")
    transmission_count = fields.Integer(compute="_compute_transmission_count")
    late_payment_move_ids = fields.Many2many(
        "account.move", string="Payment deadlines", compute="_compute_late_payments",
        help="Each invoice of the market: when the buyer's payment delay ran out, when it paid, and the moratory "
             "interest and indemnity it owes for paying late.")
    late_interest_due = fields.Monetary(string="Interest and indemnities owed", compute="_compute_late_payments",
                                        help="Moratory interest and recovery indemnities not claimed yet.")
    # the pieces are read by the accountants (a site manager has no access to transmissions)
    works_piece_ids = fields.One2many("chorus.pro.works.piece", "market_id", string="Billing file on Chorus Pro",
                                      readonly=True, groups="account.group_account_invoice,account.group_account_readonly",
                                      help="Each document sent, then the pieces the MOE and the MOA deposited after "
                                           "it on Chorus Pro, in order.")
    active = fields.Boolean(default=True)

    _market_number_unique = models.Constraint(
        "UNIQUE(name, partner_id, company_id)",
        "This market number already exists for this customer.")

    @api.depends("kind", "role")
    def _compute_default_cadre(self):
        for market in self:
            market.default_cadre = derive_cadre(market.kind, market.role, "monthly")

    @api.depends("works_deposit_mode", "company_id.chorus_works_deposit_mode")
    def _compute_works_deposit_mode_used(self):
        for market in self:
            market.works_deposit_mode_used = works_deposit_mode(market, market.company_id)

    def _works_party_problems(self):
        """What a works document of this market lacks before anything is sent: its MOE and MOA (with SIRET)."""
        problems = []
        for market in self:
            for field_name in ("moe_partner_id", "moa_partner_id"):
                partner = market[field_name]
                label = market._fields[field_name].get_description(self.env)["string"]
                if not partner:
                    problems.append(self.env._(
                        "The market %(market)s has no %(field)s: fill in \"%(field)s\" on the market before sending "
                        "its works documents.", market=market.name, field=label))
                elif not (partner.commercial_partner_id.company_registry or "").strip():
                    problems.append(self.env._(
                        "The %(field)s of the market %(market)s (%(partner)s) has no SIRET: fill in its company "
                        "registry.", market=market.name, field=label, partner=partner.display_name))
        return problems

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        groups = self.env["account.move"]._read_group(
            [("chorus_market_id", "in", self.ids)], ["chorus_market_id"], ["__count"])
        counts = {market.id: count for market, count in groups}
        for market in self:
            market.invoice_count = counts.get(market.id, 0)

    @api.depends("company_id")
    def _compute_tax_id(self):
        """The market's company's default sale tax, until one is chosen (the company decides, not the user's)."""
        for market in self:
            if not market.tax_id or market.tax_id.company_id not in market.company_id.parent_ids:
                market.tax_id = market.company_id.account_sale_tax_id

    @api.depends("reception_date", "guarantee_months")
    def _compute_retention_release_date(self):
        for market in self:
            market.retention_release_date = (market.reception_date + relativedelta(months=market.guarantee_months)
                                             if market.reception_date else False)

    @api.depends("situation_ids.works_cumulative", "amount", "amendment_ids.amount", "advance_amount",
                 "advance_start", "advance_end", "advance_thresholds_with_amendments")
    def _compute_billing_chart(self):
        for market in self:
            situations = market.situation_ids.sorted("number")
            market.billing_chart = market._billing_chart_svg(situations) if situations else False

    def _billing_chart_svg(self, situations):
        """A small SVG: bars of the works executed to date per situation, the market's amount, and the advance's
        repayment window (start and end thresholds, of the amount the contract measures them against)."""
        from markupsafe import Markup, escape
        width, height, left, bottom = 720, 220, 70, 30
        amount = (self.amount or 0.0) + sum(self.amendment_ids.mapped("amount"))
        top_value = max([amount, *situations.mapped("works_cumulative")]) or 1.0
        scale = (height - bottom - 10) / top_value
        step = (width - left - 10) / max(len(situations), 1)
        title = self.env._("Works billed against the market amount")  # outside the f-string: exported to fr.po
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
                 f'aria-label="{escape(title)}">']

        def y(value):
            return height - bottom - value * scale

        for index, situation in enumerate(situations):
            x = left + index * step + step * 0.15
            parts.append(f'<rect x="{x:.1f}" y="{y(situation.works_cumulative):.1f}" width="{step * 0.7:.1f}" '
                         f'height="{situation.works_cumulative * scale:.1f}" fill="#71639e"/>')
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{height - 12}" font-size="10" text-anchor="middle">'
                         f'{escape(situation.month or "")}</text>')

        def level(value, label, color, dash=""):
            parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                         f'stroke="{color}" stroke-width="1.5" {dash}/>')
            parts.append(f'<text x="{left - 4}" y="{y(value) + 3:.1f}" font-size="10" text-anchor="end" '
                         f'fill="{color}">{escape(label)}</text>')

        level(amount, self.env._("Market"), "#1f7a1f")
        if self.advance_amount:
            # as the maths measures the execution: without the amendments unless the contract says otherwise
            base = amount if self.advance_thresholds_with_amendments else (self.amount or 0.0)
            level(base * self.advance_start / 100, f"{self.advance_start:g} %", "#c47800", 'stroke-dasharray="4 3"')
            level(base * self.advance_end / 100, f"{self.advance_end:g} %", "#c47800", 'stroke-dasharray="4 3"')
        parts.append("</svg>")
        return Markup("".join(parts))

    @api.depends("situation_ids")
    def _compute_situation_count(self):
        for market in self:
            market.situation_count = len(market.situation_ids)

    @api.depends("transmission_ids")
    def _compute_transmission_count(self):
        groups = self.env["chorus.pro.transmission"]._read_group(
            [("market_id", "in", self.ids), ("state", "!=", "cancelled")], ["market_id"], ["__count"])
        counts = {market.id: count for market, count in groups}
        for market in self:
            market.transmission_count = counts.get(market.id, 0)

    @api.depends("invoice_ids.state", "payment_delay")
    def _compute_late_payments(self):
        for market in self:
            moves = market.invoice_ids.filtered(lambda move: move._chorus_late_concerned())
            market.late_payment_move_ids = moves.sorted(lambda move: (move.invoice_date or move.date, move.id))
            market.late_interest_due = sum(move.chorus_late_interest + move.chorus_late_indemnity
                                           for move in market._late_payments_to_claim(moves))

    @staticmethod
    def _late_payments_to_claim(moves):
        """Documents paid in full after their due date and not claimed yet (the interest of a document still
        unpaid grows every day: it is claimed once paid)."""
        return moves.filtered(lambda move: move.chorus_days_late and not move.chorus_late_unpaid
                              and (not move.chorus_late_claim_id or move.chorus_late_claim_id.state == "cancel"))

    def action_claim_late_interest(self):
        """A draft invoice of the moratory interest and indemnities of the documents paid late."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(self.env._("Only an accountant claims moratory interest."))
        moves = self._late_payments_to_claim(self.late_payment_move_ids)
        if not moves:
            raise UserError(self.env._("No document of market %(market)s paid late is left to claim (a document "
                                       "still unpaid is claimed once paid).", market=self.name))
        claim = self.env["account.move"]._chorus_create_late_interest_claim(self, moves)
        return claim._get_records_action()

    @api.depends("name", "title")
    def _compute_display_name(self):
        for market in self:
            market.display_name = f"{market.name} - {market.title}" if market.title else (market.name or "")

    @api.constrains("engagement")
    def _check_engagement(self):
        for market in self:
            if market.engagement and len(market.engagement) > MAX_EJ_LENGTH:
                raise ValidationError(self.env._(
                    "The legal commitment (EJ) of market %(market)s has more than %(max)s characters.",
                    market=market.name, max=MAX_EJ_LENGTH))

    @api.constrains("role", "validator_partner_id")
    def _check_validator(self):
        for market in self:
            if market.role in ("cotraitant", "soustraitant") and not market.validator_partner_id:
                raise ValidationError(self.env._(
                    "Market %(market)s: as co-contractor or subcontractor, choose the validator (the lead member "
                    "of the group of co-contractors, or the main contractor) who validates the invoices on Chorus Pro.",
                    market=market.name))

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for market in self:
            if market.date_start and market.date_end and market.date_end < market.date_start:
                raise ValidationError(self.env._("Market %(market)s ends before it starts.", market=market.name))

    @api.constrains("kind", "amount", "tax_id", "line_ids", "amendment_ids", "price_basis", "variation_fixed_part",
                    "variation_index_ids", "variation_base_month", "variation_month_lag", "variation_actualisation_month",
                    "advance_amount", "advance_rate", "advance_start", "advance_end", "duration_months", "retention_rate",
                    "retention_guarantee", "retention_guarantee_amount", "guarantee_months", "penalty_rule_ids",
                    "payment_delay", "subcontractor_ids")
    def _check_ccag_terms(self):
        """The terms of a works market must be computable (the rules are ccag_travaux's): said when saving the
        market, not at its first situation."""
        for market in self.filtered(lambda market: market.kind == "works" and market.amount > 0):
            try:
                check_terms(market._ccag_terms())
            except InputError as error:
                raise ValidationError(self.env._("Market %(market)s: %(problem)s", market=market.name,
                                                 problem=error_text(self.env, error))) from None

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.service_id and self.service_id.partner_id != self.partner_id:
            self.service_id = False

    # -- the terms as the situation maths reads them ---------------------------------------------------
    def _ccag_terms(self):
        """This market's contract terms as :class:`ccag_travaux.MarketTerms` (every convention named)."""
        self.ensure_one()
        rate = _fraction(self.tax_id.amount) if self.tax_id else Decimal("0.20")
        base_lines = self.line_ids.filtered(lambda line: not line.amendment_id)
        variation = None
        if self.price_basis != "firm":
            variation = PriceVariation(
                fixed_part=as_decimal(self.variation_fixed_part),
                indices=tuple(IndexTerm(term.index_id.name, as_decimal(term.weight), as_decimal(term.base_value))
                              for term in self.variation_index_ids),
                base_month=self.variation_base_month or "",
                month_lag=self.variation_month_lag,
                coefficient_rounding=COEFFICIENT_ROUNDING_PRESETS[self.variation_rounding],
                actualisation_month=self.variation_actualisation_month or None,
                revise_approvisionnements=self.variation_supplies,
            )
        advance = None
        if self.advance_amount:
            # the initial amount TTC (HT under reverse charge, as the maths counts it), over 12 months at most
            initial_ttc = as_decimal(self.amount) + (0 if self.autoliquidation else cents(as_decimal(self.amount) * rate))
            advance = Advance(
                amount=as_decimal(self.advance_amount), received_date=self.advance_date or None,
                rate=_fraction(self.advance_rate) if self.advance_rate else None,
                base_amount=advance_base(initial_ttc, self.duration_months or None),
                start_threshold=_fraction(self.advance_start), end_threshold=_fraction(self.advance_end),
                execution_basis=Basis(self.advance_execution_basis), deduction=Basis(self.advance_deduction),
                first_payment_start_above_rate=_fraction(self.advance_first_payment_above)
                if self.advance_first_payment_above else None,
                thresholds_include_avenants=self.advance_thresholds_with_amendments,
                cap_to_amount_due=self.advance_capped,
            )
        retention = None
        if self.retention_rate:
            retention = Retention(
                rate=_fraction(self.retention_rate), include_variation=self.retention_with_variation,
                guarantee=Guarantee(self.retention_guarantee),
                guarantee_amount=as_decimal(self.retention_guarantee_amount)
                if self.retention_guarantee == "amount" else None,
                rounding=RetentionRounding.PER_PERIOD if self.retention_per_period else RetentionRounding.CUMULATIVE,
                guarantee_months=self.guarantee_months,
            )
        return MarketTerms(
            market_number=self.name,
            amount_ht=as_decimal(self.amount),
            vat_rate=rate,
            lines=tuple(line._ccag_line() for line in base_lines),
            avenants=tuple(amendment._ccag_avenant() for amendment in self.amendment_ids.sorted("date")),
            price_basis=PriceBasis(self.price_basis),
            price_variation=variation,
            advance=advance,
            retention=retention,
            penalty_rules=tuple(PenaltyRule(rule.code, rule.name, as_decimal(rule.amount_per_unit))
                                for rule in self.penalty_rule_ids),
            subcontractors=tuple(sub._ccag_subcontractor() for sub in self.subcontractor_ids),
            payment_delay_days=int(self.payment_delay),
            reception_date=self.reception_date or None,
            autoliquidation=self.autoliquidation,
            title=self.title or "",
        )

    def _needs_market_number(self):
        self.ensure_one()
        return self.kind == "works" or self.market_number_required

    def _allowed_cadres(self):
        self.ensure_one()
        return allowed_cadres(self.kind, self.role)

    def action_open_bill_of_quantities(self):
        """The market's lines in a list of their own, where Odoo's import reads a DPGF spreadsheet."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_market_lines")
        action.update({"name": self.env._("Bill of quantities – %(market)s", market=self.name),
                       "domain": [("market_id", "=", self.id)], "context": {"default_market_id": self.id}})
        return action

    def action_view_situations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_situations")
        action.update({"domain": [("market_id", "=", self.id)], "context": {"default_market_id": self.id}})
        return action

    def action_final_statement(self):
        """The projet de décompte final, from the last validated situation."""
        self.ensure_one()
        return self.env["chorus.pro.works.document"]._create_final_statement(self)._get_records_action()

    def action_record_dgd(self):
        """The décompte général notified by the buyer, to sign (with reserves or not) and deposit as the DGD."""
        self.ensure_one()
        document = self.env["chorus.pro.works.document"].create({
            "kind": "dgd", "market_id": self.id, "name": f"{self.name}-DGD"})
        return document._get_records_action()

    def write(self, vals):
        result = super().write(vals)
        if vals.get("reception_date") or ("guarantee_months" in vals and any(self.mapped("reception_date"))):
            self._schedule_retention_release()
            self._move_retention_maturities()
        return result

    def _retention_expected_release(self, period_end):
        """When the retention of a situation falls due: the release date once the works are received
        (réception + perfect completion guarantee); before that, the same guarantee after the planned end of the
        works (the end date, else the start plus the duration, else the situation's month): the receivable is not
        overdue while the works run. The dates move to the real release when the reception is entered."""
        self.ensure_one()
        if self.retention_release_date:
            return self.retention_release_date
        planned_end = self.date_end
        if not planned_end and self.date_start and self.duration_months:
            planned_end = self.date_start + relativedelta(months=self.duration_months)
        return max(planned_end or period_end, period_end) + relativedelta(months=self.guarantee_months)

    def _move_retention_maturities(self):
        """The retention receivables booked by the situations fall due at the release date, once it is known."""
        for market in self.filtered("retention_release_date"):
            account = market.company_id._chorus_account("retention")
            lines = market.situation_ids.settlement_move_id.line_ids.filtered(
                lambda line, account=account: line.account_id == account and not line.reconciled)
            lines.sudo().write({"date_maturity": market.retention_release_date})

    def _schedule_retention_release(self):
        """A reminder on the day the retention may be released (réception + perfect completion guarantee)."""
        for market in self.filtered(lambda m: m.retention_rate and m.retention_release_date):
            market.activity_schedule(
                "mail.mail_activity_data_todo", date_deadline=market.retention_release_date,
                summary=self.env._("Release the retention of market %(market)s", market=market.name),
                note=self.env._("The perfect completion guarantee ends: unless reserves remain, the buyer releases "
                                "the retention (retenue de garantie) within a month."),
                user_id=self.env.user.id)

    def action_release_retention(self):
        """The retention withheld on the market's situations becomes due now: from its own receivable back to
        the customer's account, to be paid by the buyer."""
        self.ensure_one()
        if self.retention_released:
            raise UserError(self.env._("The retention of %(market)s is released already.", market=self.name))
        account = self.company_id._chorus_account("retention")
        lines = self.situation_ids.settlement_move_id.line_ids.filtered(
            lambda line: line.account_id == account and not line.reconciled)
        amount = sum(lines.mapped("amount_residual"))
        if not lines or not amount:
            raise UserError(self.env._("No retention is withheld on %(market)s.", market=self.name))
        receivable = self.partner_id.with_company(self.company_id).property_account_receivable_id
        journal = self.env["account.journal"].search([
            *self.env["account.journal"]._check_company_domain(self.company_id), ("type", "=", "general")], limit=1)
        label = self.env._("Retention of market %(market)s released", market=self.name)
        entry = self.env["account.move"].create({
            "move_type": "entry", "journal_id": journal.id, "company_id": self.company_id.id,
            "date": fields.Date.context_today(self), "ref": label,
            "line_ids": [
                Command.create({"name": label, "account_id": receivable.id, "partner_id": self.partner_id.id,
                                "debit": max(amount, 0.0), "credit": max(-amount, 0.0)}),
                Command.create({"name": label, "account_id": account.id, "partner_id": self.partner_id.id,
                                "debit": max(-amount, 0.0), "credit": max(amount, 0.0)}),
            ],
        })
        entry.action_post()
        (lines | entry.line_ids.filtered(lambda line: line.account_id == account)).reconcile()
        self.retention_released = True
        self.message_post(body=label)
        return entry._get_records_action()

    def action_view_billing_file(self):
        """The market's billing file: what was sent to Chorus Pro, oldest first."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_transmissions")
        action.update({
            "name": self.env._("Billing file %(market)s", market=self.name),
            "domain": [("market_id", "=", self.id)],
            "context": {"search_default_not_cancelled": 1},
            "view_mode": "list,form",
        })
        return action

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("chorus_market_id", "=", self.id)]
        action["context"] = {
            "default_move_type": "out_invoice",
            "default_partner_id": self.partner_id.id,
            "default_chorus_market_id": self.id,
        }
        return action
