"""Properties of the situation chain, checked on generated markets and months (Hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from ccag_builders import chain, lump_sum_market, month
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccag_travaux import (
    COEFFICIENT_ROUNDING_PRESETS,
    Advance,
    Basis,
    BillLine,
    IndexTerm,
    LineProgress,
    MarketTerms,
    MonthMeasures,
    PriceBasis,
    PriceVariation,
    Retention,
    RetentionRounding,
    advance_repaid_to_date,
    cents,
    compute_situation,
)
from ccag_travaux.jsonio import parse_previous, to_jsonable

CHECKS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

money = st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2)
percent = st.decimals(min_value=D(0), max_value=D(130), places=3)
index_value = st.decimals(min_value=D("80"), max_value=D("160"), places=1)


@st.composite
def markets(draw):
    count = draw(st.integers(1, 4))
    lines = tuple(BillLine(code=f"L{n}", lot=f"0{n % 2 + 1}", unit="u",
                           quantity=draw(st.decimals(min_value=D(1), max_value=D(500), places=2)),
                           unit_price_ht=draw(money), vat_rate=draw(st.sampled_from([D("0.20"), D("0.10"), D("0.055")])))
                  for n in range(count))
    amount = cents(sum((line.amount_ht for line in lines), D(0)))
    start = draw(st.decimals(min_value=D(0), max_value=D("0.7"), places=2))
    end = draw(st.decimals(min_value=start + D("0.05"), max_value=D(1), places=2))
    rounding = draw(st.sampled_from(sorted(COEFFICIENT_ROUNDING_PRESETS)))
    return MarketTerms(
        market_number="P", amount_ht=amount, vat_rate=D("0.20"), lines=lines,
        price_basis=PriceBasis.REVISABLE,
        price_variation=PriceVariation(fixed_part=D("0.125"), indices=(IndexTerm("BT01", D("0.875"), D(100)),),
                                       base_month="2023-12",
                                       coefficient_rounding=COEFFICIENT_ROUNDING_PRESETS[rounding]),
        advance=Advance(amount=cents(amount * draw(st.decimals(min_value=D("0.05"), max_value=D("0.30"), places=2))),
                        start_threshold=start, end_threshold=end),
        retention=Retention(rate=draw(st.sampled_from([D("0.05"), D("0.03"), D(0)])),
                            include_variation=draw(st.booleans()),
                            rounding=draw(st.sampled_from(list(RetentionRounding)))))


def month_text(number):
    return f"{2024 + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}"


@st.composite
def months(draw, terms, count):
    measures = []
    for number in range(1, count + 1):
        progress = tuple(LineProgress(line.code, percent=draw(percent)) for line in terms.lines
                         if draw(st.booleans()))
        published = draw(st.booleans())  # else the provisional coefficient applies
        table = {month_text(number - 1) if number > 1 else "2023-12": draw(index_value)}
        if published:
            table[month_text(number)] = draw(index_value)
        measures.append(MonthMeasures(number, month_text(number), progress=progress, indices={"BT01": table}))
    return measures


@st.composite
def histories(draw, min_months=1, max_months=10):
    terms = draw(markets())
    return terms, draw(months(terms, draw(st.integers(min_months, max_months))))


@CHECKS
@given(histories())
def test_periods_add_up_to_the_cumulative(history):
    terms, measures = history
    situations = chain(terms, measures)
    last = situations[-1]
    assert sum(s.works_period_ht for s in situations) == last.works_cumulative_ht
    for index, line in enumerate(last.lines):
        assert sum(s.lines[index].period_ht for s in situations) == line.cumulative_ht
    assert sum(s.advance.period_repayment for s in situations) == last.advance.repaid_to_date
    assert sum(s.retention.period_retention for s in situations) == last.retention.cumulative_retention
    assert sum(s.total_ttc for s in situations) == last.carry_forward().ttc_cumulative
    assert sum(s.amount_to_pay for s in situations) == last.carry_forward().paid_cumulative


@CHECKS
@given(histories())
def test_avance_never_over_repaid_and_complete_past_the_end(history):
    """The schedule is the formula's; what is repaid follows it, except when the sums due on an acompte are
    smaller than its share: then everything due goes to the avance (nothing to pay) and the next acomptes
    catch up."""
    terms, measures = history
    advance = terms.advance
    for situation in chain(terms, measures):
        figure = situation.advance
        assert 0 <= figure.repaid_to_date <= advance.amount
        assert figure.scheduled_to_date == advance_repaid_to_date(advance.amount, figure.execution_ratio,
                                                                  advance.start_threshold, advance.end_threshold)
        if figure.repaid_to_date != figure.scheduled_to_date:
            assert figure.period_repayment >= 0 and figure.repaid_to_date < figure.scheduled_to_date
            assert situation.amount_to_pay == 0, "a capped month pays everything due to the avance"
        if figure.execution_ratio >= advance.end_threshold:
            assert figure.scheduled_to_date == advance.amount
            assert figure.repaid_to_date == advance.amount or situation.amount_to_pay == 0
        if figure.execution_ratio <= advance.start_threshold:
            assert figure.scheduled_to_date == 0


@CHECKS
@given(st.decimals(min_value=D(0), max_value=D(10_000_000), places=2),
       st.lists(st.decimals(min_value=D(0), max_value=D("1.5"), places=4), min_size=1, max_size=12),
       st.decimals(min_value=D(0), max_value=D("0.9"), places=2), st.decimals(min_value=D("0.01"), max_value=D("0.5"),
                                                                              places=2))
def test_avance_schedule_whichever_month_crosses_which_threshold(amount, ratios, start, width):
    """A chain of situations whose execution goes up or down and crosses the thresholds in any month (one month
    may cross both): what is repaid to date is the schedule worked out here by hand (nothing up to the start
    threshold, the whole avance from the end threshold when the repayment is not capped, the straight line
    between), and the months' repayments add up to it."""
    end = min(start + width, D(1))
    terms = lump_sum_market("1000000.00", advance=Advance(amount=amount, start_threshold=start, end_threshold=end,
                                                          execution_basis=Basis.HT, cap_to_amount_due=False))
    situations = chain(terms, [month(number, ratio * 100) for number, ratio in enumerate(ratios, 1)])
    for number, (ratio, situation) in enumerate(zip(ratios, situations, strict=True), 1):
        figure = situation.advance
        assert figure.execution_ratio == ratio  # 1 000 000.00 × a ratio of 4 places: whole cents
        if ratio <= start:
            expected = D(0)
        elif ratio >= end:
            expected = amount
        else:
            expected = (amount * (ratio - start) / (end - start)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert figure.repaid_to_date == expected
        assert sum(s.advance.period_repayment for s in situations[:number]) == figure.repaid_to_date
        assert figure.remaining == amount - expected


@CHECKS
@given(histories())
def test_retention_is_its_rate_times_its_base(history):
    terms, measures = history
    rate = terms.retention.rate
    for situation in chain(terms, measures):
        figure = situation.retention
        if terms.retention.rounding is RetentionRounding.CUMULATIVE:
            assert figure.cumulative_retention == cents(rate * figure.cumulative_withheld_base)
        else:
            assert figure.period_retention == cents(rate * figure.period_withheld_base)
        assert abs(figure.period_retention - rate * figure.period_withheld_base) <= D("0.01")


@CHECKS
@given(histories(min_months=2, max_months=6))
def test_a_situation_recomputed_from_its_own_inputs_is_the_same(history):
    terms, measures = history
    situations = chain(terms, measures)
    stored = to_jsonable(situations[-2].carry_forward())  # what the caller keeps, as JSON
    again = compute_situation(terms, measures[-1], parse_previous(stored))
    assert to_jsonable(again) == to_jsonable(situations[-1])


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(histories(min_months=36, max_months=36))
def test_no_rounding_drift_over_36_months(history):
    terms, measures = history
    situations = chain(terms, measures)
    carry = situations[-1].carry_forward()
    assert len(situations) == 36
    assert sum(s.initial_prices_period_ht for s in situations) == carry.initial_prices_cumulative_ht
    assert sum(s.variation_period_ht for s in situations) == carry.variation_cumulative_ht
    assert sum(s.retention.period_retention for s in situations) == carry.retention_cumulative
    if terms.retention.rounding is RetentionRounding.CUMULATIVE:
        assert carry.retention_cumulative == cents(terms.retention.rate * carry.retention_base_cumulative)
    assert carry.paid_cumulative == (carry.ttc_cumulative - carry.retention_cumulative
                                     - carry.advance_deducted_cumulative - carry.penalties_cumulative
                                     - carry.direct_payments_cumulative)
