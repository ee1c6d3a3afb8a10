"""The demo database, as a prospect first opens it (``--with-demo``): the administrator on the Chorus Pro
company, a works market with its bill of quantities and three monthly situations, invoices that the sender
deposits on the simulator.

The project's test command installs a second database with the demo data and runs this class there; in the
main suite (installed without demo data) it is skipped, with that reason.
"""

from odoo.tests import TransactionCase, tagged

from chorus_pro.simulator import Simulator, SimulatorServer

from .common import ClientTimeouts


@tagged("post_install", "-at_install", "chorus_demo")
class TestDemoData(ClientTimeouts, TransactionCase):

    def setUp(self):
        super().setUp()
        self.market = self.env.ref("l10n_fr_chorus_btp.demo_market_works", raise_if_not_found=False)
        if not self.market:
            self.skipTest("no demo data: tools/run-tests.sh runs this class on a database installed --with-demo")
        self.company = self.env.ref("base.demo_company_fr")

    def test_the_administrator_lands_on_the_chorus_pro_company(self):
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.company_id, self.company)
        self.assertEqual(self.company.name, "BATI OUEST CONSTRUCTION")
        self.assertEqual(self.company.currency_id.name, "EUR")
        self.assertEqual(self.company.chorus_environment, "simulation")

    def test_a_works_market_with_three_situations(self):
        market = self.market
        self.assertEqual(market.name, "2026-TRV-042")
        self.assertEqual(len(set(market.line_ids.mapped("lot"))), 3, "three lots")
        self.assertTrue(market.amendment_ids)
        situations = market.situation_ids.sorted("number")
        self.assertEqual(situations.mapped("number"), [1, 2, 3])
        self.assertEqual(situations.mapped("state"), ["invoiced", "invoiced", "draft"])
        self.assertEqual(situations[:2].move_id.mapped("state"), ["posted", "posted"])
        for situation in situations[:2]:
            self.assertGreater(situation.amount_to_pay, 0)
            self.assertEqual(situation.move_id.chorus_situation_id, situation)
        self.assertTrue(situations[2].line_ids, "the month being entered has its progress lines")

    def test_the_demo_invoices_reach_the_simulator(self):
        sim = Simulator()
        server = SimulatorServer(sim).start()
        self.addCleanup(server.close)
        self.company.chorus_simulator_url = server.url
        queued = self.env["chorus.pro.transmission"].search([("company_id", "=", self.company.id),
                                                             ("state", "=", "to_send")])
        self.assertTrue(queued, "the posted demo invoices are queued for the sender")
        self.env["chorus.pro.transfer"]._cron_send_queued()
        # on Chorus Pro (the simulator may already have moved some on to "in progress"), each exactly once
        self.assertLessEqual(set(queued.mapped("state")), {"deposited", "in_progress"})
        for transmission in queued:
            self.assertTrue(transmission.chorus_invoice_id, transmission.document_number)
            self.assertEqual(sim.deposit_count(transmission.document_number), 1, transmission.document_number)
        self.assertEqual(self.market.situation_ids.filtered("move_id").mapped("state"), ["deposited", "deposited"])
