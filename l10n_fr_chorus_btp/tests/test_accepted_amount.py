"""The project manager (MOE) corrects the amount of a situation on Chorus Pro instead of refusing it (since
February 2025): the works sync reads the corrected amount back, the situation shows the difference with an
activity, once; the accountant accepts it (a draft credit note or complementary invoice for the difference, to
the cent of Odoo's taxes) or contests it before the 30-day deadline.  And two faults of the status sync: a
status read again that is older, or a step back; a works search of more than one page."""

from datetime import timedelta
from decimal import Decimal
from functools import partial
from html import unescape
from unittest.mock import patch

from freezegun import freeze_time
from odoo import Command, fields
from odoo.addons.l10n_fr_chorus_btp.models import chorus_sync_works
from odoo.addons.l10n_fr_chorus_btp.models.chorus_amount_correction import (
    AMOUNT_CHANGED_ACTIVITY,
    notification_day,
)
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ccag_travaux.payment import contest_deadline
from chorus_pro.works_sync import sync_works

from .common import RpcCalls
from .test_followup_common import WorksFollowupCase
from .test_situations import SituationsCommon

STEP = 3600
SITUATION = "chorus.pro.situation"
WORKS_SEARCH = "facturesTravaux/v1/rechercher"


@tagged("post_install", "-at_install", "chorus_pro")
class TestAcceptedAmount(RpcCalls, SituationsCommon, HttpCase):
    """One forfait line of 10 288,06 € HT at 20 %: a situation of 12 345,67 € TTC, nothing deducted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.market = cls.make_works_market(cls, name="2026-TX-042", line_ids=[Command.create({
            "lot": "01", "code": "01.1", "name": "Gros œuvre", "unit": "ft", "quantity": 1,
            "unit_price": 10288.06})])

    def deposited_situation(self):
        situation = self.situation(self.market, "2026-03", {"01.1": ("percent", 100)})
        situation.submission_date = "2026-04-03"
        situation.action_validate()
        situation.action_create_invoice()
        situation.move_id.action_post()
        situation.move_id.action_chorus_transfer()
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual((situation.total_ttc, situation.amount_to_pay), (12345.67, 12345.67))
        return situation

    def moe_corrects(self, situation, amount):
        """The MOE corrects the amount, then deposits its état d'acompte; the sync reads it back."""
        self.sim.set_accepted_amount(int(situation.move_id.chorus_identifier), amount)
        self.sim.advance(STEP * 4.5)  # … A_ASSOCIER_MOE → ASSOCIEE: the MOE's piece carries the corrected amount
        self.env["chorus.pro.sync"]._cron_sync()
        return situation.transmission_id.works_piece_ids.filtered(lambda p: p.depositor == "moe")

    def amount_activities(self, record):
        activity_type = self.env.ref(AMOUNT_CHANGED_ACTIVITY)
        return record.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    # -- the difference read back, once -----------------------------------------------------------------
    def test_difference_recorded_once_with_the_deadline(self):
        situation = self.deposited_situation()
        self.assertFalse(situation.chorus_difference_state, "no difference: the group stays hidden")
        piece = self.moe_corrects(situation, "11900.00")
        self.assertEqual(piece.amount_to_pay, 11900.0)
        self.assertEqual(situation.chorus_difference_state, "pending")
        self.assertEqual((situation.chorus_own_amount, situation.chorus_corrected_amount,
                          situation.chorus_amount_difference), (12345.67, 11900.0, -445.67))
        self.assertEqual(situation.chorus_correction_piece_id, piece)
        corrected_on = notification_day(piece.status_date)
        self.assertEqual(situation.chorus_correction_date, corrected_on)
        self.assertEqual(situation.chorus_contest_deadline, contest_deadline(corrected_on))
        self.assertEqual(situation.chorus_contest_deadline - corrected_on, timedelta(days=30))
        activity = self.amount_activities(situation)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, self.env._("Amount changed by the project manager (MOE)"))
        self.assertEqual(activity.date_deadline, situation.chorus_contest_deadline)
        self.assertEqual(activity.user_id, self.env.user, "the invoice's salesperson")
        note = unescape(str(activity.note))
        for figure in (12345.67, 11900.0, -445.67):
            self.assertIn(situation._chorus_money(figure), note)
        self.assertIn(piece.number, note)
        # the same piece read again, then the MOA's piece with the MOE's amount: nothing new
        self.env["chorus.pro.sync"]._cron_sync()
        self.sim.advance(STEP * 8)
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(situation.transmission_id.works_piece_ids[-1].depositor, "moa")
        self.assertEqual(situation.transmission_id.status, "MISE_EN_PAIEMENT")
        self.assertEqual(len(self.amount_activities(situation)), 1)
        self.assertEqual(situation.chorus_correction_piece_id, piece)

    def test_no_difference_no_activity(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "12345.67")
        self.assertFalse(situation.chorus_difference_state)
        self.assertFalse(self.amount_activities(situation))

    # -- accept: the correcting document ------------------------------------------------------------------
    def test_accept_lower_amount_proposes_a_draft_credit_note_to_the_cent(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "11900.00")
        invoice = situation.move_id
        with freeze_time(situation.chorus_contest_deadline - timedelta(days=10)):
            action = situation.action_chorus_accept_amount()
        credit = situation.chorus_correction_move_ids
        self.assertEqual(action["res_id"], credit.id, "the draft opens for the user to check")
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "draft"))
        # 445,67 TTC at 20 %: 371,39 HT (VAT 74,278 rounded to 74,28), as Odoo computes it
        self.assertEqual((credit.amount_untaxed, credit.amount_tax, credit.amount_total), (371.39, 74.28, 445.67))
        self.assertEqual(credit.invoice_line_ids.tax_ids, invoice.invoice_line_ids.tax_ids)
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(credit.partner_id, invoice.partner_id)
        self.assertEqual(situation.chorus_difference_state, "accepted")
        self.assertEqual(situation.chorus_accepted_amount, 11900.0)
        self.assertEqual(situation.chorus_accepted_date, situation.chorus_contest_deadline - timedelta(days=10))
        self.assertEqual(situation.chorus_accepted_by_id, self.env.user)
        self.assertFalse(self.amount_activities(situation), "accepting closes the activity")
        # the books only: Chorus Pro carries the corrected amount already
        credit.action_post()
        self.assertEqual(credit.chorus_state, "not_concerned")
        self.assertFalse(credit.chorus_transmission_id)
        self.assertEqual(invoice.amount_total - credit.amount_total, 11900.0)
        with self.assertRaises(UserError):
            situation.action_chorus_accept_amount()  # answered once

    def test_accept_higher_amount_proposes_a_complementary_invoice(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "12500.00")
        self.assertEqual(situation.chorus_amount_difference, 154.33)
        situation.action_chorus_accept_amount()
        extra = situation.chorus_correction_move_ids
        self.assertEqual((extra.move_type, extra.state), ("out_invoice", "draft"))
        # 154,33 TTC at 20 %: 128,61 HT (VAT 25,722 rounded to 25,72)
        self.assertEqual((extra.amount_untaxed, extra.amount_tax, extra.amount_total), (128.61, 25.72, 154.33))
        self.assertFalse(extra.reversed_entry_id)

    def test_accepted_amount_is_the_paid_figure_of_the_final_statement(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "11900.00")
        before = self.env["chorus.pro.works.document"]._paid_as_accepted(self.market, situation).paid_cumulative
        self.assertEqual(before, Decimal("12345.67"), "pending: still our figure")
        situation.action_chorus_accept_amount()
        after = self.env["chorus.pro.works.document"]._paid_as_accepted(self.market, situation).paid_cumulative
        self.assertEqual(after, Decimal("11900.00"))

    # -- contest: before the deadline only ----------------------------------------------------------------
    def contest(self, situation, reason):
        action = situation.action_chorus_contest_amount()
        wizard = self.env[action["res_model"]].with_context(action["context"]).create({"reason": reason})
        self.assertEqual((wizard.corrected_amount, wizard.deadline),
                         (11900.0, situation.chorus_contest_deadline))
        return wizard.action_contest()

    def test_contest_posts_the_reason_and_reminds_five_days_before_the_deadline(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "11900.00")
        deadline = situation.chorus_contest_deadline
        with freeze_time(deadline - timedelta(days=20)):
            with self.assertRaises(UserError):
                self.contest(situation, "   ")
            self.contest(situation, "Métré du lot 01 contradictoire du 12 mars : 100 % exécuté.")
        self.assertEqual(situation.chorus_difference_state, "contested")
        self.assertEqual(situation.chorus_contested_date, deadline - timedelta(days=20))
        self.assertIn("Métré du lot 01 contradictoire", "\n".join(situation.message_ids.mapped("body")))
        self.assertFalse(self.amount_activities(situation), "contesting closes the activity")
        reminder = situation.activity_ids
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.date_deadline, deadline - timedelta(days=5))
        self.assertFalse(situation.chorus_correction_move_ids, "nothing to book while contested")

    def test_contest_late_reminds_today_and_refused_after_the_deadline(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "11900.00")
        deadline = situation.chorus_contest_deadline
        with freeze_time(deadline + timedelta(days=1)):
            with self.assertRaisesRegex(UserError, "est dépassé"):
                situation.action_chorus_contest_amount()
            with self.assertRaisesRegex(UserError, "est dépassé"):
                situation._chorus_contest("Trop tard")
        self.assertEqual(situation.chorus_difference_state, "pending")
        with freeze_time(deadline - timedelta(days=2)):
            self.contest(situation, "Quantités du lot 01 à revoir")
        self.assertEqual(situation.activity_ids.date_deadline, deadline - timedelta(days=2), "today, not in the past")

    # -- rights ------------------------------------------------------------------------------------------
    def test_site_manager_can_neither_accept_nor_contest_over_rpc(self):
        situation = self.deposited_situation()
        self.moe_corrects(situation, "11900.00")
        manager = "chorus_site_manager"
        self.assertTrue(self.json_call(manager, SITUATION, "read", situation.ids, ["chorus_difference_state"]))
        self.assertRefused(self.json_call(manager, SITUATION, "action_chorus_accept_amount", situation.ids))
        self.assertRefused(self.xml_call(manager, SITUATION, "action_chorus_accept_amount", situation.ids))
        self.assertRefused(self.json_call(manager, SITUATION, "action_chorus_contest_amount", situation.ids))
        self.assertRefused(self.json_call(manager, SITUATION, "write", situation.ids,
                                          {"chorus_difference_state": "accepted", "chorus_accepted_amount": 1.0}))
        self.assertRefused(self.xml_call(manager, "chorus.pro.amount.contest.wizard", "create", [{
            "res_model": SITUATION, "res_id": situation.id, "reason": "RPC"}]))
        with self.assertRaises(AccessError):
            situation.with_user(self.site_manager)._chorus_contest("Sans droit")
        self.assertEqual(situation.chorus_difference_state, "pending")
        self.assertFalse(self.env["account.move"].search([("chorus_amount_correction_of_id", "=", situation.id)]))

    # -- a works document (no invoice: the accepted figure only) -----------------------------------------
    def test_works_document_difference_accepted_without_a_document(self):
        document = self.env["chorus.pro.works.document"].create({
            "kind": "dgd", "market_id": self.market.id, "name": "2026-TX-042-DGD", "total_ht": 10000.0,
            "total_ttc": 12000.0, "amount_to_pay": 12000.0})
        transmission = self.env["chorus.pro.transmission"].sudo().create({
            "works_document_id": document.id, "company_id": self.company.id, "document_number": document.name,
            "state": "in_progress", "chorus_invoice_id": "990001"})
        piece = self.env["chorus.pro.works.piece"].sudo().create({
            "transmission_id": transmission.id, "sequence": 2, "chorus_id": "990002", "number": "2026-TX-042-DGD-EA",
            "depositor": "moe", "status": "TRANSMISE_MOA", "status_date": fields.Datetime.to_datetime("2026-05-04 22:30:00"),
            "amount_to_pay": 11500.0})
        self.env["chorus.pro.sync"]._record_corrected_amount(transmission, piece)
        self.env["chorus.pro.sync"]._record_corrected_amount(transmission, piece)
        self.assertEqual(document.chorus_amount_difference, -500.0)
        self.assertEqual(document.chorus_correction_date, fields.Date.to_date("2026-05-05"), "the Paris day")
        self.assertEqual(document.chorus_contest_deadline, fields.Date.to_date("2026-06-04"))
        self.assertEqual(len(self.amount_activities(document)), 1)
        self.assertIs(document.action_chorus_accept_amount(), True, "no correcting document to open")
        self.assertEqual((document.chorus_difference_state, document.chorus_accepted_amount), ("accepted", 11500.0))
        self.assertFalse(self.amount_activities(document))


