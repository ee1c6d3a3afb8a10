"""What an accountant meets every day: invoices dated before the start date, archived markets, invoices
waiting for a user with the right, what the form offers once an invoice is on Chorus Pro, and a chatter that
speaks in labels."""

from lxml import etree
from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestDailyUse(ChorusCommon):

    def flush_tracking(self):
        """What a commit does: the chatter's tracking messages are written."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.invalidate_all()

    def test_manual_transfer_before_the_start_date_asks_first(self):
        self.company.chorus_start_date = fields.Date.from_string("2026-04-01")
        early = self.make_invoice(post=True, invoice_date="2026-03-31")
        self.assertEqual(early.chorus_state, "to_transfer", "never sent automatically")
        action = early.action_chorus_transfer()
        self.assertEqual(action["res_model"], "chorus.pro.transfer.confirm.wizard")
        self.assertEqual(early.chorus_state, "to_transfer", "nothing queued before the user confirms")
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(wizard.early_move_ids, early)
        self.assertEqual(wizard.start_date, fields.Date.from_string("2026-04-01"))
        wizard.action_confirm()
        self.assertEqual(early.chorus_state, "to_send")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(early.chorus_state, "deposited")

    def test_invoice_on_an_archived_market_refused_at_posting(self):
        market = self.make_market()
        move = self.make_invoice(market=market)
        market.active = False
        with self.assertRaises(UserError) as caught:
            move.action_post()
        self.assertIn(market.display_name, str(caught.exception))
        self.assertIn("archivé", str(caught.exception))
        self.assertEqual(move.state, "draft")

    def test_invoice_waiting_for_a_user_with_the_right_is_counted(self):
        move = self.make_invoice(user=self.clerk)
        move.with_user(self.clerk).action_post()
        self.assertEqual(move.chorus_state, "to_transfer")
        to_handle = self.env.ref("l10n_fr_chorus_btp.action_chorus_to_handle")
        self.assertIn(move, self.env["account.move"].search(
            [("chorus_needs_action", "=", True)] + eval(to_handle.domain)))  # noqa: S307 - our own action's domain
        journal = move.journal_id
        self.assertEqual(journal._get_journal_dashboard_data_batched()[journal.id]["chorus_action_needed"], 1)
        # the invoice says so above its sheet, where Odoo shows its own warnings, not in the Chorus Pro tab
        arch = etree.fromstring(self.env["account.move"].with_user(self.clerk).get_views(
            [(False, "form")])["views"]["form"]["arch"])
        banner = arch.xpath("//div[@name='chorus_to_transfer_banner']")
        self.assertEqual(len(banner), 1)
        self.assertFalse(banner[0].xpath("ancestor::notebook | ancestor::sheet"))
        self.assertEqual(banner[0].get("invisible"), "chorus_state != 'to_transfer'")
        # once queued by a user with the right, it is no longer waiting for anybody
        move.with_user(self.env.user).action_chorus_transfer()
        self.assertFalse(move.chorus_needs_action)

    def test_reset_to_draft_offered_only_while_not_on_chorus(self):
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_send")
        self.assertTrue(move.show_reset_to_draft_button, "still waiting: it may go back to draft")
        self.run_sender()
        self.assertEqual(move.chorus_state, "deposited")
        self.assertFalse(move.show_reset_to_draft_button)

    def test_chatter_shows_status_labels_not_codes(self):
        # as in production: changes tracked in the chatter
        tracked_env = self.env(context=dict(self.env.context, tracking_disable=False, mail_notrack=False))
        move = self.make_invoice(post=True).with_env(tracked_env)
        self.flush_tracking()  # the invoice was created in an earlier transaction
        tracked_env["chorus.pro.transfer"]._cron_send_queued()
        self.flush_tracking()
        self.sim.set_invoice_status(int(move.chorus_identifier), "SUSPENDUE", "Il manque le PV de réception")
        tracked_env["chorus.pro.sync"]._sync_moves(move)
        self.flush_tracking()
        self.assertEqual(move.chorus_status, "SUSPENDUE")
        tracked = self.env["mail.tracking.value"].sudo().search([("mail_message_id", "in", move.message_ids.ids)])
        self.assertTrue(tracked, "the state changes are tracked")
        shown = " ".join(filter(None, tracked.mapped("old_value_char") + tracked.mapped("new_value_char")))
        chatter = " ".join(move.message_ids.mapped("body"))
        for code in ("DEPOSEE", "SUSPENDUE", "to_send", "deposited"):
            self.assertNotIn(code, shown)
            self.assertNotIn(code, chatter)
        self.assertIn("Suspendue", chatter)

    def test_scheduled_actions_run_their_code(self):
        """Each scheduled action's code line calls the add-on as it is (the sender deposits a queued invoice)."""
        move = self.make_invoice(post=True)
        for xmlid in ("ir_cron_chorus_send", "ir_cron_chorus_partner_refresh", "ir_cron_chorus_sync",
                      "ir_cron_chorus_credential_reminder"):
            cron = self.env.ref(f"l10n_fr_chorus_btp.{xmlid}")
            cron.ir_actions_server_id.run()
        self.assertEqual(move.chorus_state, "deposited")
