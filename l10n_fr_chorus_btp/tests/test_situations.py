"""Monthly situations of a public works market, from the bill of quantities to the deposit on Chorus Pro.

The long scenario follows one market of three lots over fourteen months: an amendment, a month that goes down
(a credit note), a price revision on a provisional index regularised two months later, an advance of 20 %
repaid between 65 % and 80 % of execution (thresholds crossed inside months), a bank guarantee covering the
base contract (the retention applies to the amendment only), a subcontractor paid directly under reverse
charge, penalties. Every invoice is posted; the customer's balance due now, the retention receivable and
the advance are checked in the books; every statement is printed and read; every invoice is deposited as
cadre A4 on the simulator.
"""

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import ChorusCommon

#: BT01 by month (base 100 in 2010), the last months not published yet when their situation is made
BT01 = {
    "2025-09": 131.4, "2025-10": 131.6, "2025-11": 131.9, "2025-12": 132.2, "2026-01": 132.5,
    "2026-02": 132.8, "2026-03": 133.0, "2026-04": 133.4, "2026-05": 133.9, "2026-06": 134.1,
    "2026-07": 134.6, "2026-08": 134.8, "2026-09": 135.1, "2026-10": 135.5, "2026-11": 135.7,
}


@tagged("post_install", "-at_install", "chorus_pro")
class TestSituations(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_auto_transfer = False
        cls.bt01 = cls.env.ref("l10n_fr_chorus_btp.price_index_bt01")
        cls.site_manager = new_test_user(
            cls.env, login="chorus_site_manager", password="chorus_site_manager", name="Conducteur de travaux",
            groups="l10n_fr_chorus_btp.group_chorus_site_manager", company_id=cls.company.id, lang="fr_FR")
        cls.subcontractor = cls.env["res.partner"].create({"name": "ETANCHEITE DU MAINE", "is_company": True})
        cls.oph.chorus_requirement = "none"

    def make_works_market(self, **values):
        market = self.env["chorus.pro.market"].create({
            "name": "2026-TX-017", "title": "Réhabilitation de 24 logements", "partner_id": self.oph.id,
            "company_id": self.company.id, "kind": "works", "role": "titulaire", "moe_partner_id": self.moe.id,
            "moa_partner_id": self.oph.id, "amount": 300000.0, "tax_id": self.tax_sale_a.id,
            "line_ids": [
                Command.create({"lot": "01", "code": "01.1", "name": "Démolitions", "unit": "ft", "quantity": 1,
                                "unit_price": 30000.0}),
                Command.create({"lot": "01", "code": "01.2", "name": "Terrassements", "unit": "m3", "quantity": 400,
                                "unit_price": 50.0}),
                Command.create({"lot": "02", "code": "02.1", "name": "Maçonnerie", "unit": "m2", "quantity": 1000,
                                "unit_price": 150.0}),
                Command.create({"lot": "03", "code": "03.1", "name": "Étanchéité", "unit": "m2", "quantity": 500,
                                "unit_price": 100.0}),
            ],
            **values,
        })
        return market

    def situation(self, market, month, progress, user=None, **values):
        env = self.env(user=user) if user else self.env
        period_end = fields.Date.to_date(f"{month}-01") + relativedelta(day=31)
        situation = env["chorus.pro.situation"].create({"market_id": market.id, "period_end": period_end, **values})
        for line in situation.line_ids:
            if line.code in progress:
                mode, value = progress[line.code]
                line.write({"progress_mode": mode, f"cumulative_{mode}": value})
        return situation

    # -- the simple path --------------------------------------------------------------------------------
    def test_first_situation_figures_invoice_and_deposit(self):
        market = self.make_works_market(retention_rate=5.0)
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 200),
                                                       "02.1": ("percent", 10)})
        self.assertEqual(situation.number, 1)
        self.assertEqual(len(situation.line_ids), 4)
        # 30 000 + 200 × 50 + 10 % × 150 000 = 55 000 HT; VAT 20 % 11 000; TTC 66 000; retention 5 % 3 300
        self.assertEqual(situation.works_period, 55000.0)
        self.assertEqual(situation.total_ttc, 66000.0)
        self.assertEqual(situation.retention, 3300.0)
        self.assertEqual(situation.amount_to_pay, 62700.0)
        situation.action_validate()
        self.assertEqual(situation.state, "validated")
        situation.action_create_invoice()
        move = situation.move_id
        self.assertEqual(move.chorus_cadre, "A4")
        self.assertEqual(move.chorus_situation_number, 1)
        self.assertEqual(move.amount_total, 66000.0)
        move.action_post()
        self.assertEqual(move.amount_residual, 62700.0, "the buyer pays the amount to pay now")
        retention = situation.settlement_move_id.line_ids.filtered(lambda line: line.account_id.code == "411700")
        self.assertEqual(retention.debit, 3300.0)
        move.action_chorus_transfer()
        self.assertEqual(self.run_sender(), 1)
        self.assertEqual(situation.state, "deposited")
        deposited = self.sim.invoice(int(move.chorus_identifier))
        self.assertEqual(deposited.cadre, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR")
        self.assertEqual(deposited.amount_due, Decimal("62700.00"))
        self.assertEqual(deposited.total, Decimal("66000.00"))

    def test_validated_situation_is_frozen_and_rights_hold(self):
        market = self.make_works_market()
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 50)}, user=self.site_manager)
        situation.action_submit()
        situation = situation.with_user(self.env.user)
        with self.assertRaises(AccessError):
            situation.with_user(self.site_manager).action_validate()
        with self.assertRaises(AccessError):
            situation.with_user(self.site_manager).action_create_invoice()
        situation.action_validate()
        line = situation.line_ids.filtered(lambda line: line.code == "01.1")
        with self.assertRaises(UserError):
            line.with_user(self.site_manager).cumulative_percent = 60
        with self.assertRaises(UserError):
            situation.write({"penalty_ids": [Command.create({"name": "Retard", "amount": 100})]})
        self.assertEqual(line.cumulative_percent, 50)
