"""Payment deadlines and moratory interest of a market's invoices, and the draft invoice that claims them.

Figures by hand: interest = amount × (ECB rate of the half-year in which the interest started + 8 points) ×
days late / 365, rounded to the cent; plus 40 € per document paid late. "Today" is pinned in each test.
"""

import csv
import io
from datetime import datetime

from freezegun import freeze_time
from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ccag_travaux.payment import parse_rate_rows, shipped_rates_text

from .test_situations import SituationsCommon

day = fields.Date.to_date


@tagged("post_install", "-at_install", "chorus_pro")
class TestLatePayment(SituationsCommon):

    def invoiced_situation(self, market, submission="2026-04-03"):
        """Situation 1 of ``market``: 55,000 HT, 66,000 TTC, retention 3,300: 62,700 to pay."""
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 200),
                                                       "02.1": ("percent", 10)}, submission_date=submission)
        situation.action_validate()
        situation.action_create_invoice()
        situation.move_id.action_post()
        self.assertEqual(situation.move_id.amount_residual, 62700.0)
        return situation.move_id

    def pay(self, move, date, amount):
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": date, "amount": amount}).action_create_payments()
        move.invalidate_recordset()

    def test_shipped_rates_are_loaded_from_the_single_table(self):
        rates = self.env["chorus.pro.ecb.rate"].search([])
        rows = parse_rate_rows(shipped_rates_text())
        self.assertEqual(len(rates), len(rows))
        first = rates.filtered(lambda r: r.half_year_start == day("2025-01-01"))
        self.assertEqual((first.ecb_rate, first.late_rate, first.in_force_since), (3.15, 11.15, day("2024-12-18")))
        # a user's correction survives the next update; a missing half-year comes back
        first.ecb_rate = 3.0
        rates.filtered(lambda r: r.half_year_start == day("2012-01-01")).unlink()
        self.env["chorus.pro.ecb.rate"]._load_shipped_rates()
        self.assertEqual(first.ecb_rate, 3.0)
        self.assertEqual(self.env["chorus.pro.ecb.rate"].search_count([]), len(rows))
        with self.assertRaises(ValidationError):
            self.env["chorus.pro.ecb.rate"].create({"half_year_start": "2027-03-01", "ecb_rate": 2.0})

    def test_situation_paid_late_shown_on_the_market_and_claimed(self):
        market = self.make_works_market(retention_rate=5.0)
        move = self.invoiced_situation(market)
        with freeze_time("2026-07-01"):
            self.pay(move, "2026-06-17", 62700.0)
            # received by the MOE on 3 April, 30 days: due on 3 May; paid on 17 June: 45 days late, from 4 May
            # (first half of 2026: ECB 2.15 % + 8 = 10.15 %): 62,700 × 10.15 % × 45 / 365 = 784.609… → 784.61
            self.assertEqual(move.chorus_payment_start, day("2026-04-03"))
            self.assertEqual(move.chorus_payment_due, day("2026-05-03"))
            self.assertEqual(move.chorus_paid_on, day("2026-06-17"))
            self.assertEqual(move.chorus_days_late, 45)
            self.assertAlmostEqual(move.chorus_late_rate, 10.15)
            self.assertAlmostEqual(move.chorus_late_interest, 784.61)
            self.assertAlmostEqual(move.chorus_late_indemnity, 40.0)
            self.assertFalse(move.chorus_late_unpaid)
            self.assertEqual(market.late_payment_move_ids, move)
            self.assertAlmostEqual(market.late_interest_due, 824.61)

            claim = self.env["account.move"].browse(market.action_claim_late_interest()["res_id"])
        self.assertEqual((claim.state, claim.move_type, claim.partner_id), ("draft", "out_invoice", self.oph))
        self.assertEqual(claim.chorus_market_id, market)
        self.assertEqual(claim.chorus_cadre, "A1", "an ordinary invoice of the market, not a works document")
        self.assertEqual(claim.invoice_line_ids.mapped("price_unit"), [784.61, 40.0])
        self.assertIn("62", claim.invoice_line_ids[0].name)
        self.assertIn("45", claim.invoice_line_ids[0].name)
        self.assertEqual(claim.invoice_line_ids.mapped("account_id.code"), ["763800", "758000"])
        tax = claim.invoice_line_ids.tax_ids
        self.assertEqual((len(tax), tax.amount, tax.ubl_cii_tax_category_code), (1, 0.0, "O"))
        self.assertAlmostEqual(claim.amount_total, 824.61)
        self.assertEqual(move.chorus_late_claim_id, claim)
        attachment = self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", claim.id)])
        rows = list(csv.reader(io.StringIO(attachment.raw.decode()), delimiter=";"))
        self.assertEqual(rows[1], [move.name, "2026-04-03", "2026-05-03", "2026-06-17", "62700.00", "2.15", "10.15",
                                   "45", "784.6089"])
        # claimed once: nothing left to claim, and the claim is not a late document itself
        with freeze_time("2026-07-01"):
            market.invalidate_recordset()
            self.assertEqual(market.late_interest_due, 0.0)
            with self.assertRaises(UserError):
                market.action_claim_late_interest()
            claim.action_post()  # passes Chorus Pro's pre-flight: a 0 % rate with its reason on every line
            market.invalidate_recordset()
            self.assertEqual(market.late_payment_move_ids, move)

    def test_chorus_deposit_starts_the_delay_and_put_into_payment_ends_the_interest(self):
        market = self.make_works_market(retention_rate=5.0)
        move = self.invoiced_situation(market, submission="2026-04-01")
        transmission = self.env["chorus.pro.transmission"].sudo().create({
            "move_id": move.id, "company_id": self.company.id, "state": "deposited", "deposit_date": "2026-04-06",
            "chorus_invoice_id": "4242"})
        # put into payment at 22:30 UTC on 20 May: 21 May in Paris
        transmission._set_status("MISE_EN_PAIEMENT", datetime(2026, 5, 20, 22, 30), "")
        with freeze_time("2026-09-01"):
            move.invalidate_recordset()
            # the delay runs from the deposit (6 April), not from the receipt typed on the situation: due 6 May;
            # 15 days late at 10.15 %: 62,700 × 0.1015 × 15 / 365 = 261.536… → 261.54; no Odoo payment needed
            self.assertEqual(move.chorus_payment_start, day("2026-04-06"))
            self.assertEqual(move.chorus_payment_due, day("2026-05-06"))
            self.assertEqual(move.chorus_paid_on, day("2026-05-21"))
            self.assertEqual(move.chorus_days_late, 15)
            self.assertAlmostEqual(move.chorus_late_interest, 261.54)
            self.assertFalse(move.chorus_late_unpaid)

    def test_unpaid_past_due_runs_to_today_and_a_missing_rate_is_said(self):
        market = self.make_market(payment_delay="50")
        move = self.make_invoice(market=market, invoice_date="2026-05-11", amount=1000.0, post=True)
        on_time = self.make_invoice(market=market, invoice_date="2026-05-11", amount=500.0, post=True)
        self.pay(on_time, "2026-06-30", 600.0)
        # the second half of 2026 is missing from the table
        self.env["chorus.pro.ecb.rate"].search([("half_year_start", "=", "2026-07-01")]).unlink()
        with freeze_time("2026-07-10"):
            # 50 days from 11 May: due on 30 June; unpaid on 10 July: 10 days; the interest started on 1 July
            self.assertEqual(move.chorus_payment_due, day("2026-06-30"))
            self.assertFalse(move.chorus_late_interest)
            self.assertIn("2026-07-01", move.chorus_late_problem)
        self.env["chorus.pro.ecb.rate"].create({"half_year_start": "2026-07-01", "ecb_rate": 2.0})
        with freeze_time("2026-07-10"):
            move.invalidate_recordset()
            on_time.invalidate_recordset()
            market.invalidate_recordset()
            # 1,200 × 10 % × 10 / 365 = 3.287… → 3.29
            self.assertFalse(move.chorus_late_problem)
            self.assertEqual(move.chorus_days_late, 10)
            self.assertAlmostEqual(move.chorus_late_interest, 3.29)
            self.assertAlmostEqual(move.chorus_late_indemnity, 40.0)
            self.assertAlmostEqual(move.chorus_late_unpaid, 1200.0)
            self.assertFalse(move.chorus_paid_on)
            # paid on its due date: nothing owed
            self.assertEqual(on_time.chorus_paid_on, day("2026-06-30"))
            self.assertEqual((on_time.chorus_days_late, on_time.chorus_late_interest,
                              on_time.chorus_late_indemnity), (0, 0.0, 0.0))
            # still unpaid: shown, claimed once paid
            self.assertEqual(market.late_payment_move_ids, move | on_time)
            self.assertEqual(market.late_interest_due, 0.0)
            with self.assertRaises(UserError):
                market.action_claim_late_interest()
        with freeze_time("2026-08-01"):
            move.invalidate_recordset()
            # 1 July to 1 August included: 32 days; 1,200 × 10 % × 32 / 365 = 10.520… → 10.52
            self.assertEqual(move.chorus_days_late, 32)
            self.assertAlmostEqual(move.chorus_late_interest, 10.52)

    def test_only_an_accountant_claims_and_only_a_manager_edits_the_rates(self):
        market = self.make_works_market(retention_rate=5.0)
        with self.assertRaises(UserError):
            market.with_user(self.site_manager).action_claim_late_interest()
        rate = self.env["chorus.pro.ecb.rate"].with_user(self.clerk).search([], limit=1)
        self.assertTrue(rate.late_rate, "an invoicing user reads the rates")
        with self.assertRaises(AccessError):
            rate.write({"ecb_rate": 9.0})
        with self.assertRaises(AccessError):
            self.env["chorus.pro.ecb.rate"].with_user(self.clerk).create({"half_year_start": "2040-01-01",
                                                                          "ecb_rate": 1.0})
