"""What the fourteen-month scenario leaves out: every contract term of the market read by the maths, the
printed projet de décompte read line by line and the file deposited with it, the co-contractor (A13) and
subcontractor (A10) cadres, supplies, bonuses and outlays, a quantity overrun, a service order, a paid
situation, our own invoice under reverse charge, the market's chart, and the retention on an amendment to
the cent. The expected figures are worked out by hand from the inputs, in the comments.
"""

from datetime import date
from decimal import Decimal as D

from lxml import etree
from lxml import html as lxml_html
from odoo import Command
from odoo.tests import tagged

from ccag_travaux import (
    AUTOLIQUIDATION_MENTION,
    COEFFICIENT_ROUNDING_PRESETS,
    Advance,
    Basis,
    Guarantee,
    IndexTerm,
    PenaltyRule,
    PriceBasis,
    Retention,
    RetentionRounding,
    Subcontractor,
    check_terms,
)
from chorus_pro.simulator import seed as sim_seed

from .test_situations import SituationsCommon

#: the spaces Odoo's French formats put in numbers and before the euro sign, and the invisible one it puts after
#: a minus sign (so that the line does not break there)
SPACES = str.maketrans({"\N{NO-BREAK SPACE}": " ", "\N{NARROW NO-BREAK SPACE}": " ",
                        "\N{ZERO WIDTH NO-BREAK SPACE}": None})
SVG = "{http://www.w3.org/2000/svg}"


def _text(node):
    """The text a reader sees: a line break is a space, spaces are folded."""
    for br in node.iter("br"):
        br.tail = " " + (br.tail or "")
    return " ".join("".join(node.itertext()).translate(SPACES).split())


def _rows(node, xpath):
    return [[_text(cell) for cell in row.xpath("./td")] for row in node.xpath(xpath)]


