"""An amendment (avenant) or a service order (ordre de service) of a market: its date, amount and the lines it
adds to the bill of quantities."""

from decimal import Decimal

from odoo import api, fields, models

from ccag_travaux import Avenant


class ChorusProMarketAmendment(models.Model):
    _name = "chorus.pro.market.amendment"
    _description = "Market amendment or service order"
    _order = "market_id, date, id"
    _check_company_auto = True

    market_id = fields.Many2one("chorus.pro.market", string="Market", required=True, ondelete="cascade",
                                index=True)
    company_id = fields.Many2one(related="market_id.company_id", store=True)
    currency_id = fields.Many2one(related="market_id.currency_id")
    kind = fields.Selection([("amendment", "Amendment (avenant)"), ("order", "Service order (ordre de service)")],
                            string="Kind", required=True, default="amendment")
    name = fields.Char(string="Number", required=True)
    date = fields.Date(string="Date", required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("chorus.pro.market.line", "amendment_id", string="Lines added")
    amount = fields.Monetary(string="Amount excl. VAT", compute="_compute_amount", store=True)
    note = fields.Text(string="Object")

    _number_unique = models.Constraint("UNIQUE(market_id, name)", "Each amendment of a market has its own number.")

    @api.depends("line_ids.amount")
    def _compute_amount(self):
        for amendment in self:
            amendment.amount = sum(amendment.line_ids.mapped("amount"))

    def _ccag_avenant(self):
        self.ensure_one()
        return Avenant(number=self.name, date=self.date, amount_ht=Decimal(str(self.amount)),
                       lines=tuple(line._ccag_line() for line in self.line_ids))
