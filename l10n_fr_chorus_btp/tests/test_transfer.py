from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
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
        self.assertEqual(move.chorus_transmission_id.origin, "automatic")
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

    def test_invoices_searched_by_their_live_transmission(self):
        """The transmission is computed, not stored: searches on it and on its related fields still work, and a
        cancelled transmission is not the invoice's."""
        Move = self.env["account.move"]
        sent, waiting = self.make_invoice(post=True), self.make_invoice()
        self.run_sender()
        transmission = sent.chorus_transmission_id
        scope = [("id", "in", (sent | waiting).ids)]
        self.assertEqual(Move.search(scope + [("chorus_transmission_id", "=", transmission.id)]), sent)
        self.assertEqual(Move.search(scope + [("chorus_transmission_id", "!=", False)]), sent)
        self.assertEqual(Move.search(scope + [("chorus_transmission_id", "=", False)]), waiting)
        self.assertEqual(Move.search(scope + [("chorus_identifier", "=", sent.chorus_identifier)]), sent)
        self.assertEqual(Move.search(scope + [("chorus_transmission_id.state", "=", "deposited")]), sent)
        waiting.action_post()
        queued = waiting.chorus_transmission_id
        waiting.button_draft()
        self.assertEqual(queued.state, "cancelled")
        self.assertFalse(waiting.chorus_transmission_id)
        self.assertEqual(Move.search(scope + [("chorus_transmission_id", "=", queued.id)]), Move)
        self.assertEqual(Move.search(scope + [("chorus_transmission_id", "=", False)]), waiting)

    def test_one_token_for_a_run(self):
        moves = self.make_invoice() + self.make_invoice(amount=200) + self.make_invoice(amount=300)
        moves.action_post()
        self.assertEqual(self.run_sender(), 3)
        self.assertEqual(self.sim.stats.token_requests, 1)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})

    def test_auto_transfer_off_waits(self):
        self.company.chorus_auto_transfer = False
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertFalse(move.chorus_transmission_id)
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.deposit_count(move.name), 0)
        # an authorized user transfers it
        move.action_chorus_transfer()
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(move.chorus_transmission_id.origin, "button")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")

    def test_before_start_date_not_sent_automatically(self):
        self.company.chorus_start_date = fields.Date.from_string("2026-04-01")
        early = self.make_invoice(post=True, invoice_date="2026-03-31")
        on_time = self.make_invoice(post=True, invoice_date="2026-04-01")
        self.assertEqual(early.chorus_state, "to_transfer")
        self.assertEqual(on_time.chorus_state, "to_send")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(early.chorus_state, "to_transfer")
        self.assertEqual(on_time.chorus_state, "deposited")

    def test_user_without_right_waits_for_authorized_user(self):
        move = self.make_invoice(user=self.clerk)
        move.with_user(self.clerk).action_post()
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertTrue(move.chorus_needs_action, "counted on the dashboard and in « To handle »")
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

    def test_on_chorus_invoice_cannot_go_back_to_draft(self):
        move = self.make_invoice(post=True)
        self.run_sender()
        with self.assertRaises(UserError):
            move.button_draft()
        # an invoice still waiting may: it leaves the queue
        waiting = self.make_invoice(post=True)
        transmission = waiting.chorus_transmission_id
        waiting.button_draft()
        self.assertEqual(waiting.chorus_state, "not_concerned")
        self.assertEqual(transmission.state, "cancelled")
        waiting.button_cancel()
        self.assertEqual(self.run_sender(), 0)

    def test_unconfigured_company_does_not_queue(self):
        self.company.chorus_tech_login = "not-a-login"
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_transfer")


@tagged("post_install", "-at_install", "chorus_pro")
class TestSendingFaults(ChorusCommon):

    def test_lost_answer_is_reconciled_without_second_deposit(self):
        move = self.make_invoice(post=True)
        self.sim.faults.add(LOST_ANSWER, "factures/v1/soumettre")
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertEqual(self.run_sender(), 0)
        self.assertEqual(self.sim.deposit_count(move.name), 1)

    def test_worker_died_between_deposit_and_commit(self):
        """Marked sending, deposited on Chorus Pro, then the worker died: the next run finds it."""
        move = self.make_invoice(post=True)
        client = ChorusProClient(self.company._chorus_config())
        try:
            self.env["chorus.pro.transfer"]._learn_company_ids(self.company, client)
            client.deposits.send(move._chorus_build_invoice(),
                                 supplier_structure_id=int(self.company.chorus_supplier_structure_identifier))
        finally:
            client.close()
        move.chorus_transmission_id.sudo().write({"state": "sending"})
        # nobody holds the transmission any more: the next run searches it before any deposit
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)

    def test_worker_died_before_deposit_sends_once(self):
        move = self.make_invoice(post=True)
        move.chorus_transmission_id.sudo().write({"state": "sending"})
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
        self.make_due(move)
        self.sim.faults.add(HTTP_503, "*", count=20)
        self.run_sender()
        self.assertEqual(move.chorus_send_attempts, 2)
        self.assertGreater(move.chorus_next_attempt - fields.Datetime.now(), first_delay)
        self.sim.faults.clear()
        self.make_due(move)
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


