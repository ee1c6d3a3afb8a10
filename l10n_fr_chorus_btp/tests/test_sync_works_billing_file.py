"""The works status sync: one works search per page, a detail call only for a piece followed by a new one, and
the billing file (A4 → the MOE's état d'acompte → the MOA's piece) on the market, in order."""

from odoo.tests import new_test_user, tagged

from .test_followup_common import WorksFollowupCase

STEP = 3600
WORKS_SEARCH = "facturesTravaux/v1/rechercher"
DETAIL = "factures/v1/consulter/fournisseur"
INVOICE_SEARCH = "factures/v1/rechercher/fournisseur"


@tagged("post_install", "-at_install")
class TestWorksBillingFile(WorksFollowupCase):

    def works_invoice(self, amount=15000):
        move = self.new_invoice(amount, partner=self.oph, chorus_market_id=self.market.id,
                                buyer_reference="MOA-TRAVAUX")
        self.deposit(move)
        return move

    def cron(self):
        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        return spy

    def test_billing_file_followed_to_payment_in_order(self):
        move = self.works_invoice()
        works_id = int(move.chorus_identifier)
        self.sim.set_accepted_amount(works_id, "17500.00")  # the MOE corrects the amount
        self.sim.advance(STEP * 4.5)  # … A_ASSOCIER_MOE → ASSOCIEE: the MOE deposits its état d'acompte
        spy = self.cron()
        self.assertEqual((spy.calls(WORKS_SEARCH), spy.calls(DETAIL), spy.calls(INVOICE_SEARCH)), (1, 1, 0),
                         f"one works search, one detail for the piece followed by a new one: {spy}")
        self.assertEqual(move.chorus_status, "TRANSMISE_MOA", "the billing file's latest piece")
        self.assertEqual(move.chorus_status_label, "Transmise à la MOA")
        self.assertEqual(move.chorus_state, "in_progress")
        pieces = self.market.works_piece_ids
        self.assertEqual([(p.number, p.cadre, p.depositor, p.status) for p in pieces], [
            (move.name, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "supplier", "ASSOCIEE"),
            (f"{move.name}-EA", "A15_ETAT_ACOMPTE_MOE", "moe", "TRANSMISE_MOA"),
        ])
        self.assertEqual(pieces[1].amount_to_pay, 17500.0, "the amount the MOE accepted")
        self.assertIn(f"{move.name}-EA", self.chatter_text(move))
        self.assertEqual(pieces[0].amount_to_pay, move.amount_total, "the supplier's own figure")
        self.assertIn("The amount accepted differs from the amount of", self.chatter_text(move))
        self.assertAlmostEqual(pieces[1].amount_to_pay - pieces[0].amount_to_pay, 17500.0 - move.amount_total)

        self.sim.advance(STEP * 8)  # the MOE's piece → ASSOCIEE, the MOA's état d'acompte validé → paid
        spy = self.cron()
        self.assertEqual((spy.calls(WORKS_SEARCH), spy.calls(DETAIL)), (1, 1), str(spy))
        self.assertEqual([(p.sequence, p.cadre, p.status) for p in self.market.works_piece_ids], [
            (1, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "ASSOCIEE"),
            (2, "A15_ETAT_ACOMPTE_MOE", "ASSOCIEE"),
            (3, "A19_ETAT_ACOMPTE_VALIDE_MOA", "MISE_EN_PAIEMENT"),
        ])
        self.assertEqual(self.market.works_piece_ids[-1].depositor, "moa")
        self.assertEqual(self.chatter_text(move).count("The amount accepted differs"), 1,
                         "the MOA's piece carries the amount of the MOE's: no new difference")
        self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.assertEqual(self.cron().calls(), 0, "a paid billing file is no longer followed")

    def test_only_changed_pieces_cost_a_detail_call(self):
        moves = [self.works_invoice(amount) for amount in (11000, 12000, 13000)]
        self.sim.advance(STEP * 3.5)  # A_ASSOCIER_MOE
        self.sim.set_invoice_status(int(moves[0].chorus_identifier), "ASSOCIEE")  # the MOE was quick for one
        self.sim._deposit_next_piece(self.sim.invoice(int(moves[0].chorus_identifier)), self.sim.now())
        spy = self.cron()
        self.assertEqual((spy.calls(WORKS_SEARCH), spy.calls(DETAIL)), (1, 1), str(spy))
        self.assertEqual([m.chorus_status for m in moves], ["TRANSMISE_MOA", "A_ASSOCIER_MOE", "A_ASSOCIER_MOE"])
        spy = self.cron()
        self.assertEqual((spy.calls(WORKS_SEARCH), spy.calls(DETAIL)), (1, 0), "nothing changed: no detail")

    def test_a_line_of_another_number_is_not_applied(self):
        move = self.works_invoice()
        move.chorus_transmission_id.sudo().chorus_number = "SIT-AUTRE"
        self.sim.advance(STEP * 1.5)
        self.cron()
        self.assertEqual(move.chorus_status, "A_VALIDER_MOE", "the line found is numbered otherwise: ignored")
        self.assertFalse(self.market.works_piece_ids)

    def test_a_site_manager_opens_the_market_without_the_billing_file(self):
        move = self.works_invoice()
        self.sim.advance(STEP * 4.5)
        self.cron()
        self.assertEqual(len(self.market.works_piece_ids), 2)
        site_manager = new_test_user(self.env, login="works_site_manager", name="Conducteur de travaux",
                                     groups="l10n_fr_chorus_btp.group_chorus_site_manager",
                                     company_id=self.company.id)
        market = self.market.with_user(site_manager)
        self.assertNotIn("works_piece_ids", market.get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertEqual(market.read(["name"])[0]["name"], "2026-TX-017")
        self.assertNotIn("works_piece_ids", market.fields_get())
        self.assertTrue(move.chorus_transmission_id.works_piece_ids, "the accountant sees them")
