"""Credential expiry reminders: 30 and 7 days ahead, once each, by e-mail and activity."""

from dateutil.relativedelta import relativedelta
from odoo import Command, fields
from odoo.tests import tagged

from chorus_pro.simulator import seed

from .test_followup_common import ChorusFollowupCase


@tagged("post_install", "-at_install")
class TestCredentialReminders(ChorusFollowupCase):

    def setUp(self):
        super().setUp()
        self.today = fields.Date.context_today(self.env["chorus.pro.credential.reminder"])
        self.admin_user = self.env.user

    def tearDown(self):
        self.sim.set_technical_password(seed.TECH_PASSWORD)
        super().tearDown()

    def run_cron(self):
        self.env["chorus.pro.credential.reminder"]._cron_check_credentials()

    def mails(self):
        return self.env["mail.mail"].search([("email_to", "=", self.company.chorus_referent_email)])

    def admin_activities(self):
        return self.chorus_activities(self.company.partner_id).filtered(lambda a: a.user_id == self.admin_user)

    def test_password_expiry_read_from_chorus_then_30_and_7_days_once_each(self):
        self.sim.set_technical_password(seed.TECH_PASSWORD, valid_days=25)
        self.run_cron()
        expiry = self.company.chorus_password_expiry_date
        self.assertAlmostEqual((expiry - self.today).days, 25, delta=1, msg="the date Chorus Pro gives")
        self.assertEqual(len(self.mails()), 1)
        self.assertIn("expires in", self.mails().subject)
        self.assertIn(seed.TECH_LOGIN, self.mails().body_html)
        self.assertNotIn(seed.TECH_PASSWORD, self.mails().body_html)
        self.assertEqual(len(self.admin_activities()), 1, "an activity for each Chorus Pro administrator")

        self.run_cron()
        self.run_cron()
        self.assertEqual(len(self.mails()), 1, "no duplicate for the same threshold")

        self.sim.set_technical_password(seed.TECH_PASSWORD, valid_days=6)
        self.run_cron()
        self.assertEqual(len(self.mails()), 2, "the 7-day warning")
        self.run_cron()
        self.assertEqual(len(self.mails()), 2)

        self.sim.set_technical_password(seed.TECH_PASSWORD, valid_days=400)
        self.run_cron()
        self.assertEqual(len(self.mails()), 2, "renewed: nothing to say")

    def test_password_expiry_falls_back_to_424_days_after_entry(self):
        self.company.write({"chorus_supplier_structure_identifier": False, "chorus_password_expiry_date": False,
                            "chorus_password_set_date": self.today - relativedelta(days=424 - 5)})
        self.run_cron()
        self.assertEqual(len(self.mails()), 1)
        self.assertIn("expires in 5 days", self.mails().subject)

    def test_secret_renewal_and_expired(self):
        self.sim.set_technical_password(seed.TECH_PASSWORD, valid_days=400)
        self.company.write({"chorus_secret_renewal_date": False,
                            "chorus_secret_set_date": self.today - relativedelta(months=3) + relativedelta(days=20)})
        self.run_cron()
        self.assertEqual(len(self.mails()), 1)
        self.assertIn("PISTE client secret", self.mails().subject)
        self.company.chorus_secret_renewal_date = self.today - relativedelta(days=1)
        self.run_cron()
        self.assertEqual(len(self.mails()), 2)
        self.assertIn("has expired", self.mails()[0].subject)
        self.run_cron()
        self.assertEqual(len(self.mails()), 2)

    def test_authentication_failure_warned_once_per_failure(self):
        self.sim.set_technical_password(seed.TECH_PASSWORD, valid_days=400)
        self.company.write({"chorus_secret_renewal_date": self.today + relativedelta(months=2)})
        self.company._chorus_mark_auth_failed("Chorus Pro refuse le compte technique.")
        self.assertEqual(len(self.mails()), 1, "warned at once")
        self.assertIn("connection refused", self.mails().subject)
        self.assertIn("Chorus Pro refuse le compte technique.", self.mails().body_html)
        self.run_cron()
        self.assertEqual(len(self.mails()), 1, "not again while the same failure lasts")
        self.company.chorus_tech_login = seed.TECH_LOGIN  # a settings change clears the failure
        self.assertFalse(self.company.chorus_auth_failed)
        self.run_cron()
        self.company._chorus_mark_auth_failed("Chorus Pro refuse le compte technique.")
        self.assertEqual(len(self.mails()), 2, "a new failure is a new warning")

    def test_failure_noticed_by_a_user_without_settings_rights(self):
        clerk = self.env["res.users"].create({
            "name": "Comptable", "login": "clerk-reminder", "company_id": self.company.id,
            "company_ids": [Command.set(self.company.ids)],
            "group_ids": [Command.set(self.env.ref("l10n_fr_chorus_btp.group_chorus_transfer").ids)],
        })
        self.company.with_user(clerk)._chorus_mark_auth_failed("Chorus Pro refuse le compte technique.")
        self.assertTrue(self.company.chorus_auth_failed)
        self.assertEqual(len(self.mails()), 1)
