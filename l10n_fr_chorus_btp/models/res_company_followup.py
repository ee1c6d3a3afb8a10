"""What the follow-up remembers per company: last status sync, credential warnings sent."""

from odoo import fields, models

from . import res_company  # noqa: F401  (overrides its methods: load it first)


class ResCompany(models.Model):
    _inherit = "res.company"

    chorus_last_sync = fields.Datetime(
        "Last Chorus Pro status sync", readonly=True, copy=False,
        help="Start of the last complete status synchronisation; the next one reads the statuses "
             "changed since then (with an overlap).")
    chorus_reminders_sent = fields.Char(
        "Chorus Pro warnings sent", readonly=True, copy=False, groups="base.group_system",
        help="Technical: keys of the credential warnings already sent, so that none is sent twice.")

    def _chorus_mark_auth_failed(self, message_fr):
        """Warn the referent and the administrators at once, not at the next daily check."""
        already = self.chorus_auth_failed
        super()._chorus_mark_auth_failed(message_fr)
        if not already:
            self.env["chorus.pro.credential.reminder"]._notify_auth_failure(self)
