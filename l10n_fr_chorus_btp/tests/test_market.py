from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from chorus_pro.simulator import seed as sim_seed

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestMarkets(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mandataire = cls.env["res.partner"].create({"name": sim_seed.MANDATAIRE.name, "is_company": True,
                                                        "company_registry": sim_seed.MANDATAIRE.siret})
        cls.titulaire = cls.env["res.partner"].create({"name": sim_seed.TITULAIRE.name, "is_company": True,
                                                       "company_registry": sim_seed.TITULAIRE.siret})

    def make_works_market(self, **vals):
        values = {"name": "2026-TRV-042", "title": "Réhabilitation de 24 logements", "partner_id": self.oph.id,
                  "service_id": self.oph.chorus_service_ids[:1].id, "kind": "works",
                  "moe_partner_id": self.moe.id, "moa_partner_id": self.oph.id}
        values.update(vals)
        return self.make_market(**values)

    def test_market_number_unique_per_customer_and_company(self):
        self.make_market()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.make_market(title="Doublon")
        # the same number for another customer is allowed
        self.make_market(partner_id=self.departement.id, service_id=False)

    def test_references_come_from_the_market(self):
        market = self.make_market(partner_id=self.hopital.id, engagement="EJ-CH-2026-001",
                                  service_id=self.hopital.chorus_service_ids[:1].id, name="CH-2026-7")
        move = self.make_invoice(partner=self.hopital, market=market)
        self.assertEqual(move.contract_reference, "CH-2026-7")
        self.assertEqual(move.buyer_reference, self.hopital.chorus_service_ids[:1].code)
        self.assertEqual(move.purchase_order_reference, "EJ-CH-2026-001")
        self.assertEqual(move.chorus_cadre, "A1")
        # still editable on the invoice
        move.purchase_order_reference = "EJ-AUTRE"
        self.assertEqual(move.purchase_order_reference, "EJ-AUTRE")

    def test_cadre_derived_from_kind_role_and_document_type(self):
        cases = [
            ({"kind": "services", "role": "titulaire"}, None, "A1"),
            ({"kind": "services", "role": "cotraitant", "validator_partner_id": "mandataire"}, None, "A12"),
            ({"kind": "services", "role": "soustraitant", "validator_partner_id": "titulaire"}, None, "A9"),
            ({"kind": "works", "role": "titulaire"}, "monthly", "A4"),
            ({"kind": "works", "role": "titulaire"}, "final", "A7"),
            ({"kind": "works", "role": "titulaire"}, "dgd", "A8"),
        ]
        for index, (vals, doc_type, cadre) in enumerate(cases):
            with self.subTest(vals=vals, doc_type=doc_type):
                vals = dict(vals, name=f"M-{index}")
                if vals.get("validator_partner_id"):
                    vals["validator_partner_id"] = getattr(self, vals["validator_partner_id"]).id
                market = (self.make_works_market(**vals) if vals["kind"] == "works" else self.make_market(**vals))
                move = self.make_invoice(partner=market.partner_id, market=market)
                if doc_type:
                    self.assertEqual(move.chorus_works_document_type, "monthly")
                    move.chorus_works_document_type = doc_type
                self.assertEqual(move.chorus_cadre, cadre)

    def test_cotraitant_and_soustraitant_need_a_valideur(self):
        with self.assertRaises(ValidationError):
            self.make_market(role="cotraitant")
        with self.assertRaises(ValidationError):
            self.make_market(role="soustraitant")

    def test_cadre_outside_allowed_values_refused_at_posting(self):
        market = self.make_market()
        move = self.make_invoice(market=market)
        move.chorus_cadre = "A4"
        with self.assertRaises(UserError) as caught:
            move.action_post()
        self.assertIn("A1, A2", str(caught.exception))
        move.chorus_cadre = "A2"
        move.action_post()
        self.assertEqual(move.state, "posted")

    def test_situation_numbers_increment_per_market(self):
        market = self.make_works_market()
        other = self.make_works_market(name="2026-TRV-043")
        first = self.make_invoice(partner=self.oph, market=market, post=True)
        second = self.make_invoice(partner=self.oph, market=market, post=True)
        elsewhere = self.make_invoice(partner=self.oph, market=other, post=True)
        final = self.make_invoice(partner=self.oph, market=market, chorus_works_document_type="final", post=True)
        self.assertEqual((first.chorus_situation_number, second.chorus_situation_number), (1, 2))
        self.assertEqual(elsewhere.chorus_situation_number, 1)
        self.assertFalse(final.chorus_situation_number)
        self.assertEqual(final.chorus_cadre, "A7")
        self.assertEqual(market.invoice_count, 3)
        action = market.action_view_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), first + second + final)

    def test_works_situation_deposited_in_works_circuit(self):
        market = self.make_works_market()
        move = self.make_invoice(partner=self.oph, market=market, post=True)
        self.assertEqual(move.chorus_cadre, "A4")
        self.run_sender()
        # works documents start their life in the MOE's hands ("À valider par la MOE")
        self.assertIn(move.chorus_state, ("deposited", "in_progress"), move.chorus_last_error)
        self.assertTrue(move.chorus_identifier)
        self.assertTrue(move.chorus_status_label)
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertIn("facturesTravaux", " ".join(self.sim.stats.by_operation))

    def test_market_isolated_between_companies(self):
        market = self.make_market()
        other_company = self.setup_other_company(name="Autre société BTP")["company"]
        outsider = new_test_user(self.env, login="other_company_user", groups="account.group_account_invoice",
                                 company_id=other_company.id, company_ids=[(6, 0, other_company.ids)])
        markets = self.env["chorus.pro.market"].with_user(outsider)
        self.assertFalse(markets.search([("id", "=", market.id)]))
        with self.assertRaises(AccessError):
            markets.browse(market.id).read(["name"])
        own = markets.with_company(other_company).create({"name": "2026-SRV-001", "partner_id": self.commune.id,
                                                           "company_id": other_company.id})
        self.assertNotEqual(own, market)
        self.assertEqual(markets.search([("name", "=", "2026-SRV-001")]), own)
        # directory services of a customer restricted to one company stay in that company
        private = self.env["res.partner"].create({"name": "Client réservé", "company_id": self.company.id,
                                                  "chorus_service_ids": [(0, 0, {"code": "SRV-A"})]})
        services = self.env["chorus.pro.service"].with_user(outsider)
        self.assertFalse(services.search([("partner_id", "=", private.id)]))
        self.assertTrue(services.search([("partner_id", "=", self.commune.id)]), "shared customers are shared")
