"""« Refuse »: the reason for refusal (motif du refus) of documents to validate, mandatory; the refusal is queued."""

from odoo import fields, models


class ChorusProValidationRefuseWizard(models.TransientModel):
    _name = "chorus.pro.validation.refuse.wizard"
    _description = "Refuse documents to validate on Chorus Pro"

    validation_ids = fields.Many2many("chorus.pro.validation", string="Documents", readonly=True)
    reason = fields.Text(string="Reason for refusal", required=True,
                         help="The subcontractor (or co-contractor) reads it on Chorus Pro.")

    def action_refuse(self):
        self.ensure_one()
        self.validation_ids._queue_refusal(self.reason)
        return {"type": "ir.actions.act_window_close"}
