"""Price indices of public works contracts (BT01, TP01…), with their monthly values."""

from decimal import Decimal

from odoo import api, fields, models


class ChorusPriceIndex(models.Model):
    _name = "chorus.price.index"
    _description = "Price index (BT, TP…)"
    _order = "name"

    name = fields.Char(string="Index", required=True, help="As published by INSEE, e.g. BT01 or TP01.")
    description = fields.Char(string="Description")
    value_ids = fields.One2many("chorus.price.index.value", "index_id", string="Monthly values")
    last_month = fields.Char(string="Last published month", compute="_compute_last_value")
    last_value = fields.Float(string="Last value", compute="_compute_last_value", digits=(16, 4))

    _name_unique = models.Constraint("UNIQUE(name)", "This index already exists.")

    @api.depends("value_ids.month", "value_ids.value")
    def _compute_last_value(self):
        for index in self:
            last = index.value_ids.sorted("month")[-1:]
            index.last_month = last.month or False
            index.last_value = last.value

    def _values_by_month(self):
        """``{index name: {"YYYY-MM": Decimal}}``, what the situation maths reads."""
        table = {}
        for value in self.value_ids:
            table.setdefault(value.index_id.name, {})[value.month] = Decimal(str(value.value))
        return table