@tagged("post_install", "-at_install")
class TestStatusReadAgain(WorksFollowupCase):
    """A status that goes back on Chorus Pro, a reading older than what is known, a works search of pages."""

    def test_a_step_back_is_recorded_with_a_note(self):
        move = self.new_invoice(1000)
        self.deposit(move)
        chorus_id = int(move.chorus_identifier)
        self.sim.set_invoice_status(chorus_id, "MISE_EN_PAIEMENT")
        move.action_chorus_update_status()
        self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.sim.advance(60)
        self.sim.set_invoice_status(chorus_id, "SERVICE_FAIT")  # the buyer took the payment back
        move.action_chorus_update_status()
        self.assertEqual((move.chorus_status, move.chorus_state), ("SERVICE_FAIT", "in_progress"),
                         "what Chorus Pro says now")
        self.assertIn("earlier step than before", move.message_ids[0].body)
        self.assertIn("Mise en paiement", move.message_ids[0].body)

    def test_an_older_reading_changes_nothing(self):
        move = self.new_invoice(1000)
        self.deposit(move)
        transmission = move.chorus_transmission_id
        sync = self.env["chorus.pro.sync"]
        known = fields.Datetime.to_datetime("2026-04-02 10:00:00")
        transmission.sudo().write({"status": "MISE_EN_PAIEMENT", "status_date": known, "state": "paid"})
        events = len(transmission.event_ids)
        self.assertFalse(sync._apply_status(transmission, "SERVICE_FAIT", known - timedelta(hours=2), ""))
        self.assertEqual((transmission.status, transmission.status_date, transmission.state),
                         ("MISE_EN_PAIEMENT", known, "paid"))
        self.assertEqual(len(transmission.event_ids), events)
        self.assertTrue(sync._apply_status(transmission, "SERVICE_FAIT", known + timedelta(hours=2), ""))
        self.assertEqual(transmission.state, "in_progress")

    def test_an_older_reading_of_a_works_piece_is_not_applied(self):
        move = self.new_invoice(15000, partner=self.oph, chorus_market_id=self.market.id,
                                buyer_reference="MOA-TRAVAUX")
        self.deposit(move)
        self.sim.advance(STEP * 4.5)
        self.env["chorus.pro.sync"]._cron_sync()
        piece = move.chorus_transmission_id.works_piece_ids[-1]
        read = self.sim.invoice(int(piece.chorus_id))
        stale = type("Stale", (), {"works_invoice_id": int(piece.chorus_id), "status": "A_VALIDER_MOE",
                                   "status_date": piece.status_date - timedelta(days=1), "amount_to_pay": None,
                                   "cadre": read.cadre, "number": piece.number, "works_type": ""})()
        status = piece.status
        self.env["chorus.pro.sync"]._record_works_pieces(move.chorus_transmission_id, [stale])
        self.assertEqual(piece.status, status)

    def test_works_search_of_several_pages(self):
        moves = [self.new_invoice(amount, partner=self.oph, chorus_market_id=self.market.id,
                                  buyer_reference="MOA-TRAVAUX") for amount in (11000, 12000, 13000)]
        for move in moves:
            self.deposit(move)
        self.sim.advance(STEP * 1.5)
        with patch.object(chorus_sync_works, "sync_works", partial(sync_works, page_size=2)), \
                self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(spy.calls(WORKS_SEARCH), 2, "three documents, two per page")
        self.assertEqual([m.chorus_status for m in moves], ["MISE_A_DISPOSITION_MOE"] * 3,
                         "the document of the second page is updated too")
