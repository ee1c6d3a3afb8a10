"""The other parts of a projet de décompte: supplies on site (approvisionnements), bonuses (primes) and outlays
(débours), as cumulative amounts excluding VAT."""

from decimal import Decimal

from odoo import api, fields, models

from ccag_travaux import PartAmount

from . import chorus_situation_measure  # noqa: F401  (the mixin must be loaded first)

PART_KINDS = [
    ("approvisionnements", "Supplies on site (approvisionnements)"),
    ("primes", "Bonus (prime)"),
    ("debours", "Outlay (débours)"),
]


class ChorusProSituationPart(models.Model):
    _name = "chorus.pro.situation.part"
    _inherit = "chorus.pro.situation.measure"
    _description = "Supplies, bonus or outlay of a situation"
    _code_only_fields = ("previous_amount",)
    _order = "situation_id, kind, id"

    situation_id = fields.Many2one("chorus.pro.situation", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="situation_id.currency_id")
    kind = fields.Selection(PART_KINDS, string="Part", required=True, default="approvisionnements")
    code = fields.Char(string="Code", required=True)
    name = fields.Char(string="Description", required=True)
    vat_rate = fields.Float(string="VAT (%)", digits=(5, 2), default=20.0)
    previous_amount = fields.Monetary(string="Previous", readonly=True)
    cumulative_amount = fields.Monetary(string="Cumulative excl. VAT")
    period_amount = fields.Monetary(string="This month", compute="_compute_period_amount")

    @api.depends("cumulative_amount", "previous_amount")
    def _compute_period_amount(self):
        for part in self:
            part.period_amount = part.cumulative_amount - part.previous_amount

    def _ccag_part(self):
        self.ensure_one()
        return PartAmount(code=self.code, cumulative_ht=Decimal(str(self.cumulative_amount)).quantize(Decimal("0.01")),
                          vat_rate=Decimal(str(self.vat_rate)) / 100, label=self.name or "")
