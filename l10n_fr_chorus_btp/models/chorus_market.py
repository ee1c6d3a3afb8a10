from odoo import api, fields, models
from odoo.exceptions import ValidationError

from chorus_pro.documents import MAX_EJ_LENGTH

KINDS = [
    ("services", "Services or supplies"),
    ("works", "Public works"),
]
ROLES = [
    ("titulaire", "Main contractor (titulaire)"),
    ("cotraitant", "Co-contractor"),
    ("soustraitant", "Subcontractor (direct payment)"),
]
WORKS_DOCUMENT_TYPES = [
    ("monthly", "Monthly statement draft (situation)"),
    ("final", "Final statement draft"),
    ("dgd", "Final general statement (DGD)"),
]

#: cadre for (kind, role, works document type); None = not a works document
CADRE_RULES = {
    ("services", "titulaire", None): "A1",
    ("services", "cotraitant", None): "A12",
    ("services", "soustraitant", None): "A9",
    ("works", "titulaire", "monthly"): "A4",
    ("works", "titulaire", "final"): "A7",
    ("works", "titulaire", "dgd"): "A8",
    ("works", "cotraitant", "monthly"): "A13",
    ("works", "cotraitant", "final"): "A14",
    ("works", "cotraitant", "dgd"): "A8",
    ("works", "soustraitant", "monthly"): "A10",
    ("works", "soustraitant", "final"): "A11",
    ("works", "soustraitant", "dgd"): "A8",
}
#: cadres the user may choose instead of the derived one
ALLOWED_CADRES = {
    ("services", "titulaire"): ("A1", "A2"),
    ("services", "cotraitant"): ("A12",),
    ("services", "soustraitant"): ("A9",),
    ("works", "titulaire"): ("A4", "A7", "A8", "A1"),
    ("works", "cotraitant"): ("A13", "A14", "A12", "A8"),
    ("works", "soustraitant"): ("A10", "A11", "A9", "A8"),
}


def derive_cadre(kind, role, works_document_type=None):
    kind, role = kind or "services", role or "titulaire"
    return CADRE_RULES.get((kind, role, works_document_type if kind == "works" else None)) or (
        CADRE_RULES[(kind, role, "monthly")] if kind == "works" else "A1")


class ChorusProMarket(models.Model):
    _name = "chorus.pro.market"
    _description = "Public market"
    _inherit = ["mail.thread"]
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
    invoice_ids = fields.One2many("account.move", "chorus_market_id", string="Invoices")
    invoice_count = fields.Integer(compute="_compute_invoice_count")
    transmission_ids = fields.One2many("chorus.pro.transmission", "market_id", string="Billing file",
                                       help="Every document of the market sent to Chorus Pro, in order.")
    transmission_count = fields.Integer(compute="_compute_transmission_count")
    active = fields.Boolean(default=True)

    _market_number_unique = models.Constraint(
        "UNIQUE(name, partner_id, company_id)",
        "This market number already exists for this customer.")

    @api.depends("kind", "role")
    def _compute_default_cadre(self):
        for market in self:
            market.default_cadre = derive_cadre(market.kind, market.role, "monthly")

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        groups = self.env["account.move"]._read_group(
            [("chorus_market_id", "in", self.ids)], ["chorus_market_id"], ["__count"])
        counts = {market.id: count for market, count in groups}
        for market in self:
            market.invoice_count = counts.get(market.id, 0)

    @api.depends("transmission_ids")
    def _compute_transmission_count(self):
        groups = self.env["chorus.pro.transmission"]._read_group(
            [("market_id", "in", self.ids), ("state", "!=", "cancelled")], ["market_id"], ["__count"])
        counts = {market.id: count for market, count in groups}
        for market in self:
            market.transmission_count = counts.get(market.id, 0)

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

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.service_id and self.service_id.partner_id != self.partner_id:
            self.service_id = False

    def _needs_market_number(self):
        self.ensure_one()
        return self.kind == "works" or self.market_number_required

    def _allowed_cadres(self):
        self.ensure_one()
        return ALLOWED_CADRES[(self.kind or "services", self.role or "titulaire")]

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
