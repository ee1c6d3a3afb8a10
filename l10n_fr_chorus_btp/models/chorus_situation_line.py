"""The cumulative progress of one line of the bill of quantities in a situation: a percentage or a quantity."""

from decimal import Decimal

from odoo import api, fields, models

from ccag_travaux import LineProgress

from . import chorus_situation_measure  # noqa: F401  (the mixin must be loaded first)


class ChorusProSituationLine(models.Model):
    _name = "chorus.pro.situation.line"
    _inherit = "chorus.pro.situation.measure"
    _description = "Progress of a bill of quantities line"
    _order = "situation_id, sequence, id"
    _code_only_fields = ("previous_quantity",)
    _fixed_fields = ("situation_id", "market_line_id")
    _same_market_fields = ("market_line_id",)

    situation_id = fields.Many2one("chorus.pro.situation", required=True, ondelete="cascade", index=True)
    currency_id = fields.Many2one(related="situation_id.currency_id")
    market_line_id = fields.Many2one("chorus.pro.market.line", string="Bill of quantities line", required=True,
                                     ondelete="restrict", index=True)
    # precomputed: written with the INSERT, not by an UPDATE of every line after it
    sequence = fields.Integer(related="market_line_id.sequence", store=True, precompute=True)
    lot = fields.Char(related="market_line_id.lot", store=True, precompute=True)
    code = fields.Char(related="market_line_id.code")
    name = fields.Char(related="market_line_id.name")
    unit = fields.Char(related="market_line_id.unit")
    market_quantity = fields.Float(related="market_line_id.quantity", string="Market quantity")
    unit_price = fields.Float(related="market_line_id.unit_price", string="Unit price")
    progress_mode = fields.Selection([("percent", "%"), ("quantity", "Quantity")], string="Entered as",
                                     required=True, default="quantity")
    previous_quantity = fields.Float(string="Previous quantity", digits=(16, 3), readonly=True)
    # both are kept: the one entered (progress_mode) is what the maths reads, exactly as typed
    cumulative_quantity = fields.Float(string="Cumulative quantity", digits=(16, 3))
    cumulative_percent = fields.Float(string="Cumulative %", digits=(6, 2))
    previous_percent = fields.Float(string="Previous %", digits=(6, 2), compute="_compute_amounts")
    cumulative_amount = fields.Monetary(string="Cumulative", compute="_compute_amounts")
    period_amount = fields.Monetary(string="This month", compute="_compute_amounts")
    overrun = fields.Boolean(compute="_compute_amounts", help="Over 100 % of the market quantity.")
    decrease = fields.Boolean(compute="_compute_amounts", help="Below the previous progress.")

    _market_line_unique = models.Constraint("UNIQUE(situation_id, market_line_id)",
                                            "A line of the bill of quantities appears once in a situation.")

    @api.model_create_multi
    def create(self, vals_list):
        market_lines = self.env["chorus.pro.market.line"].browse([vals.get("market_line_id") for vals in vals_list])
        vals_list = [self._with_derived_progress(vals, market_line.quantity, vals.get("progress_mode", "quantity"))
                     for vals, market_line in zip(vals_list, market_lines, strict=True)]
        return super().create(vals_list)

    def write(self, vals):
        if not {"cumulative_quantity", "cumulative_percent", "progress_mode"} & vals.keys():
            return super().write(vals)
        for line in self:
            super(ChorusProSituationLine, line).write(
                line._with_derived_progress(vals, line.market_quantity, vals.get("progress_mode", line.progress_mode)))
        return True

    @api.model
    def _with_derived_progress(self, vals, market_quantity, mode):
        """The value not entered follows the one entered, whatever the client (form, import, RPC)."""
        vals = dict(vals)
        if mode == "percent" and "cumulative_percent" in vals:
            vals["cumulative_quantity"] = market_quantity * (vals["cumulative_percent"] or 0.0) / 100
        elif "cumulative_quantity" in vals:
            vals["cumulative_percent"] = ((vals["cumulative_quantity"] or 0.0) / market_quantity * 100
                                          if market_quantity else 0.0)
        return vals

    @api.onchange("cumulative_percent")
    def _onchange_cumulative_percent(self):
        if self.progress_mode == "percent":
            self.cumulative_quantity = self.market_quantity * self.cumulative_percent / 100

    @api.onchange("cumulative_quantity")
    def _onchange_cumulative_quantity(self):
        if self.progress_mode == "quantity" and self.market_quantity:
            self.cumulative_percent = self.cumulative_quantity / self.market_quantity * 100

    @api.depends("cumulative_quantity", "cumulative_percent", "progress_mode", "previous_quantity", "unit_price",
                 "market_quantity")
    def _compute_amounts(self):
        cent = Decimal("0.01")
        for line in self:
            price = Decimal(str(line.unit_price))
            quantity = line._ccag_quantity()
            # amounts to the cent, as the situation's figures round them
            cumulative = (quantity * price).quantize(cent)
            previous = (Decimal(str(line.previous_quantity)) * price).quantize(cent)
            line.cumulative_amount = float(cumulative)
            line.period_amount = float(cumulative - previous)
            line.previous_percent = (line.previous_quantity / line.market_quantity * 100
                                     if line.market_quantity else 0.0)
            line.overrun = bool(line.market_quantity) and quantity > Decimal(str(line.market_quantity))
            line.decrease = quantity < Decimal(str(line.previous_quantity))

    def _ccag_quantity(self):
        if self.progress_mode == "percent":
            return Decimal(str(self.market_quantity)) * Decimal(str(self.cumulative_percent)) / 100
        return Decimal(str(self.cumulative_quantity))

    def _ccag_progress(self):
        """What the site manager entered, exactly: a percentage or a quantity."""
        self.ensure_one()
        if self.progress_mode == "percent":
            return LineProgress(code=self.code, percent=Decimal(str(self.cumulative_percent)))
        return LineProgress(code=self.code, quantity=Decimal(str(self.cumulative_quantity)))
