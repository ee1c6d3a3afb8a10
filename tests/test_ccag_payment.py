"""Payment deadline, moratory interest and indemnity, contest deadline (ccag_travaux.payment)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccag_travaux import InputError
from ccag_travaux.payment import (
    LATE_INTEREST_MARGIN,
    RECOVERY_INDEMNITY,
    EcbRates,
    Payment,
    contest_deadline,
    contest_reminder_date,
    days_late,
    half_year_start,
    late_interest,
    payment_due_date,
)

day = datetime.date
SHIPPED = EcbRates.shipped()

#: the ECB's decisions on the main refinancing operations rate from 2011 on (date of effect, percent), typed from
#: the ECB's key interest rates table (Banque de France copy up to October 2024) and the 2024-2025 press releases:
#: an independent transcription to check every row of the shipped half-year table against
ECB_DECISIONS = [
    (day(2011, 11, 9), D("1.25")), (day(2011, 12, 14), D("1.00")), (day(2012, 7, 11), D("0.75")),
    (day(2013, 5, 8), D("0.50")), (day(2013, 11, 13), D("0.25")), (day(2014, 6, 11), D("0.15")),
    (day(2014, 9, 10), D("0.05")), (day(2016, 3, 16), D("0.00")), (day(2022, 7, 27), D("0.50")),
    (day(2022, 9, 14), D("1.25")), (day(2022, 11, 2), D("2.00")), (day(2022, 12, 21), D("2.50")),
    (day(2023, 2, 8), D("3.00")), (day(2023, 3, 22), D("3.50")), (day(2023, 5, 10), D("3.75")),
    (day(2023, 6, 21), D("4.00")), (day(2023, 8, 2), D("4.25")), (day(2023, 9, 20), D("4.50")),
    (day(2024, 6, 12), D("4.25")), (day(2024, 9, 18), D("3.65")), (day(2024, 10, 23), D("3.40")),
    (day(2024, 12, 18), D("3.15")), (day(2025, 2, 5), D("2.90")), (day(2025, 3, 12), D("2.65")),
    (day(2025, 4, 23), D("2.40")), (day(2025, 6, 11), D("2.15")),
]


def in_force_on(when):
    return [(effect, rate) for effect, rate in ECB_DECISIONS if effect <= when][-1]


# -- the shipped table ------------------------------------------------------------------------------------
def test_shipped_table_covers_every_half_year_from_2012_without_gap():
    starts = sorted(SHIPPED.by_half_year)
    assert starts[0] == day(2012, 1, 1)
    expected, current = [], starts[0]
    while current <= starts[-1]:
        expected.append(current)
        current = day(current.year + (current.month == 7), 7 if current.month == 1 else 1, 1)
    assert starts == expected
    assert starts[-1] >= day(2026, 1, 1)


def test_shipped_table_is_the_rate_in_force_on_each_first_day_of_the_ecb_decisions():
    from ccag_travaux.payment import shipped_rates_text
    rows = [line.split(",") for line in shipped_rates_text().splitlines()
            if line and not line.startswith(("#", "semester_start"))]
    assert len(rows) == len(SHIPPED.by_half_year)
    for start, rate, since in rows:
        effect, decided = in_force_on(day.fromisoformat(start))
        assert (D(rate), day.fromisoformat(since)) == (decided, effect), start


@pytest.mark.parametrize(("due", "published"), [
    # marchespublicspme.com, "Le taux 2014 des intérêts moratoires connu": since 1 January 2014, ECB 0.25 %, 8.25 %
    (day(2014, 2, 10), D("8.25")),
    # marchespublicspme.com, fiche of 9 January 2017: the rate referring to the ECB is 8 % from 1 January 2017
    (day(2017, 3, 1), D("8.00")),
    # CAA Lyon, 8 December 2022, 21LY00560: "8 %, the ECB main refinancing rate being nil"
    (day(2021, 10, 4), D("8.00")),
    # aapasso.fr: from 1 January 2023 the rate "could go from 8 to 10 %" (ECB 2.00 % then); the ECB raised it to
    # 2.50 % on 21 December 2022, so the rate in force on 1 January 2023 gives 10.50 %
    (day(2023, 1, 20), D("10.50")),
])
def test_published_rates(due, published):
    assert late_interest(D("1000"), due, as_of=due + datetime.timedelta(days=10), rates=SHIPPED).rate == published


def test_the_rate_is_the_one_of_the_half_year_in_which_the_interest_starts_to_run():
    # aapasso.fr: delay expiring on 24 March -> the rate of 1 January; on 24 July -> the rate of 1 July
    march = late_interest(D("1000"), day(2025, 3, 24), as_of=day(2025, 8, 30), rates=SHIPPED)
    july = late_interest(D("1000"), day(2025, 7, 24), as_of=day(2025, 8, 30), rates=SHIPPED)
    assert (march.ecb_rate, march.rate) == (D("3.15"), D("11.15"))  # the whole delay at the January rate
    assert (july.ecb_rate, july.rate) == (D("2.15"), D("10.15"))
    # due on 30 June: the interest starts on 1 July, the second half-year's rate applies
    assert late_interest(D("1000"), day(2025, 6, 30), as_of=day(2025, 7, 5), rates=SHIPPED).rate == D("10.15")


def test_a_missing_half_year_is_an_error_naming_it():
    with pytest.raises(InputError) as caught:
        late_interest(D("1000"), day(2031, 8, 1), as_of=day(2031, 9, 1), rates=SHIPPED)
    assert caught.value.code == "ecb_rate_missing"
    assert caught.value.params == {"half_year": "2031-07-01"}


def test_rates_must_be_given_per_half_year():
    with pytest.raises(InputError, match="not the first day of a half-year"):
        EcbRates({day(2025, 3, 1): D("2.65")})
    with pytest.raises(InputError, match="given twice"):
        EcbRates.from_csv("semester_start,ecb_rate\n2025-01-01,3.15\n2025-01-01,3.15\n")
    with pytest.raises(InputError, match=r"rates\[1\]"):
        EcbRates.from_csv("semester_start,ecb_rate\n2025-01-01,three\n")


# -- deadlines --------------------------------------------------------------------------------------------
def test_due_date_counts_the_delay_from_the_receipt():
    assert payment_due_date(day(2026, 1, 15), 30) == day(2026, 2, 14)
    assert payment_due_date(day(2026, 1, 15), 50) == day(2026, 3, 6)
    assert payment_due_date(day(2026, 1, 15), 60) == day(2026, 3, 16)
    assert payment_due_date(day(2026, 1, 15), 30, suspended_days=12) == day(2026, 2, 26)
    with pytest.raises(InputError):
        payment_due_date(day(2026, 1, 15), 0)


def test_days_late_run_from_the_day_after_the_due_date_to_the_payment_included():
    assert days_late(day(2026, 2, 14), day(2026, 2, 14)) == 0
    assert days_late(day(2026, 2, 14), day(2026, 2, 15)) == 1
    assert days_late(day(2026, 2, 14), day(2026, 3, 16)) == 30
    assert days_late(day(2026, 2, 14), day(2026, 1, 30)) == 0


def test_contest_deadline_is_thirty_days_from_the_notification():
    assert contest_deadline(day(2026, 3, 10)) == day(2026, 4, 9)
    assert contest_deadline(day(2026, 12, 15)) == day(2027, 1, 14)


def test_contest_reminder_five_days_before_the_deadline_never_after_it():
    deadline = day(2026, 4, 9)
    assert contest_reminder_date(deadline, today=day(2026, 3, 10)) == day(2026, 4, 4)
    assert contest_reminder_date(deadline, today=day(2026, 4, 6)) == day(2026, 4, 6), "late: today, not in the past"
    assert contest_reminder_date(deadline, today=deadline) == deadline, "the last day still counts"
    assert contest_reminder_date(deadline, today=day(2026, 4, 10)) is None, "too late to contest"


def test_half_year_start():
    assert half_year_start(day(2026, 6, 30)) == day(2026, 1, 1)
    assert half_year_start(day(2026, 7, 1)) == day(2026, 7, 1)


# -- interest ---------------------------------------------------------------------------------------------
def test_worked_example_paid_late():
    """A situation of 120,000.00 € to pay, received by the MOE on 12 February 2025, 30-day delay: due on
    14 March 2025, paid on 28 April 2025. 45 days at 3.15 + 8 = 11.15 %:
    120,000 × 11.15 % × 45 / 365 = 1,649.5890… → 1,649.59 €, plus 40 €."""
    due = payment_due_date(day(2025, 2, 12), 30)
    assert due == day(2025, 3, 14)
    result = late_interest(D("120000.00"), due, as_of=day(2025, 6, 1),
                           payments=[Payment(day(2025, 4, 28), D("120000.00"))], rates=SHIPPED)
    assert (result.days_late, result.interest_start, result.rate) == (45, day(2025, 3, 15), D("11.15"))
    assert result.interest == D("1649.59")
    assert result.indemnity == RECOVERY_INDEMNITY == D("40.00")
    assert result.total == D("1689.59")
    assert result.unpaid == 0


def test_unpaid_past_due_runs_to_the_given_day():
    result = late_interest(D("10000.00"), day(2025, 9, 30), as_of=day(2025, 12, 29), rates=SHIPPED)
    # 90 days at 10.15 %: 10,000 × 0.1015 × 90 / 365 = 250.273… → 250.27
    assert (result.days_late, result.interest, result.unpaid) == (90, D("250.27"), D("10000.00"))
    assert result.parts[0].paid_on is None


def test_partial_payments_each_bear_their_own_delay():
    # 6,000 paid 10 days late, 4,000 still unpaid 40 days after the due date, at 10.15 %
    result = late_interest(D("10000.00"), day(2025, 9, 30), as_of=day(2025, 11, 9), rates=SHIPPED,
                           payments=[Payment(day(2025, 10, 10), D("6000.00"))])
    expected = (D("6000") * D("0.1015") * 10 + D("4000") * D("0.1015") * 40) / 365  # 16.684… + 44.493… = 61.178…
    assert result.interest == expected.quantize(D("0.01")) == D("61.18")  # rounded once, not per part
    assert [(part.amount, part.days) for part in result.parts] == [(D("6000.00"), 10), (D("4000.00"), 40)]
    assert result.days_late == 40


def test_rounding_is_half_up_to_the_cent():
    # 1,825 € one day at 10.15 %: 1825 × 0.1015 / 365 = 0.5075 -> 0.51
    assert late_interest(D("1825"), day(2025, 9, 30), as_of=day(2025, 10, 1), rates=SHIPPED).interest == D("0.51")
    # exactly half a cent: 22.8125 € one day at 8 % (2021): 22.8125 × 0.08 / 365 = 0.005 -> 0.01 (half up;
    # half-even would give 0.00)
    assert late_interest(D("22.8125"), day(2021, 3, 1), as_of=day(2021, 3, 2), rates=SHIPPED).interest == D("0.01")


def test_paid_in_time_owes_nothing_and_needs_no_rate():
    result = late_interest(D("5000"), day(2040, 1, 10), as_of=day(2040, 2, 1), rates=EcbRates({}),
                           payments=[Payment(day(2040, 1, 10), D("5000"))])
    assert (result.interest, result.indemnity, result.days_late, result.rate) == (D("0.00"), D("0.00"), 0, None)


def test_negative_amount_is_refused():
    with pytest.raises(InputError) as caught:
        late_interest(D("-1"), day(2025, 1, 1), as_of=day(2025, 2, 1), rates=SHIPPED)
    assert caught.value.field == "amount"


# -- properties -------------------------------------------------------------------------------------------
amounts = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2)
due_dates = st.dates(min_value=day(2012, 1, 1), max_value=day(2025, 12, 31))
delays = st.integers(min_value=-60, max_value=800)
CHECKS = settings(max_examples=150, deadline=None, derandomize=True)


def _paid(amount, due, delay):
    paid_on = due + datetime.timedelta(days=delay)
    return late_interest(amount, due, as_of=paid_on + datetime.timedelta(days=5), rates=SHIPPED,
                         payments=[Payment(paid_on, amount)])


@CHECKS
@given(amounts, due_dates, delays)
def test_interest_is_never_negative(amount, due, delay):
    result = _paid(amount, due, delay)
    assert result.interest >= 0 and result.indemnity >= 0


@CHECKS
@given(amounts, due_dates, delays, st.integers(min_value=0, max_value=200))
def test_interest_grows_with_the_days_late(amount, due, delay, more):
    assert _paid(amount, due, delay + more).interest >= _paid(amount, due, delay).interest


@CHECKS
@given(amounts, due_dates, st.integers(min_value=-60, max_value=0))
def test_nothing_is_owed_when_paid_on_time(amount, due, delay):
    result = _paid(amount, due, delay)
    assert (result.interest, result.indemnity, result.days_late) == (0, 0, 0)


@CHECKS
@given(amounts.filter(lambda a: a > 0), due_dates, st.integers(min_value=1, max_value=800))
def test_late_payment_owes_the_indemnity_and_the_formula(amount, due, delay):
    result = _paid(amount, due, delay)
    assert result.indemnity == D("40.00")
    ecb = SHIPPED.ecb_rate(due + datetime.timedelta(days=1))
    assert result.rate == ecb + LATE_INTEREST_MARGIN
    assert abs(result.interest - amount * result.rate / 100 * delay / 365) <= D("0.005")


@CHECKS
@given(amounts, due_dates, st.integers(min_value=1, max_value=400), st.integers(min_value=0, max_value=100))
def test_paying_part_earlier_never_owes_more(amount, due, delay, percent):
    whole = _paid(amount, due, delay)
    early = (amount * percent / 100).quantize(D("0.01"))
    paid_on = due + datetime.timedelta(days=delay)
    split = late_interest(amount, due, as_of=paid_on, rates=SHIPPED,
                          payments=[Payment(due, early), Payment(paid_on, amount - early)])
    assert split.interest <= whole.interest
