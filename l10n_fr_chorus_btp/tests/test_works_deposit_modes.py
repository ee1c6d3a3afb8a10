"""The three deposit modes of works documents, against the simulator over HTTP: the assisted portal deposit (found
afterwards by its number), the experimental API deposit and the flux deposit, and their faults (number already on
Chorus Pro, MOE missing, lost answer).  Rights over RPC; the browser tour of the portal deposit."""

import base64
from datetime import datetime, timedelta

from freezegun import freeze_time
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from chorus_pro.simulator import LOST_ANSWER, seed

from .common import AdminInTheCompany, RpcCalls
from .test_followup_common import WorksFollowupCase

T0 = datetime(2026, 11, 2, 9, 0)


class WorksModesCase(WorksFollowupCase):

    def works_invoice(self, amount=15000):
        move = self.new_invoice(amount, partner=self.oph, chorus_market_id=self.market.id,
                                buyer_reference="MOA-TRAVAUX")
        self.assertTrue(move.chorus_is_works)
        return move

    def run_sender(self):
        return self.env["chorus.pro.transfer"]._cron_send_queued()

    def make_due(self, moves):
        moves.chorus_transmission_id.filtered("next_attempt").sudo().write({"next_attempt": T0 - timedelta(1)})

    def use_mode(self, mode, confirmed=True):
        self.company.sudo().write({"chorus_works_deposit_mode": mode, "chorus_works_experimental_confirmed": confirmed})

    def portal_deposit_in_sim(self, move):
        """The user's deposit on the portal, as the simulator holds it."""
        return self.sim.deposit_works_on_portal(
            number=move.name, cadre="A4", market_number=self.market.name, moe=seed.MOE.siret, moa=seed.OPH.siret,
            untaxed=move.amount_untaxed, vat=move.amount_tax, total=move.amount_total)

    def works_deposits(self, number):
        return [d for d in self.sim.deposits if d.invoice_number == number]


