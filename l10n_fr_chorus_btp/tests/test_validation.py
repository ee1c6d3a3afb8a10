"""Documents our company validates on Chorus Pro (chorus.pro.validation), against the simulator over HTTP: the
subcontractors' A9 invoices and A10 works documents are fetched by the scheduled action, accepted or refused
by a user (queued, sent by the scheduled action after reading the document again), and the accepted A9
invoices feed the direct payments of our own situation.  Faults: unknown depositor, refusal without reason,
lost answer, decision taken on the portal meanwhile, silence, paging.  Rights over RPC.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from chorus_pro.simulator import faults, seed
from chorus_pro.statuses import status_label
from chorus_pro.validator import VALIDATION_DELAY_DAYS

from .common import RpcCalls
from .test_situations import SituationsCommon

DAY = 86400
DECIDE = "factures/v1/traiter/factureAValider"
TO_DO_SEARCH = "factures/v1/rechercher/aTraiter/valideur"
A10 = "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT"


class ValidationCommon(SituationsCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subcontractor.company_registry = seed.SOUS_TRAITANT.siret

    def setUp(self):
        super().setUp()
        self.market = self.make_works_market(subcontractor_ids=[Command.create({
            "partner_id": self.subcontractor.id, "accepted_amount": 10000.0, "direct_payment": True,
            "autoliquidation": True})])

    def deposit(self, number, untaxed="4200.00", supplier=seed.SOUS_TRAITANT, **options):
        options.setdefault("market_number", self.market.name)
        return self.sim.deposit_for_validation(supplier.siret, number, untaxed=untaxed, **options)

    def run_cron(self):
        self.env["chorus.pro.validation"]._cron_sync_validations()

    def record(self, document):
        return self.env["chorus.pro.validation"].search([("chorus_id", "=", str(document.id))])

    def decisions_sent(self):
        return self.sim.stats.by_operation.get(DECIDE, 0)

    def notes(self, record):
        return " ".join(record.message_ids.mapped("body"))


@tagged("post_install", "-at_install", "chorus_pro")
class TestValidation(ValidationCommon):

    def test_documents_to_validate_are_fetched_with_their_deadline_and_subcontract(self):
        invoice = self.deposit("ST-2026-001", vat="0.00")
        works = self.deposit("ST-SIT-03", untaxed="12500.50", cadre=A10)
        self.run_cron()
        record, works_record = self.record(invoice), self.record(works)
        self.assertEqual((record.number, record.cadre, record.kind, record.state), (
            "ST-2026-001", "A9_FACTURE_SOUSTRAITANT", "FACTURE", "to_validate"))
        self.assertEqual((works_record.cadre, works_record.kind, works_record.amount_untaxed), (
            A10, "FACTURE_TRAVAUX", 12500.5))
        self.assertEqual(record.market_id, self.market)
        self.assertEqual(record.subcontractor_id, self.market.subcontractor_ids)
        self.assertFalse(record.unknown_depositor)
        self.assertEqual(record.deposit_date, invoice.deposited_at.date())
        self.assertEqual(record.deadline, invoice.deposited_at.date() + timedelta(days=VALIDATION_DELAY_DAYS))
        self.assertEqual((record.subcontract_amount, record.accepted_before, record.over_subcontract),
                         (10000.0, 0.0, False))
        self.assertEqual(self.market.validation_to_do_count, 2)
        activity = record.activity_ids
        self.assertEqual(len(activity), 1, "a to-do for the responsible user")
        self.assertEqual(activity.date_deadline, max(record.deadline - timedelta(days=3),
                                                     activity.create_date.date()))
        self.assertIn("ST-2026-001", activity.summary)
        self.assertEqual(self.decisions_sent(), 0, "fetching decides nothing")
        self.assertEqual(self.sim.stats.by_operation["facturesTravaux/v1/rechercher"], 1,
                         "the works documents are also looked for with the works search as VALIDEUR")
        # the next run finds nothing new: no second record, one search call, no detail read
        before = dict(self.sim.stats.by_operation)
        self.run_cron()
        self.assertEqual(len(self.env["chorus.pro.validation"].search([])), 2)
        self.assertEqual(self.sim.stats.by_operation[TO_DO_SEARCH], before[TO_DO_SEARCH] + 1)
        self.assertEqual(self.sim.stats.by_operation["factures/v1/consulter/valideur"],
                         before["factures/v1/consulter/valideur"])

    def test_accepting_is_queued_then_sent_by_the_scheduled_action(self):
        document = self.deposit("ST-2026-002")
        self.run_cron()
        record = self.record(document)
        record.action_accept()
        self.assertEqual(record.pending_decision, "accept")
        self.assertEqual(self.decisions_sent(), 0, "nothing is sent in the user's transaction")
        self.assertEqual(self.sim.invoice(document.id).status, "A_VALIDER_1")
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 1)
        self.assertEqual(self.sim.invoice(document.id).status, "VALIDEE_1")
        self.assertEqual((record.state, record.pending_decision, record.status), ("accepted", False, "VALIDEE_1"))
        self.assertFalse(record.activity_ids, "the to-do is done")
        with self.assertRaises(UserError):
            record.action_accept()
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 1, "decided once")

    def test_over_the_subcontract_is_flagged(self):
        first, second = self.deposit("ST-A", untaxed="7000.00"), self.deposit("ST-B", untaxed="4000.00")
        self.run_cron()
        self.record(first).action_accept()
        self.run_cron()
        record = self.record(second)
        record.invalidate_recordset()
        self.assertEqual(record.accepted_before, 7000.0)
        self.assertTrue(record.over_subcontract, "7 000 + 4 000 exceed the 10 000 of the subcontract")
        self.assertFalse(self.record(first).over_subcontract)

    def test_refusing_needs_a_reason_which_chorus_pro_receives(self):
        document = self.deposit("ST-2026-003")
        self.run_cron()
        record = self.record(document)
        wizard_action = record.action_open_refuse_wizard()
        Wizard = self.env[wizard_action["res_model"]].with_context(wizard_action["context"])
        with self.assertRaises(UserError):
            Wizard.create({"reason": "   "}).action_refuse()
        with self.assertRaises(UserError):
            record._queue_refusal("")
        self.assertFalse(record.pending_decision)
        Wizard.create({"reason": "Quantités au-delà du DC4"}).action_refuse()
        self.assertEqual((record.pending_decision, record.refusal_reason), ("refuse", "Quantités au-delà du DC4"))
        self.run_cron()
        stored = self.sim.invoice(document.id)
        self.assertEqual((stored.status, stored.status_comment), ("REFUSEE_1", "Quantités au-delà du DC4"))
        self.assertEqual(record.state, "refused")

    def test_a_refusal_that_lost_its_reason_is_refused_clearly_and_not_sent(self):
        document = self.deposit("ST-2026-004")
        self.run_cron()
        record = self.record(document)
        record.sudo().write({"pending_decision": "refuse", "refusal_reason": False})  # e.g. a data import
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 0)
        self.assertFalse(record.pending_decision, "the decision is dropped, for the user to take again")
        self.assertIn("motif du refus", record.last_error)
        self.assertEqual((record.state, self.sim.invoice(document.id).status), ("to_validate", "A_VALIDER_1"))

    def test_a_lost_answer_is_read_back_and_never_sent_twice(self):
        document = self.deposit("ST-2026-005")
        self.run_cron()
        record = self.record(document)
        record.action_accept()
        self.sim.faults.add(faults.LOST_ANSWER, DECIDE)
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 1)
        self.assertEqual((record.state, record.pending_decision), ("accepted", False))
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 1, "never decided twice")

    def test_a_decision_taken_on_the_portal_meanwhile_drops_the_queued_one(self):
        document = self.deposit("ST-2026-006")
        self.run_cron()
        record = self.record(document)
        record.action_accept()
        self.sim.set_invoice_status(document.id, "REFUSEE_1", "Refusée par le conducteur de travaux sur le portail")
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 0)
        self.assertEqual((record.state, record.pending_decision, record.status), ("refused", False, "REFUSEE_1"))
        self.assertIn(status_label("REFUSEE_1"), self.notes(record), "the note names what was decided")

    def test_a_works_document_decided_on_the_portal_is_read_from_the_works_search(self):
        works = self.deposit("ST-SIT-05", untaxed="8000.00", cadre=A10)
        self.run_cron()
        self.sim.set_invoice_status(works.id, "VALIDEE_1")
        self.sim.set_invoice_status(works.id, "A_VALIDER_MOE")
        details_before = self.sim.stats.by_operation["factures/v1/consulter/valideur"]
        self.run_cron()
        record = self.record(works)
        self.assertEqual((record.state, record.status), ("accepted", "A_VALIDER_MOE"))
        self.assertEqual(self.sim.stats.by_operation["factures/v1/consulter/valideur"], details_before,
                         "the works search told it: no detail read")

    def test_silence_past_fifteen_days_is_acceptance(self):
        document = self.deposit("ST-2026-007")
        self.run_cron()
        self.sim.advance(VALIDATION_DELAY_DAYS * DAY + 1)
        self.run_cron()
        record = self.record(document)
        self.assertEqual(record.state, "silence")
        self.assertFalse(record.activity_ids)

    def test_a_document_of_an_unknown_depositor_is_listed_flagged_and_left_to_the_user(self):
        document = self.deposit("EL-2026-01", supplier=seed.AUTRE_SOUS_TRAITANT)
        self.run_cron()
        record = self.record(document)
        self.assertEqual((record.state, record.market_id, record.unknown_depositor), ("to_validate", self.market,
                                                                                      True))
        self.assertFalse(record.subcontractor_id)
        self.assertIn(seed.AUTRE_SOUS_TRAITANT.siret, self.notes(record))
        self.run_cron()
        self.assertEqual((self.decisions_sent(), self.sim.invoice(document.id).status), (0, "A_VALIDER_1"),
                         "never accepted automatically")

    def test_the_search_walks_every_page(self):
        for n in range(101):  # the client asks 100 per page
            self.deposit(f"ST-P-{n:03d}", untaxed="10.00")
        self.run_cron()
        self.assertEqual(self.sim.stats.by_operation[TO_DO_SEARCH], 2)
        self.assertEqual(self.env["chorus.pro.validation"].search_count([("market_id", "=", self.market.id)]), 101)


@tagged("post_install", "-at_install", "chorus_pro")
class TestValidationDirectPayments(ValidationCommon):

    def test_accepted_invoices_become_the_direct_payment_of_the_month(self):
        first, second = self.deposit("ST-M1", untaxed="4200.00"), self.deposit("ST-M2", untaxed="800.00")
        refused = self.deposit("ST-M3", untaxed="999.00")
        works = self.deposit("ST-SIT", untaxed="3000.00", cadre=A10)
        self.run_cron()
        for document in (first, second, works):
            self.record(document).action_accept()
        self.record(refused)._queue_refusal("Doublon de ST-M2")
        self.run_cron()
        month = self.record(first).deposit_date.strftime("%Y-%m")
        situation = self.situation(self.market, month, {"01.1": ("percent", 100)})
        payment = situation.direct_payment_ids
        self.assertEqual(payment.subcontractor_id, self.market.subcontractor_ids)
        self.assertEqual(payment.amount, 5000.0, "4 200 + 800: the accepted A9 invoices, not the refused one")
        self.assertEqual(self.record(first).situation_id, situation)
        self.assertFalse(self.record(works).direct_payment_id, "a works document is not an invoice to deduct")
        # 30 000 HT + 20 % VAT = 36 000 TTC; the reverse-charge subcontractor's 5 000 HT paid directly
        self.assertEqual((situation.total_ttc, situation.direct_payments_total, situation.amount_to_pay),
                         (36000.0, 5000.0, 31000.0))
        # the next month: nothing new to deduct, the invoices are not used twice
        situation.action_validate()
        following = self.situation(self.market, (self.record(first).deposit_date + relativedelta(months=1)
                                                 ).strftime("%Y-%m"), {"02.1": ("percent", 10)})
        self.assertFalse(following.direct_payment_ids)
        later = self.deposit("ST-M4", untaxed="1500.00")
        self.run_cron()
        self.record(later).action_accept()
        self.run_cron()
        following.action_compute()
        self.assertEqual(following.direct_payment_ids.amount, 1500.0)
        self.assertEqual(following.direct_payments_total, 1500.0)

    def test_a_line_entered_by_the_user_is_kept(self):
        document = self.deposit("ST-U1", untaxed="4200.00")
        self.run_cron()
        self.record(document).action_accept()
        self.run_cron()
        month = self.record(document).deposit_date.strftime("%Y-%m")
        situation = self.situation(self.market, month, {"01.1": ("percent", 100)})
        situation.direct_payment_ids.unlink()
        self.assertFalse(self.record(document).direct_payment_id, "freed when its line goes")
        situation.direct_payment_ids = [Command.create({"subcontractor_id": self.market.subcontractor_ids.id,
                                                        "amount": 3900.0})]
        situation.action_compute()
        self.assertEqual(situation.direct_payment_ids.mapped("amount"), [3900.0])


@tagged("post_install", "-at_install", "chorus_pro")
class TestValidationRightsOverRpc(RpcCalls, ValidationCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        other = cls.setup_other_company(name="AUTRE ENTREPRISE BTP")["company"]
        cls.outsider = new_test_user(
            cls.env, login="chorus_validation_outsider", password="chorus_validation_outsider",
            name="Accountant of another company", company_id=other.id, company_ids=[Command.set(other.ids)],
            groups="account.group_account_manager,l10n_fr_chorus_btp.group_chorus_transfer")

    def test_without_the_transfer_right_nothing_is_decided(self):
        document = self.deposit("ST-R1")
        self.run_cron()
        record = self.record(document)
        read = self.json_call("chorus_clerk", "chorus.pro.validation", "search_read", [], ["number", "state"])
        self.assertEqual([r["number"] for r in read], ["ST-R1"], "the clerk sees it")
        for call in (self.json_call, self.xml_call):
            self.assertRefused(call("chorus_clerk", "chorus.pro.validation", "action_accept", record.ids))
            self.assertRefused(call("chorus_clerk", "chorus.pro.validation", "action_open_refuse_wizard", record.ids))
            self.assertRefused(call("chorus_clerk", "chorus.pro.validation", "write", record.ids,
                                    {"pending_decision": "accept"}))
            self.assertRefused(call("chorus_clerk", "chorus.pro.validation", "create", {
                "company_id": self.company.id, "chorus_id": "1", "pending_decision": "accept"}))
            self.assertRefused(call("chorus_clerk", "chorus.pro.validation.refuse.wizard", "create", {
                "validation_ids": [(6, 0, record.ids)], "reason": "non"}))
        self.assertRefused(self.xml_call("chorus_clerk", "chorus.pro.validation", "_queue", record.ids, "accept", ""),
                           kind="Private methods")
        record.invalidate_recordset()
        self.assertFalse(record.pending_decision)
        self.run_cron()
        self.assertEqual((self.decisions_sent(), record.state), (0, "to_validate"))

    def test_a_user_of_another_company_sees_and_decides_nothing(self):
        document = self.deposit("ST-R2")
        self.run_cron()
        record = self.record(document)
        login = "chorus_validation_outsider"
        self.assertEqual(self.json_call(login, "chorus.pro.validation", "search_read", [], ["number"]), [])
        self.assertRefused(self.json_call(login, "chorus.pro.validation", "read", record.ids, ["number"]))
        self.assertRefused(self.json_call(login, "chorus.pro.validation", "action_accept", record.ids))
        self.assertRefused(self.xml_call(login, "chorus.pro.validation", "action_accept", record.ids))
        self.run_cron()
        self.assertEqual(self.decisions_sent(), 0)
