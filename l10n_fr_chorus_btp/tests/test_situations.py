"""Monthly situations of a public works market, from the bill of quantities to the deposit on Chorus Pro.

The long scenario follows one market of three lots over fourteen months: an amendment, a month that goes down
(a credit note), a price revision on a provisional index regularised two months later, an advance of 20 %
repaid between 65 % and 80 % of execution (thresholds crossed inside months), a bank guarantee covering the
base contract (the retention applies to the amendment only), a subcontractor paid directly under reverse
charge, penalties. Every invoice is posted; the customer's balance due now, the retention receivable and
the advance are checked in the books; every statement is printed and read; every invoice is deposited as
cadre A4 on the simulator.
"""

import ast
import re
import string
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from odoo import Command, fields
from odoo.addons.l10n_fr_chorus_btp.models.ccag_messages import ERROR_TEXTS, NOTICE_TEXTS
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ccag_travaux import compute as ccag_compute
from ccag_travaux import rounding as ccag_rounding
from ccag_travaux.results import NOTICE_MESSAGES

from .common import ChorusCommon

#: BT01 by month (base 100 in 2010), the last months not published yet when their situation is made
BT01 = {
    "2025-09": 131.4, "2025-10": 131.6, "2025-11": 131.9, "2025-12": 132.2, "2026-01": 132.5,
    "2026-02": 132.8, "2026-03": 133.0, "2026-04": 133.4, "2026-05": 133.9, "2026-06": 134.1,
    "2026-07": 134.6, "2026-08": 134.8, "2026-09": 135.1, "2026-10": 135.5, "2026-11": 135.7,
}


