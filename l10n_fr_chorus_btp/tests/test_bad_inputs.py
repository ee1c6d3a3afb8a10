"""Catalogue of bad inputs: each one refused with its French message, and nothing sent or changed.

"No side effect" is checked on both sides: the Odoo record keeps its state and the
simulator receives no deposit (most cases: no request at all).
"""

import base64
from contextlib import contextmanager
from dataclasses import replace

from odoo import Command
from odoo.addons.l10n_fr_chorus_btp.models.chorus_messages import error_text
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from chorus_pro.documents import InvoiceType, PaymentMode
from chorus_pro.errors import DocumentValidationError
from chorus_pro.simulator import seed

from .test_followup_common import ChorusFollowupCase


@tagged("post_install", "-at_install")
class TestBadInputs(ChorusFollowupCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        french = cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_btp"], [french.code])
        cls.env.user.lang = "fr_FR"
        cls.env = cls.env(context=dict(cls.env.context, lang="fr_FR"))
        cls.buyer = cls.buyer.with_env(cls.env)
        cls.buyer.chorus_service_ids = [Command.create({
            "code": s.code, "name": s.name, "chorus_identifier": str(s.id), "active": s.active,
            "ej_required": s.ej_required}) for s in seed.COMMUNE.services]
        cls.departement = cls.env["res.partner"].create({
            "name": seed.DEPARTEMENT.name, "is_company": True, "company_registry": seed.DEPARTEMENT.siret,
            "chorus_client": True, "chorus_requirement": "ej", "country_id": cls.env.ref("base.fr").id,
        })

    # -- helpers ----------------------------------------------------------------------------------------
    def requests(self):
        return self.sim.stats.api_requests + self.sim.stats.token_requests

    @contextmanager
    def refused(self, *fragments, exception=UserError, calls_allowed=False):
        """The block raises ``exception`` whose message holds every French ``fragment``; no deposit."""
        before, deposits = self.requests(), len(self.sim.deposits)
        with self.assertRaises(exception) as caught:
            yield caught
        error = caught.exception
        message = error_text(self.env, error)  # a library error as the add-on shows it
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(len(self.sim.deposits), deposits, "nothing deposited")
        if not calls_allowed:
            self.assertEqual(self.requests(), before, "not even a request to Chorus Pro")

    def draft(self, **values):
        return self.new_invoice(post=False, **values)

    def assert_untouched(self, move):
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.chorus_state, "not_concerned")
        self.assertFalse(move.chorus_identifier)

    # -- directory --------------------------------------------------------------------------------------
    def test_invalid_siret(self):
        with self.refused("SIRET", "14", exception=ValidationError):
            self.env["res.partner"].create({"name": "Mairie mal saisie", "is_company": True,
                                            "company_registry": "21720001300018", "chorus_client": True})
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Mairie mal saisie")]))

    def test_unknown_siret_in_directory(self):
        partner = self.env["res.partner"].create({"name": "Établissement inconnu", "is_company": True,
                                                  "company_registry": "73282932000074", "chorus_client": True})
        with self.refused("73282932000074", "annuaire", calls_allowed=True):
            partner.action_chorus_check_directory()
        self.assertFalse(partner.chorus_structure_identifier)
        self.assertFalse(partner.chorus_checked_date)

    def test_inactive_structure(self):
        partner = self.env["res.partner"].create({"name": seed.SYNDICAT_INACTIF.name, "is_company": True,
                                                  "company_registry": seed.SYNDICAT_INACTIF.siret,
                                                  "chorus_client": True})
        with self.refused(seed.SYNDICAT_INACTIF.siret, "active", calls_allowed=True):
            partner.action_chorus_check_directory()
        self.assertFalse(partner.chorus_structure_identifier)

    # -- routing references -----------------------------------------------------------------------------
    def test_missing_service_code(self):
        move = self.draft(buyer_reference=False)
        with self.refused("code service"):
            move.action_post()
        self.assert_untouched(move)

    def test_missing_engagement_juridique(self):
        move = self.draft(partner=self.departement, buyer_reference=False)
        with self.refused("engagement juridique"):
            move.action_post()
        self.assert_untouched(move)

    def test_factures_publiques_service(self):
        move = self.draft(buyer_reference="FACTURES_PUBLIQUES")
        with self.refused("FACTURES_PUBLIQUES", "SERV-TECH"):
            move.action_post()
        self.assert_untouched(move)

    def test_engagement_juridique_over_50_characters(self):
        move = self.draft(partner=self.departement, buyer_reference=False, purchase_order_reference="E" * 51)
        with self.refused("50", "engagement juridique"):
            move.action_post()
        self.assert_untouched(move)

    # -- credentials ----------------------------------------------------------------------------------------
    def assert_transfer_paused(self, *fragments):
        move = self.new_invoice(900)
        move.action_chorus_transfer()
        deposits = len(self.sim.deposits)
        self.env["chorus.pro.transfer"]._cron_send_queued()
        self.assertEqual(len(self.sim.deposits), deposits, "nothing deposited")
        self.assertTrue(self.company.chorus_auth_failed, "transfers paused")
        self.assertEqual(move.chorus_state, "to_send", "kept in the queue, not in error")
        self.assertEqual(move.chorus_send_attempts, 0)
        for fragment in fragments:
            self.assertIn(fragment, self.company.chorus_auth_failed_message)
        ok, report = self.company._chorus_test_connection()
        self.assertFalse(ok)
        self.assertIn("Chorus Pro", report)
        return move

    def test_wrong_piste_client_id(self):
        self.company.chorus_piste_client_id = "identifiant-inconnu"
        self.assert_transfer_paused("PISTE")

    def test_wrong_piste_client_secret(self):
        self.company.sudo().chorus_piste_client_secret = "secret-perime"
        self.assert_transfer_paused("PISTE")
        self.assertNotIn("secret-perime", self.company.chorus_auth_failed_message)

    def test_refused_technical_account(self):
        self.company.sudo().chorus_tech_password = "Mauvais-Mot-De-Passe-1"
        self.assert_transfer_paused("compte technique")
        self.assertNotIn("Mauvais-Mot-De-Passe-1", self.company.chorus_auth_failed_message)

    def test_expired_technical_password(self):
        self.sim.expire_technical_password()
        try:
            self.assert_transfer_paused("mot de passe")
        finally:
            self.sim.set_technical_password(seed.TECH_PASSWORD)

    # -- documents ------------------------------------------------------------------------------------------------
    def test_attachment_too_large_or_badly_named(self):
        move = self.new_invoice(700)
        self.deposit(move)
        self.sim.set_invoice_status(int(move.chorus_identifier), "SUSPENDUE", "Pièce manquante")
        self.env["chorus.pro.sync"]._cron_sync()
        for name, content, fragment in (
            ("attestation-de-sous-traitance-et-de-paiement-direct.pdf", b"%PDF-1.4", "50"),
            ("photos-chantier.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024 + 1), "10 Mo"),
            ("releve.exe", b"MZ", "EXE"),
        ):
            attachment = self.env["ir.attachment"].create({"name": name, "datas": base64.b64encode(content)})
            action = move.action_chorus_complete()
            wizard = self.env[action["res_model"]].with_context(**action["context"]).create(
                {"attachment_ids": [Command.set(attachment.ids)], "comment": "Pièce jointe"})
            with self.refused(fragment, "pièce jointe"):
                wizard.action_complete()
        self.assertEqual(self.sim_status(move), "SUSPENDUE")

    def test_non_euro_currency(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        move = self.draft(currency_id=usd.id)
        with self.refused("euros", "USD"):
            move.action_post()
        self.assert_untouched(move)

    def test_credit_note_with_payment_mode(self):
        invoice = self.new_invoice(500)
        self.deposit(invoice)
        credit_note = self.env["account.move"].create({
            "move_type": "out_refund", "partner_id": self.buyer.id, "reversed_entry_id": invoice.id,
            "buyer_reference": "SERV-TECH", "invoice_line_ids": [Command.create({
                "product_id": self.product_a.id, "price_unit": 500, "tax_ids": [Command.set(self.tax_sale_a.ids)]})],
        })
        credit_note.action_post()
        document = credit_note._chorus_build_invoice(with_pdf=False)
        self.assertEqual(document.invoice_type, InvoiceType.CREDIT_NOTE)
        self.assertIsNone(document.payment_mode, "the add-on never puts a payment mode on a credit note")
        with self.refused("avoir", "mode de paiement", exception=DocumentValidationError), \
                self.company._chorus_client() as client:
            client.deposits.send(replace(document, payment_mode=PaymentMode.TRANSFER),
                                 supplier_structure_id=seed.SUPPLIER.id)
        self.assertEqual(self.sim.deposit_count(credit_note.name), 0)

    def test_invoice_without_lines(self):
        move = self.draft(invoice_line_ids=[])
        with self.refused("ligne"):
            move.action_post()
        self.assert_untouched(move)
