"""One index of a market's price variation formula: its weight and its base value I0."""

from odoo import fields, models


class ChorusProMarketIndexTerm(models.Model):
    _name = "chorus.pro.market.index.term"
    _description = "Index of a price variation formula"
    _order = "market_id, id"

    market_id = fields.Many2one("chorus.pro.market", required=True, ondelete="cascade", index=True)
    index_id = fields.Many2one("chorus.price.index", string="Index", required=True)
    weight = fields.Float(string="Weight", digits=(6, 4), default=0.875,
                          help="Its share in the formula: the fixed part plus the weights make 1.")
    base_value = fields.Float(string="Base value (I0)", digits=(16, 4), required=True)
