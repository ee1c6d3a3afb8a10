"""The share of a directly paid subcontractor in the month's works (excluding VAT, initial prices)."""

from odoo import fields, models

from . import chorus_situation_measure  # noqa: F401  (the mixin must be loaded first)


class ChorusProSituationDirectPayment(models.Model):
    _name = "chorus.pro.situation.direct.payment"
    _inherit = "chorus.pro.situation.measure"
    _description = "Direct payment of a subcontractor in a situation"
    _same_market_fields = ("subcontractor_id",)
    _order = "situation_id, id"

    situation_id = fields.Many2one("chorus.pro.situation", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="situation_id.currency_id")
    subcontractor_id = fields.Many2one("chorus.pro.market.subcontractor", string="Subcontractor", required=True,
                                       domain="[('market_id', '=', parent.market_id), ('direct_payment', '=', True)]")
    amount = fields.Monetary(string="Its works this month, excl. VAT", required=True)
