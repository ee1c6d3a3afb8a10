"""A penalty of the month: an amount, or units of one of the market's priced penalties."""

from odoo import api, fields, models

from . import chorus_situation_measure  # noqa: F401  (the mixin must be loaded first)


class ChorusProSituationPenalty(models.Model):
    _name = "chorus.pro.situation.penalty"
    _inherit = "chorus.pro.situation.measure"
    _description = "Penalty of a situation"
    _same_market_fields = ("rule_id",)
    _order = "situation_id, id"

    situation_id = fields.Many2one("chorus.pro.situation", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="situation_id.currency_id")
    name = fields.Char(string="Reason", required=True)
    rule_id = fields.Many2one("chorus.pro.market.penalty.rule", string="Penalty of the market",
                              domain="[('market_id', '=', parent.market_id)]")
    units = fields.Float(string="Units", digits=(16, 2), help="Days of delay, meetings missed…")
    amount = fields.Monetary(string="Amount", compute="_compute_amount", store=True, readonly=False)

    @api.depends("rule_id", "units")
    def _compute_amount(self):
        for penalty in self.filtered("rule_id"):
            penalty.amount = penalty.rule_id.amount_per_unit * penalty.units
