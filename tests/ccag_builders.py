"""Small builders for the ccag_travaux tests: a market, a month, a chain of months."""

from __future__ import annotations

from decimal import Decimal as D

from ccag_travaux import (
    BillLine,
    LineProgress,
    MarketTerms,
    MonthMeasures,
    compute_situation,
)


def lump_sum_market(amount_ht="100000.00", vat_rate="0.20", **changes) -> MarketTerms:
    """One lump-sum line worth the whole market."""
    line = BillLine(code="L1", lot="01", unit="ens", quantity=D(1), unit_price_ht=D(amount_ht), vat_rate=D(vat_rate))
    values = dict(market_number="M-TEST", amount_ht=D(amount_ht), vat_rate=D(vat_rate), lines=(line,))
    values.update(changes)
    return MarketTerms(**values)


def month(number: int, percent=None, *, code="L1", year=2026, **changes) -> MonthMeasures:
    progress = () if percent is None else (LineProgress(code, percent=D(str(percent))),)
    month_text = f"{year + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}"
    values = dict(number=number, month=month_text, progress=progress)
    values.update(changes)
    return MonthMeasures(**values)


def chain(terms: MarketTerms, measures_list, previous=None):
    """Compute the months in order; return the list of situations."""
    situations = []
    for measures in measures_list:
        situation = compute_situation(terms, measures, previous)
        situations.append(situation)
        previous = situation.carry_forward()
    return situations
