"""Payment deadline and late-payment interest of a public contract (Code de la commande publique).

* The buyer pays within its payment delay (délai global de paiement: 30 days for the State and most buyers,
  50 for public health establishments, 60 at most; R2192-10 ff.), counted from the receipt of the payment
  request — for works, from the moment the projet de décompte is made available to the project manager on
  Chorus Pro. :func:`payment_due_date`.
* Paid late, or past due and unpaid, the buyer owes moratory interest without a claim: the ECB main
  refinancing operations rate in force on the first day of the calendar half-year in which the interest
  started to run, plus 8 points (R2192-31), on the amount paid late, for each day from the day after the due
  date up to the payment: ``amount × rate × days / 365``; plus a flat indemnity for recovery costs of 40 €
  (D2192-35). :func:`late_interest`, with the rates of :class:`EcbRates`.
* An amount corrected by the project manager may be contested within 30 days of its notification
  (:func:`contest_deadline`; the reminder before it: :func:`contest_reminder_date`).

The ECB rates ship with the package (``data/ecb_main_refinancing_rates.csv``, one row per half-year): no
network is needed, and a missing half-year is an error that says which rate to add, never a guess.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources

from .errors import InputError
from .rounding import CENT, ZERO

#: points added to the ECB rate (R2192-31)
LATE_INTEREST_MARGIN = Decimal("8")
#: flat indemnity for recovery costs, per document paid late (D2192-35)
RECOVERY_INDEMNITY = Decimal("40.00")
#: interest runs on a 365-day year, leap years included (the published formula: amount × rate × days / 365)
DAYS_IN_YEAR = Decimal("365")
#: the supplier contests an amount the project manager corrected within this many days of its notification
CONTEST_DAYS = 30
#: a reminder to send the contest this many days before its deadline (the add-on's choice, not a rule)
CONTEST_REMINDER_DAYS = 5
#: the shipped table of ECB rates, inside the package
SHIPPED_RATES = "data/ecb_main_refinancing_rates.csv"


def half_year_start(day: datetime.date) -> datetime.date:
    """1 January or 1 July: the first day of the calendar half-year of ``day``."""
    return datetime.date(day.year, 1 if day.month <= 6 else 7, 1)


@dataclass(frozen=True)
class EcbRates:
    """The ECB main refinancing operations rate (percent) in force on the first day of each half-year."""

    by_half_year: Mapping[datetime.date, Decimal] = field(default_factory=dict)

    def __post_init__(self):
        for start, rate in self.by_half_year.items():
            if start != half_year_start(start):
                raise InputError("rates", f"{start.isoformat()} is not the first day of a half-year: write the "
                                          "rate in force on 1 January or 1 July", "ecb_rate_not_half_year",
                                 {"date": start.isoformat()})
            if not isinstance(rate, Decimal) or not rate.is_finite():
                raise InputError("rates", f"the rate of {start.isoformat()} is not a number")

    def ecb_rate(self, day: datetime.date) -> Decimal:
        """The ECB rate of the half-year of ``day``; an :class:`InputError` naming the missing half-year."""
        start = half_year_start(day)
        if start not in self.by_half_year:
            raise InputError("rates", f"no ECB main refinancing rate for the half-year starting {start.isoformat()}: "
                                      "add the rate in force on that day", "ecb_rate_missing",
                             {"half_year": start.isoformat()})
        return self.by_half_year[start]

    @classmethod
    def from_csv(cls, text: str) -> EcbRates:
        """Rows ``semester_start,ecb_rate[,in_force_since]`` (ISO date, percent); ``#`` lines are comments."""
        return cls({row.half_year_start: row.ecb_rate for row in parse_rate_rows(text)})

    @classmethod
    def shipped(cls) -> EcbRates:
        """The table shipped with the package."""
        return cls.from_csv(shipped_rates_text())


@dataclass(frozen=True)
class RateRow:
    half_year_start: datetime.date
    ecb_rate: Decimal
    in_force_since: datetime.date | None


