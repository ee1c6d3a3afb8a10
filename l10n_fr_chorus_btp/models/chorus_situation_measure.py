"""What the measures of a situation share (progress lines, supplies, penalties, direct payments): they change
only while the situation is open, and every change recomputes its figures."""

from odoo import api, models
from odoo.exceptions import UserError

OPEN_STATES = ("draft", "submitted")


class ChorusProSituationMeasure(models.AbstractModel):
    _name = "chorus.pro.situation.measure"
    _description = "Measure of a situation"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._check_situation_open()
        if not self.env.context.get("chorus_situation_refreshing"):
            records.situation_id._refresh_figures()
        return records

    def write(self, vals):
        self._check_situation_open()
        result = super().write(vals)
        if not self.env.context.get("chorus_situation_refreshing"):
            self.situation_id._refresh_figures()
        return result

    def unlink(self):
        self._check_situation_open()
        situations = self.situation_id
        result = super().unlink()
        situations._refresh_figures()
        return result

    def _check_situation_open(self):
        frozen = self.situation_id.filtered(lambda s: s.state not in OPEN_STATES)
        if frozen:
            raise UserError(self.env._(
                "The situation %(situation)s is validated: it can no longer change. Correct it with the next "
                "situation, or with a credit note.", situation=frozen[0].name))
