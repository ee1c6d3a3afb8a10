"""The add-on reads the Chorus Pro facts from chorus_pro (cadres, statuses, reserved service) and follows its one
policy for the bank account of the deposits."""

from odoo.addons.l10n_fr_chorus_btp.models import chorus_market
from odoo.tests import tagged

from chorus_pro import cadres
from chorus_pro.results import PUBLIC_INVOICES_SERVICE
from chorus_pro.simulator import seed as sim_seed
from chorus_pro.statuses import FOLLOW_UP_STATUSES

from .common import ChorusCommon
from .test_followup_common import ChorusFollowupCase

TWO_ACCOUNTS = [(5252, "Compte travaux"), (5353, "Compte agence")]


@tagged("post_install", "-at_install", "chorus_pro")
class TestOneSource(ChorusCommon):

    def test_cadre_selection_is_the_library_table(self):
        selection = self.env["account.move"]._fields["chorus_cadre"].selection
        self.assertEqual(selection, [(cadre.name, info.label_en) for cadre, info in cadres.CADRE_TABLE.items()])

    def test_market_keys_are_those_of_the_cadre_rule(self):
        Market = self.env["chorus.pro.market"]
        self.assertEqual(tuple(k for k, _ in Market._fields["kind"].selection), cadres.MARKET_KINDS)
        self.assertEqual(tuple(k for k, _ in Market._fields["role"].selection), cadres.ROLES)
        self.assertEqual(tuple(k for k, _ in self.env["account.move"]._fields["chorus_works_document_type"].selection),
                         cadres.WORKS_DOCUMENT_TYPES)
        for kind in cadres.MARKET_KINDS:
            for role in cadres.ROLES:
                for document in cadres.WORKS_DOCUMENT_TYPES:
                    self.assertEqual(chorus_market.derive_cadre(kind, role, document),
                                     cadres.derive_cadre(kind, role, document).name)

    def test_a_subcontractor_invoice_takes_the_rule_cadre(self):
        market = self.make_market(role="soustraitant", validator_partner_id=self.moe.id)
        move = self.make_invoice(market=market)
        self.assertEqual(move.chorus_cadre, "A9")
        self.assertEqual(move.chorus_allowed_cadres, "A9")
        self.assertFalse(move.chorus_is_works)
        invoice = move._chorus_build_invoice(with_pdf=False)
        self.assertIs(invoice.cadre, cadres.Cadre.A9)
        self.assertEqual(invoice.validator_siret, sim_seed.MOE.siret)

    def test_reserved_service_is_not_selectable(self):
        service = self.commune.chorus_service_ids.filtered(lambda s: s.code == PUBLIC_INVOICES_SERVICE)
        self.assertTrue(service)
        self.assertFalse(service.selectable)

    # -- the bank account of the deposits -----------------------------------------------------------------
    def settings(self, **vals):
        return self.env["res.config.settings"].with_company(self.company).create(vals)

    def test_the_only_valid_bank_account_is_taken_at_the_first_deposit(self):
        self.assertFalse(self.company.chorus_bank_account_identifier)
        move = self.make_invoice(post=True)
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.company.chorus_supplier_structure_identifier, str(sim_seed.SUPPLIER.id))
        self.assertEqual(self.company.chorus_bank_account_identifier, str(sim_seed.SUPPLIER_BANK_ACCOUNTS[0][0]))
        self.assertEqual(self.sim.invoice(int(move.chorus_identifier)).bank_account_id,
                         sim_seed.SUPPLIER_BANK_ACCOUNTS[0][0])

    def test_several_bank_accounts_refuse_the_deposit_until_one_is_chosen(self):
        self.sim.set_bank_accounts(TWO_ACCOUNTS)
        move = self.make_invoice(post=True)
        self.run_sender()
        self.assertEqual(move.chorus_state, "action_needed")
        self.assertIn("Plusieurs coordonnées bancaires", move.chorus_last_error)
        self.assertIn("5252 (Compte travaux), 5353 (Compte agence)", move.chorus_last_error)
        self.assertEqual(self.sim.deposit_count(move.name), 0)

        action = self.settings().action_chorus_read_bank_accounts()
        self.assertEqual(action["params"]["type"], "warning")
        accounts = self.env["chorus.pro.bank.account"].search([("company_id", "=", self.company.id)])
        self.assertEqual(sorted(accounts.mapped("chorus_identifier")), ["5252", "5353"])
        self.assertFalse(self.company.chorus_bank_account_identifier, "nothing is chosen for the user")
        settings = self.settings()
        self.assertEqual(settings.chorus_bank_account_count, 2)
        self.assertFalse(settings.chorus_bank_account_id)

        chosen = accounts.filtered(lambda a: a.chorus_identifier == "5353")
        self.settings(chorus_bank_account_id=chosen.id).execute()
        self.assertEqual(self.company.chorus_bank_account_identifier, "5353")
        self.assertEqual(self.settings().chorus_bank_account_id, chosen)
        move.action_chorus_transfer()
        self.run_sender()
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.invoice(int(move.chorus_identifier)).bank_account_id, 5353)

    def test_no_valid_bank_account_is_a_clear_refusal(self):
        self.sim.set_bank_accounts([])
        move = self.make_invoice(post=True)
        self.run_sender()
        self.assertEqual(move.chorus_state, "action_needed")
        self.assertIn("Aucune coordonnée bancaire valide", move.chorus_last_error)
        action = self.settings().action_chorus_read_bank_accounts()
        self.assertIn("IBAN", action["params"]["message"])

    def test_reading_again_keeps_a_valid_choice_and_drops_a_stale_one(self):
        self.sim.set_bank_accounts(TWO_ACCOUNTS)
        self.settings().action_chorus_read_bank_accounts()
        self.company.chorus_bank_account_identifier = "5252"
        self.sim.set_bank_accounts([*TWO_ACCOUNTS, (5454, "Compte siège")])
        self.settings().action_chorus_test_connection()
        self.assertEqual(self.company.chorus_bank_account_identifier, "5252")
        self.assertEqual(self.env["chorus.pro.bank.account"].search_count([("company_id", "=", self.company.id)]), 3)
        # the chosen account is no longer valid and one is left: that one is taken
        self.sim.set_bank_accounts([(5353, "Compte agence")])
        self.settings().action_chorus_read_bank_accounts()
        self.assertEqual(self.company.chorus_bank_account_identifier, "5353")
        self.assertEqual(self.env["chorus.pro.bank.account"].search([("company_id", "=", self.company.id)])
                         .mapped("chorus_identifier"), ["5353"])


@tagged("post_install", "-at_install", "chorus_pro")
class TestFollowUpActionOfStatus(ChorusFollowupCase):

    def test_the_button_shown_follows_the_library_statuses(self):
        move = self.new_invoice(4200)
        self.deposit(move)
        self.assertFalse(move.chorus_follow_up_action)
        for action, statuses in FOLLOW_UP_STATUSES.items():
            for status in sorted(statuses):
                self.sim.set_invoice_status(int(move.chorus_identifier), status, "motif")
                self.env["chorus.pro.sync"]._cron_sync()
                self.assertEqual(move.chorus_status, status)
                self.assertEqual(move.chorus_follow_up_action, action.value, status)