@tagged("post_install", "-at_install")
class TestWorksPortalDeposit(WorksModesCase):

    def test_portal_is_the_default_and_the_steps_say_what_to_type(self):
        self.assertEqual(self.company.chorus_works_deposit_mode, "portal")
        self.assertEqual(self.market.works_deposit_mode_used, "portal")
        move = self.works_invoice()
        action = move.action_chorus_transfer()
        self.assertEqual(action["res_model"], "chorus.pro.works.portal.wizard")
        transmission = move.chorus_transmission_id
        self.assertEqual((transmission.state, transmission.deposit_mode), ("portal", "portal"))
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        steps = str(wizard.instructions)
        for expected in ("Factures de travaux", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", self.market.name,
                         seed.MOE.siret, seed.OPH.siret, "MOA-TRAVAUX", move.name, "Situation n° 1",
                         "15 000,00", "3 000,00", "18 000,00"):
            self.assertIn(expected, steps)
        pdf = base64.b64decode(wizard.pdf_file)
        self.assertNotIn(b"factur-x.xml", pdf, "a plain PDF: the portal reads a Factur-X PDF/A-3 as a flow")
        self.assertTrue(wizard.pdf_name.endswith(".pdf"))
        self.assertEqual(wizard.action_open_portal(), {"type": "ir.actions.act_url",
                                                       "url": self.server.url.rstrip("/") + "/", "target": "new"})
        # nothing goes out while the person deposits it
        self.run_sender()
        self.assertFalse(self.works_deposits(move.name))
        self.assertEqual(transmission.state, "portal")

    def test_portal_pdf_is_never_the_stored_facturx(self):
        move = self.works_invoice()
        # what Send & Print stores: a Factur-X PDF/A-3 (its embedded XML named factur-x.xml)
        self.env["ir.attachment"].create({
            "name": "facturx.pdf", "raw": b"%PDF-1.7\n/EmbeddedFile (factur-x.xml) <rsm:CrossIndustryInvoice/>\n",
            "res_model": "account.move", "res_id": move.id, "res_field": "invoice_pdf_report_file"})
        move.invalidate_recordset()
        self.assertTrue(move.invoice_pdf_report_id)
        action = move.action_chorus_transfer()
        pdf = base64.b64decode(self.env[action["res_model"]].browse(action["res_id"]).pdf_file)
        self.assertNotIn(b"factur-x.xml", pdf)
        self.assertNotIn(b"CrossIndustryInvoice", pdf)

    def test_done_then_found_by_its_number(self):
        move = self.works_invoice()
        move.action_chorus_transfer()
        transmission = move.chorus_transmission_id
        with freeze_time(T0):
            self.env["chorus.pro.works.portal.wizard"]._open_for(transmission)
            wizard = self.env["chorus.pro.works.portal.wizard"].search([("transmission_id", "=", transmission.id)])
            wizard[-1].action_done()
            self.assertEqual(transmission.state, "portal_to_find")
            self.assertEqual(transmission.portal_done_at, T0)
            self.run_sender()  # not on Chorus Pro yet: searched, never deposited
        self.assertEqual(transmission.state, "portal_to_find")
        self.assertEqual(transmission.next_attempt, T0 + timedelta(hours=1))
        self.assertFalse(self.works_deposits(move.name))
        held = self.portal_deposit_in_sim(move)
        with freeze_time(T0 + timedelta(hours=2)):
            self.run_sender()
        self.assertEqual(transmission.state, "in_progress", "A_VALIDER_MOE: on its way to the MOE")
        self.assertEqual(transmission.chorus_invoice_id, str(held.id))
        self.assertEqual(transmission.status, "A_VALIDER_MOE")
        self.assertTrue(transmission.deposit_date)
        self.assertEqual([d.kind for d in self.works_deposits(move.name)], ["portail"], "deposited once, by hand")
        self.assertIn("after its deposit on the portal", self.chatter_text(move))

    def test_not_found_after_a_day_an_activity_says_what_to_check(self):
        move = self.works_invoice()
        move.action_chorus_transfer()
        transmission = move.chorus_transmission_id
        with freeze_time(T0):
            transmission._portal_deposited()
        with freeze_time(T0 + timedelta(hours=23)):
            self.run_sender()
        self.assertFalse(move.activity_ids.filtered(lambda a: "not found" in (a.summary or "")))
        with freeze_time(T0 + timedelta(hours=25)):
            self.make_due(move)
            self.run_sender()
            self.make_due(move)
            self.run_sender()
        activities = move.activity_ids.filtered(lambda a: "not found" in (a.summary or ""))
        self.assertEqual(len(activities), 1, "one alert, however often it is searched")
        self.assertIn(move.name, str(activities.note))
        self.assertIn("Factures de travaux", str(activities.note))
        self.assertEqual(transmission.state, "portal_to_find")

    def test_reset_to_draft_before_the_portal_deposit_only(self):
        move = self.works_invoice()
        move.action_chorus_transfer()
        first = move.chorus_transmission_id
        move.button_draft()
        self.assertEqual((move.state, first.state), ("draft", "cancelled"))
        move.action_post()
        move.action_chorus_transfer()
        move.chorus_transmission_id._portal_deposited()
        with self.assertRaises(UserError):
            move.button_draft()  # said deposited on the portal: the invoice can no longer change
        self.assertEqual(move.state, "posted")

    def test_final_statement_document_goes_through_the_portal_too(self):
        document = self.env["chorus.pro.works.document"].create({
            "kind": "dgd", "market_id": self.market.id, "name": "2026-TX-017-DGD", "total_ht": 1000,
            "total_ttc": 1200, "amount_to_pay": 1200,
            "signed_document": base64.b64encode(b"%PDF-1.4\n% DGD signe\n"), "signed_document_name": "dgd.pdf"})
        document.action_validate()
        action = document.action_send_to_chorus()
        self.assertEqual(action["res_model"], "chorus.pro.works.portal.wizard")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(base64.b64decode(wizard.pdf_file), b"%PDF-1.4\n% DGD signe\n")
        self.assertIn("A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR", str(wizard.instructions))
        wizard.action_done()
        self.assertEqual(document.chorus_state, "portal_to_find")

    def test_missing_moe_is_named_before_anything_is_sent(self):
        for mode in ("portal", "api", "flux"):
            self.use_mode(mode)
            move = self.works_invoice()
            self.market.moe_partner_id = False  # removed after posting: the transfer names it
            with self.assertRaisesRegex(UserError, r"Project manager \(MOE\)"):
                move.action_chorus_transfer()
            self.assertFalse(move.chorus_transmission_id)
            self.market.moe_partner_id = self.moe
        self.assertFalse(self.sim.deposits)


