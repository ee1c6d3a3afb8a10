"""One route per invoice with Odoo's Peppol (account_peppol) installed and registered: a Chorus Pro client that
Peppol could also reach (Chorus Pro's own Peppol endpoint, 0009:11000201100044) gets exactly one deposit through
the API, and nothing leaves by Peppol. Only the Peppol proxy's transport is replaced (it is Odoo's server on the
Internet): every request it would get is recorded, so a Peppol sending cannot go unnoticed.

Skipped when account_peppol is not installed (the project's test command installs it)."""

import json
from base64 import b64encode
from unittest import SkipTest
from urllib.parse import urlsplit

from odoo.tests import tagged
from odoo.tools.misc import file_open
from requests import Response

from .common import ChorusCommon

#: Chorus Pro's endpoint on the Peppol network: EAS 0009 (SIRET), the AIFE's SIRET
CHORUS_PRO_PEPPOL_EAS, CHORUS_PRO_PEPPOL_ENDPOINT = "0009", "11000201100044"


@tagged("post_install", "-at_install", "chorus_pro")
class TestPeppolRoute(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "account_peppol_proxy_state" not in cls.env["res.company"]._fields:
            raise SkipTest("account_peppol is not installed")
        cls.company.chorus_auto_transfer = False
        cls.peppol_requests = []
        # the company is a registered Peppol participant (as after Odoo's registration wizard)
        cls.company.write({
            "peppol_eas": "0009",
            "peppol_endpoint": cls.company.company_registry,
            "account_peppol_proxy_state": "receiver",
        })
        Proxy = cls.env["account_edi_proxy_client.user"]
        key = cls.env["certificate.key"].create({
            "name": "Peppol test key",
            "content": b64encode(file_open("account_peppol/tests/assets/private_key.pem", "rb").read()),
        })
        Proxy.create({
            "company_id": cls.company.id,
            "id_client": "00000000-0000-0000-0000-000000000001",
            "proxy_type": "peppol",
            "edi_mode": "test",
            "edi_identification": Proxy._get_proxy_identification(cls.company, "peppol"),
            "private_key_id": key.id,
            "refresh_token": "test-refresh-token",
        })
        # the public customer is on the Peppol network, at Chorus Pro's access point
        cls.commune.write({
            "country_id": cls.env.ref("base.fr").id,
            "peppol_eas": CHORUS_PRO_PEPPOL_EAS,
            "peppol_endpoint": CHORUS_PRO_PEPPOL_ENDPOINT,
        })
        cls.commune.with_company(cls.company).peppol_verification_state = "valid"

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).path.startswith("/api/peppol/"):
            cls.peppol_requests.append(r.url)
            response = Response()
            response.status_code = 200
            body = {"result": {"messages": [{"message_uuid": "00000000-0000-0000-0000-00000000000a"}]}}
            response._content = json.dumps(body).encode()
            return response
        return super()._request_handler(s, r, **kw)

    def setUp(self):
        super().setUp()
        self.peppol_requests.clear()

    def wizard(self, move):
        return self.env["account.move.send.wizard"].with_context(
            active_model="account.move", active_ids=move.ids).create({})

    def test_peppol_is_really_configured(self):
        """The premise: for an invoice the company sends by another route, Peppol is the default."""
        self.company.chorus_invoice_route = "other"
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "not_concerned")
        self.assertTrue(self.env["account.move.send"]._is_applicable_to_move("peppol", move))
        self.assertIn("peppol", self.wizard(move).sending_methods)

    def test_chorus_client_gets_one_deposit_and_no_peppol_sending(self):
        move = self.make_invoice(post=True)
        self.assertEqual(self.company.chorus_invoice_route, "chorus_api", "the default route: our API")
        self.assertFalse(self.env["account.move.send"]._is_applicable_to_move("peppol", move))
        wizard = self.wizard(move)
        self.assertEqual(wizard.sending_methods, ["chorus_pro"])
        self.assertFalse(wizard.sending_method_checkboxes.get("peppol", {}).get("checked"))
        wizard.action_send_and_print()
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(len(move.chorus_transmission_ids), 1)
        self.assertEqual(self.peppol_requests, [], "nothing went to the Peppol access point")
        self.assertNotIn(move.peppol_move_state, ("processing", "done"))

    def test_peppol_ticked_by_hand_is_not_sent_twice(self):
        move = self.make_invoice(post=True)
        wizard = self.wizard(move)
        wizard.sending_method_checkboxes = {"chorus_pro": {"checked": True}, "peppol": {"checked": True}}
        wizard.action_send_and_print()
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(self.sim.deposit_count(move.name), 1)
        self.assertEqual(self.peppol_requests, [], "the Peppol route stays off for an invoice sent by the API")
        self.assertNotIn(move.peppol_move_state, ("processing", "done"))


@tagged("post_install", "-at_install", "chorus_pro")
class TestCoexistence(ChorusCommon):

    def test_oca_chorus_modules_are_excluded(self):
        """OCA's modules define the same fields with other types: Odoo refuses to install them with this one."""
        module = self.env["ir.module.module"].search([("name", "=", "l10n_fr_chorus_btp")])
        self.assertLessEqual({"l10n_fr_chorus_account", "l10n_fr_chorus_facturx", "l10n_fr_chorus_sale"},
                             set(module.exclusion_ids.mapped("name")))
