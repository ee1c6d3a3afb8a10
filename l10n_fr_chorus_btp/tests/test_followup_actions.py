"""Acting on a buyer's decision: compléter, recycler, traiter le rejet, corriger le valideur."""

import base64

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from chorus_pro.simulator import seed

from .test_followup_common import ChorusFollowupCase

UPLOAD = "transverses/v1/ajouter/fichier"


@tagged("post_install", "-at_install")
class TestBuyerDecisions(ChorusFollowupCase):

    def setUp(self):
        super().setUp()
        self.move = self.new_invoice(4200)
        self.deposit(self.move)

    def decide(self, status, comment=""):
        self.sim.set_invoice_status(int(self.move.chorus_identifier), status, comment)
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(self.move.chorus_status, status)

    def wizard(self, action, values=None):
        return self.env[action["res_model"]].with_context(**action["context"]).create(values or {})

    def attachment(self, name, content=b"%PDF-1.4\n% justificatif\n"):
        return self.env["ir.attachment"].create({"name": name, "datas": base64.b64encode(content),
                                                 "res_model": "account.move", "res_id": self.move.id})

    def uploads(self):
        return self.sim.stats.by_operation.get(UPLOAD, 0)

    # -- compléter ----------------------------------------------------------------------------------
    def test_complete_suspended_invoice(self):
        self.decide("SUSPENDUE", "Attestation d'assurance décennale manquante")
        self.assertTrue(self.chorus_activities(self.move))
        attached = len(self.sim.invoice(int(self.move.chorus_identifier)).attachment_ids)
        wizard = self.wizard(self.move.action_chorus_complete(), {
            "attachment_ids": [Command.set(self.attachment("attestation-decennale.pdf").ids)],
            "comment": "Attestation jointe",
        })
        self.assertEqual(wizard.move_id, self.move)
        self.assertEqual(wizard.chorus_status_comment, "Attestation d'assurance décennale manquante")
        wizard.action_complete()
        on_chorus = self.sim.invoice(int(self.move.chorus_identifier))
        self.assertEqual(on_chorus.status, "COMPLETEE")
        self.assertEqual(len(on_chorus.attachment_ids), attached + 1, "the document was uploaded and attached")
        self.assertEqual(self.move.chorus_status, "COMPLETEE", "status read back at once")
        self.assertEqual(self.move.chorus_state, "in_progress")
        self.assertFalse(self.chorus_activities(self.move))
        self.assertIn("Attestation jointe", self.chatter_text(self.move))

    def test_complete_refuses_bad_attachments_without_any_call(self):
        self.decide("SUSPENDUE", "Pièce manquante")
        cases = [
            (self.attachment("x" * 47 + ".pdf"), "50"),
            (self.attachment("installation.exe"), "EXE"),
            (self.attachment("plan-masse.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024 + 1)), "10 MB"),
            (self.attachment("vide.pdf", b""), "is empty"),  # this case's user speaks English
        ]
        before = self.uploads()
        for attachment, expected in cases:
            wizard = self.wizard(self.move.action_chorus_complete(),
                                 {"attachment_ids": [Command.set(attachment.ids)], "comment": "x"})
            with self.assertRaises(UserError) as error:
                wizard.action_complete()
            self.assertIn(expected, str(error.exception), attachment.name)
        wizard = self.wizard(self.move.action_chorus_complete())
        with self.assertRaises(UserError) as error:
            wizard.action_complete()
        self.assertIn("document or a comment", str(error.exception))
        self.assertEqual(self.uploads(), before, "nothing uploaded")
        self.assertEqual(self.sim_status(self.move), "SUSPENDUE", "nothing changed on Chorus Pro")
        self.assertEqual(self.move.chorus_status, "SUSPENDUE")

    def test_actions_refused_in_the_wrong_status(self):
        for method in ("action_chorus_complete", "action_chorus_recycle", "action_chorus_correct_validator"):
            with self.assertRaises(UserError):
                getattr(self.move, method)()
        with self.assertRaises(UserError):
            self.move.action_chorus_acknowledge_rejection()

    # -- recycler --------------------------------------------------------------------------------------
    def test_recycle_with_corrected_service(self):
        self.decide("A_RECYCLER", "Service destinataire erroné")
        wizard = self.wizard(self.move.action_chorus_recycle())
        self.assertEqual(wizard.buyer_siret, seed.COMMUNE.siret)
        self.assertEqual(wizard.service_code, "SERV-TECH")
        wizard.write({"service_code": "SERV-TECH", "market_number": "2026-TX-017", "comment": "Service corrigé"})
        wizard.action_recycle()
        on_chorus = self.sim.invoice(int(self.move.chorus_identifier))
        self.assertEqual(on_chorus.status, "DEPOSEE")
        self.assertEqual(on_chorus.market_number, "2026-TX-017")
        self.assertEqual(self.move.contract_reference, "2026-TX-017")
        self.assertEqual(self.move.chorus_status, "DEPOSEE")
        self.assertIn("Invoice recycled", self.chatter_text(self.move))

    def test_recycle_bad_inputs_change_nothing(self):
        self.decide("A_RECYCLER")
        for values, expected in (
            ({"buyer_siret": "12345678901234"}, "SIRET"),
            ({"service_code": "FACTURES_PUBLIQUES"}, "FACTURES_PUBLIQUES"),
            ({"engagement": "E" * 51}, "50"),
            ({"buyer_siret": "73282932000074"}, "73282932000074"),  # valid SIRET, unknown to Chorus Pro
        ):
            wizard = self.wizard(self.move.action_chorus_recycle(), values)
            with self.assertRaises(UserError) as error:
                wizard.action_recycle()
            self.assertIn(expected, str(error.exception))
        self.assertEqual(self.sim_status(self.move), "A_RECYCLER")
        self.assertEqual(self.move.buyer_reference, "SERV-TECH")

    # -- rejet --------------------------------------------------------------------------------------------
    def test_acknowledge_rejection(self):
        self.decide("REJETEE", "Facture en double")
        self.assertIn("Facture en double", self.chorus_activities(self.move).note)
        wizard = self.wizard(self.move.action_chorus_acknowledge_rejection())
        self.assertEqual(wizard.move_ids, self.move)
        wizard.action_acknowledge()
        self.assertTrue(self.sim.invoice(int(self.move.chorus_identifier)).rejection_handled)
        self.assertTrue(self.move.chorus_rejection_acknowledged)
        self.assertTrue(self.move.chorus_needs_action, "still needs its credit note")
        with self.assertRaises(UserError):
            self.move.action_chorus_acknowledge_rejection()

    # -- valideur ----------------------------------------------------------------------------------------
    def test_correct_validator(self):
        self.decide("ERREUR_FOURNISSEUR_SUR_VALIDEUR", "Le valideur indiqué n'est pas le titulaire")
        wizard = self.wizard(self.move.action_chorus_correct_validator(), {"validator_siret": "1234"})
        with self.assertRaises(UserError):
            wizard.action_correct()
        self.assertEqual(self.sim_status(self.move), "ERREUR_FOURNISSEUR_SUR_VALIDEUR")
        wizard.validator_siret = seed.TITULAIRE.siret
        wizard.action_correct()
        on_chorus = self.sim.invoice(int(self.move.chorus_identifier))
        self.assertEqual(on_chorus.validator_id, seed.TITULAIRE.id)
        self.assertEqual(on_chorus.status, "A_VALIDER_1")
        self.assertEqual(self.move.chorus_status, "A_VALIDER_1")

    # -- rights ----------------------------------------------------------------------------------------------
    def test_only_transfer_users_act_on_chorus(self):
        self.decide("SUSPENDUE", "Pièce manquante")
        clerk = self.env["res.users"].create({
            "name": "Comptable sans droit Chorus", "login": "clerk-no-chorus", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "group_ids": [Command.set(self.env.ref("account.group_account_invoice").ids)],
        })
        wizard = self.wizard(self.move.with_user(clerk).action_chorus_complete(), {"comment": "x"})
        with self.assertRaises(UserError):  # access refused (AccessError is a UserError)
            wizard.with_user(clerk).action_complete()
        with self.assertRaises(UserError) as error:  # and refused by the right check even through sudo
            wizard.with_user(clerk).sudo(False)._check_rights()
        self.assertIn("Invoice transfer", str(error.exception))
        # a French user reads the group's French name
        self.env["res.lang"]._activate_lang("fr_FR")
        with self.assertRaises(UserError) as error:
            wizard.with_user(clerk).with_context(lang="fr_FR").sudo(False)._check_rights()
        self.assertIn("« Transfert facture »", str(error.exception))
        self.assertEqual(self.sim_status(self.move), "SUSPENDUE")