@tagged("post_install", "-at_install")
class TestWorksExperimentalDeposits(WorksModesCase):

    def test_api_mode_is_confirmed_once_then_deposits(self):
        self.use_mode("api", confirmed=False)
        move = self.works_invoice()
        action = move.action_chorus_transfer()
        self.assertEqual(action["res_model"], "chorus.pro.works.experimental.wizard")
        self.assertFalse(move.chorus_transmission_id, "nothing queued before the confirmation")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual((wizard.company_id, wizard.mode), (self.company, "api"))
        wizard.action_confirm()
        self.assertTrue(self.company.chorus_works_experimental_confirmed)
        self.assertEqual((move.chorus_transmission_id.state, move.chorus_transmission_id.deposit_mode),
                         ("to_send", "api"))
        self.run_sender()
        self.assertEqual(move.chorus_status, "A_VALIDER_MOE")
        self.assertEqual([d.kind for d in self.works_deposits(move.name)], ["travaux"])
        # the second one goes without asking again
        other = self.works_invoice(2000)
        self.assertTrue(other.action_chorus_transfer()["tag"] == "display_notification")

    def test_api_refuses_a_number_already_on_chorus_pro(self):
        self.use_mode("api")
        move = self.works_invoice()
        self.portal_deposit_in_sim(move)  # someone deposited it on the portal already
        move.action_chorus_transfer()
        self.run_sender()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "action_needed")
        self.assertIn(move.name, transmission.last_error)
        self.assertEqual([d.kind for d in self.works_deposits(move.name)], ["portail"], "nothing sent")

    def test_api_lost_answer_is_found_not_sent_twice(self):
        self.use_mode("api")
        move = self.works_invoice()
        self.sim.faults.add(LOST_ANSWER, "facturesTravaux/v1/soumettre")
        move.action_chorus_transfer()
        self.run_sender()
        self.assertEqual(move.chorus_transmission_id.state, "in_progress")
        self.assertEqual(len(self.works_deposits(move.name)), 1)
        self.assertIn("not deposited a second time", self.chatter_text(move))

    def test_flux_mode_of_a_market_sends_one_cii_flow_then_follows_the_document(self):
        self.company.sudo().chorus_works_experimental_confirmed = True
        self.market.works_deposit_mode = "flux"
        self.assertEqual(self.market.works_deposit_mode_used, "flux")
        move = self.works_invoice()
        move.action_chorus_transfer()
        self.run_sender()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "deposited")
        self.assertTrue(transmission.flow_number)
        flow = self.sim.flow(transmission.flow_number)
        self.assertEqual(flow.syntax, "IN_DP_E1_CII_16B")
        self.sim.advance(3 * self.sim.flow_step_seconds)
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertTrue(transmission.chorus_invoice_id, transmission.last_error)
        held = self.sim.invoice(int(transmission.chorus_invoice_id))
        self.assertEqual((held.kind, held.cadre, held.market_number),
                         ("FACTURE_TRAVAUX", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", self.market.name))
        self.assertEqual((held.moe_id, held.moa_id), (seed.MOE.id, seed.OPH.id))
        self.assertEqual((float(held.untaxed), float(held.vat), float(held.total)),
                         (move.amount_untaxed, move.amount_tax, move.amount_total))
        self.assertEqual(move.chorus_status, "A_VALIDER_MOE")

    def test_flux_refuses_a_number_already_on_chorus_pro(self):
        self.use_mode("flux")
        move = self.works_invoice()
        self.portal_deposit_in_sim(move)
        move.action_chorus_transfer()
        self.run_sender()
        self.assertEqual(move.chorus_transmission_id.state, "action_needed")
        self.assertIn(move.name, move.chorus_transmission_id.last_error)
        self.assertFalse(self.sim.store.flows, "no flow sent")

    def test_flux_lost_answer_is_searched_and_never_sent_twice(self):
        self.use_mode("flux")
        move = self.works_invoice()
        self.sim.faults.add(LOST_ANSWER, "factures/v1/deposer/flux")
        move.action_chorus_transfer()
        self.run_sender()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "to_reconcile")
        # before Chorus Pro integrates the flow, the document cannot be found: searched again, not sent again
        self.make_due(move)
        self.run_sender()
        self.assertEqual(transmission.state, "to_reconcile")
        self.assertEqual(len(self.sim.store.flows), 1)
        self.sim.advance(3 * self.sim.flow_step_seconds)
        self.make_due(move)
        self.run_sender()
        self.assertIn(transmission.state, ("deposited", "in_progress"))
        self.assertTrue(transmission.chorus_invoice_id)
        self.assertEqual(len(self.sim.store.flows), 1, "one flow only")

    def test_flux_rejected_then_corrected_goes_again(self):
        self.test_flux_unknown_moe_on_chorus_pro_is_reported_from_the_flow()
        move = self.market.invoice_ids[-1:]
        transmission = move.chorus_transmission_id
        rejected_flow = transmission.flow_number
        self.market.moe_partner_id = self.moe
        move.action_chorus_transfer()
        self.run_sender()
        self.assertEqual(transmission.state, "deposited")
        self.assertNotEqual(transmission.flow_number, rejected_flow)
        self.assertEqual(len(self.sim.store.flows), 2, "the rejected flow created nothing: a new one went")

    def test_a_market_number_unknown_on_chorus_pro_is_refused_and_nothing_is_deposited(self):
        """The MOA knows other market numbers (the simulator's rule; unverified on the platform): the API deposit
        is refused before anything exists, the flow is rejected at integration; both say the number."""
        self.sim.set_known_markets(seed.OPH.siret, ["MARCHE-CONNU"])
        self.use_mode("api")
        move = self.works_invoice()
        number = move.contract_reference
        self.assertTrue(number)
        move.action_chorus_transfer()
        self.run_sender()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "action_needed")
        self.assertIn(number, transmission.last_error)
        self.assertFalse(self.works_deposits(move.name))
        self.use_mode("flux")
        other = self.works_invoice(2000)
        other.action_chorus_transfer()
        self.run_sender()
        self.sim.advance(3 * self.sim.flow_step_seconds)
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(other.chorus_transmission_id.state, "error")
        self.assertIn(number, other.chorus_transmission_id.last_error)
        self.assertFalse([held for held in self.sim.store.invoices.values() if held.number == other.name])

    def test_refused_document_can_go_by_the_portal_instead(self):
        self.test_api_refuses_a_number_already_on_chorus_pro()
        move = self.market.invoice_ids[-1:]
        self.use_mode("portal")
        action = move.action_chorus_transfer()
        self.assertEqual(action["res_model"], "chorus.pro.works.portal.wizard")
        self.assertEqual((move.chorus_transmission_id.state, move.chorus_transmission_id.deposit_mode),
                         ("portal", "portal"))

    def test_flux_unknown_moe_on_chorus_pro_is_reported_from_the_flow(self):
        self.use_mode("flux")
        stranger = self.env["res.partner"].create({"name": "Archi inconnu", "is_company": True,
                                                   "company_registry": "12345678200002"})
        self.market.moe_partner_id = stranger
        move = self.works_invoice()
        move.action_chorus_transfer()
        self.run_sender()
        self.sim.advance(3 * self.sim.flow_step_seconds)
        self.env["chorus.pro.sync"]._cron_sync()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "error")
        self.assertIn("12345678200002", transmission.last_error)


