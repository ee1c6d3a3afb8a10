"""Totals of a document: a global discount (TTC) lowers the total, as Chorus Pro computes it."""

from datetime import date
from decimal import Decimal

import pytest

from chorus_pro.documents import DepositMode, Invoice, Line, Party, Totals, VatLine, validate_invoice
from chorus_pro.errors import DocumentValidationError


def invoice_with(totals: Totals) -> Invoice:
    return Invoice(
        number="FA-2026-0042", invoice_date=date(2026, 3, 15),
        supplier=Party(siret="81234567600017"), buyer=Party(siret="21720001300019"),
        lines=[Line(number=1, description="Travaux", quantity=Decimal("1"), unit_price=Decimal("1000.40"),
                    vat_rate=Decimal("20"))],
        vat_lines=[VatLine(rate=Decimal("20"), base=Decimal("1000.40"), amount=Decimal("200.08"))],
        totals=totals, bank_account_id=1)


def test_global_discount_lowers_the_total():
    validate_invoice(invoice_with(Totals(untaxed=Decimal("1000.40"), vat=Decimal("200.08"), total=Decimal("1200.00"),
                                         amount_due=Decimal("1200.00"), global_discount=Decimal("0.48"),
                                         global_discount_reason="Arrondi")), mode=DepositMode.DATA)


def test_total_must_account_for_the_global_discount():
    with pytest.raises(DocumentValidationError) as caught:
        validate_invoice(invoice_with(Totals(untaxed=Decimal("1000.40"), vat=Decimal("200.08"),
                                             total=Decimal("1200.48"), amount_due=Decimal("1200.48"),
                                             global_discount=Decimal("0.48"))), mode=DepositMode.DATA)
    assert [issue.field for issue in caught.value.issues] == ["totals.total"]
