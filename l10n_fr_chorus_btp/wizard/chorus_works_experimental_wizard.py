"""The first experimental deposit of works documents by a company: a person with the right "Invoice transfer"
reads what is unverified and confirms, once per company (the flag is kept on the company)."""

from odoo import Command, api, fields, models
from odoo.addons.l10n_fr_chorus_btp.models.chorus_works_modes import WORKS_DEPOSIT_MODES


class ChorusProWorksExperimentalWizard(models.TransientModel):
    _name = "chorus.pro.works.experimental.wizard"
    _description = "Confirm the experimental deposit of works documents"

    company_id = fields.Many2one("res.company", string="Company", required=True, readonly=True)
    mode = fields.Selection(WORKS_DEPOSIT_MODES, string="Deposit mode", readonly=True)
    move_ids = fields.Many2many("account.move", "chorus_works_experimental_move_rel", string="Invoices",
                                readonly=True)
    works_document_ids = fields.Many2many("chorus.pro.works.document", "chorus_works_experimental_document_rel",
                                          string="Works documents", readonly=True)

    @api.model
    def _open_for(self, moves=None, works_documents=None):
        """The confirmation of the first company of the documents that has not confirmed yet."""
        Transmission = self.env["chorus.pro.transmission"]
        Transmission._check_transfer_right()
        moves = moves or self.env["account.move"]
        works_documents = works_documents or self.env["chorus.pro.works.document"]
        unconfirmed = (Transmission._unconfirmed_experimental(moves)[:1]
                       or Transmission._unconfirmed_experimental(works_documents)[:1])
        wizard = self.create({
            "company_id": unconfirmed.company_id.id,
            "mode": Transmission._works_mode_of(unconfirmed),
            "move_ids": [Command.set(moves.ids)],
            "works_document_ids": [Command.set(works_documents.ids)],
        })
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Experimental deposit of works documents"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        """Keep the confirmation on the company, then send the documents as the button would."""
        self.ensure_one()
        self.env["chorus.pro.transmission"]._check_transfer_right()
        self.company_id.sudo().write({"chorus_works_experimental_confirmed": True})
        if self.move_ids:
            return self.move_ids.action_chorus_transfer()
        if self.works_document_ids:
            return self.works_document_ids.action_send_to_chorus()
        return {"type": "ir.actions.act_window_close"}
