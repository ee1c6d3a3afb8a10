"""Situations over HTTP: what a site manager may and may not do by RPC, and the month in a real browser
(the site manager enters the progress and submits; the accountant validates, invoices and sends)."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import RpcCalls
from .test_situations import SituationsCommon

SITUATION = "chorus.pro.situation"
LINE = "chorus.pro.situation.line"


@tagged("post_install", "-at_install", "chorus_pro")
class TestSituationsOverHttp(RpcCalls, SituationsCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = new_test_user(cls.env, login="chorus_no_works", password="chorus_no_works",
                                     name="Employee without works rights", groups="base.group_user",
                                     company_id=cls.company.id)
        cls.market = cls.make_works_market(cls, retention_rate=5.0)
        cls.other_market = cls.make_works_market(cls, name="2026-TX-099", retention_rate=5.0)

    def line_of(self, situation, code):
        return situation.line_ids.filtered(lambda line: line.code == code)

    def test_site_manager_enters_and_submits_but_never_validates_invoices_or_forges(self):
        manager = "chorus_site_manager"
        situation_id = self.json_call(manager, SITUATION, "create", [{"market_id": self.market.id,
                                                                      "period_end": "2026-03-31"}])[0]
        situation = self.env[SITUATION].browse(situation_id)
        line = self.line_of(situation, "02.1")
        self.assertIs(self.json_call(manager, LINE, "write", line.ids,
                                     {"progress_mode": "percent", "cumulative_percent": 10.0}), True)
        self.assertEqual(situation.works_period, 15000.0, "the figures follow the progress written by RPC")
        # what only the code sets: the stage, the figures, the links to the books; the prices of the market
        for values in ({"stage": "validated"}, {"state": "paid"}, {"amount_to_pay": 1.0}, {"number": 7},
                       {"figures": {}}, {"move_id": self.make_invoice().id}):
            self.assertRefused(self.json_call(manager, SITUATION, "write", [situation_id], values))
        self.assertRefused(self.xml_call(manager, LINE, "write", line.ids, {"previous_quantity": 500.0}))
        self.assertRefused(self.xml_call(manager, LINE, "write", line.ids, {
            "market_line_id": self.other_market.line_ids[0].id}))
        self.assertRefused(self.json_call(manager, "chorus.pro.market.line", "write", line.market_line_id.ids,
                                          {"unit_price": 1000.0}))
        self.assertRefused(self.json_call(manager, SITUATION, "create", [{
            "market_id": self.other_market.id, "period_end": "2026-03-31", "stage": "validated"}]))
        # a line of another market cannot be slipped into the situation
        self.assertRefused(self.xml_call(manager, LINE, "create", [{
            "situation_id": situation_id, "market_line_id": self.other_market.line_ids[0].id,
            "progress_mode": "quantity", "cumulative_quantity": 1000.0}]), "2026-TX-099")
        self.assertEqual(self.json_call(manager, SITUATION, "action_submit", [situation_id]), None)
        self.assertEqual(situation.state, "submitted")
        for method in ("action_validate", "action_create_invoice"):
            self.assertRefused(self.json_call(manager, SITUATION, method, [situation_id]))
            self.assertRefused(self.xml_call(manager, SITUATION, method, [situation_id]))
        self.assertEqual(situation.state, "submitted")
        self.assertEqual(situation.works_period, 15000.0)
        self.assertFalse(situation.move_id)
        # validated by the accountant: frozen for everyone, the site manager included
        situation.action_validate()
        self.assertRefused(self.xml_call(manager, LINE, "write", line.ids, {"cumulative_percent": 90.0}),
                           "UserError")
        self.assertRefused(self.json_call(manager, SITUATION, "write", [situation_id], {
            "penalty_ids": [Command.create({"name": "Retard", "amount": 100.0})]}), "UserError")
        self.assertRefused(self.json_call(manager, SITUATION, "unlink", [situation_id]))
        self.assertEqual(line.cumulative_percent, 10.0)

    def test_employee_without_works_rights_sees_nothing(self):
        situation = self.situation(self.market, "2026-03", {"01.1": ("percent", 100)})
        who = "chorus_no_works"
        self.assertRefused(self.json_call(who, SITUATION, "search_read", [], fields=["amount_to_pay"]))
        self.assertRefused(self.json_call(who, SITUATION, "create", [{"market_id": self.market.id}]))
        self.assertRefused(self.xml_call(who, LINE, "write", situation.line_ids[:1].ids, {"cumulative_quantity": 2}))
        self.assertRefused(self.xml_call(who, SITUATION, "action_submit", situation.ids))
        self.assertRefused(self.json_call(who, "chorus.pro.market", "read", self.market.ids, ["amount"]))
        self.assertEqual(situation.state, "draft")

    def test_tour_site_manager_then_accountant(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_id": self.company.id, "company_ids": [Command.link(self.company.id)],
                     "group_ids": [Command.link(self.group_transfer.id)]})
        self.start_tour("/odoo/action-l10n_fr_chorus_btp.action_chorus_situations/new",
                        "l10n_fr_chorus_btp_situation_site_manager", login="chorus_site_manager")
        situation = self.env[SITUATION].search([("market_id", "=", self.market.id)])
        self.assertEqual(situation.state, "submitted")
        self.assertEqual(situation.create_uid, self.site_manager)
        self.assertEqual(situation.works_period, 55000.0)
        self.assertEqual({line.code: line.cumulative_quantity for line in situation.line_ids},
                         {"01.1": 1.0, "01.2": 200.0, "02.1": 100.0, "03.1": 0.0})
        self.start_tour(f"/odoo/action-l10n_fr_chorus_btp.action_chorus_situations/{situation.id}",
                        "l10n_fr_chorus_btp_situation_accountant", login="admin")
        move = situation.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(move.chorus_queued_by_id, admin)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(situation.state, "deposited")
        self.assertEqual(self.sim.invoice(int(move.chorus_identifier)).cadre, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR")
