"""« Correct the validator »: name the right validator of a sub-contractor (A9) or co-contractor (A12) invoice."""

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError

from chorus_pro.siret import compact_siret, siret_problem
from chorus_pro.statuses import FOLLOW_UP_STATUSES, FollowUpAction

from . import chorus_followup_common  # noqa: F401  (the mixin must be loaded first)


class ChorusProValidatorWizard(models.TransientModel):
    _name = "chorus.pro.validator.wizard"
    _inherit = "chorus.pro.followup.wizard.mixin"
    _description = "Correct the validator of an invoice on Chorus Pro"

    validator_partner_id = fields.Many2one("res.partner", "Validator",
                                           help="The main contractor (A9) or the lead co-contractor (A12) of the market.")
    validator_siret = fields.Char("Validator SIRET", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id"))
        validator = move.chorus_market_id.validator_partner_id if move else False
        if validator:
            values.setdefault("validator_partner_id", validator.id)
            values.setdefault("validator_siret", validator.company_registry or "")
        return values

    @api.onchange("validator_partner_id")
    def _onchange_validator_partner_id(self):
        if self.validator_partner_id.company_registry:
            self.validator_siret = self.validator_partner_id.company_registry

    def action_correct(self):
        self.ensure_one()
        if self.move_id.chorus_status not in FOLLOW_UP_STATUSES[FollowUpAction.CORRECT_VALIDATOR]:
            raise UserError(self.env._("Chorus Pro does not report a wrong validator on the invoice %s.",
                                       self.move_id.display_name))
        siret = compact_siret(self.validator_siret or "")
        if siret_problem(siret):
            raise UserError(self.env._("The validator SIRET \"%s\" is not valid: it has 14 digits and passes the "
                                       "SIRET checksum.", self.validator_siret or ""))
        self._call_chorus(lambda client: client.factures.correct_validator(int(self.move_id.chorus_identifier), siret))
        self.move_id._chorus_log(Markup("%s %s") % (self.env._("Validator corrected on Chorus Pro:"), siret))
        self._refresh_status()
        return {"type": "ir.actions.act_window_close"}
