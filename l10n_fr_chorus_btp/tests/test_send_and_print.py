"""Chorus Pro in Odoo's Send & Print: checked by default for Chorus Pro clients, problems shown as the
wizard's alerts, the invoice queued (never sent inside the user's transaction) and deposited once by the
sender; the three entry points (button, automatic transfer, Send & Print) give one transmission each."""

from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestSendAndPrint(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_auto_transfer = False

    def wizard(self, moves, user=None):
        env = self.env(user=user) if user else self.env
        if len(moves) == 1:
            return env["account.move.send.wizard"].with_context(
                active_model="account.move", active_ids=moves.ids).create({})
        return env["account.move.send.batch.wizard"].with_context(
            active_model="account.move", active_ids=moves.ids).create({})

    def calls(self):
        return self.sim.stats.api_requests + self.sim.stats.token_requests

    def test_chorus_pro_checked_by_default_and_queued_not_sent(self):
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_transfer")
        wizard = self.wizard(move)
        self.assertTrue(wizard.sending_method_checkboxes["chorus_pro"]["checked"])
        self.assertEqual(wizard.sending_methods, ["chorus_pro"], "the buyer reads it on Chorus Pro: no e-mail")
        self.assertFalse(wizard.alerts)
        before = self.calls()
        wizard.action_send_and_print()
        self.assertEqual(self.calls(), before, "nothing reaches Chorus Pro in the user's transaction")
        self.assertEqual(move.chorus_state, "to_send")
        transmission = move.chorus_transmission_id
        self.assertEqual((transmission.origin, transmission.queued_by_id), ("send_and_print", self.env.user))
        self.assertTrue(move.invoice_pdf_report_id, "Send & Print rendered the PDF")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        deposited = self.sim.invoice(int(move.chorus_identifier))
        self.assertEqual(self.sim.store.files[deposited.main_attachment_id].size,
                         len(move.invoice_pdf_report_id.raw), "the PDF deposited is the one Send & Print made")
        # sent: Chorus Pro is no longer offered for it
        self.assertFalse(self.env["account.move.send"]._is_applicable_to_move("chorus_pro", move))

    def test_problems_are_the_wizards_alerts(self):
        move = self.make_invoice(post=True)
        self.commune.chorus_requirement = "service_and_ej"  # since the directory was read: an EJ is required
        wizard = self.wizard(move)
        alert = wizard.alerts["l10n_fr_chorus_btp_problems"]
        self.assertEqual(alert["level"], "danger")
        self.assertIn("engagement juridique", alert["message"])
        self.assertEqual(alert["action"]["res_model"], "account.move")
        with self.assertRaises(UserError):
            wizard.action_send_and_print()
        self.assertEqual(move.chorus_state, "to_transfer")

    def test_user_without_the_right(self):
        move = self.make_invoice(user=self.clerk)
        move.with_user(self.clerk).action_post()
        wizard = self.wizard(move, user=self.clerk)
        self.assertIn("chorus_pro", wizard.sending_method_checkboxes, "offered, so that the user sees why")
        self.assertFalse(wizard.sending_method_checkboxes["chorus_pro"]["checked"])
        wizard.sending_method_checkboxes = {"chorus_pro": {"checked": True}}
        self.assertEqual(wizard.alerts["l10n_fr_chorus_btp_no_right"]["level"], "danger")
        with self.assertRaises(UserError):
            wizard.action_send_and_print()
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertEqual(self.run_sender(), 0)

    def test_batch_sending_in_the_background_queues_as_its_author(self):
        moves = self.make_invoice(post=True) + self.make_invoice(post=True, amount=250.0)
        wizard = self.wizard(moves)
        self.assertEqual(wizard.summary_data["chorus_pro"]["count"], 2)
        wizard.action_send_and_print()
        self.assertEqual(set(moves.mapped("chorus_state")), {"to_transfer"}, "nothing done before the cron")
        # what Odoo's scheduled action "Send invoices" does, minus its commit
        self.env["account.move.send"].sudo()._generate_and_send_invoices(moves, from_cron=True)
        self.assertEqual(set(moves.mapped("chorus_state")), {"to_send"})
        self.assertEqual(moves.chorus_transmission_id.queued_by_id, self.env.user)
        self.assertEqual(self.run_sender(), 2)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})

    def test_batch_wizard_checks_each_invoice_once_and_queues_them_together(self):
        moves = self.make_invoice(post=True) + self.make_invoice(post=True, amount=250.0)
        move_class = type(self.env["account.move"])
        real_preflight = move_class._chorus_preflight_issues
        checked = []

        def counted(move):
            checked.append(move.id)
            return real_preflight(move)
        before = self.calls()
        with patch.object(move_class, "_chorus_preflight_issues", counted):
            self.wizard(moves).action_send_and_print(force_synchronous=True)
        self.assertEqual(sorted(checked), sorted(moves.ids), "the wizard's alerts checked each invoice, once")
        self.assertEqual(set(moves.mapped("chorus_state")), {"to_send"})
        self.assertEqual(moves.chorus_transmission_id.mapped("origin"), ["send_and_print"] * 2)
        self.assertEqual(self.calls(), before, "queued, not sent, in the user's transaction")
        # without the wizard (Odoo's background sending), the check is made when queueing
        checked.clear()
        other = self.make_invoice(post=True, amount=300.0)
        with patch.object(move_class, "_chorus_preflight_issues", counted):
            self.env["account.move.send"]._generate_and_send_invoices(other, sending_methods=["chorus_pro"])
        self.assertEqual(checked, other.ids)
        self.assertEqual(other.chorus_state, "to_send")

    def test_each_entry_point_gives_one_transmission_and_one_deposit(self):
        by_button = self.make_invoice(post=True)
        by_button.action_chorus_transfer()
        by_wizard = self.make_invoice(post=True, amount=300.0)
        self.wizard(by_wizard).action_send_and_print()
        self.company.chorus_auto_transfer = True
        automatic = self.make_invoice(post=True, amount=400.0)
        moves = by_button + by_wizard + automatic
        self.assertEqual(moves.chorus_transmission_id.mapped("origin"), ["button", "send_and_print", "automatic"])
        self.assertEqual(self.run_sender(), 3)
        for move in moves:
            self.assertEqual(len(move.chorus_transmission_ids), 1)
            self.assertEqual(self.sim.deposit_count(move.name), 1)
        # and no second route afterwards: Send & Print no longer offers Chorus Pro for them
        for move in moves:
            self.assertNotIn("chorus_pro", self.wizard(move).sending_methods or [])

    def test_route_through_another_platform_keeps_works_documents(self):
        self.company.chorus_invoice_route = "other"
        ordinary = self.make_invoice(post=True)
        self.assertEqual(ordinary.chorus_state, "not_concerned", "it goes by Peppol or the approved platform")
        self.assertFalse(self.env["account.move.send"]._is_applicable_to_move("chorus_pro", ordinary))
        works_market = self.make_market(name="2026-TX-099", kind="works", partner_id=self.oph.id, service_id=False,
                                        moe_partner_id=self.moe.id, moa_partner_id=self.oph.id)
        works = self.make_invoice(partner=self.oph, market=works_market, post=True)
        self.assertEqual(works.chorus_cadre, "A4")
        self.assertEqual(works.chorus_state, "to_transfer", "works documents always go to Chorus Pro directly")
        self.assertTrue(self.env["account.move.send"]._is_applicable_to_move("chorus_pro", works))
