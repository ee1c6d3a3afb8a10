"""What chorus_pro says reaches the user in the user's language: one text per library code, with the same parameters;
a pre-flight problem and a Chorus Pro refusal shown in English and in French."""

import re

from odoo.addons.l10n_fr_chorus_btp.models.chorus_messages import (
    DOCTOR_STEP_TITLES,
    PARAM_VALUE_TEXTS,
    TEXT_CHOSEN_BY,
    TEXTS,
    UNSHOWN_PARAMS,
    error_text,
    issue_text,
)
from odoo.exceptions import UserError
from odoo.tests import tagged

from chorus_pro.errors import BusinessError, ValidationIssue
from chorus_pro.messages import DOCTOR_STEP_TITLES as LIBRARY_STEP_TITLES
from chorus_pro.messages import MESSAGES, PARAM_VALUES, params_of
from chorus_pro.siret import PROBLEMS

from .common import ChorusCommon

UNKNOWN_SIRET = "73282932000074"  # a valid SIRET the simulator's directory does not know


def _used(template):
    return set(re.findall(r"%\((\w+)\)s", template._source))


def _spaces(text):
    """French amounts are written with narrow no-break spaces: compare them as plain spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


@tagged("post_install", "-at_install", "chorus_pro")
class TestChorusMessages(ChorusCommon):

    def test_every_library_code_has_a_text_with_its_parameters(self):
        self.assertEqual(set(TEXTS), set(MESSAGES), "one text per code of chorus_pro.messages, and no other")
        for code in MESSAGES:
            expected = params_of(code) - UNSHOWN_PARAMS.get(code, set())
            if code in TEXT_CHOSEN_BY:
                chooser = TEXT_CHOSEN_BY[code]
                self.assertIn(chooser, expected, code)
                self.assertLessEqual(set(TEXTS[code]), set(PARAM_VALUES[chooser]), code)
                for value, template in TEXTS[code].items():
                    self.assertEqual(_used(template), expected - {chooser}, (code, value))
            else:
                self.assertEqual(_used(TEXTS[code]), expected, code)
        for code in ("siret_missing", "siret_invalid"):  # any party's SIRET can be wrong
            self.assertEqual(set(TEXTS[code]), set(PARAM_VALUES["party"]), code)
        for name, values in PARAM_VALUES.items():
            if name in PARAM_VALUE_TEXTS:
                self.assertLessEqual(set(values), set(PARAM_VALUE_TEXTS[name]), name)
        self.assertEqual(set(PARAM_VALUE_TEXTS["problem"]), set(PROBLEMS))

    def _post_without_customer_siret(self, env):
        partner = self.env["res.partner"].create({"name": "Mairie", "is_company": True,
                                                  "company_registry": "21720001300019", "chorus_client": True})
        move = self.make_invoice(partner=partner)
        self.env.cr.execute("UPDATE res_partner SET company_registry = NULL WHERE id = %s", [partner.id])
        self.env.invalidate_all()
        with self.assertRaises(UserError) as caught:
            move.with_env(env).action_post()
        return str(caught.exception)

    def _check_unknown_siret(self, env):
        partner = self.env["res.partner"].create({"name": "Syndicat des eaux", "is_company": True,
                                                  "company_registry": UNKNOWN_SIRET})
        with self.assertRaises(UserError) as caught:
            partner.with_env(env).action_chorus_check_directory()
        return str(caught.exception)

    def test_preflight_and_chorus_refusal_in_english(self):
        self.env["res.lang"]._activate_lang("en_US")
        english = self.env(context=dict(self.env.context, lang="en_US"))
        message = self._post_without_customer_siret(english)
        self.assertIn("- The SIRET of the customer is missing. Enter the 14 digits on the customer's form.", message)
        self.assertNotIn("SIRET du client", message)
        message = self._check_unknown_siret(english)
        self.assertIn(f"The SIRET {UNKNOWN_SIRET} is not in the Chorus Pro directory", message)
        self.assertNotIn("annuaire", message)

    def test_preflight_and_chorus_refusal_in_french(self):
        message = self._post_without_customer_siret(self.env)
        self.assertIn("- Le SIRET du client est absent. Saisissez ses 14 chiffres dans la fiche du client.", message)
        message = self._check_unknown_siret(self.env)
        self.assertIn(f"Le SIRET {UNKNOWN_SIRET} est inconnu de l'annuaire Chorus Pro", message)

    def test_amounts_in_euros_and_enumerated_words_in_the_users_language(self):
        issue = ValidationIssue("totals.total", "total_differs", {"total": "5027.49", "expected": "5027.50"})
        refusal = BusinessError("factures/v1/soumettre", 20001, "GCU_MSG_01_000", "Le fournisseur est inconnu")
        bad_rate = ValidationIssue("lines[0].vat_rate", "line_vat_rate_fraction",
                                   {"line": "1", "rate": "0.2", "rates": "20, 10", "meant": "20"})
        french = _spaces(issue_text(self.env, issue))
        self.assertIn("Le total TTC (5 027,49 €) n'est pas égal au total HT plus la TVA moins la remise globale "
                      "(5 027,50 €).", french)
        self.assertIn("Vérifiez les montants et les taxes de la facture.", french)
        self.assertIn("le taux de TVA 0,2", issue_text(self.env, bad_rate))
        self.assertEqual(error_text(self.env, refusal), "Chorus Pro a refusé l'opération factures/v1/soumettre : "
                                                        "code 20001 (GCU_MSG_01_000) : Le fournisseur est inconnu")
        english = self.env(context=dict(self.env.context, lang="en_US"))
        self.assertIn("The total incl. VAT (5,027.49 €)", _spaces(issue_text(english, issue)))
        self.assertIn("the VAT rate 0.2 is not", issue_text(english, bad_rate))
        self.assertTrue(error_text(english, refusal).startswith("Chorus Pro refused the operation"))

    def test_the_setup_doctor_speaks_the_users_language(self):
        self.assertEqual(set(DOCTOR_STEP_TITLES), set(LIBRARY_STEP_TITLES), "one title per step of the doctor")
        self.company.sudo().chorus_tech_password = "Not-The-Password-1"
        self.env["res.lang"]._activate_lang("en_US")
        english = self.company.with_context(lang="en_US")
        ok, report = english._chorus_test_connection()
        self.assertFalse(ok)
        self.assertIn("- Technical account accepted by Chorus Pro: Chorus Pro refuses the technical account.", report)
        self.assertIn("The password expires every 424 days", report)
        self.assertIn("Not checked until the steps above are fixed: Supplier structure connected (raccordement)",
                      report)
        self.assertNotIn("compte technique", report)
        ok, report = self.company.with_env(self.env)._chorus_test_connection()
        self.assertIn("- Compte technique accepté par Chorus Pro : Chorus Pro refuse le compte technique.", report)
        self.assertIn("expire tous les 424 jours", report)