class SituationsCommon(ChorusCommon):
    """A three-lot works market (BoQ of four lines), the BT01 index, a site manager and a subcontractor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_auto_transfer = False
        cls.bt01 = cls.env.ref("l10n_fr_chorus_btp.price_index_bt01")
        cls.site_manager = new_test_user(
            cls.env, login="chorus_site_manager", password="chorus_site_manager", name="Conducteur de travaux",
            groups="l10n_fr_chorus_btp.group_chorus_site_manager", company_id=cls.company.id, lang="fr_FR")
        cls.subcontractor = cls.env["res.partner"].create({"name": "ETANCHEITE DU MAINE", "is_company": True})
        cls.oph.write({"chorus_requirement": "none", "lang": "fr_FR"})

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


@tagged("post_install", "-at_install", "chorus_pro")
class TestSituations(SituationsCommon):

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
        situation.submission_date = "2026-04-03"  # received by the project manager: the payment delay runs
        situation.action_validate()
        self.assertEqual(situation.state, "validated")
        situation.action_create_invoice()
        move = situation.move_id
        self.assertEqual(move.chorus_cadre, "A4")
        self.assertEqual(move.chorus_situation_number, 1)
        self.assertEqual(move.amount_total, 66000.0)
        self.assertEqual(move.invoice_date, fields.Date.to_date("2026-03-31"))
        self.assertEqual(move.invoice_date_due, fields.Date.to_date("2026-05-03"), "30 days from the receipt")
        move.action_post()
        self.assertEqual(move.invoice_date_due, fields.Date.to_date("2026-05-03"))
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
        # the situation, its statement, its invoice and its transmission lead to one another
        transmission = move.chorus_transmission_id
        self.assertEqual((situation.transmission_id, move.chorus_situation_id), (transmission, situation))
        statement = situation.statement_attachment_id
        self.assertEqual((statement.res_model, statement.res_id), ("chorus.pro.situation", situation.id))
        main_file = self.sim.store.files[deposited.main_attachment_id]
        self.assertEqual(main_file.size, len(statement.raw), "the statement kept is the main file deposited")
        self.assertIn(statement.name.rsplit(".", 1)[0], main_file.name)

    def test_retention_receivable_falls_due_at_its_release(self):
        market = self.make_works_market(retention_rate=5.0, date_start="2026-01-05", date_end="2026-12-18")
        first = self.situation(market, "2026-03", {"01.1": ("percent", 100)})
        first.action_validate()
        first.action_create_invoice()
        first.move_id.action_post()
        retention = first.settlement_move_id.line_ids.filtered(lambda line: line.account_id.code == "411700")
        self.assertEqual(retention.debit, 1800.0, "5 % of 36 000 TTC")
        # while the works run: the guarantee after the planned end, never the invoice's due date
        self.assertEqual(retention.date_maturity, fields.Date.to_date("2027-12-18"))
        self.assertNotEqual(retention.date_maturity, first.move_id.invoice_date_due)
        # the works are received: the release date is known, the receivable follows it
        market.reception_date = "2027-01-20"
        self.assertEqual(market.retention_release_date, fields.Date.to_date("2028-01-20"))
        self.assertEqual(retention.date_maturity, fields.Date.to_date("2028-01-20"))
        second = self.situation(market, "2027-01", {"02.1": ("percent", 10)})
        second.action_validate()
        second.action_create_invoice()
        second.move_id.action_post()
        later = second.settlement_move_id.line_ids.filtered(lambda line: line.account_id.code == "411700")
        self.assertEqual(later.date_maturity, fields.Date.to_date("2028-01-20"))

    def test_bill_of_quantities_lines_with_their_own_vat(self):
        reduced = self.tax_sale_a.copy({"name": "TVA 10 % (rénovation)", "amount": 10.0})
        market = self.make_works_market()
        market.line_ids.filtered(lambda line: line.code in ("01.2", "02.1")).tax_id = reduced
        self.assertEqual([line.tax_id.amount for line in market.line_ids], [20.0, 10.0, 10.0, 20.0])
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 200),
                                                       "02.1": ("percent", 10), "03.1": ("percent", 20)})
        # 30 000 at 20 %, 10 000 at 10 % (lot 01); 15 000 at 10 % (lot 02); 10 000 at 20 % (lot 03)
        self.assertEqual(situation.works_period, 65000.0)
        self.assertEqual(situation.total_ttc, 65000.0 + 40000.0 * 0.20 + 25000.0 * 0.10)
        situation.action_validate()
        situation.action_create_invoice()
        move = situation.move_id
        # one invoice line per lot and rate; the rate is named only where a lot has several
        names = move.invoice_line_ids.mapped("name")
        self.assertEqual([("01" in name, "%" in name) for name in names],
                         [(True, True), (True, True), (False, False), (False, False)], names)
        self.assertEqual(names[2], "Lot 02 – travaux du mois", "the buyer's language (the buyer is French)")
        self.assertEqual(sorted((line.price_subtotal, line.tax_ids.amount) for line in move.invoice_line_ids),
                         [(10000.0, 10.0), (10000.0, 20.0), (15000.0, 10.0), (30000.0, 20.0)])
        self.assertEqual(move.amount_tax, 10500.0)
        self.assertEqual(move.amount_total, situation.total_ttc)
        move.action_post()
        move.action_chorus_transfer()
        self.assertEqual(self.run_sender(), 1)
        deposited = self.sim.invoice(int(move.chorus_identifier))
        self.assertEqual(deposited.total, Decimal("75500.00"))
        # a market without any VAT: the line is named, no rate is guessed
        untaxed = self.make_works_market(name="2026-TX-018")
        untaxed.tax_id = False
        untaxed.line_ids.tax_id = False
        with self.assertRaisesRegex(UserError, "01.1"):
            self.situation(untaxed, "2026-03", {"01.1": ("percent", 50)})

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
        # the contract's prices of a billed line change only by an amendment
        with self.assertRaises(UserError):
            line.market_line_id.unit_price = 35000.0
        line.market_line_id.name = "Démolitions intérieures"  # its wording may be corrected

    def test_warnings_and_errors_read_in_french_with_amounts_in_euros(self):
        """The computation's warnings and errors are shown in the user's language, each with the figures it
        names: every code ccag_travaux gives has its text here, with the same parameters."""
        for code, english in NOTICE_MESSAGES.items():
            fields_en = {name for _, name, _, _ in string.Formatter().parse(english) if name}
            self.assertEqual(set(re.findall(r"%\((\w+)\)s", NOTICE_TEXTS[code]._source)), fields_en, code)
        self.assertEqual(set(NOTICE_TEXTS), set(NOTICE_MESSAGES))
        error_codes = {}  # code -> parameter names, read from the package's source
        for module in (ccag_compute, ccag_rounding):
            for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
                name = getattr(node, "func", None) and getattr(node.func, "id", None)
                if name == "_require" and len(node.args) > 3:
                    error_codes[node.args[3].value] = {keyword.arg for keyword in node.keywords}
                elif name == "InputError" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                    params = node.args[3].keys if len(node.args) > 3 else []
                    error_codes[node.args[2].value] = {key.value for key in params}
        self.assertGreaterEqual(len(error_codes), 15)
        self.assertEqual(set(ERROR_TEXTS), set(error_codes))
        for code, params in error_codes.items():
            self.assertEqual(set(re.findall(r"%\((\w+)\)s", ERROR_TEXTS[code]._source)), params, code)
        with self.assertRaises(ValidationError) as caught:  # Odoo's assertRaises rolls the market back
            self.make_works_market(price_basis="revisable", variation_fixed_part=0.15, variation_base_month="2026-01",
                                   variation_index_ids=[Command.create({"index_id": self.bt01.id, "weight": 0.95,
                                                                        "base_value": 100.0})])
        self.assertRegex(str(caught.exception), r"2026-TX-017 : La partie fixe et les poids des index de la formule "
                                                r"totalisent 1,10? : ils doivent totaliser 1\.")
        market = self.make_works_market(
            amount=290000.0, price_basis="revisable", variation_base_month="2026-01",
            variation_fixed_part=0.0,
            variation_index_ids=[Command.create({"index_id": self.bt01.id, "weight": 1.0, "base_value": 100.0})])
        self.bt01.value_ids = [Command.create({"month": "2026-01", "value": 100.0}),
                               Command.create({"month": "2026-02", "value": 101.0})]
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 100)})
        text = situation.notice_text
        self.assertIn("L'index BT01 de 2026-03 n'est pas publié", text)
        self.assertIn("250\N{NO-BREAK SPACE}000,00\N{NO-BREAK SPACE}€", text, "the amounts in the French format")
        self.assertIn("coefficient provisoire 1,010 (avec la valeur de 2026-02, 101,0)", text)
        self.assertIn("290\N{NO-BREAK SPACE}000,00\N{NO-BREAK SPACE}€", text)
        self.assertNotIn("%(", text)

    # -- fourteen months ----------------------------------------------------------------------------------
    def test_fourteen_months_of_a_three_lot_market(self):
        """The scenario of the module's docstring; every figure the books and Chorus Pro get is checked."""
        months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
                  "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
        late_month = "2026-04"  # BT01 of April is published two months late
        market = self.make_works_market(
            price_basis="revisable", variation_fixed_part=0.125, variation_base_month="2025-09",
            variation_rounding="3_half_up",
            variation_index_ids=[Command.create({"index_id": self.bt01.id, "weight": 0.875, "base_value": 131.4})],
            advance_amount=86400.0, advance_rate=20.0, advance_date="2025-10-05",
            retention_rate=5.0, retention_guarantee="base_contract", guarantee_months=12,
            penalty_rule_ids=[Command.create({"code": "RETARD", "name": "Retard d'exécution", "amount_per_unit": 150.0})],
            subcontractor_ids=[Command.create({"partner_id": self.subcontractor.id, "accepted_amount": 50000.0,
                                               "direct_payment": True, "autoliquidation": True})],
        )
        amendment = self.env["chorus.pro.market.amendment"].create({
            "market_id": market.id, "name": "AV1", "date": "2026-02-01", "note": "Isolation thermique par l'extérieur",
            "line_ids": [Command.create({"market_id": market.id, "lot": "02", "code": "04.1", "name": "Isolation",
                                         "unit": "m2", "quantity": 400, "unit_price": 150.0})],
        })
        self.assertEqual(amendment.amount, 60000.0)
        progress = {
            "2025-10": {"01.1": ("percent", 50), "01.2": ("quantity", 100)},
            "2025-11": {"01.1": ("percent", 100), "01.2": ("quantity", 300), "02.1": ("percent", 10)},
            "2025-12": {"01.2": ("quantity", 400), "02.1": ("percent", 25)},
            "2026-01": {"02.1": ("percent", 40)},
            "2026-02": {"03.1": ("percent", 20)},
            "2026-03": {"02.1": ("percent", 35)},  # the masonry measured lower: the month goes down
            "2026-04": {"02.1": ("percent", 50), "03.1": ("percent", 40), "04.1": ("percent", 25)},
            "2026-05": {"02.1": ("percent", 65), "04.1": ("percent", 50)},
            "2026-06": {"02.1": ("percent", 80), "03.1": ("percent", 70)},
            "2026-07": {"02.1": ("percent", 90), "03.1": ("percent", 100), "04.1": ("percent", 75)},
            "2026-08": {"02.1": ("percent", 100), "04.1": ("percent", 100)},
            "2026-09": {"02.1": ("percent", 102)},  # a quantity overrun
            "2026-10": {"01.2": ("quantity", 410)},
            "2026-11": {"03.1": ("percent", 102)},
        }
        subcontractor_line = market.subcontractor_ids
        situations = self.env["chorus.pro.situation"]
        for month in months:
            for index_month in sorted(BT01):
                published = index_month <= month and (index_month != late_month or month >= "2026-06")
                if published and not self.bt01.value_ids.filtered(lambda v, m=index_month: v.month == m):
                    self.bt01.value_ids = [Command.create({"month": index_month, "value": BT01[index_month]})]
            situation = self.situation(market, month, progress[month], user=self.site_manager)
            situation = situation.with_user(self.env.user)
            sub_period = sum(line.period_amount for line in situation.line_ids if line.code == "03.1")
            if sub_period:
                situation.direct_payment_ids = [Command.create({"subcontractor_id": subcontractor_line.id,
                                                                "amount": sub_period})]
            if month == "2026-06":
                situation.penalty_ids = [Command.create({"name": "4 jours de retard sur le lot 02",
                                                         "rule_id": market.penalty_rule_ids.id, "units": 4})]
            situation.action_validate()
            situation.action_create_invoice()
            situation.move_id.action_post()
            situations |= situation

        figures = {s.month: s.figures for s in situations}
        # the down month is a credit note; the others invoices
        self.assertEqual(situations.filtered("is_credit_note").mapped("month"), ["2026-03"])
        self.assertEqual(situations.filtered(lambda s: s.month == "2026-03").move_id.move_type, "out_refund")
        # April's revision was provisional, regularised in June once the index came out
        self.assertTrue(figures["2026-04"]["variation"]["provisional"])
        regularisations = figures["2026-06"]["regularisations"]
        self.assertEqual([r["month"] for r in regularisations], ["2026-04"])
        self.assertTrue(situations.filtered(lambda s: s.month == "2026-06").move_id.invoice_line_ids.filtered(
            lambda line: "2026-04" in (line.name or "") or "situation 7" in (line.name or "")))
        # the advance: nothing repaid before 65 %, the schedule complete at 80 % (crossed inside months); a
        # month whose acompte is smaller than its share gives it all (nothing to pay), the next ones catch up
        advance = {month: figures[month]["advance"] for month in months}
        self.assertEqual(Decimal(advance["2026-05"]["repaid_to_date"]), 0)
        self.assertGreater(Decimal(advance["2026-06"]["repaid_to_date"]), 0)
        self.assertEqual(Decimal(advance["2026-08"]["scheduled_to_date"]), Decimal("86400.00"))
        capped = [m for m in months if Decimal(advance[m]["repaid_to_date"]) < Decimal(advance[m]["scheduled_to_date"])]
        self.assertTrue(capped)
        for month in capped:
            self.assertEqual(situations.filtered(lambda s, m=month: s.month == m).amount_to_pay, 0.0, month)
        last = advance[months[-1]]
        self.assertEqual(sum(Decimal(advance[m]["period_deduction"]) for m in months), Decimal(last["repaid_to_date"]))
        # the small last acomptes could not absorb it all: the final statement deducts the balance
        self.assertEqual(Decimal(last["repaid_to_date"]) + Decimal(last["remaining"]), Decimal("86400.00"))
        final = self.env["chorus.pro.works.document"].browse(market.action_final_statement()["res_id"])
        self.assertEqual(Decimal(str(final.advance_balance)), Decimal(last["remaining"]))
        self.assertFalse([s.month for s in situations if s.amount_to_pay < 0 and not s.is_credit_note])
        # the guarantee covers the base contract: retention on the amendment's works only
        retained = sum(Decimal(figures[m]["retention"]["period_retention"]) for m in months)
        amendment_ttc_with_revision = sum(
            (Decimal(f["period_ht"]) for m in months for f in figures[m]["lines"] if f["avenant"] == "AV1"),
            Decimal(0))
        self.assertEqual(figures["2025-12"]["retention"]["period_retention"], "0.00")
        self.assertGreater(retained, amendment_ttc_with_revision * Decimal("0.05"), "5 % of TTC with revision")
        self.assertLess(retained, amendment_ttc_with_revision * Decimal("0.05") * Decimal("1.25"))
        # the subcontractor is paid HT (reverse charge), by the buyer
        direct = sum(Decimal(p["deducted"]) for m in months for p in figures[m]["direct_payments"])
        self.assertEqual(direct, Decimal("51000.00"))
        # the books: the customer owes the amounts to pay now; the retention waits on its own account
        customer_lines = self.env["account.move.line"].search([
            ("partner_id", "=", self.oph.id), ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"), ("company_id", "=", self.company.id)])
        owed_now = sum(customer_lines.filtered(lambda line: line.account_id.code != "411700").mapped("amount_residual"))
        retention_balance = sum(customer_lines.filtered(lambda line: line.account_id.code == "411700").mapped("balance"))
        amounts_to_pay = sum(situations.mapped("amount_to_pay"))  # signed: the down month owes the buyer
        self.assertAlmostEqual(owed_now, amounts_to_pay, places=2)
        self.assertAlmostEqual(retention_balance, float(retained), places=2)
        advance_account = self.company._chorus_account("advance")
        cleared = sum(self.env["account.move.line"].search([("account_id", "=", advance_account.id)]).mapped("balance"))
        self.assertAlmostEqual(cleared, float(last["repaid_to_date"]), places=2)
        penalty_account = self.company._chorus_account("penalty")
        self.assertAlmostEqual(sum(self.env["account.move.line"].search([
            ("account_id", "=", penalty_account.id)]).mapped("balance")), 600.0, places=2)
        # each statement printed, and read
        for situation in situations:
            html = self.env["ir.actions.report"]._render_qweb_pdf("l10n_fr_chorus_btp.report_situation",
                                                                  situation.ids)[0].decode()
            self.assertIn(f"Projet de décompte mensuel n°</span> <span>{situation.number}</span>", html)
            self.assertIn(market.name, html)
            self.assertIn("Montant à payer", html)
            self.assertIn(situation.month, html)
        # each invoice deposited as a monthly statement (A4), its amount to pay as Chorus Pro's
        situations.move_id.action_chorus_transfer()
        self.assertEqual(self.run_sender(), len(months))
        for situation in situations:
            deposited = self.sim.invoice(int(situation.move_id.chorus_identifier))
            self.assertEqual(deposited.cadre, "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", situation.month)
            self.assertEqual(deposited.amount_due, abs(Decimal(str(situation.amount_to_pay))).quantize(Decimal("0.01")),
                             situation.month)
            self.assertEqual(situation.state, "deposited", (situation.month, situation.move_id.payment_state,
                                                            situation.move_id.amount_residual))

    # -- end of the market ----------------------------------------------------------------------------------
    def test_final_statement_dgd_and_retention_release(self):
        market = self.make_works_market(retention_rate=5.0, advance_amount=20000.0, advance_rate=5.56)
        for month, percent in (("2026-03", 40), ("2026-04", 100)):
            situation = self.situation(market, month, {code: ("percent", percent)
                                                       for code in ("01.1", "01.2", "02.1", "03.1")})
            situation.action_validate()
            situation.action_create_invoice()
            situation.move_id.action_post()
        retained = sum(market.situation_ids.mapped("retention"))
        self.assertEqual(retained, 15000.0, "5 % of 300 000 TTC")
        # the projet de décompte final (A7), from the last situation: the advance is repaid by then
        final = self.env["chorus.pro.works.document"].browse(market.action_final_statement()["res_id"])
        self.assertEqual(final.cadre, "A7")
        self.assertEqual(final.total_ttc, 300000.0)
        self.assertEqual(final.retention_to_release, 15000.0)
        self.assertEqual(final.advance_balance, 0.0)
        final.action_validate()
        final.action_send_to_chorus()
        # the DGD (A8): the décompte général signed by the main contractor, with its reserves
        dgd = self.env["chorus.pro.works.document"].browse(market.action_record_dgd()["res_id"])
        dgd.write({"total_ht": 250000.0, "total_ttc": 300000.0, "amount_to_pay": 0.0,
                   "reserves": "Réserve sur la révision de prix du mois d'avril",
                   "signed_document": __import__("base64").b64encode(b"%PDF-1.4 DGD signe"),
                   "signed_document_name": "dgd.pdf"})
        self.assertEqual(dgd.cadre, "A8")
        dgd.action_validate()
        dgd.action_send_to_chorus()
        self.assertEqual(self.run_sender(), 2)
        for document in final | dgd:
            self.assertIn(document.chorus_state, ("deposited", "in_progress"))
            deposited = self.sim.invoice(int(document.chorus_transmission_id.chorus_invoice_id))
            self.assertEqual(deposited.cadre[:3], document.cadre + "_")
        self.assertEqual(market.transmission_count, 2, "the billing file: A7 and A8 (the invoices are not sent)")
        # the retention: a reminder on its release date, then released to the customer's account
        market.reception_date = "2026-05-15"
        self.assertEqual(market.retention_release_date, fields.Date.to_date("2027-05-15"))
        self.assertTrue(market.activity_ids.filtered(lambda a: a.date_deadline == market.retention_release_date))
        market.action_release_retention()
        account = self.company._chorus_account("retention")
        self.assertEqual(sum(self.env["account.move.line"].search([("account_id", "=", account.id)]).mapped("balance")),
                         0.0)
        owed = sum(self.env["account.move.line"].search([
            ("partner_id", "=", self.oph.id), ("account_id.account_type", "=", "asset_receivable"),
            ("account_id", "!=", account.id), ("parent_state", "=", "posted")]).mapped("amount_residual"))
        self.assertAlmostEqual(owed, sum(market.situation_ids.mapped("amount_to_pay")) + retained, places=2)
        with self.assertRaises(UserError):
            market.action_release_retention()