@tagged("post_install", "-at_install")
class TestWorksModesRights(RpcCalls, WorksModesCase, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, login="works_clerk", password="works_clerk",
                                  name="Invoicing clerk without the transfer right",
                                  groups="account.group_account_invoice", company_id=cls.company.id)

    def test_clerk_can_neither_deposit_nor_confirm(self):
        move = self.works_invoice()
        move.action_chorus_transfer()  # waits for its portal deposit
        transmission = move.chorus_transmission_id
        document = self.env["chorus.pro.works.document"].create({
            "kind": "dgd", "market_id": self.market.id, "name": "2026-TX-017-DGD", "total_ht": 1000,
            "total_ttc": 1200, "amount_to_pay": 1200, "signed_document": base64.b64encode(b"%PDF-1.4\n")})
        document.action_validate()
        document.action_send_to_chorus()
        self.assertEqual(document.chorus_state, "portal")
        self.assertRefused(self.json_call("works_clerk", "account.move", "action_chorus_portal_deposit", move.ids))
        self.assertRefused(self.xml_call("works_clerk", "account.move", "action_chorus_portal_deposit", move.ids))
        self.assertRefused(self.json_call("works_clerk", "chorus.pro.works.document", "action_chorus_portal_deposit",
                                          document.ids))
        self.use_mode("api", confirmed=False)
        other = self.works_invoice(2000)
        self.assertRefused(self.json_call("works_clerk", "account.move", "action_chorus_transfer", other.ids))
        self.assertFalse(other.chorus_transmission_id)
        for model in ("chorus.pro.works.portal.wizard", "chorus.pro.works.experimental.wizard"):
            self.assertRefused(self.json_call("works_clerk", model, "create",
                                              {"transmission_id": transmission.id}
                                              if "portal" in model else {"company_id": self.company.id}))
        wizard = self.env["chorus.pro.works.portal.wizard"].create({"transmission_id": transmission.id})
        self.assertRefused(self.json_call("works_clerk", "chorus.pro.works.portal.wizard", "action_done",
                                          wizard.ids))
        self.assertRefused(self.xml_call("works_clerk", "chorus.pro.works.portal.wizard", "action_done",
                                         wizard.ids))
        self.assertRefused(self.json_call("works_clerk", "chorus.pro.transmission", "_portal_deposited",
                                          transmission.ids))
        self.assertRefused(self.json_call("works_clerk", "res.company", "write", self.company.ids,
                                          {"chorus_works_experimental_confirmed": True}))
        self.assertEqual(transmission.state, "portal")
        self.assertEqual(document.chorus_state, "portal")
        self.assertFalse(self.company.chorus_works_experimental_confirmed)
        with self.assertRaises(AccessError):
            transmission.with_user(self.clerk)._portal_deposited()


