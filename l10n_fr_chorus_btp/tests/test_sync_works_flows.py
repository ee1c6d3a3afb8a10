"""Works documents (cadre A4) and flows (deposer/flux) followed by the status synchronisation."""

import io
import re
import tarfile

from odoo import fields
from odoo.addons.account_edi_ubl_cii.models.account_edi_xml_ubl_bis3 import CHORUS_PRO_PEPPOL_ID
from odoo.tests import tagged

from chorus_pro.simulator import seed

from .test_followup_common import ChorusFollowupCase, WorksFollowupCase

STEP = 3600
FLOW_REPORT = "transverses/v1/consulterCRDetaille"
WORKS_SEARCH = "facturesTravaux/v1/rechercher"


@tagged("post_install", "-at_install")
class TestWorksSync(WorksFollowupCase):

    def test_works_statuses_with_french_labels(self):
        move = self.new_invoice(15000, partner=self.oph, chorus_market_id=self.market.id,
                                buyer_reference="MOA-TRAVAUX")
        self.assertEqual(move.chorus_cadre, "A4")
        self.assertTrue(move.chorus_is_works)
        self.deposit(move)
        self.assertEqual(move.chorus_status, "A_VALIDER_MOE")
        self.sim.advance(STEP * 1.5)
        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(spy.calls(WORKS_SEARCH), 1, "the works search runs when works documents are followed")
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual(move.chorus_status_label, "Mise à disposition de la MOE")
        self.assertEqual(move.chorus_state, "in_progress")

        self.sim.set_invoice_status(int(move.chorus_identifier), "REFUSEE_MOE", "Quantités du lot 3 à revoir")
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(move.chorus_state, "rejected")
        self.assertEqual(move.chorus_status_label, "Refusée par la MOE")
        self.assertEqual(move.chorus_status_comment, "Quantités du lot 3 à revoir")
        self.assertTrue(self.chorus_activities(move))


@tagged("post_install", "-at_install")
class TestFlowSync(ChorusFollowupCase):

    def ubl(self, move):
        """The invoice as Odoo exports it for Chorus Pro (UBL with the service code in BuyerReference)."""
        eas, endpoint = CHORUS_PRO_PEPPOL_ID.split(":")
        move.commercial_partner_id.write({"peppol_eas": eas, "peppol_endpoint": endpoint})
        xml = self.env["account.edi.xml.ubl_bis3"]._export_invoice(move)[0]
        # Chorus Pro reads the cadre de facturation (BT-23) in ProfileID, where Peppol puts its profile
        return re.sub(rb"<cbc:ProfileID>[^<]*</cbc:ProfileID>", b"<cbc:ProfileID>A1_FACTURE_FOURNISSEUR</cbc:ProfileID>",
                      xml)

    def test_flow_followed_until_integrated_then_invoices_get_their_ids(self):
        # Odoo's UBL writes an OrderReference (read as the EJ by Chorus Pro): give a real one
        communaute = self.env["res.partner"].create({
            "name": seed.COMMUNAUTE.name, "is_company": True, "company_registry": seed.COMMUNAUTE.siret,
            "chorus_client": True, "chorus_requirement": "service_or_ej", "country_id": self.env.ref("base.fr").id,
        })
        good = self.new_invoice(1200, partner=communaute, buyer_reference="ENV", purchase_order_reference="CC-2026-042")
        bad = self.new_invoice(800, partner=communaute, buyer_reference="SERVICE-INCONNU",
                               purchase_order_reference="CC-2026-042")
        lot = io.BytesIO()
        with tarfile.open(fileobj=lot, mode="w:gz") as tar:
            for move in good | bad:
                content = self.ubl(move)
                info = tarfile.TarInfo(f"{move.name.replace('/', '_')}.xml")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
        with self.company._chorus_client() as client:
            deposit = client.factures.deposit_flow(lot.getvalue(), "ubl_chorus_lot_factures.tar.gz", "IN_DP_E1_UBL_INVOICE")
        for move in good | bad:
            self.env["chorus.pro.transmission"].sudo().create({
                "move_id": move.id, "company_id": move.company_id.id, "document_number": move.name,
                "cadre": move.chorus_cadre, "state": "deposited", "flow_number": deposit.flow_number,
                "deposit_date": fields.Date.today()})

        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(spy.calls(FLOW_REPORT), 1)
        self.assertFalse(good.chorus_identifier, "not integrated yet: nothing to match")
        self.assertEqual(good.chorus_state, "deposited")

        self.sim.advance(600)  # the flow is processed
        self.env["chorus.pro.sync"]._cron_sync()
        flow = self.sim.flow(deposit.flow_number)
        self.assertTrue(good.chorus_identifier, f"matched by invoice number once the flow is integrated: "
                        f"{flow.status} {flow.errors} {[d.number for d in flow.documents]} {good.chorus_last_error}")
        self.assertEqual(self.sim.invoice(int(good.chorus_identifier)).number, good.name)
        self.assertIn(good.chorus_state, ("deposited", "in_progress"))
        self.assertEqual(bad.chorus_state, "error")
        self.assertFalse(bad.chorus_identifier)
        self.assertIn(deposit.flow_number, bad.chorus_last_error)
        self.assertTrue(bad.chorus_needs_action)

        self.sim.advance(STEP * 2.5)
        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(spy.calls(FLOW_REPORT), 0, "an integrated flow is not read again")
        self.assertEqual(good.chorus_status, self.sim_status(good))
