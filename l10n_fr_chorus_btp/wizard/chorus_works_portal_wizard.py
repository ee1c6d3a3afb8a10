"""The assisted portal deposit of a works document: the steps to follow on the Chorus Pro portal, its plain PDF,
the portal to open, and "Done, deposited" (which only changes the transmission's state: the sender then searches
the document by its number, outside this transaction)."""

import base64

from markupsafe import Markup
from odoo import api, fields, models
from odoo.addons.l10n_fr_chorus_btp.models.chorus_works_portal_texts import step_instruction

from chorus_pro.works_portal import portal_steps, portal_url


class ChorusProWorksPortalWizard(models.TransientModel):
    _name = "chorus.pro.works.portal.wizard"
    _description = "Deposit a works document on the Chorus Pro portal"

    transmission_id = fields.Many2one("chorus.pro.transmission", string="Transmission", required=True,
                                      readonly=True, ondelete="cascade")
    document_name = fields.Char(string="Document", compute="_compute_instructions", store=True)
    portal_url = fields.Char(string="Portal", compute="_compute_instructions", store=True)
    instructions = fields.Html(string="Steps on the portal", compute="_compute_instructions", store=True,
                               sanitize=True)
    pdf_file = fields.Binary(string="PDF to deposit", compute="_compute_instructions", store=True,
                             attachment=False)
    pdf_name = fields.Char(string="PDF file name", compute="_compute_instructions", store=True)

    @api.model
    def _open_for(self, transmission):
        """The wizard of ``transmission`` (waiting for its portal deposit), as a window action."""
        wizard = self.create({"transmission_id": transmission.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Deposit on the Chorus Pro portal"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.depends("transmission_id")
    def _compute_instructions(self):
        for wizard in self:
            transmission = wizard.transmission_id.sudo()
            document = transmission._document()
            company = transmission.company_id
            invoice = document._chorus_build_invoice(with_pdf=False)
            pdf = document._chorus_portal_pdf()
            url = portal_url(company.chorus_environment, company._chorus_config().simulator_url)
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td><strong>%s</strong></td></tr>") % (
                    step.number, step_instruction(self.env, step.code), step.portal_label, step.value)
                for step in portal_steps(invoice, pdf_name=pdf.name, url=url))
            head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
                self.env._("Step"), self.env._("What to do"), self.env._("On the portal"), self.env._("Value"))
            wizard.instructions = Markup('<table class="table table-sm o_chorus_portal_steps">'
                                         '<thead>%s</thead><tbody>%s</tbody></table>') % (head, rows)
            wizard.document_name = document.display_name
            wizard.portal_url = url or False
            wizard.pdf_file = base64.b64encode(pdf.content)
            wizard.pdf_name = pdf.name

    def action_open_portal(self):
        self.ensure_one()
        if not self.portal_url:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "title": self.env._("Chorus Pro"),
                    "message": self.env._(
                        "The simulation runs inside Odoo and has no portal page. Serve the simulator over HTTP "
                        "(command \"chorus-pro simulator\") and enter its URL in the settings to see its page."),
                },
            }
        return {"type": "ir.actions.act_url", "url": self.portal_url, "target": "new"}

    def action_done(self):
        """The person deposited the document on the portal: it waits to be found by its number."""
        self.ensure_one()
        self.transmission_id._portal_deposited()
        return {"type": "ir.actions.act_window_close", "infos": {"done": True}}