@tagged("post_install", "-at_install", "chorus_pro")
class TestSituationsCoverage(SituationsCommon):

    # -- helpers ------------------------------------------------------------------------------------------
    def invoice(self, situation, post=True):
        situation.action_validate()
        situation.action_create_invoice()
        if post:
            situation.move_id.action_post()
        return situation.move_id

    def deposit(self, move):
        move.action_chorus_transfer()
        self.assertEqual(self.run_sender(), 1)
        return self.sim.invoice(int(move.chorus_identifier))

    def statement_page(self, situation):
        content = self.env["ir.actions.report"]._render_qweb_html("l10n_fr_chorus_btp.report_situation",
                                                                  situation.ids)[0]
        return lxml_html.fromstring(content).xpath("//div[contains(@class, 'o_chorus_situation')]")[0]

    def structure_partner(self, structure):
        return self.env["res.partner"].create({"name": structure.name, "is_company": True,
                                               "company_registry": structure.siret})

    def amount(self, figures, *path):
        value = figures
        for key in path:
            value = value[key]
        return D(value)

    # -- G9-4: the market's terms, as the maths reads them ------------------------------------------------
    def test_every_contract_term_reaches_the_maths(self):
        """Each convention of the contract set to a value other than its default, and found in its own field
        of the terms: two fields swapped in the mapping fail here."""
        market = self.make_works_market(
            amount=250000.0, duration_months=20, title="Réhabilitation de 24 logements",
            price_basis="actualisable", variation_fixed_part=0.15, variation_base_month="2025-06",
            variation_month_lag=3, variation_rounding="6_down", variation_actualisation_month="2025-09",
            variation_supplies=True,
            variation_index_ids=[Command.create({"index_id": self.bt01.id, "weight": 0.85, "base_value": 120.5})],
            advance_amount=43200.0, advance_date="2025-10-05", advance_rate=12.0, advance_start=55.0,
            advance_end=85.0, advance_execution_basis="ht", advance_deduction="ttc", advance_first_payment_above=25.0,
            advance_thresholds_with_amendments=False, advance_capped=False,
            retention_rate=3.0, retention_with_variation=False, retention_guarantee="amount",
            retention_guarantee_amount=1500.0, retention_per_period=False, guarantee_months=18,
            payment_delay="50", reception_date="2027-01-15",
            penalty_rule_ids=[Command.create({"code": "ABS", "name": "Absence en réunion", "amount_per_unit": 200.0})],
            subcontractor_ids=[Command.create({
                "partner_id": self.subcontractor.id, "accepted_amount": 40000.0, "direct_payment": False,
                "autoliquidation": False, "vat_rate": 10.0, "advance_amount": 2000.0,
                "guarantee_replaces_retention": True})],
        )
        terms = market._ccag_terms()
        self.assertEqual((terms.market_number, terms.title), ("2026-TX-017", "Réhabilitation de 24 logements"))
        self.assertEqual((terms.amount_ht, terms.vat_rate), (D("250000"), D("0.20")))
        self.assertEqual([line.code for line in terms.lines], ["01.1", "01.2", "02.1", "03.1"])
        self.assertEqual(terms.price_basis, PriceBasis.ACTUALISABLE)
        variation = terms.price_variation
        self.assertEqual(variation.fixed_part, D("0.15"))
        self.assertEqual(variation.indices, (IndexTerm("BT01", D("0.85"), D("120.5")),))
        self.assertEqual(variation.base_month, "2025-06")
        self.assertEqual(variation.month_lag, 3)
        self.assertEqual(variation.index_month("2026-03"), "2025-12")
        self.assertEqual(variation.coefficient_rounding, COEFFICIENT_ROUNDING_PRESETS["6_down"])
        self.assertEqual(variation.actualisation_month, "2025-09")
        self.assertIs(variation.revise_approvisionnements, True)
        # 20 months: the advance's rate applies to 12 × 300 000 TTC / 20 = 180 000
        self.assertEqual(terms.advance, Advance(
            amount=D("43200"), received_date=date(2025, 10, 5), rate=D("0.12"), base_amount=D("180000"),
            start_threshold=D("0.55"), end_threshold=D("0.85"), execution_basis=Basis.HT, deduction=Basis.TTC,
            first_payment_start_above_rate=D("0.25"), thresholds_include_avenants=False, cap_to_amount_due=False))
        self.assertEqual(terms.retention, Retention(
            rate=D("0.03"), include_variation=False, guarantee=Guarantee.AMOUNT, guarantee_amount=D("1500"),
            rounding=RetentionRounding.CUMULATIVE, guarantee_months=18))
        self.assertEqual(terms.penalty_rules, (PenaltyRule("ABS", "Absence en réunion", D("200")),))
        self.assertEqual(terms.subcontractors, (Subcontractor(
            partner_id=str(self.subcontractor.id), name="ETANCHEITE DU MAINE", accepted_amount_ht=D("40000"),
            direct_payment=False, autoliquidation=False, vat_rate=D("0.10"), advance_amount=D("2000"),
            retention_replaced_by_guarantee=True),))
        self.assertEqual(terms.payment_delay_days, 50)
        self.assertEqual(terms.reception_date, date(2027, 1, 15))
        self.assertIs(terms.autoliquidation, False)
        # 12 % of 180 000 is 21 600, not the 43 200 received: said, not refused
        differs = [notice for notice in check_terms(terms) if notice.code == "advance_amount_differs"]
        self.assertEqual([notice.params["expected"] for notice in differs], ["21600.00"])

        # the other value of each switch
        market.write({
            "price_basis": "revisable", "variation_month_lag": 0, "variation_supplies": False,
            "advance_execution_basis": "ttc", "advance_deduction": "ht", "advance_first_payment_above": 0.0,
            "advance_thresholds_with_amendments": True, "advance_capped": True, "advance_rate": 0.0,
            "retention_with_variation": True, "retention_guarantee": "base_contract", "retention_per_period": True,
            "payment_delay": "60", "autoliquidation": True, "duration_months": 10, "reception_date": False,
        })
        terms = market._ccag_terms()
        self.assertEqual(terms.price_basis, PriceBasis.REVISABLE)
        self.assertEqual((terms.price_variation.month_lag, terms.price_variation.revise_approvisionnements), (0, False))
        # under reverse charge the initial amount carries no VAT; 10 months: no proration
        self.assertEqual(terms.advance, Advance(
            amount=D("43200"), received_date=date(2025, 10, 5), rate=None, base_amount=D("250000"),
            start_threshold=D("0.55"), end_threshold=D("0.85"), execution_basis=Basis.TTC, deduction=Basis.HT,
            first_payment_start_above_rate=None, thresholds_include_avenants=True, cap_to_amount_due=True))
        self.assertEqual(terms.retention, Retention(
            rate=D("0.03"), include_variation=True, guarantee=Guarantee.BASE_CONTRACT, guarantee_amount=None,
            rounding=RetentionRounding.PER_PERIOD, guarantee_months=18))
        self.assertEqual((terms.payment_delay_days, terms.reception_date, terms.autoliquidation), (60, None, True))

        market.write({"price_basis": "firm", "advance_amount": 0.0, "retention_rate": 0.0})
        terms = market._ccag_terms()
        self.assertEqual((terms.price_basis, terms.price_variation, terms.advance, terms.retention),
                         (PriceBasis.FIRM, None, None, None))

    def threshold_market(self):
        """250 000 HT in the contract and an amendment of 50 000 HT; an advance of 30 000 (10 % of 300 000 TTC)
        repaid between 40 % and 70 % of the base contract's works HT, deducted before VAT, not capped."""
        market = self.make_works_market(
            amount=250000.0, advance_amount=30000.0, advance_rate=10.0, advance_date="2026-02-10",
            advance_start=40.0, advance_end=70.0, advance_execution_basis="ht", advance_deduction="ht",
            advance_thresholds_with_amendments=False, advance_capped=False,
            retention_rate=5.0, payment_delay="60", invoice_detail="line")
        self.env["chorus.pro.market.amendment"].create({
            "market_id": market.id, "name": "AV1", "date": "2026-03-15", "note": "Ravalement des façades",
            "line_ids": [Command.create({"market_id": market.id, "lot": "04", "code": "04.1", "name": "Ravalement",
                                         "unit": "m2", "quantity": 500, "unit_price": 100.0})]})
        return market

    def test_non_default_advance_window_and_deduction_before_vat(self):
        market = self.threshold_market()
        march = self.situation(market, "2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 400),
                                                   "02.1": ("percent", 40), "04.1": ("percent", 20)},
                               submission_date="2026-04-03")
        # works 30 000 + 20 000 + 60 000 + 10 000 (amendment) = 120 000 HT, TTC 144 000, retention 7 200;
        # the base contract is at 110 000 / 250 000 = 44 %: (44 − 40) / (70 − 40) of 30 000 = 4 000 repaid,
        # with its VAT 800 (the defaults, 65 % of the TTC with the amendment, would repay nothing)
        advance = march.figures["advance"]
        self.assertEqual(self.amount(advance, "execution_ratio"), D("0.44"))
        self.assertEqual(self.amount(advance, "market_amount"), D("250000"))
        self.assertEqual(self.amount(advance, "repaid_to_date"), D("4000.00"))
        self.assertEqual(self.amount(advance, "deduction_vat"), D("800.00"))
        self.assertEqual((march.works_period, march.total_ttc, march.retention, march.advance_deduction,
                          march.amount_to_pay), (120000.0, 144000.0, 7200.0, 4800.0, 132000.0))
        move = self.invoice(march)
        # one invoice line per line of the bill (the line of lot 03, not started, is left out)
        self.assertEqual([(line.name, line.price_subtotal) for line in move.invoice_line_ids], [
            ("01.1 Démolitions", 30000.0), ("01.2 Terrassements", 20000.0), ("02.1 Maçonnerie", 60000.0),
            ("04.1 Ravalement", 10000.0)])
        self.assertEqual(move.invoice_date_due, date(2026, 6, 2), "60 days from the receipt on 3 April")
        self.assertEqual(move.amount_residual, 132000.0)
        advance_account = self.company._chorus_account("advance")
        self.assertEqual(sum(march.settlement_move_id.line_ids.filtered(
            lambda line: line.account_id == advance_account).mapped("balance")), 4800.0)

        april = self.situation(market, "2026-04", {"02.1": ("percent", 80), "03.1": ("percent", 50)},
                               submission_date="2026-05-04")
        # +60 000 + 25 000 = 85 000 HT, TTC 102 000; the base contract at 195 000 / 250 000 = 78 % ≥ 70 %: the
        # advance is repaid in full, 26 000 + VAT 5 200; retention 5 % × (144 000 + 102 000) − 7 200 = 5 100
        advance = april.figures["advance"]
        self.assertEqual(self.amount(advance, "execution_ratio"), D("0.78"))
        self.assertEqual(self.amount(advance, "period_repayment"), D("26000.00"))
        self.assertEqual(self.amount(advance, "deduction_vat"), D("5200.00"))
        self.assertEqual(self.amount(advance, "remaining"), D("0"))
        self.assertEqual((april.works_period, april.total_ttc, april.retention, april.advance_deduction,
                          april.amount_to_pay), (85000.0, 102000.0, 5100.0, 31200.0, 65700.0))

    # -- G9-9: the market's chart -----------------------------------------------------------------------------
    def test_billing_chart_points_and_advance_window(self):
        market = self.threshold_market()
        for month, progress in (("2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 400),
                                             "02.1": ("percent", 40), "04.1": ("percent", 20)}),
                                ("2026-04", {"02.1": ("percent", 80), "03.1": ("percent", 50)})):
            self.invoice(self.situation(market, month, progress), post=False)
        self.assertEqual(market.situation_ids.sorted("number").mapped("works_cumulative"), [120000.0, 205000.0])

        def chart():
            svg = etree.fromstring(str(market.billing_chart).encode())
            bars = [(float(rect.get("y")), float(rect.get("height"))) for rect in svg.iter(f"{SVG}rect")]
            levels = [float(line.get("y1")) for line in svg.iter(f"{SVG}line")]
            texts = [text.text for text in svg.iter(f"{SVG}text")]
            return bars, levels, texts

        # 180 px for the largest of 300 000 (with the amendment) and the works: 0.0006 px per euro above y = 190
        bars, levels, texts = chart()
        self.assertEqual(bars, [(118.0, 72.0), (67.0, 123.0)], "120 000 and 205 000 executed to date")
        # the market with its amendment at 300 000; the window measured against the base contract only:
        # 40 % and 70 % of 250 000 = 100 000 and 175 000
        self.assertEqual(levels, [10.0, 130.0, 85.0])
        self.assertEqual(texts, ["2026-03", "2026-04", "Marché", "40 %", "70 %"])
        market.advance_thresholds_with_amendments = True
        _bars, levels, _texts = chart()
        self.assertEqual(levels, [10.0, 118.0, 64.0], "40 % and 70 % of 300 000")

    # -- G9-3: the printed projet de décompte and the file deposited -----------------------------------------
    def test_printed_statement_read_and_deposited_as_the_main_file(self):
        market = self.make_works_market(amount=250000.0, retention_rate=5.0)
        self.invoice(self.situation(market, "2026-03", {"01.2": ("quantity", 200)}))
        situation = self.situation(market, "2026-04", {"01.2": ("quantity", 300), "02.1": ("percent", 25)})
        situation.penalty_ids = [Command.create({"name": "Absence à la réunion de chantier", "amount": 250.0})]
        move = self.invoice(situation)
        page = self.statement_page(situation)
        self.assertEqual(_text(page.xpath(".//h3")[0]), "Projet de décompte mensuel n° 2 – 2026-04")
        self.assertEqual(_rows(page, "(.//table)[1]//tr"), [[
            "Marché 2026-TX-017 Réhabilitation de 24 logements",
            "Maître d'ouvrage (MOA) OFFICE PUBLIC DE L'HABITAT SARTHE-OUEST",
            "Maître d'œuvre (MOE) ATELIER D'ARCHITECTURE LEBRUN",
            f"Titulaire {self.company.name} (SIRET {sim_seed.SUPPLIER.siret})",
            "Période 01/04/2026 – 30/04/2026",
        ]])
        lines = _rows(page, ".//table[contains(@class, 'o_chorus_situation_lines')]/tbody/tr")
        # code, description, unit, market quantity, unit price, previous, to date, cumulative HT, month HT
        self.assertIn(["01.2", "Terrassements", "m3", "400,000", "50,00", "200,000", "300,000", "15 000,00",
                       "5 000,00"], lines)
        self.assertIn(["02.1", "Maçonnerie", "m2", "1 000,000", "150,00", "0,000", "250,000", "37 500,00",
                       "37 500,00"], lines)
        self.assertIn(["Total du lot 01", "15 000,00", "5 000,00"], lines)
        self.assertIn(["Total du lot 02", "37 500,00", "37 500,00"], lines)
        self.assertIn(["Total du lot 03", "0,00", "0,00"], lines)
        # the état d'acompte: 42 500 HT, VAT 8 500, retention 5 % of (12 000 + 51 000) − 600 = 2 550, penalty 250
        self.assertEqual(_rows(page, ".//table[contains(@class, 'o_chorus_statement')]//tr"), [
            ["Travaux exécutés à ce jour, aux prix initiaux", "", "52 500,00 €"],
            ["Travaux des situations précédentes", "", "-10 000,00 €"],
            ["Travaux du mois", "", "42 500,00 €"],
            ["Total HT", "", "42 500,00 €"],
            ["TVA 20 %", "sur 42 500,00 €", "8 500,00 €"],
            ["Total TTC", "", "51 000,00 €"],
            ["Retenue de garantie", "5,00 % de 51 000,00 €", "-2 550,00 €"],
            ["Pénalité : Absence à la réunion de chantier", "", "-250,00 €"],
            ["Montant à payer", "", "48 200,00 €"],
        ])
        self.assertEqual(situation.amount_to_pay, 48200.0)
        self.assertEqual([_text(cell) for cell in page.xpath(".//table[contains(@class, 'table-bordered')]//td")],
                         ["Le titulaire Date et signature", "Le maître d'œuvre Date et signature"])
        # deposited: the statement is the main file, the invoice goes with it
        deposited = self.deposit(move)
        self.assertEqual(deposited.amount_due, D("48200.00"))
        main = self.sim.store.files[deposited.main_attachment_id]
        self.assertEqual((main.name, main.size), ("decompte-2026-TX-017-02.pdf",
                                                  len(situation._statement_attachment().content)))
        others = [self.sim.store.files[file_id] for file_id in deposited.attachment_ids
                  if file_id != deposited.main_attachment_id]
        invoice_file = move._chorus_main_attachment()
        self.assertEqual([(other.name, other.size) for other in others],
                         [(invoice_file.name, len(invoice_file.content))])
        self.assertNotEqual(main.size, others[0].size)

    # -- G9-5: co-contractor and subcontractor cadres ---------------------------------------------------------
    def test_co_contractor_situation_deposited_as_a13(self):
        market = self.make_works_market(amount=250000.0, role="cotraitant",
                                        validator_partner_id=self.structure_partner(sim_seed.MANDATAIRE).id)
        move = self.invoice(self.situation(market, "2026-03", {"01.1": ("percent", 100)}))
        self.assertEqual(move.chorus_cadre, "A13")
        deposited = self.deposit(move)
        self.assertEqual(move.chorus_transmission_id.cadre, "A13")
        self.assertEqual(deposited.cadre, "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT")
        self.assertEqual((deposited.kind, deposited.works_type), ("FACTURE_TRAVAUX", "PROJET_DECOMPTE_MENSUEL"))
        self.assertEqual((deposited.total, deposited.amount_due), (D("36000.00"), D("36000.00")))

    # -- G9-5 and G9-7: our own situation as a subcontractor under reverse charge ---------------------------
    def test_subcontractor_under_reverse_charge_deposited_as_a10_without_vat(self):
        market = self.make_works_market(amount=250000.0, role="soustraitant", autoliquidation=True,
                                        validator_partner_id=self.structure_partner(sim_seed.TITULAIRE).id, retention_rate=5.0)
        situation = self.situation(market, "2026-03", {"01.1": ("percent", 100), "01.2": ("quantity", 100)})
        # 30 000 + 5 000 HT, no VAT; the retention 5 % of 35 000 = 1 750
        self.assertEqual((situation.total_ht, situation.total_vat, situation.total_ttc, situation.retention,
                          situation.amount_to_pay), (35000.0, 0.0, 35000.0, 1750.0, 33250.0))
        self.assertEqual(situation.figures["vat_mention"], AUTOLIQUIDATION_MENTION)
        move = self.invoice(situation)
        self.assertEqual(move.chorus_cadre, "A10")
        tax = move.invoice_line_ids.tax_ids
        self.assertEqual((len(tax), tax.amount, tax.ubl_cii_tax_category_code), (1, 0.0, "AE"))
        self.assertIn(AUTOLIQUIDATION_MENTION, str(move.narration))
        self.assertEqual((move.amount_untaxed, move.amount_tax, move.amount_total, move.amount_residual),
                         (35000.0, 0.0, 35000.0, 33250.0))
        deposited = self.deposit(move)
        self.assertEqual(move.chorus_transmission_id.cadre, "A10")
        self.assertEqual(deposited.cadre, "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT")
        self.assertEqual((deposited.untaxed, deposited.vat, deposited.total, deposited.amount_due),
                         (D("35000.00"), D("0.00"), D("35000.00"), D("33250.00")))
        self.assertEqual(deposited.vat_type, "EXONERATION")
        self.assertEqual([(line["ligneTvaMontantBaseHtParTaux"], line["ligneTvaMontantTvaParTaux"])
                          for line in deposited.vat_lines], [(35000.0, 0.0)])

    # -- G9-6: supplies, bonuses and outlays; paid -----------------------------------------------------------
    def test_supplies_bonuses_and_outlays_reach_the_figures_the_invoice_and_the_statement(self):
        Tax = self.env["account.tax"]
        ten = [*Tax._check_company_domain(self.company), ("type_tax_use", "=", "sale"), ("amount_type", "=", "percent"),
               ("amount", "=", 10.0), ("price_include_override", "!=", "tax_included")]
        if not Tax.search(ten, limit=1):
            Tax.create({"name": "TVA 10 %", "amount": 10.0, "amount_type": "percent", "type_tax_use": "sale",
                        "company_id": self.company.id})
        market = self.make_works_market(amount=250000.0, retention_rate=5.0)
        march = self.situation(market, "2026-03", {"01.1": ("percent", 50)}, submission_date="2026-04-02")
        march.part_ids = [
            Command.create({"kind": "approvisionnements", "code": "APP1", "name": "Acier en dépôt", "vat_rate": 20.0,
                            "cumulative_amount": 8000.0}),
            Command.create({"kind": "primes", "code": "PR1", "name": "Prime de délai", "vat_rate": 20.0,
                            "cumulative_amount": 1000.0}),
            Command.create({"kind": "debours", "code": "DEB1", "name": "Frais de branchement", "vat_rate": 10.0,
                            "cumulative_amount": 500.0}),
        ]
        # works 15 000 + parts 9 500 = 24 500 HT; VAT 20 % of 24 000 = 4 800 and 10 % of 500 = 50; TTC 29 350;
        # retention 5 % = 1 467.50; to pay 27 882.50
        self.assertEqual(self.amount(march.figures, "parts_period_ht"), D("9500.00"))
        self.assertEqual([(D(line["rate"]), D(line["base_ht"]), D(line["vat"])) for line in march.figures["vat_lines"]],
                         [(D("0.10"), D("500"), D("50")), (D("0.20"), D("24000"), D("4800"))])
        self.assertEqual((march.works_period, march.total_ht, march.total_vat, march.total_ttc, march.retention,
                          march.amount_to_pay), (15000.0, 24500.0, 4850.0, 29350.0, 1467.5, 27882.5))
        page = self.statement_page(march)
        lines = _rows(page, ".//table[contains(@class, 'o_chorus_situation_lines')]/tbody/tr")
        self.assertIn(["APP1", "Acier en dépôt", "8 000,00", "8 000,00"], lines)
        self.assertIn(["DEB1", "Frais de branchement", "500,00", "500,00"], lines)
        statement = _rows(page, ".//table[contains(@class, 'o_chorus_statement')]//tr")
        self.assertIn(["Approvisionnements, primes et débours du mois", "", "9 500,00 €"], statement)
        self.assertIn(["TVA 10 %", "sur 500,00 €", "50,00 €"], statement)
        move = self.invoice(march)
        self.assertEqual([(line.name, line.price_subtotal, line.tax_ids.amount) for line in move.invoice_line_ids], [
            ("Lot 01 – travaux du mois", 15000.0, 20.0), ("Acier en dépôt", 8000.0, 20.0),
            ("Prime de délai", 1000.0, 20.0), ("Frais de branchement", 500.0, 10.0)])
        self.assertEqual((move.amount_untaxed, move.amount_tax, move.amount_total, move.amount_residual),
                         (24500.0, 4850.0, 29350.0, 27882.5))

        # the next month: the supplies are built in (down to 3 000), the outlays grow to 800
        april = self.situation(market, "2026-04", {"01.1": ("percent", 100)}, submission_date="2026-05-04")
        parts = {part.code: part for part in april.part_ids}
        self.assertEqual({code: part.previous_amount for code, part in parts.items()},
                         {"APP1": 8000.0, "PR1": 1000.0, "DEB1": 500.0})
        parts["APP1"].cumulative_amount = 3000.0
        parts["DEB1"].cumulative_amount = 800.0
        # 15 000 − 5 000 + 300 = 10 300 HT; VAT 20 % of 10 000 = 2 000 and 10 % of 300 = 30; TTC 12 330;
        # retention 5 % × (29 350 + 12 330) = 2 084, less 1 467.50 = 616.50; to pay 11 713.50
        self.assertEqual((april.total_ht, april.total_vat, april.total_ttc, april.retention, april.amount_to_pay),
                         (10300.0, 2030.0, 12330.0, 616.5, 11713.5))
        april_move = self.invoice(april)
        self.assertEqual([(line.name, line.price_subtotal) for line in april_move.invoice_line_ids], [
            ("Lot 01 – travaux du mois", 15000.0), ("Acier en dépôt", -5000.0), ("Frais de branchement", 300.0)])
        self.assertEqual(april_move.amount_total, 12330.0)

        # March is paid: the amount to pay, the retention waiting on its own account
        self.assertEqual(march.state, "invoiced")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=move.ids).create(
            {"payment_date": "2026-05-29"})._create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(march.state, "paid")
        self.assertEqual(april.state, "invoiced")

    def test_quantity_overrun_warned_and_service_order_lines_billed(self):
        market = self.make_works_market(amount=250000.0)
        order = self.env["chorus.pro.market.amendment"].create({
            "market_id": market.id, "kind": "order", "name": "OS3", "date": "2026-04-10",
            "note": "Reprise des enduits", "line_ids": [Command.create({
                "market_id": market.id, "lot": "02", "code": "05.1", "name": "Reprise d'enduit", "unit": "m2",
                "quantity": 100, "unit_price": 40.0})]})
        self.assertEqual(order.amount, 4000.0)
        self.assertEqual(market._ccag_terms().total_amount_ht, D("254000"))
        march = self.situation(market, "2026-03", {"01.2": ("quantity", 420)})
        self.assertNotIn("05.1", march.line_ids.mapped("code"), "ordered in April")
        self.assertEqual(march.works_period, 21000.0)
        self.assertTrue(march.line_ids.filtered(lambda line: line.code == "01.2").overrun)
        # the warning of the situation form, in French
        self.assertEqual(march.notice_text,
                         "La ligne 01.2 est à 105,00 % de sa quantité au marché (420 / 400 m3).")
        self.invoice(march)
        april = self.situation(market, "2026-04", {"05.1": ("quantity", 50)})
        line = april.line_ids.filtered(lambda line: line.code == "05.1")
        self.assertEqual((line.lot, line.market_quantity, line.unit_price, line.period_amount), ("02", 100.0, 40.0, 2000.0))
        self.assertEqual([(f["code"], f["avenant"], D(f["period_ht"])) for f in april.figures["lines"]
                          if D(f["period_ht"])], [("05.1", "OS3", D("2000"))])
        self.assertEqual(april.notice_text, march.notice_text, "still over its market quantity")
        move = self.invoice(april)
        self.assertEqual([(line.name, line.price_subtotal) for line in move.invoice_line_ids],
                         [("Lot 02 – travaux du mois", 2000.0)])
        self.assertEqual(move.amount_total, 2400.0)

    # -- G9-13: the retention on an amendment, to the cent ----------------------------------------------------
    def test_retention_on_the_amendment_with_its_revision_to_the_cent(self):
        """A guarantee covers the base contract: the retention is 5 % of the amendment's works TTC, revised."""
        self.bt01.value_ids = [Command.create({"month": "2026-01", "value": 100.0}),
                               Command.create({"month": "2026-03", "value": 104.0}),
                               Command.create({"month": "2026-04", "value": 106.0})]
        market = self.make_works_market(
            amount=250000.0, price_basis="revisable", variation_fixed_part=0.125, variation_base_month="2026-01",
            variation_rounding="3_half_up",
            variation_index_ids=[Command.create({"index_id": self.bt01.id, "weight": 0.875, "base_value": 100.0})],
            retention_rate=5.0, retention_guarantee="base_contract")
        self.env["chorus.pro.market.amendment"].create({
            "market_id": market.id, "name": "AV1", "date": "2026-03-01",
            "line_ids": [Command.create({"market_id": market.id, "lot": "02", "code": "04.1", "name": "Isolation",
                                         "unit": "m2", "quantity": 400, "unit_price": 150.0})]})
        march = self.situation(market, "2026-03", {"02.1": ("percent", 10), "04.1": ("quantity", 100)})
        # C = 0.125 + 0.875 × 104 / 100 = 1.035; works 15 000 + 15 000 (AV1), revised +1 050, TTC 37 260;
        # retention on AV1 only: 15 000 × 1.035 = 15 525, TTC 18 630, 5 % = 931.50
        self.assertEqual(self.amount(march.figures, "variation", "coefficient"), D("1.035"))
        self.assertEqual(self.amount(march.figures, "retention", "period_withheld_base"), D("18630.00"))
        self.assertEqual((march.variation_period, march.total_ttc, march.retention, march.amount_to_pay),
                         (1050.0, 37260.0, 931.5, 36328.5))
        self.invoice(march)
        april = self.situation(market, "2026-04", {"04.1": ("quantity", 200)})
        # C = 0.125 + 0.875 × 1.06 = 1.0525 → 1.053; 15 000 × 1.053 = 15 795, TTC 18 954;
        # 5 % × (18 630 + 18 954) = 1 879.20, less 931.50 = 947.70
        self.assertEqual(self.amount(april.figures, "variation", "coefficient"), D("1.053"))
        self.assertEqual(self.amount(april.figures, "retention", "period_withheld_base"), D("18954.00"))
        self.assertEqual((april.total_ttc, april.retention, april.amount_to_pay), (18954.0, 947.7, 18006.3))
        self.invoice(april)
        retention_account = self.company._chorus_account("retention")
        self.assertAlmostEqual(sum(self.env["account.move.line"].search([
            ("account_id", "=", retention_account.id), ("parent_state", "=", "posted")]).mapped("balance")),
            1879.2, places=2)
