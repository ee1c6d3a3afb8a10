from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestPreflight(ChorusCommon):
    """Posting for a Chorus Pro client is refused with ONE French message listing everything to fix."""

    def assert_refused(self, move, *fragments):
        before = self.sim.stats.api_requests
        with self.assertRaises(UserError) as caught:
            move.action_post()
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(move.state, "draft")
        self.assertEqual(self.sim.stats.api_requests, before, "pre-flight checks never call Chorus Pro")
        return message

    def test_everything_missing_in_one_message(self):
        partner = self.company.partner_id
        self.env.cr.execute("UPDATE res_partner SET company_registry = NULL WHERE id = %s", [partner.id])
        self.env.invalidate_all()
        move = self.make_invoice(partner=self.hopital, partner_bank_id=False, purchase_order_reference="E" * 51)
        message = self.assert_refused(
            move,
            "SIRET de votre société",
            "code service",
            "50 au plus",
            "compte bancaire",
        )
        self.assertEqual(message.count("\n- "), 4, message)

    def test_customer_siret_checked(self):
        partner = self.env["res.partner"].create({"name": "Mairie", "is_company": True,
                                                  "company_registry": "21720001300019", "chorus_client": True})
        move = self.make_invoice(partner=partner)
        # the SIRET is emptied by a direct SQL fix-up: still caught at posting
        self.env.cr.execute("UPDATE res_partner SET company_registry = NULL WHERE id = %s", [partner.id])
        partner.invalidate_recordset(["company_registry"])
        self.assert_refused(move, "SIRET du client", "est absent")

    def test_service_code_required_and_must_be_selectable(self):
        move = self.make_invoice(buyer_reference=False)
        self.assert_refused(move, "exige un code service")
        move.buyer_reference = "FACTURES_PUBLIQUES"
        message = self.assert_refused(move, "FACTURES_PUBLIQUES", "SERV-TECH")
        self.assertNotIn("ANCIEN-SERV,", message)
        move.buyer_reference = "ANCIEN-SERV"
        self.assert_refused(move, "ANCIEN-SERV")
        move.buyer_reference = "SERV-TECH"
        move.action_post()
        self.assertEqual(move.state, "posted")

    def test_service_with_its_own_ej_requirement(self):
        move = self.make_invoice(buyer_reference="DST-VOIRIE")
        self.assert_refused(move, "DST-VOIRIE", "engagement juridique")
        move.purchase_order_reference = "EJ-VOIRIE-1"
        move.action_post()

    def test_ej_required_by_structure(self):
        move = self.make_invoice(partner=self.departement)
        self.assert_refused(move, "engagement juridique")
        move.purchase_order_reference = "1300012345"
        move.action_post()

    def test_both_required(self):
        move = self.make_invoice(partner=self.hopital)
        self.assert_refused(move, "code service", "engagement juridique")

    def test_works_market_needs_market_number(self):
        market = self.make_market(partner_id=self.oph.id, service_id=False, kind="works", name="TRV-1")
        move = self.make_invoice(partner=self.oph, market=market)
        move.contract_reference = False
        self.assert_refused(move, "numéro de marché")

    def test_bank_account_must_be_iban(self):
        bank = self.env["res.partner.bank"].create({"acc_number": "123456789", "partner_id":
                                                   self.company.partner_id.id})
        move = self.make_invoice(partner_bank_id=bank.id)
        self.assert_refused(move, "IBAN")

    def test_credit_note_rules(self):
        refund = self.make_invoice(move_type="out_refund", ref=False)
        self.assert_refused(refund, "avoir", "facture")
        invoice = self.make_invoice(post=True)
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({
                "reason": "Erreur de quantité", "journal_id": invoice.journal_id.id})
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertEqual(credit_note.chorus_state, "to_send")
        self.run_sender()
        self.assertEqual(credit_note.chorus_state, "deposited", credit_note.chorus_last_error)
        self.assertEqual(invoice.chorus_state, "deposited")

    def test_euro_only_and_lines(self):
        usd = self.setup_other_currency("USD")
        move = self.make_invoice(currency_id=usd.id)
        self.assert_refused(move, "euros")
        empty = self.make_invoice(invoice_line_ids=[Command.clear()])
        empty.invoice_line_ids = [Command.clear()]
        with self.assertRaises(UserError):
            empty.action_post()

    def test_valideur_required_for_a12(self):
        mandataire = self.env["res.partner"].create({"name": "Mandataire", "is_company": True,
                                                     "company_registry": "51234567900017"})
        market = self.make_market(role="cotraitant", validator_partner_id=mandataire.id, name="GRP-1")
        move = self.make_invoice(market=market)
        self.assertEqual(move.chorus_cadre, "A12")
        self.env.cr.execute("UPDATE res_partner SET company_registry = '1' WHERE id = %s", [mandataire.id])
        mandataire.invalidate_recordset(["company_registry"])
        self.assert_refused(move, "valideur")

    def test_private_customer_never_checked(self):
        move = self.make_invoice(partner=self.private_customer, partner_bank_id=False)
        move.action_post()
        self.assertEqual(move.state, "posted")
