"""A confirmed quotation becomes the bill of quantities of a public works market."""

from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ChorusSaleCommon


@tagged("post_install", "-at_install")
class TestMarketFromQuotation(ChorusSaleCommon):

    def works_quotation(self, **values):
        """Two sections, five priced lines and a note: 3 500 + 400 × 12.50 + 400 × 18 = 15 700 in lot 1,
        250 × 45 + 180 × 32 = 17 010 in lot 2."""
        return self.quotation([
            self.section("Terrassements"),
            self.line(self.site_setup, 1, 3500.0),
            self.line(self.earthworks, 400, 12.5),
            self.line(self.removal, 400, 18.0),
            Command.create({"display_type": "line_note", "name": "Les déblais sont évacués en décharge agréée."}),
            self.section("Maçonnerie"),
            self.line(self.slab, 250, 45.0),
            self.line(self.render, 180, 32.0),
        ], **values)

    def bill(self, market):
        return [(line.lot, line.code, line.name, line.unit, line.quantity, line.unit_price, line.amount)
                for line in market.line_ids.sorted("sequence")]

    def import_with_wizard(self, market, order):
        wizard = Form(self.env["chorus.pro.market.sale.import"].with_context(default_market_id=market.id))
        wizard.sale_order_id = order
        return wizard.save().action_import()

    def test_market_from_quotation(self):
        order = self.works_quotation(client_order_ref="2026-TX-031")
        action = order.action_chorus_create_market()
        market = self.env["chorus.pro.market"].browse(action["res_id"])
        self.assertEqual(market.name, "2026-TX-031", "the customer's reference is the market number")
        self.assertEqual(market.partner_id, self.commune)
        self.assertEqual(market.kind, "works")
        self.assertEqual(market.sale_order_id, order)
        self.assertEqual(market.tax_id, self.tax_sale_a)
        self.assertEqual(market.amount, 32710.0)
        self.assertEqual(order.amount_untaxed, 32710.0)
        self.assertEqual(self.bill(market), [
            ("1", "1.1", "Installation de chantier", "forfait", 1.0, 3500.0, 3500.0),
            ("1", "TER-01", "Terrassement en pleine masse", "m³", 400.0, 12.5, 5000.0),
            ("1", "1.3", "Évacuation des déblais", "m³", 400.0, 18.0, 7200.0),
            ("2", "2.1", "Dallage béton", "m²", 250.0, 45.0, 11250.0),
            ("2", "2.2", "Enduit de façade", "m²", 180.0, 32.0, 5760.0),
        ])
        self.assertEqual(sum(market.line_ids.mapped("amount")), market.amount)
        # the order links back to its market (smart button) and refuses a second one
        self.assertEqual(order.chorus_market_count, 1)
        self.assertEqual(order.action_view_chorus_markets()["res_id"], market.id)
        with self.assertRaisesRegex(UserError, "already has its public works market"):
            order.action_chorus_create_market()
        # the bill reads as the situations will: lots and their amounts
        terms = market._ccag_terms()
        self.assertEqual([(line.lot, line.amount_ht) for line in terms.lines],
                         [("1", Decimal(3500)), ("1", Decimal(5000)), ("1", Decimal(7200)), ("2", Decimal(11250)),
                          ("2", Decimal(5760))])

    def test_import_again_replaces_until_a_situation_exists(self):
        order = self.works_quotation()
        market = self.env["chorus.pro.market"].browse(order.action_chorus_create_market()["res_id"])
        self.assertEqual(market.name, order.name, "without a customer reference, the order's number")
        amendment = self.env["chorus.pro.market.amendment"].create({"market_id": market.id, "name": "Avenant 1"})
        self.env["chorus.pro.market.line"].create({
            "market_id": market.id, "lot": "2", "code": "2.3", "name": "Isolation par l'extérieur", "unit": "m²",
            "quantity": 100, "unit_price": 60.0, "amendment_id": amendment.id})
        # the customer has the quantity of slab changed before the works start
        slab_line = order.order_line.filtered(lambda line: line.product_id == self.slab)
        slab_line.write({"product_uom_qty": 300, "price_unit": 45.0})
        self.import_with_wizard(market, order)
        base = market.line_ids.filtered(lambda line: not line.amendment_id)
        self.assertEqual(len(base), 5, "imported again, the lines are replaced, not added")
        self.assertEqual(base.filtered(lambda line: line.name == "Dallage béton").quantity, 300.0)
        self.assertEqual(market.line_ids.filtered("amendment_id").code, "2.3", "the amendment line is kept")
        self.assertEqual(market.amount, 32710.0 + 50 * 45.0)
        # once a situation measures the progress of those lines, the bill is no longer replaced
        self.env["chorus.pro.situation"].create({"market_id": market.id,
                                                 "period_end": fields.Date.to_date("2026-03-31")})
        with self.assertRaisesRegex(UserError, "has situations already"):
            self.import_with_wizard(market, order)
        self.assertEqual(len(market.line_ids), 6)

    def test_customer_not_chorus_client_refused(self):
        town_hall = self.env["res.partner"].create({"name": "Mairie annexe", "is_company": True})
        order = self.works_quotation(partner=town_hall)
        with self.assertRaisesRegex(UserError, "Mairie annexe is not a Chorus Pro client: tick « Chorus Pro client »"):
            order.action_chorus_create_market()
        fr = self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_btp_sale"], [fr.code])
        with self.assertRaisesRegex(UserError, "cochez « Client - Chorus Pro »"):
            order.with_context(lang=fr.code).action_chorus_create_market()
        self.assertFalse(self.env["chorus.pro.market"].search([("partner_id", "=", town_hall.id)]))

    def test_contact_of_a_chorus_client_is_its_market(self):
        """A quotation addressed to a person of the public customer gives the customer's market."""
        engineer = self.env["res.partner"].create({"name": "Services techniques", "parent_id": self.commune.id})
        order = self.works_quotation(partner=engineer)
        market = self.env["chorus.pro.market"].browse(order.action_chorus_create_market()["res_id"])
        self.assertEqual(market.partner_id, self.commune)

    def test_price_included_tax_refused(self):
        tax_included = self.tax_sale_a.copy({"name": "TVA 20 % TTC", "price_include_override": "tax_included"})
        order = self.quotation([
            self.line(self.slab, 250, 54.0, tax_ids=[Command.set(tax_included.ids)]),
            self.line(self.render, 180, 32.0),
        ])
        with self.assertRaisesRegex(UserError, "prices including a tax: Dallage béton"):
            order.action_chorus_create_market()
        self.assertFalse(order.chorus_market_ids)

    def test_draft_quotation_refused(self):
        order = self.works_quotation(confirm=False)
        with self.assertRaisesRegex(UserError, "Confirm quotation"):
            order.action_chorus_create_market()

    def test_lots_codes_and_net_prices(self):
        """Lines before the first section form lot 1; a reference already taken gives way to the line's
        number; a discount is taken into the unit price; the VAT of the largest amount is the market's."""
        reduced_vat = self.tax_sale_a.copy({"name": "TVA 10 %", "amount": 10.0})
        order = self.quotation([
            self.line(self.site_setup, 1, 2000.0),
            self.section("Gros œuvre"),
            self.line(self.earthworks, 100, 12.5),
            self.line(self.earthworks, 50, 14.0, name="Terrassement en tranchée"),
            self.section("Second œuvre"),
            self.line(self.render, 200, 40.0, discount=10.0, tax_ids=[Command.set(reduced_vat.ids)]),
        ])
        market = self.env["chorus.pro.market"].browse(order.action_chorus_create_market()["res_id"])
        self.assertEqual([(line.lot, line.code, line.name, line.unit_price) for line in market.line_ids], [
            ("1", "1.1", "Installation de chantier", 2000.0),
            ("2", "TER-01", "Terrassement en pleine masse", 12.5),
            ("2", "2.2", "Terrassement en tranchée", 14.0),
            ("3", "3.1", "Enduit de façade", 36.0),
        ])
        self.assertEqual(market.amount, 2000.0 + 1250.0 + 700.0 + 7200.0)
        self.assertEqual(market.tax_id, reduced_vat, "7 200 at 10 % against 3 950 at 20 %")
        self.assertEqual([line.tax_id.amount for line in market.line_ids], [20.0, 20.0, 20.0, 10.0],
                         "each line keeps the VAT it was quoted with")

    def test_import_into_a_market_of_another_customer_refused(self):
        other = self.commune.copy({"name": "Département de la Sarthe", "company_registry": "22720001100012"})
        market = self.env["chorus.pro.market"].create({"name": "2026-DEP-004", "partner_id": other.id,
                                                       "kind": "works", "company_id": self.company.id})
        with self.assertRaisesRegex(UserError, "choose a quotation of the market's customer"):
            market._chorus_import_sale_order(self.works_quotation())
        self.assertFalse(market.line_ids)

    def test_only_invoicing_users(self):
        salesman = new_test_user(self.env, login="chorus_salesman", groups="sales_team.group_sale_salesman",
                                 company_id=self.company.id)
        order = self.works_quotation(user_id=salesman.id)
        with self.assertRaisesRegex(AccessError, "Only the users of the group « Invoicing »"):
            order.with_user(salesman).action_chorus_create_market()
        market = self.env["chorus.pro.market"].create({"name": "2026-TX-032", "partner_id": self.commune.id,
                                                       "kind": "works", "company_id": self.company.id})
        with self.assertRaisesRegex(AccessError, "Only the users of the group « Invoicing »"):
            market.with_user(salesman)._chorus_import_sale_order(order)
        # an invoicing user who does not sell may
        clerk = new_test_user(self.env, login="chorus_invoicing", groups="account.group_account_invoice",
                              company_id=self.company.id)
        market.with_user(clerk)._chorus_import_sale_order(order.with_user(clerk))
        self.assertEqual(len(market.line_ids), 5)
