import logging
import os
from datetime import date, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user, tagged

from chorus_pro.simulator import seed as sim_seed

from .common import ChorusCommon

SECRET_PASSWORD = "Tr3s-Secret-Passw0rd!"
SECRET_PISTE = "piste-secret-0f1e2d3c"


@tagged("post_install", "-at_install", "chorus_pro")
class TestSettings(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env, login="chorus_accountant", name="Accounting manager (not Settings admin)",
            groups="account.group_account_manager", company_id=cls.company.id, lang="fr_FR")

    def _settings(self, env=None, **vals):
        env = env or self.env
        return env["res.config.settings"].with_company(self.company).create(vals)

    def test_password_saved_only_when_confirmed(self):
        with self.assertRaises(UserError) as caught:
            self._settings(chorus_tech_password_new="abc-Def-123", chorus_tech_password_confirm="abc-Def-124").execute()
        self.assertIn("confirmation", str(caught.exception))
        self.assertFalse(self.company.sudo().chorus_tech_password)
        self._settings(chorus_tech_password_new=SECRET_PASSWORD, chorus_tech_password_confirm=SECRET_PASSWORD,
                       chorus_piste_client_secret_new=SECRET_PISTE).execute()
        company = self.company.sudo()
        self.assertEqual(company.chorus_tech_password, SECRET_PASSWORD)
        self.assertEqual(company.chorus_piste_client_secret, SECRET_PISTE)
        today = fields.Date.context_today(company)
        self.assertEqual(company.chorus_password_set_date, today)
        self.assertEqual(company.chorus_password_expiry_date, today + timedelta(days=424))
        self.assertEqual(company.chorus_secret_renewal_date, today + relativedelta(months=3))
        # the transient settings keep no secret
        leftovers = self.env["res.config.settings"].sudo().search([]).mapped("chorus_tech_password_new")
        self.assertNotIn(SECRET_PASSWORD, leftovers)

    def test_empty_password_fields_keep_saved_password(self):
        self.company.sudo().chorus_tech_password = SECRET_PASSWORD
        self._settings(chorus_referent_email="compta@bati-ouest.fr").execute()
        self.assertEqual(self.company.sudo().chorus_tech_password, SECRET_PASSWORD)
        self.assertEqual(self.company.chorus_referent_email, "compta@bati-ouest.fr")

    def test_secrets_reserved_to_settings_administrators(self):
        self.company.sudo().write({"chorus_tech_password": SECRET_PASSWORD,
                                   "chorus_piste_client_secret": SECRET_PISTE})
        company = self.company.with_user(self.accountant)
        for name in ("chorus_tech_password", "chorus_piste_client_secret"):
            with self.assertRaises(AccessError):
                company.read([name])
            with self.assertRaises(AccessError):
                company.write({name: "x"})
        # the settings form does not offer them either
        settings_fields = self.env["res.config.settings"].with_user(self.accountant).fields_get()
        self.assertNotIn("chorus_tech_password_new", settings_fields)
        self.assertNotIn("chorus_piste_client_secret_new", settings_fields)
        # not exported either
        self.assertNotIn("chorus_tech_password", self.env["res.company"].with_user(self.accountant).fields_get())

    def test_invalid_siret_and_login_refused(self):
        with self.assertRaises(UserError) as caught:
            self._settings(chorus_company_registry="81234567600018").execute()
        self.assertIn("SIRET", str(caught.exception))
        self.assertIn("clé de contrôle", str(caught.exception))
        with self.assertRaises(UserError) as caught:
            self._settings(chorus_tech_login="TECH_1_sans_arobase").execute()
        self.assertIn("TECH_1_", str(caught.exception))
        with self.assertRaises(ValidationError):
            self.company.company_registry = "1234"

    def test_connection_test_success_stores_what_the_doctor_learnt(self):
        settings = self._settings()
        action = settings.action_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("Connexion avec Chorus Pro établie", action["params"]["message"])
        company = self.company
        self.assertEqual(company.chorus_supplier_structure_identifier, str(sim_seed.SUPPLIER.id))
        self.assertEqual(company.chorus_bank_account_identifier, str(sim_seed.SUPPLIER_BANK_ACCOUNTS[0][0]))
        expected = (self.sim.tech_password_expires_at).date()
        self.assertEqual(company.chorus_password_expiry_date, expected)
        self.assertTrue(company.chorus_connection_ok)

    def test_connection_test_failure_lists_steps_in_french(self):
        self.company.sudo().chorus_tech_password = SECRET_PASSWORD  # not the simulator's password
        action = self._settings().action_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        message = action["params"]["message"]
        self.assertIn("compte technique", message)
        self.assertNotIn(SECRET_PASSWORD, message)
        self.assertFalse(self.company.chorus_connection_ok)
        self.assertFalse(self.company.chorus_supplier_structure_identifier)

    def test_connection_test_clears_auth_failure(self):
        self.company.sudo()._chorus_mark_auth_failed("Mot de passe refusé")
        self._settings().action_chorus_test_connection()
        self.assertFalse(self.company.chorus_auth_failed)

    def test_simulator_url_falls_back_to_parameter_then_environment(self):
        # docker compose: the company's URL is empty, the Odoo container knows the simulator by its variable
        company = self.company
        company.chorus_simulator_url = False
        params = self.env["ir.config_parameter"].sudo()
        with patch.dict(os.environ, {"CHORUS_PRO_SIMULATOR_URL": self.server.url}):
            self.assertEqual(company._chorus_config().api_base_url, self.server.url)
            token_requests = self.sim.stats.token_requests
            ok, message = company._chorus_test_connection()
            self.assertTrue(ok, message)
            self.assertGreater(self.sim.stats.token_requests, token_requests, "the HTTP simulator was called")
            params.set_param("l10n_fr_chorus_btp.simulator_url", "http://127.0.0.1:8801")
            self.assertEqual(company._chorus_config().simulator_url, "http://127.0.0.1:8801")
            company.chorus_simulator_url = "http://127.0.0.1:8802"
            self.assertEqual(company._chorus_config().simulator_url, "http://127.0.0.1:8802")
            company.chorus_environment = "qualification"
            self.assertFalse(company._chorus_config().simulator_url, "the simulator is for Simulation only")
        company.write({"chorus_environment": "simulation", "chorus_simulator_url": False})
        params.set_param("l10n_fr_chorus_btp.simulator_url", False)
        with patch.dict(os.environ):
            os.environ.pop("CHORUS_PRO_SIMULATOR_URL", None)
            self.assertTrue(company._chorus_config().in_process)

    def test_connection_test_reserved_to_accounting_managers(self):
        with self.assertRaises(AccessError):
            self._settings().with_user(self.clerk).action_chorus_test_connection()

    def test_secrets_never_logged_nor_in_chatter(self):
        # every logger of the add-on, of the client and of the HTTP stack, at DEBUG (Odoo's own SQL debug log,
        # which prints query parameters, is out of scope: never run production with --log-level=debug_sql)
        names = ("odoo.addons.l10n_fr_chorus_btp", "chorus_pro", "urllib3", "requests", "odoo.http")
        records = []
        handler = logging.Handler(level=logging.DEBUG)
        handler.emit = records.append
        loggers = [logging.getLogger(name) for name in names]
        levels = [logger.level for logger in loggers]
        for logger in loggers:
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)
        try:
            self._settings(chorus_tech_password_new=SECRET_PASSWORD, chorus_tech_password_confirm=SECRET_PASSWORD,
                           chorus_piste_client_secret_new=SECRET_PISTE).execute()
            self._settings().action_chorus_test_connection()
            move = self.make_invoice(post=True)
            self.run_sender()
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)
                logger.removeHandler(handler)
        self.assertTrue(self.company.chorus_auth_failed, "the wrong credentials must have been refused")
        output = "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in records)
        self.assertIn("authentication refused", output)
        self.assertIn("urllib3", output, "the HTTP stack's debug log was captured too")
        for secret in (SECRET_PASSWORD, SECRET_PISTE):
            self.assertNotIn(secret, output)
            self.assertNotIn(secret, self.company.chorus_auth_failed_message or "")
            self.assertNotIn(secret, self.company.chorus_connection_report or "")
            self.assertNotIn(secret, move.chorus_last_error or "")
            self.assertFalse(self.env["mail.message"].sudo().search_count([("body", "ilike", secret)]))
            self.assertFalse(self.env["mail.tracking.value"].sudo().search_count(
                ["|", ("old_value_char", "ilike", secret), ("new_value_char", "ilike", secret)]))

    def test_neutralize_forces_simulation_and_stops_crons(self):
        self.company.sudo().write({"chorus_environment": "production", "chorus_tech_password": SECRET_PASSWORD,
                                   "chorus_auto_transfer": True})
        queries = [q for q in get_neutralization_queries(["l10n_fr_chorus_btp"])]
        self.assertEqual(len(queries), 1)
        self.env.flush_all()
        self.env.cr.execute(queries[0])
        self.env.invalidate_all()
        company = self.company.sudo()
        self.assertEqual(company.chorus_environment, "simulation")
        self.assertFalse(company.chorus_tech_password)
        self.assertFalse(company.chorus_auto_transfer)
        self.assertFalse(self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_send").active)
        self.assertFalse(self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_partner_refresh").active)

    def test_password_expiry_default_424_days(self):
        self.company.sudo().write({"chorus_tech_password": SECRET_PASSWORD})
        set_date = self.company.chorus_password_set_date
        self.assertIsInstance(set_date, date)
        self.assertEqual(self.company.chorus_password_expiry_date, set_date + timedelta(days=424))
