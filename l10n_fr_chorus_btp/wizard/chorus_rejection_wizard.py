"""« Acknowledge the rejection »: tell Chorus Pro that rejected invoices have been dealt with."""

from markupsafe import Markup
from odoo import api, fields, models
from odoo.addons.l10n_fr_chorus_btp.models.chorus_messages import user_error
from odoo.exceptions import UserError

from chorus_pro.errors import ChorusProError


class ChorusProRejectionWizard(models.TransientModel):
    _name = "chorus.pro.rejection.wizard"
    _description = "Acknowledge rejected invoices on Chorus Pro"

    move_ids = fields.Many2many("account.move", string="Rejected invoices", readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move":
            values["move_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        return values

    def action_acknowledge(self):
        self.ensure_one()
        self.env["chorus.pro.transmission"]._check_transfer_right()
        moves = self.move_ids.filtered(lambda m: m.chorus_state == "rejected" and m.chorus_identifier
                                       and not m.chorus_rejection_acknowledged)
        if not moves:
            raise UserError(self.env._("No selected invoice is rejected on Chorus Pro with a rejection "
                                       "still to acknowledge."))
        for company in moves.company_id:
            company_moves = moves.filtered(lambda m, c=company: m.company_id == c)
            try:
                with company.sudo()._chorus_client() as client:
                    client.factures.acknowledge_rejections([int(m.chorus_identifier) for m in company_moves])
            except ChorusProError as error:
                raise user_error(self.env, error) from None
            company_moves.chorus_transmission_id.sudo().write({"rejection_acknowledged": True})
            for move in company_moves:
                move._chorus_log(Markup("%s") % self.env._(
                    "Rejection acknowledged on Chorus Pro. Issue a credit note for this invoice, then a new "
                    "corrected invoice."))
        return {"type": "ir.actions.act_window_close"}
