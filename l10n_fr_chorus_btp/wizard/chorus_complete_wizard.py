"""« Complete on Chorus Pro »: add documents and a comment to a suspended invoice."""

import base64

from markupsafe import Markup
from odoo import fields, models
from odoo.addons.l10n_fr_chorus_btp.models.chorus_messages import issue_text
from odoo.exceptions import UserError

from chorus_pro.documents import Attachment, attachment_issues
from chorus_pro.statuses import FOLLOW_UP_STATUSES, FollowUpAction

from . import chorus_followup_common  # noqa: F401  (the mixin must be loaded first)


class ChorusProCompleteWizard(models.TransientModel):
    _name = "chorus.pro.complete.wizard"
    _inherit = "chorus.pro.followup.wizard.mixin"
    _description = "Complete a suspended invoice on Chorus Pro"

    attachment_ids = fields.Many2many(
        "ir.attachment", string="Documents to add",
        help="At most 10 MB each, a name of at most 50 characters with an extension accepted by Chorus Pro "
             "(PDF, JPG, PNG, XLSX, DOCX, ODT, ZIP…).")

    def _chorus_attachments(self):
        attachments = [Attachment(a.name or "", base64.b64decode(a.datas or b""), a.mimetype or "application/pdf")
                       for a in self.attachment_ids]
        issues = attachment_issues(attachments)
        if issues:
            raise UserError("\n".join(issue_text(self.env, issue, with_hint=False) for issue in issues))
        return attachments

    def action_complete(self):
        self.ensure_one()
        if self.move_id.chorus_status not in FOLLOW_UP_STATUSES[FollowUpAction.COMPLETE]:
            raise UserError(self.env._("The invoice %s is no longer suspended on Chorus Pro.",
                                       self.move_id.display_name))
        if not self.attachment_ids and not (self.comment or "").strip():
            raise UserError(self.env._("Add at least one document or a comment for the buyer."))
        attachments = self._chorus_attachments()
        invoice_id = int(self.move_id.chorus_identifier)

        def complete(client):
            ids = [client.transverses.upload_file(attachment).attachment_id for attachment in attachments]
            client.factures.complete(invoice_id, comment=self.comment or "", attachment_ids=ids)
        self._call_chorus(complete)
        names = ", ".join(self.attachment_ids.mapped("name")) or "-"
        self.move_id._chorus_log(Markup("%s<br/>%s %s<br/>%s %s") % (
            self.env._("Invoice completed on Chorus Pro."),
            self.env._("Documents:"), names, self.env._("Comment:"), self.comment or "-"))
        self._refresh_status()
        return {"type": "ir.actions.act_window_close"}
