"""What the measures of a situation share (progress lines, supplies, penalties, direct payments): they change
only while the situation is open, and every change recomputes its figures."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError

#: before validation the figures follow the measures; after it they are frozen
OPEN_STATES = ("draft", "submitted")


def check_code_only_fields(records, vals_list, names):
    """``names`` are written by the add-on only (numbers, previous figures, results, links to the books), as
    superuser: a client that sends one — form, import, RPC, whatever its groups — is refused."""
    if records.env.su:
        return
    sent = sorted({name for vals in vals_list for name in vals} & set(names))
    if sent:
        raise AccessError(records.env._(
            "%(model)s: the add-on sets these fields itself; they cannot be written: %(fields)s.",
            model=records._description, fields=", ".join(records._fields[name].string for name in sent)))


class ChorusProSituationMeasure(models.AbstractModel):
    _name = "chorus.pro.situation.measure"
    _description = "Measure of a situation"

    #: set by the add-on (refused from clients); fixed once the measure exists
    _code_only_fields = ()
    _fixed_fields = ("situation_id",)
    #: many2one fields whose record must belong to the situation's market
    _same_market_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        check_code_only_fields(self, vals_list, self._code_only_fields)
        records = super().create(vals_list)
        records._check_same_market()
        records._check_situation_open()
        if not self.env.context.get("chorus_situation_refreshing"):
            records.situation_id._refresh_figures()
        return records

    def write(self, vals):
        check_code_only_fields(self, [vals], (*self._code_only_fields, *self._fixed_fields))
        self._check_situation_open()
        result = super().write(vals)
        if self._same_market_fields and set(self._same_market_fields) & vals.keys():
            self._check_same_market()
        if not self.env.context.get("chorus_situation_refreshing"):
            self.situation_id._refresh_figures()
        return result

    def unlink(self):
        self._check_situation_open()
        situations = self.situation_id
        result = super().unlink()
        situations._refresh_figures()
        return result

    def _check_same_market(self):
        for record in self:
            for name in self._same_market_fields:
                market = record[name].market_id
                if market and market != record.situation_id.market_id:
                    raise ValidationError(self.env._(
                        "%(record)s belongs to market %(other)s, not to the situation's market %(market)s.",
                        record=record[name].display_name, other=market.name, market=record.situation_id.market_id.name))

    def _check_situation_open(self):
        frozen = self.situation_id.filtered(lambda s: s.state not in OPEN_STATES)
        if frozen:
            raise UserError(self.env._(
                "The situation %(situation)s is validated: it can no longer change. Correct it with the next "
                "situation, or with a credit note.", situation=frozen[0].name))
