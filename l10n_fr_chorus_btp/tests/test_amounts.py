"""What is deposited equals Odoo's own computation of the posted invoice, to the cent, for every tax setup
Chorus Pro can carry; the others are refused before posting with a message that says why.

Each case posts an invoice, lets the sender deposit it on the simulator (over HTTP) and compares the
``soumettre`` body the simulator received with the invoice's totals and its VAT per rate, as Odoo booked them
(the tax journal items).
"""

from contextlib import contextmanager
from decimal import Decimal

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from chorus_pro.documents import DepositMode, validate_invoice
from chorus_pro.simulator import request_observers

from .common import ChorusCommon

#: Chorus Pro's VAT rate codes, back to rates (the rest travels as a plain rate)
RATE_CODES = {"TVA20": Decimal("20"), "TVA10": Decimal("10"), "TVA5.5": Decimal("5.5"), "TVA2.1": Decimal("2.1")}


@tagged("post_install", "-at_install", "chorus_pro")
class TestDepositedAmounts(ChorusCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tax = cls.env["account.tax"].with_company(cls.company)
        group = cls.env["account.tax.group"].create({"name": "TVA (tests Chorus Pro)", "company_id": cls.company.id})

        def tax(name, amount, **values):
            return Tax.create({"name": name, "amount": amount, "amount_type": "percent", "type_tax_use": "sale",
                               "company_id": cls.company.id, "tax_group_id": group.id, **values})
        cls.tax_20 = tax("TVA 20 % (test)", 20)
        cls.tax_20_included = tax("TVA 20 % TTC (test)", 20, price_include_override="tax_included")
        cls.tax_10 = tax("TVA 10 % (test)", 10)
        cls.tax_5_5 = tax("TVA 5,5 % (test)", 5.5)
        cls.tax_0_exempt = tax("TVA 0 % autoliquidation (test)", 0, ubl_cii_tax_category_code="AE",
                               ubl_cii_tax_exemption_reason_code="VATEX-EU-AE")
        cls.tax_0_bare = tax("TVA 0 % sans motif (test)", 0)
        cls.tax_fixed = tax("Éco-participation (test)", 2.0, amount_type="fixed")
        cls.tax_group_10_5_5 = tax("TVA 10 % + 5,5 % (groupe)", 0, amount_type="group",
                                   children_tax_ids=[Command.set((cls.tax_10 | cls.tax_5_5).ids)])
        cls.tax_group_20 = tax("TVA 20 % (groupe d'une taxe)", 0, amount_type="group",
                               children_tax_ids=[Command.set(cls.tax_20.ids)])

    # -- helpers ----------------------------------------------------------------------------------------
    def invoice(self, lines, move_type="out_invoice", post=True, **values):
        move = self.make_invoice(move_type=move_type, invoice_line_ids=[Command.create({
            "name": line.get("name", "Travaux"), "quantity": line.get("quantity", 1),
            "price_unit": line["price_unit"], "discount": line.get("discount", 0),
            "tax_ids": [Command.set(line["taxes"].ids)],
        }) for line in lines], **values)
        if post:
            move.action_post()
        return move

    @contextmanager
    def deposited_bodies(self):
        """The ``soumettre`` bodies the simulator receives, as it reads them."""
        bodies = []

        def observe(api_path, headers, body):
            if str(api_path).endswith("factures/v1/soumettre") and body:
                bodies.append(body)
        request_observers.append(observe)
        try:
            yield bodies
        finally:
            request_observers.remove(observe)

    def deposit(self, move):
        """Send ``move`` through the sender; return the body Chorus Pro received."""
        with self.deposited_bodies() as bodies:
            self.assertEqual(self.run_sender(), 1)
        self.assertEqual(move.chorus_state, "deposited", move.chorus_last_error)
        self.assertEqual(len(bodies), 1)
        return bodies[0]

    def booked_vat_per_rate(self, move):
        """The VAT per rate as Odoo booked it: the tax journal items, with their base."""
        per_rate = {}
        # a cash rounding "on the tax" is a rounding item carrying the tax: it is part of that rate's VAT
        for line in move.line_ids.filtered(lambda aml: aml.tax_line_id):
            rate = Decimal(str(line.tax_line_id.amount)).quantize(Decimal("0.01"))
            base, amount = per_rate.get(rate, (Decimal(0), Decimal(0)))
            is_rounding = line.display_type == "rounding"
            per_rate[rate] = (base + (0 if is_rounding else Decimal(str(abs(line.tax_base_amount))).quantize(
                Decimal("0.01"))), amount + Decimal(str(line.amount_currency * move.direction_sign)).quantize(
                Decimal("0.01")))
        return per_rate

    def deposited_vat_per_rate(self, body):
        per_rate = {}
        for vat_line in body["ligneTva"]:
            rate = RATE_CODES.get(vat_line.get("ligneTvaTaux")) or Decimal(str(vat_line["ligneTvaTauxManuel"]))
            per_rate[rate.quantize(Decimal("0.01"))] = (
                Decimal(str(vat_line["ligneTvaMontantBaseHtParTaux"])).quantize(Decimal("0.01")),
                Decimal(str(vat_line["ligneTvaMontantTvaParTaux"])).quantize(Decimal("0.01")))
        return per_rate

    def assertDepositedAsBooked(self, move, body, untaxed=None):
        cents = Decimal("0.01")
        totals = body["montantTotal"]
        self.assertEqual(Decimal(str(totals["montantHtTotal"])).quantize(cents),
                         untaxed if untaxed is not None else Decimal(str(move.amount_untaxed)).quantize(cents))
        self.assertEqual(Decimal(str(totals["montantTVA"])).quantize(cents),
                         Decimal(str(move.amount_tax)).quantize(cents))
        self.assertEqual(Decimal(str(totals["montantTtcTotal"])).quantize(cents),
                         Decimal(str(move.amount_total)).quantize(cents))
        self.assertEqual(Decimal(str(totals["montantAPayer"])).quantize(cents),
                         Decimal(str(move.amount_total)).quantize(cents), "the amount to pay is the invoice's total")
        booked = self.booked_vat_per_rate(move)
        if booked:
            self.assertEqual(self.deposited_vat_per_rate(body), booked)

    def assertDataEntryConsistent(self, move):
        """The same invoice keyed in as data (SAISIE_API) passes the client's checks: lines add up to the cent."""
        invoice = move._chorus_build_invoice(with_pdf=False)
        invoice.bank_account_id = invoice.bank_account_id or 1
        validate_invoice(invoice, mode=DepositMode.DATA)
        lines_total = sum((line.amount_untaxed for line in invoice.lines), Decimal(0))
        self.assertEqual(lines_total, invoice.totals.untaxed)

    def assertRefusedAtPosting(self, move, *words):
        with self.assertRaises(UserError) as caught:
            move.action_post()
        for word in words:
            self.assertIn(word, str(caught.exception))
        self.assertEqual(move.state, "draft")
        self.assertEqual(self.run_sender(), 0)

    # -- cases ------------------------------------------------------------------------------------------
    def test_price_included_tax(self):
        """1 200,00 € TTC, and 3 × 99,99 € TTC: once refused by the pre-flight, now deposited as booked."""
        move = self.invoice([{"price_unit": 1200.0, "taxes": self.tax_20_included},
                             {"name": "Fournitures", "quantity": 3, "price_unit": 99.99,
                              "taxes": self.tax_20_included}])
        self.assertEqual(move.amount_total, 1499.97)
        body = self.deposit(move)
        self.assertDepositedAsBooked(move, body)
        self.assertDataEntryConsistent(move)
        first = move._chorus_build_invoice(with_pdf=False).lines[0]
        # without VAT (1 000,00 €, less the cent that Odoo's global rounding takes from this line), and no VAT
        # disguised as a discount
        self.assertLessEqual(abs(first.unit_price - Decimal("1000")), Decimal("0.01"))
        self.assertEqual(first.discount, Decimal(0))

    def test_line_discounts(self):
        move = self.invoice([{"quantity": 3, "price_unit": 100.0, "discount": 15, "taxes": self.tax_20},
                             {"quantity": 2, "price_unit": 33.33, "discount": 7, "taxes": self.tax_20},
                             {"quantity": 7, "price_unit": 99.99, "discount": 12.5, "taxes": self.tax_20_included}])
        body = self.deposit(move)
        self.assertDepositedAsBooked(move, body)
        self.assertDataEntryConsistent(move)
        first = move._chorus_build_invoice(with_pdf=False).lines[0]
        self.assertEqual((first.quantity, first.unit_price, first.discount),
                         (Decimal("3.0000"), Decimal("100.000000"), Decimal("45.00")))

    def test_negative_global_discount_line(self):
        move = self.invoice([{"price_unit": 1000.0, "taxes": self.tax_20},
                             {"name": "Remise exceptionnelle", "price_unit": -150.0, "taxes": self.tax_20}])
        body = self.deposit(move)
        self.assertDepositedAsBooked(move, body)
        self.assertDataEntryConsistent(move)
        discount_line = move._chorus_build_invoice(with_pdf=False).lines[1]
        self.assertEqual((discount_line.quantity, discount_line.unit_price), (Decimal("1.0000"), Decimal("-150.000000")))

    def test_several_vat_rates_on_one_invoice(self):
        move = self.invoice([{"price_unit": 1234.56, "taxes": self.tax_20},
                             {"price_unit": 789.01, "taxes": self.tax_10},
                             {"quantity": 3, "price_unit": 41.17, "taxes": self.tax_5_5},
                             {"price_unit": 100.0, "taxes": self.tax_group_20}])
        body = self.deposit(move)
        self.assertDepositedAsBooked(move, body)
        self.assertEqual(set(self.deposited_vat_per_rate(body)), {Decimal("20.00"), Decimal("10.00"), Decimal("5.50")})
        self.assertDataEntryConsistent(move)

    def test_group_of_two_vat_rates_refused_clearly(self):
        """10 % + 5,5 % on one line: once deposited as 0 %, now refused, saying why and what to do."""
        move = self.invoice([{"price_unit": 1000.0, "taxes": self.tax_group_10_5_5}], post=False)
        self.assertRefusedAtPosting(move, "plusieurs taux de TVA", "10.00 %", "5.50 %", "une ligne par taux")

    def test_fixed_amount_tax_refused_clearly(self):
        move = self.invoice([{"price_unit": 500.0, "taxes": self.tax_20 | self.tax_fixed}], post=False)
        self.assertRefusedAtPosting(move, "Éco-participation (test)", "montant fixe")

    def test_cash_rounding_on_the_tax(self):
        rounding = self.env["account.cash.rounding"].create({
            "name": "0,10 € sur la TVA", "rounding": 0.10, "strategy": "biggest_tax", "rounding_method": "HALF-UP"})
        move = self.invoice([{"price_unit": 1000.33, "taxes": self.tax_20}, {"price_unit": 10.01, "taxes": self.tax_10}],
                            invoice_cash_rounding_id=rounding.id)
        self.assertNotEqual(move.amount_tax, round(1000.33 * 0.2 + 10.01 * 0.1, 2), "the rounding is in the VAT")
        body = self.deposit(move)
        self.assertDepositedAsBooked(move, body)

    def test_cash_rounding_line_down_travels_as_global_discount(self):
        rounding = self.env["account.cash.rounding"].create({
            "name": "1 € vers le bas", "rounding": 1.0, "strategy": "add_invoice_line", "rounding_method": "DOWN",
            "profit_account_id": self.company_data["default_account_revenue"].id,
            "loss_account_id": self.company_data["default_account_expense"].id})
        move = self.invoice([{"price_unit": 1000.40, "taxes": self.tax_20}], invoice_cash_rounding_id=rounding.id)
        self.assertEqual(move.amount_total, 1200.0)
        body = self.deposit(move)
        totals = body["montantTotal"]
        self.assertEqual(totals["montantRemiseGlobaleTTC"], 0.48)
        self.assertEqual(totals["motifRemiseGlobaleTTC"], "Arrondi")
        self.assertDepositedAsBooked(move, body, untaxed=Decimal("1000.40"))

    def test_cash_rounding_line_up_refused_clearly(self):
        rounding = self.env["account.cash.rounding"].create({
            "name": "1 € vers le haut", "rounding": 1.0, "strategy": "add_invoice_line", "rounding_method": "UP",
            "profit_account_id": self.company_data["default_account_revenue"].id,
            "loss_account_id": self.company_data["default_account_expense"].id})
        move = self.invoice([{"price_unit": 1000.40, "taxes": self.tax_20}], invoice_cash_rounding_id=rounding.id,
                            post=False)
        self.assertRefusedAtPosting(move, "1 € vers le haut", "Modifier le montant des taxes")

    def test_zero_rate_with_its_exemption_reason(self):
        move = self.invoice([{"name": "Sous-traitance (autoliquidation)", "price_unit": 8000.0,
                              "taxes": self.tax_0_exempt}])
        body = self.deposit(move)
        self.assertEqual(body["references"]["typeTva"], "EXONERATION")
        self.assertEqual(body["references"]["motifExonerationTva"], "VATEX-EU-AE")
        self.assertDepositedAsBooked(move, body)
        self.assertEqual(self.deposited_vat_per_rate(body), {Decimal("0.00"): (Decimal("8000.00"), Decimal("0.00"))})

    def test_zero_rate_without_reason_refused_clearly(self):
        move = self.invoice([{"price_unit": 8000.0, "taxes": self.tax_0_bare}], post=False)
        self.assertRefusedAtPosting(move, "TVA 0 % sans motif (test)", "exonération")

    def test_vat_on_receipts_from_the_taxes(self):
        transition = self.env["account.account"].create({
            "code": "445799", "name": "TVA collectée en attente d'encaissement (test)",
            "account_type": "liability_current", "reconcile": True})
        on_payment = self.tax_20.copy({"name": "TVA 20 % sur encaissements (test)", "tax_exigibility": "on_payment",
                                       "cash_basis_transition_account_id": transition.id})
        move = self.invoice([{"price_unit": 1000.0, "taxes": on_payment}])
        body = self.deposit(move)
        self.assertEqual(body["references"]["typeTva"], "TVA_SUR_ENCAISSEMENT")
        self.assertDepositedAsBooked(move, body)

    def test_credit_note_with_price_included_tax(self):
        invoice = self.invoice([{"quantity": 3, "price_unit": 99.99, "taxes": self.tax_20_included}])
        self.run_sender()
        refund = self.invoice([{"quantity": 3, "price_unit": 99.99, "taxes": self.tax_20_included}],
                              move_type="out_refund", reversed_entry_id=invoice.id, post=True)
        body = self.deposit(refund)
        self.assertEqual(body["references"]["typeFacture"], "AVOIR")
        self.assertDepositedAsBooked(refund, body)
