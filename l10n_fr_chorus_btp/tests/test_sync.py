"""Status synchronisation against the simulator over HTTP: few calls, every change recorded and acted on."""

from datetime import timedelta, timezone
from unittest.mock import patch

from lxml import etree
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from chorus_pro.api.factures import Factures
from chorus_pro.dates import format_datetime
from chorus_pro.simulator import request_observers, seed

from .test_followup_common import ChorusFollowupCase

SEARCH = "factures/v1/rechercher/fournisseur"
HISTORY = "factures/v1/consulter/historique"
STEP = 3600  # the simulator moves an invoice one status further every simulated hour


@tagged("post_install", "-at_install")
class TestStatusSync(ChorusFollowupCase):

    def setUp(self):
        super().setUp()
        self.moves = self.new_invoice(1000) | self.new_invoice(2000) | self.new_invoice(3000)
        self.ids = self.deposit(self.moves)

    def run_cron(self):
        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        return spy

    def test_cron_follows_invoices_to_payment_with_one_search(self):
        self.sim.advance(STEP * 1.5)  # DEPOSEE → EN_COURS_ACHEMINEMENT
        spy = self.run_cron()
        self.assertEqual(spy.calls(SEARCH), 1, f"one paginated search for the whole company: {spy}")
        self.assertEqual(spy.calls(HISTORY), 0, "no history when nothing needs a reason")
        for move in self.moves:
            self.assertEqual(move.chorus_status, "EN_COURS_ACHEMINEMENT")
            self.assertEqual(move.chorus_state, "in_progress")
            self.assertEqual(move.chorus_status_label, "En cours d'acheminement")
            self.assertIn("En cours d&#39;acheminement", self.chatter_text(move).replace("'", "&#39;"))
        self.assertTrue(self.company.chorus_last_sync)

        self.sim.advance(STEP * 6)  # … → MISE_EN_PAIEMENT
        self.run_cron()
        for move in self.moves:
            self.assertEqual(move.chorus_status, "MISE_EN_PAIEMENT")
            self.assertEqual(move.chorus_state, "paid")
            event = self.sim.invoice(int(move.chorus_identifier)).history[-1]
            expected = event.at.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
            self.assertEqual(move.chorus_status_date, expected, "the date of the status on Chorus Pro")
            self.assertIn("reconcile the bank payment", self.chatter_text(move))

        spy = self.run_cron()
        self.assertEqual(spy.calls(), 0, "paid invoices are no longer followed: no call at all")

    def test_final_status_ends_the_follow_up(self):
        for move in self.moves:
            self.sim.set_invoice_status(int(move.chorus_identifier), "ABANDONNEE")
        self.run_cron()
        self.assertEqual(set(self.moves.mapped("chorus_status_label")), {"Abandonnée"})
        spy = self.run_cron()
        self.assertEqual(spy.calls(), 0, "a final status is not followed any more")

    def test_unchanged_statuses_cost_one_search_and_write_nothing(self):
        self.run_cron()
        messages = {move.id: len(move.message_ids) for move in self.moves}
        spy = self.run_cron()
        self.assertEqual(spy.calls(SEARCH), 1)
        self.assertEqual(spy.calls(HISTORY), 0)
        for move in self.moves:
            self.assertEqual(len(move.message_ids), messages[move.id], "no message when nothing changed")

    def test_window_starts_at_last_sync_minus_overlap(self):
        last = fields.Datetime.now() - timedelta(hours=5)
        self.company.chorus_last_sync = last
        bodies = []

        def observe(path, headers, body):
            if str(path).endswith("rechercher/fournisseur"):
                bodies.append(body)
        request_observers.append(observe)
        try:
            self.run_cron()
        finally:
            request_observers.remove(observe)
        self.assertEqual(len(bodies), 1)
        start = bodies[0]["periodeDateHeureEtatCourantDu"]
        self.assertTrue(start.startswith((last - timedelta(hours=1)).strftime("%Y-%m-%dT")), start)

    def listed_by_the_search(self):
        """Run the cron; return the search criteria sent and the invoice ids the search listed."""
        criteria, listed = [], []
        original = Factures.iter_supplier_invoices

        def spied(api, **kwargs):
            criteria.append(kwargs)
            for summary in original(api, **kwargs):
                listed.append(summary.invoice_id)
                yield summary
        with patch.object(Factures, "iter_supplier_invoices", spied):
            spy = self.run_cron()
        self.assertEqual(spy.calls(SEARCH), 1, f"one search call: {spy}")
        return criteria, listed

    def test_window_starts_at_the_newest_status_read_on_chorus_pro(self):
        first, other, third = self.moves
        self.sim.advance(STEP * 1.5)  # DEPOSEE → EN_COURS_ACHEMINEMENT
        self.run_cron()
        newest = max(self.moves.mapped("chorus_status_date"))
        self.assertEqual(self.company.chorus_status_mark, newest, "the mark is a date of Chorus Pro's clock")

        self.sim.advance(600)  # ten minutes later, the buyer suspends one invoice (nothing else moves)
        self.sim.set_invoice_status(int(first.chorus_identifier), "SUSPENDUE", "Bon de livraison manquant")
        criteria, listed = self.listed_by_the_search()
        self.assertEqual(criteria[0]["status_changed_from"], newest - timedelta(minutes=5),
                         "since the newest status read, minus a five-minute overlap")
        self.assertEqual(first.chorus_status, "SUSPENDUE")
        self.assertEqual(self.company.chorus_status_mark, first.chorus_status_date)

        criteria, listed = self.listed_by_the_search()
        self.assertEqual(listed, [int(first.chorus_identifier)],
                         "nothing changed: only the newest status is listed again, not every invoice followed")
        self.assertEqual(criteria[0]["status_changed_from"], first.chorus_status_date - timedelta(minutes=5))
        self.assertEqual((other | third).mapped("chorus_status"), ["EN_COURS_ACHEMINEMENT"] * 2)
        self.assertTrue(format_datetime(criteria[0]["status_changed_from"]).endswith("+00:00"),
                        "the naive mark is sent as UTC")

    def test_suspension_reason_from_search_and_activity(self):
        move = self.moves[0]
        move.invoice_user_id = self.env.user
        self.sim.set_invoice_status(int(move.chorus_identifier), "SUSPENDUE", "Bon de livraison signé manquant")
        spy = self.run_cron()
        self.assertEqual(spy.calls(HISTORY), 0, "the reason came with the search answer")
        self.assertEqual(move.chorus_state, "action_needed")
        self.assertEqual(move.chorus_status_comment, "Bon de livraison signé manquant")
        self.assertTrue(move.chorus_needs_action)
        activity = self.chorus_activities(move)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.user)
        self.assertIn("Bon de livraison signé manquant", activity.note)
        self.assertIn("Bon de livraison signé manquant", self.chatter_text(move))
        # a later status closes the to-do
        self.sim.set_invoice_status(int(move.chorus_identifier), "COMPLETEE")
        self.run_cron()
        self.assertEqual(move.chorus_state, "in_progress")
        self.assertFalse(self.chorus_activities(move), "the to-do is done once the buyer has moved on")

    def test_history_only_for_a_changed_status_without_its_reason(self):
        rejected, other = self.moves[0], self.moves[1]
        self.sim.set_invoice_status(int(rejected.chorus_identifier), "REJETEE", "")
        self.sim.set_invoice_status(int(other.chorus_identifier), "MISE_A_DISPOSITION")
        spy = self.run_cron()
        self.assertEqual(spy.calls(HISTORY), 1, "one history call: the rejection without its reason")
        self.assertEqual(rejected.chorus_state, "rejected")
        self.assertEqual(other.chorus_state, "in_progress")

    def test_rejection_flags_invoice_until_credit_note(self):
        move = self.moves[0]
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", "Montant erroné")
        self.run_cron()
        self.assertEqual(move.chorus_state, "rejected")
        self.assertTrue(move.chorus_needs_action)
        self.assertIn("issue a credit note", self.chorus_activities(move).summary)
        dashboard = self.journal._get_journal_dashboard_data_batched()[self.journal.id]
        self.assertEqual(dashboard["chorus_action_needed"], 1)
        self.assertEqual(self.env["account.move"].search_count(
            [("chorus_needs_action", "=", True), ("journal_id", "=", self.journal.id)]), 1)

        action = move.action_chorus_credit_note()
        self.assertEqual(action["res_model"], "account.move.reversal")
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=move.ids).create(
            {"reason": "Rejet Chorus Pro", "journal_id": self.journal.id})
        action = reversal.modify_moves()  # credit note (reconciled) + a new draft invoice to correct
        self.assertEqual(move.payment_state, "reversed")
        credit_note = move.reversal_move_ids
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.chorus_state, "not_concerned", "never sent: it cancels a dead invoice")
        new_invoice = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((new_invoice.state, new_invoice.partner_id), ("draft", self.buyer))
        self.assertFalse(move.chorus_needs_action)
        dashboard = self.journal._get_journal_dashboard_data_batched()[self.journal.id]
        self.assertEqual(dashboard["chorus_action_needed"], 0)

    def test_action_needed_filter_menu_and_dashboard_share_one_definition(self):
        view = self.env.ref("account.view_account_invoice_filter")
        arch = self.env["account.move"].get_views([(view.id, "search")])["views"]["search"]["arch"]
        filters = etree.fromstring(arch).xpath("//filter[starts-with(@name, 'chorus_')]")
        needs_action = [f for f in filters if "chorus_needs_action" in (f.get("domain") or "")]
        self.assertEqual([f.get("name") for f in needs_action], ["chorus_needs_action"], "one filter only")
        self.assertFalse([f.get("name") for f in filters if "rejected" in (f.get("domain") or "")],
                         "no second definition of what needs an action")
        domain = safe_eval(needs_action[0].get("domain")) + [("journal_id", "=", self.journal.id)]
        to_handle = self.env.ref("l10n_fr_chorus_btp.action_chorus_to_handle")
        self.assertEqual(safe_eval(to_handle.context)["search_default_chorus_needs_action"], 1)
        move = self.moves[0]
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", "Montant erroné")
        self.run_cron()
        self.assertEqual(self.env["account.move"].search(domain), move)
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=move.ids).create(
            {"reason": "Rejet Chorus Pro", "journal_id": self.journal.id})
        reversal.modify_moves()  # posted credit note, reconciled with the rejected invoice
        self.assertEqual(move.payment_state, "reversed")
        self.assertFalse(self.env["account.move"].search(domain), "a rejected invoice with its credit note is done")
        dashboard = self.journal._get_journal_dashboard_data_batched()[self.journal.id]
        self.assertEqual(dashboard["chorus_action_needed"], 0)

    def test_manual_update_reads_history_of_the_selected_invoices(self):
        move = self.moves[1]
        self.sim.advance(STEP * 2.5)
        with self.spy_clients() as spy:
            action = move.action_chorus_update_status()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(spy.calls(HISTORY), 1)
        self.assertEqual(spy.calls(SEARCH), 0)
        self.assertEqual(move.chorus_status, self.sim_status(move))
        self.assertEqual(self.moves[0].chorus_status, "DEPOSEE", "only the selected invoice is updated")
        with self.assertRaises(UserError):
            self.new_invoice(10).action_chorus_update_status()

    def test_auth_failure_pauses_sync_and_resumes_after_fix(self):
        self.sim.set_piste_secret("secret-regenerated-on-piste")
        self.sim.revoke_tokens()
        try:
            self.run_cron()
            self.assertTrue(self.company.chorus_auth_failed)
            self.assertTrue(self.company.chorus_auth_failed_message)
            self.assertNotIn("secret-regenerated", self.company.chorus_auth_failed_message)
            mails = self.env["mail.mail"].search([("email_to", "=", self.company.chorus_referent_email)])
            self.assertEqual(len(mails), 1, "the referent is told at once")
            spy = self.run_cron()
            self.assertEqual(spy.calls(), 0, "paused: no call while the credentials are refused")
            self.company.chorus_piste_client_secret = "secret-regenerated-on-piste"
            self.assertFalse(self.company.chorus_auth_failed, "a settings change resumes the traffic")
            self.sim.advance(STEP * 1.5)
            self.run_cron()
            self.assertEqual(self.moves[0].chorus_state, "in_progress")
        finally:
            self.sim.set_piste_secret(seed.PISTE_CLIENT_SECRET)
