"""A line of a market's bill of quantities (DPGF, BPU or DQE): lot, code, description, unit, quantity and
initial unit price; from the base contract or from an amendment."""

from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ccag_travaux import BillLine

from .chorus_situation_measure import OPEN_STATES


class ChorusProMarketLine(models.Model):
    _name = "chorus.pro.market.line"
    _description = "Bill of quantities line"
    _order = "market_id, sequence, id"
    _check_company_auto = True

    market_id = fields.Many2one("chorus.pro.market", string="Market", required=True, ondelete="cascade",
                                index=True)
    company_id = fields.Many2one(related="market_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="market_id.currency_id")
    sequence = fields.Integer(default=10)
    lot = fields.Char(string="Lot", required=True, default="1",
                      help="Lot or section of the bill of quantities; totals are given per lot.")
    code = fields.Char(string="Code", required=True, help="The line's number in the bill of quantities (1.2.3).")
    name = fields.Char(string="Description", required=True)
    unit = fields.Char(string="Unit", default="U", help="m², m³, ml, kg, U, forfait (ft)…")
    quantity = fields.Float(string="Market quantity", digits=(16, 3), default=1.0)
    unit_price = fields.Float(string="Unit price excl. VAT", digits="Product Price")
    amount = fields.Monetary(string="Amount excl. VAT", compute="_compute_amount", store=True)
    tax_id = fields.Many2one("account.tax", string="VAT", check_company=True,
                             domain="[('type_tax_use', '=', 'sale'), ('amount_type', '=', 'percent')]",
                             compute="_compute_tax_id", store=True, readonly=False, precompute=True,
                             help="The line's VAT; the market's VAT by default (a renovation market may mix "
                                  "20 %, 10 % and 5.5 %).")
    amendment_id = fields.Many2one("chorus.pro.market.amendment", string="Amendment", ondelete="cascade",
                                   domain="[('market_id', '=', market_id)]", index="btree_not_null",
                                   help="Empty for the base contract.")

    _code_unique = models.Constraint("UNIQUE(market_id, code)",
                                     "Each line of a bill of quantities has its own code.")

    @api.depends("quantity", "unit_price")
    def _compute_amount(self):
        for line in self:
            line.amount = line.quantity * line.unit_price

    @api.depends("market_id.tax_id")
    def _compute_tax_id(self):
        for line in self:
            if not line.tax_id:
                line.tax_id = line.market_id.tax_id

    @api.constrains("quantity", "unit_price")
    def _check_amounts(self):
        for line in self:
            if line.quantity < 0 or line.unit_price < 0:
                raise ValidationError(self.env._(
                    "Line %(code)s of the bill of quantities: the quantity and the unit price are positive (a "
                    "reduction of the works is an amendment with its own lines).", code=line.code))

    def write(self, vals):
        contractual = {"market_id", "lot", "code", "quantity", "unit_price", "amendment_id"} & vals.keys()
        if contractual:
            billed = self.env["chorus.pro.situation.line"].sudo().search(
                [("market_line_id", "in", self.ids), ("situation_id.state", "not in", OPEN_STATES)], limit=1)
            if billed:
                raise UserError(self.env._(
                    "Line %(code)s of the bill of quantities is in a validated situation: its code, lot, quantity "
                    "and unit price are those of the contract. Change them with an amendment.",
                    code=billed.market_line_id.code))
        return super().write(vals)

    def _ccag_line(self):
        self.ensure_one()
        tax = self.tax_id or self.market_id.tax_id
        if not tax:
            raise UserError(self.env._(
                "Line %(code)s of the bill of quantities of market %(market)s has no VAT: choose it on the line "
                "or on the market (tab Contract).", code=self.code, market=self.market_id.display_name))
        rate = Decimal(str(tax.amount)) / 100
        return BillLine(
            code=self.code, lot=self.lot or "", unit=self.unit or "", label=self.name or "",
            quantity=Decimal(str(self.quantity)), unit_price_ht=Decimal(str(self.unit_price)),
            vat_rate=rate, avenant=self.amendment_id.name or None)
