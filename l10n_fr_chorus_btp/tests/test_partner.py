from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from chorus_pro.simulator import seed as sim_seed

from .common import ChorusCommon


@tagged("post_install", "-at_install", "chorus_pro")
class TestPartnerDirectory(ChorusCommon):

    def _new_client(self, siret, name="Client public"):
        return self.env["res.partner"].create({"name": name, "is_company": True, "company_registry": siret,
                                               "chorus_client": True})

    def test_chorus_client_requires_valid_siret(self):
        cases = {
            "": "est absent",
            "2172000130001": "14 chiffres",
            "21720001300018": "clé de contrôle",
            "2172000130001A": "chiffres",
        }
        for siret, expected in cases.items():
            with self.subTest(siret=siret), self.assertRaises(ValidationError) as caught:
                self._new_client(siret or False)
            self.assertIn(expected, str(caught.exception))
            self.assertIn("SIRET", str(caught.exception))
        # spaces are accepted (compacted when used)
        partner = self._new_client("217 200 013 00019")
        self.assertEqual(partner._chorus_siret(), sim_seed.COMMUNE.siret)
        # a partner that is not a Chorus client may keep any registry number
        self.env["res.partner"].create({"name": "Société étrangère", "company_registry": "HRB 1234"})
        # unticking is always possible; ticking again re-checks
        partner.chorus_client = False
        partner.company_registry = "HRB 1234"
        with self.assertRaises(ValidationError):
            partner.chorus_client = True

    def test_directory_lookup_stores_structure_requirement_and_services(self):
        partner = self._new_client(sim_seed.COMMUNE.siret)
        partner.action_chorus_check_directory()
        self.assertEqual(partner.chorus_structure_identifier, str(sim_seed.COMMUNE.id))
        self.assertEqual(partner.chorus_structure_name, sim_seed.COMMUNE.name)
        self.assertEqual(partner.chorus_requirement, "service")
        self.assertTrue(partner.chorus_checked_date)
        services = partner.with_context(active_test=False).chorus_service_ids
        by_code = {s.code: s for s in services}
        self.assertEqual(set(by_code), {s.code for s in sim_seed.COMMUNE.services})
        self.assertTrue(by_code["SERV-TECH"].selectable)
        self.assertTrue(by_code["DST-VOIRIE"].ej_required)
        self.assertFalse(by_code["SERV-TECH"].ej_required)
        self.assertFalse(by_code["ANCIEN-SERV"].selectable)
        self.assertFalse(by_code["FACTURES_PUBLIQUES"].selectable, "FACTURES_PUBLIQUES is never selectable")
        self.assertNotIn("FACTURES_PUBLIQUES", partner._chorus_selectable_services().mapped("code"))

    def test_directory_requirements_of_each_buyer(self):
        expected = [(sim_seed.DEPARTEMENT, "ej"), (sim_seed.HOPITAL, "service_and_ej"),
                    (sim_seed.COMMUNAUTE, "service_or_ej"), (sim_seed.OPH, "none")]
        for structure, requirement in expected:
            with self.subTest(buyer=structure.name):
                partner = self._new_client(structure.siret, structure.name)
                partner.action_chorus_check_directory()
                self.assertEqual(partner.chorus_requirement, requirement)

    def test_directory_lookup_errors_in_french(self):
        unknown = self._new_client("73282932000074", "Inconnu de Chorus")
        with self.assertRaises(UserError) as caught:
            unknown.action_chorus_check_directory()
        self.assertIn("73282932000074", str(caught.exception))
        inactive = self._new_client(sim_seed.SYNDICAT_INACTIF.siret, "Syndicat")
        with self.assertRaises(UserError):
            inactive.action_chorus_check_directory()

    def test_second_lookup_updates_and_archives_vanished_services(self):
        partner = self._new_client(sim_seed.COMMUNE.siret)
        partner.action_chorus_check_directory()
        structure = self.sim.store.structure_by_siret(sim_seed.COMMUNE.siret)
        structure.services = [s for s in structure.services if s.code != "SERV-TECH"]
        partner.action_chorus_check_directory()
        services = partner.with_context(active_test=False).chorus_service_ids
        self.assertEqual(len(services.filtered(lambda s: s.code == "SERV-TECH")), 1)
        self.assertFalse(services.filtered(lambda s: s.code == "SERV-TECH").active)

    def test_weekly_refresh_cron(self):
        partner = self._new_client(sim_seed.DEPARTEMENT.siret)
        self.assertFalse(partner.chorus_checked_date)
        cron = self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_partner_refresh")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
        self.env["res.partner"]._cron_chorus_refresh_directory()
        self.assertEqual(partner.chorus_requirement, "ej")
        self.assertTrue(partner.chorus_checked_date)
        self.assertIn("DIR-ROUTES", partner.chorus_service_ids.mapped("code"))

    def test_list_and_search_show_the_checkbox(self):
        self.assertIn('name="chorus_client"', self.env["res.partner"].get_view(view_type="list")["arch"])
        search = self.env["res.partner"].get_view(view_type="search")["arch"]
        self.assertIn('name="chorus_client"', search)
        found = self.env["res.partner"].search([("chorus_client", "=", True)])
        self.assertIn(self.commune, found)
        self.assertNotIn(self.private_customer, found)