@tagged("post_install", "-at_install")
class TestWorksPortalTour(AdminInTheCompany, WorksModesCase, HttpCase):

    def test_tour_assisted_portal_deposit(self):
        move = self.works_invoice()
        self.start_tour(f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
                        "l10n_fr_chorus_btp_works_portal", login="admin")
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.state, "portal_to_find")
        self.assertFalse(self.works_deposits(move.name), "the button only changed the state")
        held = self.portal_deposit_in_sim(move)
        self.make_due(move)
        self.run_sender()
        self.assertEqual(transmission.state, "in_progress")
        self.assertEqual(transmission.chorus_invoice_id, str(held.id))


@tagged("post_install", "-at_install")
class TestWorksFollowedToPaid(WorksModesCase):
    """A works situation goes out by each deposit mode and is followed, through its billing file on the
    simulator (the supplier's A4, the MOE's état d'acompte, the MOA's état d'acompte validé), to payment."""

    STEP = 3600
    #: the statuses the transmission takes, one simulated step at a time: the supplier's projet de décompte,
    #: then the latest piece of its billing file (the MOE's A15 from ASSOCIEE on, then the MOA's A19)
    CIRCUIT = ["A_VALIDER_MOE", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "A_ASSOCIER_MOE",
               "TRANSMISE_MOA", "MISE_A_DISPOSITION_MOA", "PRISE_EN_COMPTE_MOA", "A_ASSOCIER_MOA",
               "MISE_A_DISPOSITION", "MANDATEE", "MISE_EN_PAIEMENT"]
    DEPOSIT_KIND = {"portal": "portail", "api": "travaux", "flux": "flux"}

    def send_by(self, mode, move):
        """Take ``move`` out by ``mode`` until Chorus Pro holds it as a works document."""
        self.use_mode(mode)
        action = move.action_chorus_transfer()
        transmission = move.chorus_transmission_id
        self.assertEqual(transmission.deposit_mode, mode)
        if mode == "portal":
            self.env[action["res_model"]].browse(action["res_id"]).action_done()  # the user deposited it
            self.portal_deposit_in_sim(move)
            self.make_due(move)
            self.run_sender()
        else:
            self.run_sender()
            if mode == "flux":
                self.assertEqual(transmission.state, "deposited")
                self.sim.advance(3 * self.sim.flow_step_seconds)  # the flow is integrated
                self.env["chorus.pro.sync"]._cron_sync()
        self.assertTrue(transmission.chorus_invoice_id, transmission.last_error)
        self.assertEqual((transmission.status, transmission.state), ("A_VALIDER_MOE", "in_progress"))
        return transmission

    def test_each_mode_is_followed_to_paid(self):
        for mode in ("portal", "api", "flux"):
            with self.subTest(mode=mode):
                move = self.works_invoice()
                self.assertEqual(move.chorus_cadre, "A4")
                transmission = self.send_by(mode, move)
                held = self.sim.invoice(int(transmission.chorus_invoice_id))
                self.assertEqual((held.number, held.kind, held.cadre),
                                 (move.name, "FACTURE_TRAVAUX", "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"))
                self.sim.advance(self.STEP / 2)
                for _step in range(len(self.CIRCUIT) - 1):
                    self.sim.advance(self.STEP)
                    self.env["chorus.pro.sync"]._cron_sync()
                self.assertEqual((transmission.status, transmission.state), ("MISE_EN_PAIEMENT", "paid"),
                                 transmission.last_error)
                self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
                self.assertEqual(move.chorus_identifier, str(held.id), "the Chorus Pro id of the A4 sent")
                self.assertEqual(self.sim.deposit_count(move.name), 1, "deposited once")
                self.assertEqual([d.kind for d in self.works_deposits(move.name)], [self.DEPOSIT_KIND[mode]])
                events = transmission.event_ids.sorted(lambda e: (e.date, e.id))
                self.assertEqual(events.mapped("status"), self.CIRCUIT)
                self.assertEqual(events.ids, sorted(events.ids), "recorded in the order Chorus Pro moved it")
                self.assertEqual([(p.cadre, p.depositor, p.status) for p in transmission.works_piece_ids], [
                    ("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "supplier", "ASSOCIEE"),
                    ("A15_ETAT_ACOMPTE_MOE", "moe", "ASSOCIEE"),
                    ("A19_ETAT_ACOMPTE_VALIDE_MOA", "moa", "MISE_EN_PAIEMENT"),
                ])
                with self.spy_clients() as spy:
                    self.env["chorus.pro.sync"]._cron_sync()
                self.assertEqual(spy.calls(), 0, "a paid billing file is no longer followed")
