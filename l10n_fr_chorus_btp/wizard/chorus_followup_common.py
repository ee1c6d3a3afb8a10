"""What the four follow-up wizards share: the invoice they act on and the Chorus Pro call."""

from odoo import api, fields, models
from odoo.addons.l10n_fr_chorus_btp.models.chorus_messages import user_error
from odoo.exceptions import UserError

from chorus_pro.errors import ChorusProError


class ChorusFollowupWizardMixin(models.AbstractModel):
    _name = "chorus.pro.followup.wizard.mixin"
    _description = "Chorus Pro follow-up wizard (common part)"

    move_id = fields.Many2one("account.move", "Invoice", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="move_id.company_id")
    chorus_identifier = fields.Char(related="move_id.chorus_identifier")
    chorus_status_label = fields.Char(related="move_id.chorus_status_label")
    chorus_status_comment = fields.Text(related="move_id.chorus_status_comment", string="Buyer's comment")
    comment = fields.Text("Comment for the buyer")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move" and "move_id" in fields_list:
            values.setdefault("move_id", self.env.context.get("active_id"))
        return values

    def _check_rights(self):
        self.env["chorus.pro.transmission"]._check_transfer_right()

    def _call_chorus(self, operation):
        """Run ``operation(client)``; every Chorus Pro error becomes a message in the user's language, nothing is
        written."""
        self._check_rights()
        company = self.move_id.company_id
        if not company._chorus_is_configured():
            raise UserError(self.env._("Chorus Pro is not configured for the company %s.", company.name))
        try:
            with company.sudo()._chorus_client() as client:
                return operation(client)
        except ChorusProError as error:
            raise user_error(self.env, error) from None

    def _refresh_status(self):
        """Read the new status right away (one history call); a failure here changes nothing."""
        try:
            self.env["chorus.pro.sync"].sudo()._sync_moves(self.move_id)
        except UserError:
            pass
