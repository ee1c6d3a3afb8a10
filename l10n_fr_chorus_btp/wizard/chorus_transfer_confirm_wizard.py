"""« Transfer to Chorus Pro » for invoices dated before the transfer start date: the user confirms first."""

from odoo import fields, models


class ChorusProTransferConfirmWizard(models.TransientModel):
    _name = "chorus.pro.transfer.confirm.wizard"
    _description = "Confirm the transfer of invoices dated before the transfer start date"

    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    early_move_ids = fields.Many2many("account.move", "chorus_pro_transfer_confirm_early_rel",
                                      string="Dated before the start date", readonly=True)
    start_date = fields.Date(string="Transfer start date", readonly=True)

    def action_confirm(self):
        self.ensure_one()
        return self.move_ids.with_context(chorus_confirm_before_start=True).action_chorus_transfer()
