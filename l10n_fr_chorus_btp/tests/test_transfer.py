from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from chorus_pro.client import ChorusProClient
from chorus_pro.simulator import HTTP_503, LOST_ANSWER

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestAutomaticTransfer(ChorusCommon):

    def test_post_queues_without_calling_chorus(self):
        """Posting queues the invoice and triggers the cron; nothing reaches Chorus Pro in that transaction."""
        cron = self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_send")
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        before = self.sim.stats.api_requests + self.sim.stats.token_requests
        move = self.make_invoice(post=True)
        self.assertEqual(self.sim.stats.api_requests + self.sim.stats.token_requests, before)
        self.assertEqual(move.chorus_state, "to_send")
        self.assertTrue(move.chorus_transfer_authorized)
        self.assertEqual(move.chorus_queued_by_id, self.env.user)
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers_before)

    def test_cron_deposits_and_records_identifiers(self):
        move = self.make_invoice(post=True)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertEqual(move.chorus_invoice_number, move.name)
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertEqual(move.chorus_status_label, "Déposée")
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        deposited = self.sim.invoice(int(move.chorus_identifier))
        self.assertEqual(deposited.number, move.name)
        bodies = " ".join(move.message_ids.mapped("body"))
        self.assertIn(move.chorus_identifier, bodies)
        # nothing left to send: a second run sends nothing
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.deposit_count(move.name), 1)

    def test_one_token_for_a_run(self):
        moves = self.make_invoice() + self.make_invoice(amount=200) + self.make_invoice(amount=300)
        moves.action_post()
        self.assertEqual(self.run_sender(), 3)
        self.assertEqual(self.sim.stats.token_requests, 1)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})

    def test_auto_transfer_off_waits(self):
        self.company.chorus_auto_transfer = False
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_send")
        self.assertFalse(move.chorus_transfer_authorized)
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.deposit_count(move.name), 0)
        # an authorized user transfers it
        move.action_chorus_transfer()
        self.assertTrue(move.chorus_transfer_authorized)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")

    def test_before_start_date_not_sent_automatically(self):
        self.company.chorus_start_date = fields.Date.from_string("2026-04-01")
        early = self.make_invoice(post=True, invoice_date="2026-03-31")
        on_time = self.make_invoice(post=True, invoice_date="2026-04-01")
        self.assertFalse(early.chorus_transfer_authorized)
        self.assertTrue(on_time.chorus_transfer_authorized)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(early.chorus_state, "to_send")
        self.assertEqual(on_time.chorus_state, "deposited")

    def test_user_without_right_waits_for_authorized_user(self):
        move = self.make_invoice(user=self.clerk)
        move.with_user(self.clerk).action_post()
        self.assertEqual(move.chorus_state, "to_send")
        self.assertFalse(move.chorus_transfer_authorized)
        self.assertEqual(self.run_sender(), 0)
        with self.assertRaises(AccessError) as caught:
            move.with_user(self.clerk).action_chorus_transfer()
        self.assertIn("Transfert facture", str(caught.exception))
        move = move.with_user(self.env.user)
        move.action_chorus_transfer()
        self.assertEqual(move.chorus_queued_by_id, self.env.user)
        self.assertEqual(self.run_sender(), 1)

    def test_market_outside_chorus_circuit_never_sent(self):
        market = self.make_market(chorus_circuit=False)
        move = self.make_invoice(market=market, post=True)
        self.assertEqual(move.chorus_state, "not_concerned")
        self.assertEqual(self.run_sender(), 0)

    def test_private_customer_not_concerned(self):
        move = self.make_invoice(partner=self.private_customer, post=True)
        self.assertEqual(move.chorus_state, "not_concerned")

    def test_unconfigured_company_does_not_queue(self):
        self.company.chorus_tech_login = "not-a-login"
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_send")
        self.assertFalse(move.chorus_transfer_authorized)


@tagged("post_install", "-at_install", "chorus_pro")
class TestSendingFaults(ChorusCommon):

    def test_lost_answer_is_reconciled_without_second_deposit(self):
        move = self.make_invoice(post=True)
        self.sim.faults.add(LOST_ANSWER, "factures/v1/soumettre")
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertFalse(move.chorus_reconcile_needed)
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.deposit_count(move.name), 1)

    def test_worker_died_between_deposit_and_commit(self):
        """Marked sending, deposited on Chorus Pro, then the worker died: the next run finds it."""
        move = self.make_invoice(post=True)
        client = ChorusProClient(self.company._chorus_config())
        try:
            self.env["chorus.pro.transfer"]._learn_company_ids(self.company, client)
            client.send_invoice(move._chorus_build_invoice(),
                                supplier_structure_id=int(self.company.chorus_supplier_structure_identifier))
        finally:
            client.close()
        move.write({"chorus_state": "sending"})
        self.age_sending(move, minutes=5)
        self.run_sender()
        self.assertEqual(move.chorus_state, "sending", "a recent 'sending' belongs to a live worker")
        self.age_sending(move, minutes=30)
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)

    def test_worker_died_before_deposit_sends_once(self):
        move = self.make_invoice(post=True)
        move.write({"chorus_state": "sending"})
        self.age_sending(move)
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")

    def test_transient_error_retries_with_backoff(self):
        move = self.make_invoice(post=True)
        self.sim.faults.add(HTTP_503, "*", count=20)
        self.run_sender()
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(move.chorus_send_attempts, 1)
        self.assertGreater(move.chorus_next_attempt, fields.Datetime.now())
        first_delay = move.chorus_next_attempt - fields.Datetime.now()
        # not due yet: nothing happens
        self.assertEqual(self.run_sender(), 0)
        self.sim.faults.clear()
        move.chorus_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.sim.faults.add(HTTP_503, "*", count=20)
        self.run_sender()
        self.assertEqual(move.chorus_send_attempts, 2)
        self.assertGreater(move.chorus_next_attempt - fields.Datetime.now(), first_delay)
        self.sim.faults.clear()
        move.chorus_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.run_sender()
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.deposit_count(move.name), 1)

    def test_business_error_needs_action_with_activity(self):
        move = self.make_invoice(post=True)
        # the customer's service was closed on Chorus Pro since the directory check
        self.sim.store.structure_by_siret(self.commune.company_registry).services[0].active = False
        self.run_sender()
        self.assertEqual(move.chorus_state, "action_needed")
        self.assertTrue(move.chorus_last_error)
        activity = move.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, move.invoice_user_id)
        self.assertEqual(self.sim.deposit_count(move.name), 0)

    def test_authentication_error_pauses_then_resumes(self):
        self.company.sudo().chorus_tech_password = "Mauvais-Mot-De-Passe-1"
        move = self.make_invoice(post=True)
        self.run_sender()
        self.assertTrue(self.company.chorus_auth_failed)
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(move.chorus_send_attempts, 0)
        # paused: nothing is tried while the company is flagged
        requests_before = self.sim.stats.token_requests + self.sim.stats.api_requests
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.stats.token_requests + self.sim.stats.api_requests, requests_before)
        # fixed (the setting changes): transfers resume
        self.company.sudo().chorus_tech_password = False
        self.assertFalse(self.company.chorus_auth_failed)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
