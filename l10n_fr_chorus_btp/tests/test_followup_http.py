"""In a real browser: the dashboard counter, the rejected-invoice banner and « Acknowledge the rejection »."""

from odoo.tests import HttpCase, tagged

from .common import AdminInTheCompany
from .test_followup_common import ChorusFollowupCase


@tagged("post_install", "-at_install")
class TestFollowupTour(AdminInTheCompany, ChorusFollowupCase, HttpCase):

    def test_tour_rejected_invoice_from_dashboard_to_acknowledgement(self):
        move = self.new_invoice(2400)
        self.deposit(move)
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", "Montant du lot 2 erroné")
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(move.chorus_state, "rejected")
        self.start_tour("/odoo/accounting", "l10n_fr_chorus_btp_followup", login="admin")
        move.invalidate_recordset()
        self.assertTrue(move.chorus_rejection_acknowledged)
        self.assertTrue(self.sim.invoice(int(move.chorus_identifier)).rejection_handled)
