"""« Contest the corrected amount »: the reason the supplier gives the project manager, before the deadline."""

from odoo import api, fields, models
from odoo.exceptions import UserError

#: the records whose amount a project manager may correct (chorus.pro.amount.correction)
CORRECTED_MODELS = ("chorus.pro.situation", "chorus.pro.works.document")


class ChorusProAmountContestWizard(models.TransientModel):
    _name = "chorus.pro.amount.contest.wizard"
    _description = "Contest an amount corrected by the project manager"

    res_model = fields.Char(string="Document model", required=True, readonly=True)
    res_id = fields.Integer(string="Document ID", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", compute="_compute_figures")
    own_amount = fields.Monetary(string="Our amount to pay", compute="_compute_figures")
    corrected_amount = fields.Monetary(string="Amount accepted by the project manager", compute="_compute_figures")
    deadline = fields.Date(string="Contest before", compute="_compute_figures")
    reason = fields.Text(string="Reason", required=True,
                         help="Why the corrected amount is wrong: it goes into the chatter, with the reminder.")

    def _record(self):
        self.ensure_one()
        if self.res_model not in CORRECTED_MODELS:
            raise UserError(self.env._("Only a situation or a works document can be contested here."))
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.depends("res_model", "res_id")
    def _compute_figures(self):
        for wizard in self:
            record = wizard._record() if wizard.res_model in CORRECTED_MODELS else None
            wizard.currency_id = record.currency_id if record else self.env.company.currency_id
            wizard.own_amount = record.chorus_own_amount if record else 0.0
            wizard.corrected_amount = record.chorus_corrected_amount if record else 0.0
            wizard.deadline = record.chorus_contest_deadline if record else False

    def action_contest(self):
        self.ensure_one()
        record = self._record()
        if not record:
            raise UserError(self.env._("The document to contest no longer exists."))
        record._chorus_contest(self.reason)
        return {"type": "ir.actions.act_window_close"}
