"""A penalty the market prices per unit (per day of delay, per missed site meeting…)."""

from odoo import fields, models


class ChorusProMarketPenaltyRule(models.Model):
    _name = "chorus.pro.market.penalty.rule"
    _description = "Penalty of a market"
    _order = "market_id, id"

    market_id = fields.Many2one("chorus.pro.market", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="market_id.currency_id")
    code = fields.Char(string="Code", required=True)
    name = fields.Char(string="Penalty", required=True)
    amount_per_unit = fields.Monetary(string="Amount per unit", required=True)