@tagged("post_install", "-at_install", "chorus_pro")
class TestCommittedSending(ChorusCommon):
    """The sender on a cursor that really commits (Odoo's test cursor in registry test mode)."""

    def _run_on_own_cursor(self):
        # a cron's context: the tests' "no tracking, no chatter" switches do not apply
        context = {k: v for k, v in self.env.context.items() if k not in ("tracking_disable", "mail_notrack")}
        with self.registry.cursor() as cr:
            return self.env(cr=cr, context=context)["chorus.pro.transfer"]._cron_send_queued()

    def test_each_invoice_committed_and_every_state_change_in_chatter(self):
        moves = self.make_invoice() + self.make_invoice(amount=50)
        moves.action_post()
        with self.enter_registry_test_mode():
            self.assertEqual(self._run_on_own_cursor(), 2)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        for move in moves:
            values = self.env["mail.tracking.value"].sudo().search([
                ("mail_message_id", "in", move.message_ids.ids),
                ("field_id.name", "=", "chorus_state")], order="id")
            # both transitions tracked (queued -> sending -> deposited), in the chatter of the invoice
            self.assertEqual(len(values), 2)
            self.assertEqual(values[0].old_value_char, "En attente d'envoi")
            self.assertEqual(values[0].new_value_char, "En cours d'envoi")
            self.assertEqual(values[1].new_value_char, "Déposée")
            self.assertIn(move.chorus_identifier, " ".join(move.message_ids.mapped("body")))

    def test_worker_killed_after_deposit_before_commit(self):
        """The deposit reached Chorus Pro, then the worker died before committing: never sent twice."""
        move = self.make_invoice(post=True)
        transmission_class = type(self.env["chorus.pro.transmission"])

        def dying_record(transmission, result):
            raise KeyboardInterrupt("worker killed")  # deposited on Chorus Pro, nothing recorded

        # (not assertRaises: Odoo's rolls its savepoint back, which would undo the first commit too)
        killed = False
        with self.enter_registry_test_mode(), patch.object(transmission_class, "_record_deposit", dying_record):
            try:
                self._run_on_own_cursor()
            except KeyboardInterrupt:
                killed = True
        self.assertTrue(killed)
        self.env.invalidate_all()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "sending", "the outcome was never committed")
        self.assertFalse(move.chorus_identifier)
        # nobody holds the transmission: the next run searches it before any deposit, and finds it
        self.run_sender()
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertIn("Retrouvée sur Chorus Pro", " ".join(move.message_ids.mapped("body")))


@tagged("post_install", "-at_install", "chorus_pro")
class TestMultiCompanyTransfer(ChorusCommon):

    def test_companies_use_their_own_connection(self):
        other_data = self.setup_other_company(name="SOCIETE SOEUR BTP")
        other = other_data["company"]
        other.write({"company_registry": "52345678800018", "chorus_auto_transfer": True,
                     "chorus_simulator_url": self.server.url})
        other.sudo()._chorus_mark_auth_failed("Mot de passe refusé")
        bank = self.env["res.partner.bank"].create({"acc_number": "FR1420041010050500013M02606",
                                                    "partner_id": other.partner_id.id})
        theirs = self.env["account.move"].with_company(other).create({
            "move_type": "out_invoice", "partner_id": self.oph.id, "invoice_date": "2026-03-15",
            "partner_bank_id": bank.id, "company_id": other.id,
            "invoice_line_ids": [(0, 0, {"name": "Travaux", "quantity": 1, "price_unit": 100.0,
                                         "tax_ids": [(6, 0, other_data["default_tax_sale"].ids)]})],
        })
        theirs.action_post()
        ours = self.make_invoice(post=True)
        self.assertEqual(theirs.chorus_state, "to_send")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(ours.chorus_state, "deposited")
        self.assertEqual(theirs.chorus_state, "to_send", "a paused company waits, the others go on")
        self.assertFalse(theirs.chorus_identifier)
        self.assertEqual(len(self.sim.deposits), 1)
