"""Chorus Pro in Send & Print: a sending method, checked by default for the invoices of Chorus Pro clients.

The wizard only queues the invoices (the queueing function of the button and of the automatic transfer);
the scheduled action deposits them after the user's transaction, with the PDF that Send & Print rendered.
For the invoices that go through Chorus Pro's API, the other electronic routes (Peppol) are switched off:
an invoice reaches the buyer by exactly one route.
"""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError

from .chorus_transmission import TRANSFER_GROUP

CHORUS_PRO = "chorus_pro"
#: context key of a Send & Print wizard whose alerts ran the pre-flight of its invoices
CHECKED_BY_WIZARD = "l10n_fr_chorus_btp_checked_by_wizard"
#: other electronic routes that could also reach a public buyer (through Chorus Pro's Peppol access point)
OTHER_ELECTRONIC_ROUTES = frozenset({"peppol"})


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    # -- the sending method -----------------------------------------------------------------------------
    @api.model
    def _get_default_sending_methods(self, move) -> set:
        methods = super()._get_default_sending_methods(move)
        # checked by default for the invoices of Chorus Pro clients, when the user may transfer them; the buyer
        # reads them on Chorus Pro, so no e-mail unless the customer asked for one
        if self._is_applicable_to_move(CHORUS_PRO, move) and self._chorus_author(move).has_group(TRANSFER_GROUP):
            if not move.commercial_partner_id.with_company(move.company_id).invoice_sending_method:
                methods.discard("email")
            methods.add(CHORUS_PRO)
        return methods - (OTHER_ELECTRONIC_ROUTES if CHORUS_PRO in methods else set())

    @api.model
    def _is_applicable_to_company(self, method, company):
        if method == CHORUS_PRO:
            return company.country_code == "FR"
        return super()._is_applicable_to_company(method, company)

    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        if method == CHORUS_PRO:
            return move._chorus_waits_for_transfer()
        if method in OTHER_ELECTRONIC_ROUTES and move._chorus_is_concerned():
            # this invoice goes through Chorus Pro's API: never a second time by another route
            return False
        return super()._is_applicable_to_move(method, move, **move_data)

    @api.model
    def _chorus_author(self, move, move_data=None):
        """Who sends: the wizard's user, or the author recorded for a sending done in the background."""
        author_id = (move_data or {}).get("author_user_id") or (move.sending_data or {}).get("author_user_id")
        return self.env["res.users"].browse(author_id) if author_id else self.env.user

    # -- alerts: what blocks the transfer, with a link to fix it ------------------------------------------
    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        chorus_moves = moves.filtered(lambda m: CHORUS_PRO in (moves_data[m].get("sending_methods") or ()))
        if not chorus_moves:
            return alerts
        _ = self.env._
        if not self._chorus_author(chorus_moves[:1], moves_data[chorus_moves[:1]]).has_group(TRANSFER_GROUP):
            alerts["l10n_fr_chorus_btp_no_right"] = {
                "level": "danger",
                "message": _("You do not have the right \"Invoice transfer\": untick Chorus Pro, or ask a user "
                             "holding that right to send these invoices."),
            }
            return alerts
        blocked = chorus_moves.filtered(lambda m: m._chorus_transfer_problems())
        if blocked:
            alerts["l10n_fr_chorus_btp_problems"] = {
                "level": "danger",
                "message": "\n".join(dict.fromkeys(blocked._chorus_transfer_problems())),
                "action_text": _("View the invoice(s)"),
                "action": blocked._get_records_action(name=_("Invoices to correct for Chorus Pro")),
            }
        return alerts

    # -- after the PDF: queue for the sender ------------------------------------------------------------
    @api.model
    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        super()._call_web_service_after_invoice_pdf_render(invoices_data)
        by_author = defaultdict(lambda: self.env["account.move"])
        for invoice, invoice_data in invoices_data.items():
            if CHORUS_PRO not in invoice_data.get("sending_methods", ()) or invoice_data.get("error"):
                continue
            if not self._is_applicable_to_move(CHORUS_PRO, invoice, **invoice_data):
                continue
            by_author[self._chorus_author(invoice, invoice_data)] |= invoice
        # the wizard has just run the pre-flight for its alerts (and refused to go on with any problem)
        preflight = not self.env.context.get(CHECKED_BY_WIZARD)
        for author, invoices in by_author.items():
            invoices = invoices.with_user(author)
            if preflight:
                problems = {invoice: invoice._chorus_transfer_problems() for invoice in invoices}
                refused = invoices.filtered(lambda m, problems=problems: problems[m])
                for invoice in refused:
                    self._chorus_queue_error(invoices_data[invoice], problems[invoice])
                invoices -= refused
            if not invoices:
                continue
            try:
                # as its author: the right "Invoice transfer" is checked exactly as for the button; one queueing
                # for the whole batch
                self.env["chorus.pro.transmission"].with_user(author)._queue_moves(
                    invoices, origin="send_and_print", preflight=False)
            except UserError as error:  # the right, or what Chorus Pro would refuse: shown like any Send & Print error
                for invoice in invoices:
                    self._chorus_queue_error(invoices_data[invoice], [str(error)])

    def _chorus_queue_error(self, invoice_data, errors):
        invoice_data["error"] = {
            "error_title": self.env._("The invoice could not be queued for Chorus Pro:"),
            "errors": errors,
        }
