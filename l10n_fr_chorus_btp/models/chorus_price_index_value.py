"""The value of a price index for one month."""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ChorusPriceIndexValue(models.Model):
    _name = "chorus.price.index.value"
    _description = "Monthly value of a price index"
    _order = "index_id, month desc"

    index_id = fields.Many2one("chorus.price.index", string="Index", required=True, ondelete="cascade", index=True)
    month = fields.Char(string="Month", required=True, help="YYYY-MM, the month the value is for.")
    value = fields.Float(string="Value", required=True, digits=(16, 4))

    _month_unique = models.Constraint("UNIQUE(index_id, month)", "This index already has a value for this month.")

    @api.constrains("month")
    def _check_month(self):
        for record in self:
            if not MONTH.match(record.month or ""):
                raise ValidationError(self.env._(
                    "The month of an index value is written YYYY-MM (for example 2026-03), not \"%(month)s\".",
                    month=record.month))
