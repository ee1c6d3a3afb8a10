"""Over HTTP: the transfer right enforced for JSON-RPC calls, and the user journey in a real browser."""

import logging

from odoo.tests import HttpCase, tagged

from .common import ChorusCommon

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install", "chorus_pro")
class TestChorusHttp(ChorusCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        admin.write({"company_id": cls.company.id, "company_ids": [(4, cls.company.id)]})
        # a line typed without a product takes the VAT of its income account, as in a real chart
        cls.env["account.journal"].search([("company_id", "=", cls.company.id), ("type", "=", "sale")]) \
            .default_account_id.tax_ids = cls.tax_sale_a

    def _call_kw(self, model, method, ids):
        response = self.url_open(f"/web/dataset/call_kw/{model}/{method}", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": [ids],
                       # as the web client does: the user's language travels in the context
                       "kwargs": {"context": {"lang": "fr_FR"}}},
        })
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_transfer_refused_over_rpc_without_the_right(self):
        self.company.chorus_auto_transfer = False
        move = self.make_invoice(post=True)
        self.assertEqual(move.chorus_state, "to_transfer")
        self.authenticate("chorus_clerk", "chorus_clerk")
        answer = self._call_kw("account.move", "action_chorus_transfer", move.ids)
        self.assertIn("error", answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertIn("Transfert facture", answer["error"]["data"]["message"])
        self.assertIn("Vous n'avez pas le droit", answer["error"]["data"]["message"])
        move.invalidate_recordset()
        self.assertFalse(move.chorus_transmission_id)
        # an authorized user, same call: queued
        self.clerk.group_ids = [(4, self.group_transfer.id)]
        answer = self._call_kw("account.move", "action_chorus_transfer", move.ids)
        self.assertNotIn("error", answer, answer)
        move.invalidate_recordset()
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(move.chorus_queued_by_id, self.clerk)

    def test_tour_client_invoice_deposited(self):
        self.start_tour("/odoo/customers/new", "l10n_fr_chorus_btp_client", login="admin")
        partner = self.env["res.partner"].search([("name", "=", "OFFICE PUBLIC TOUR CHORUS")])
        self.assertTrue(partner.chorus_client)
        self.assertEqual(partner.chorus_structure_identifier, "27600001")
        before = self.sim.stats.api_requests
        self.start_tour("/odoo/action-account.action_move_out_invoice_type/new", "l10n_fr_chorus_btp_invoice",
                        login="admin")
        move = self.env["account.move"].search([("partner_id", "=", partner.id)])
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.chorus_state, "to_send")
        self.assertEqual(self.sim.stats.api_requests, before, "posting never calls Chorus Pro")
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited")
        self.start_tour(f"/odoo/action-account.action_move_out_invoice_type/{move.id}",
                        "l10n_fr_chorus_btp_deposited", login="admin")
        _logger.info("Chorus Pro tours done: invoice %s deposited as %s", move.name, move.chorus_identifier)