def parse_rate_rows(text: str) -> list[RateRow]:
    """The rows of a rate table in CSV (``semester_start,ecb_rate[,in_force_since]``, ``#`` for comments)."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    rows, seen = [], set()
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=1):
        try:
            start = datetime.date.fromisoformat(row["semester_start"].strip())
            rate = Decimal(row["ecb_rate"].strip())
            since = (row.get("in_force_since") or "").strip()
            since = datetime.date.fromisoformat(since) if since else None
        except (KeyError, AttributeError, ValueError, InvalidOperation):
            raise InputError(f"rates[{number}]", "write each row as semester_start,ecb_rate "
                                                 "(e.g. 2025-07-01,2.15)") from None
        if start in seen:
            raise InputError(f"rates[{number}]", f"{start.isoformat()} is given twice")
        seen.add(start)
        rows.append(RateRow(start, rate, since))
    return rows


def shipped_rates_text() -> str:
    return resources.files("ccag_travaux").joinpath(SHIPPED_RATES).read_text(encoding="utf-8")


def payment_due_date(receipt: datetime.date, delay_days: int, suspended_days: int = 0) -> datetime.date:
    """The last day of the payment delay: ``receipt`` + ``delay_days`` (+ the days the buyer suspended the
    delay, if it did: R2192-29 ff. allow one suspension, from the buyer's request for the missing documents to
    their receipt)."""
    if delay_days <= 0:
        raise InputError("payment_delay_days", f"{delay_days} is not a payment delay: give a number of days, "
                                               "e.g. 30", "payment_delay", {"days": str(delay_days)})
    if suspended_days < 0:
        raise InputError("suspended_days", "cannot be negative")
    return receipt + datetime.timedelta(days=delay_days + suspended_days)


def days_late(due_date: datetime.date, paid_on: datetime.date) -> int:
    """Days of interest: from the day after ``due_date`` up to ``paid_on`` included; 0 when paid in time."""
    return max((paid_on - due_date).days, 0)


def contest_deadline(notified_on: datetime.date) -> datetime.date:
    """The last day to contest an amount the project manager corrected (30 days from its notification)."""
    return notified_on + datetime.timedelta(days=CONTEST_DAYS)


def contest_reminder_date(deadline: datetime.date, today: datetime.date) -> datetime.date | None:
    """When to remind the supplier to send a contest due on ``deadline``: :data:`CONTEST_REMINDER_DAYS` days
    before it, today at the earliest, never after it; None when the deadline has passed (too late to contest)."""
    if today > deadline:
        return None
    return max(deadline - datetime.timedelta(days=CONTEST_REMINDER_DAYS), today)


@dataclass(frozen=True)
class Payment:
    date: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class LatePart:
    """A part of the amount and the days it was (or is still) late; ``paid_on`` None: unpaid at ``as_of``."""

    amount: Decimal
    paid_on: datetime.date | None
    days: int
    interest: Decimal  # unrounded


@dataclass(frozen=True)
class LateInterest:
    amount: Decimal
    due_date: datetime.date
    as_of: datetime.date
    parts: tuple[LatePart, ...]
    days_late: int  # the longest delay of any part
    interest_start: datetime.date | None  # the day after the due date, when late
    ecb_rate: Decimal | None  # percent, of the half-year of interest_start
    rate: Decimal | None  # percent: ecb_rate + 8 points
    interest: Decimal  # to the cent, half up
    indemnity: Decimal
    unpaid: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.indemnity

    @property
    def is_late(self) -> bool:
        return self.days_late > 0


def late_interest(amount: Decimal, due_date: datetime.date, *, as_of: datetime.date,
                  payments: Iterable[Payment] = (), rates: EcbRates | None = None) -> LateInterest:
    """Moratory interest and indemnity of one document of ``amount`` due on ``due_date``.

    Each payment settles the oldest part of the amount; a part paid after the due date bears interest for
    ``paid_on − due_date`` days; what is still unpaid on ``as_of`` bears it up to ``as_of`` (past due and
    unpaid). One rate for the whole delay, the one of the half-year in which the interest started to run. The
    interest is summed unrounded, then rounded once to the cent, half up. The indemnity is due once per
    document paid (or still unpaid) after its due date.
    """
    if amount < 0:
        raise InputError("amount", "the amount due cannot be negative", "late_amount", {"amount": str(amount)})
    parts, remaining = [], amount
    for payment in sorted(payments, key=lambda p: p.date):
        if payment.amount < 0:
            raise InputError("payments", "a payment cannot be negative")
        settled = min(payment.amount, remaining)
        if settled > 0:
            parts.append((settled, payment.date))
            remaining -= settled
    if remaining > 0:
        parts.append((remaining, None))
    late = max((days_late(due_date, paid_on or as_of) for _settled, paid_on in parts), default=0)
    ecb = rate = start = None
    if late:
        start = due_date + datetime.timedelta(days=1)
        ecb = (rates if rates is not None else EcbRates.shipped()).ecb_rate(start)
        rate = ecb + LATE_INTEREST_MARGIN
    figured = []
    for settled, paid_on in parts:
        days = days_late(due_date, paid_on or as_of)
        raw = settled * rate / 100 * days / DAYS_IN_YEAR if days else ZERO
        figured.append(LatePart(amount=settled, paid_on=paid_on, days=days, interest=raw))
    interest = sum((part.interest for part in figured), ZERO).quantize(CENT, rounding=ROUND_HALF_UP)
    return LateInterest(
        amount=amount, due_date=due_date, as_of=as_of, parts=tuple(figured), days_late=late, interest_start=start,
        ecb_rate=ecb, rate=rate, interest=interest, indemnity=RECOVERY_INDEMNITY if late else ZERO.quantize(CENT),
        unpaid=max(remaining, ZERO))
