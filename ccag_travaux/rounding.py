"""Money and coefficient rounding, and the month arithmetic of index tables.

Money is rounded to the cent, half up, at each step that produces a figure of the
document. Coefficients are rounded by the rule the contract names
(:class:`CoefficientRounding`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .errors import InputError

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


def cents(value: Decimal) -> Decimal:
    """To the cent, half up (0.005 -> 0.01, -0.005 -> -0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CoefficientRounding:
    """How the contract rounds a price-variation coefficient.

    ``places`` decimals; ``mode`` is ``half_up`` (nearest, ties up), ``up`` (towards the
    higher value: "arrondi au millième supérieur") or ``down`` (truncation of a positive
    coefficient). ``places=None`` keeps the coefficient unrounded.
    """

    places: int | None = 6
    mode: str = "half_up"

    def __post_init__(self):
        if self.mode not in ROUNDING_MODES:
            raise InputError("coefficient_rounding.mode", f"'{self.mode}' is not one of {', '.join(ROUNDING_MODES)}")
        if self.places is not None and not 0 <= self.places <= 12:
            raise InputError("coefficient_rounding.places", "must be between 0 and 12 (or null for no rounding)")

    def apply(self, value: Decimal) -> Decimal:
        if self.places is None:
            return value
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=ROUNDING_MODES[self.mode])


#: The rules most contracts use, by the names the JSON input may give instead of an object.
COEFFICIENT_ROUNDING_PRESETS = {
    "thousandth_up": CoefficientRounding(3, "up"),
    "3_half_up": CoefficientRounding(3, "half_up"),
    "4_half_up": CoefficientRounding(4, "half_up"),
    "6_half_up": CoefficientRounding(6, "half_up"),
    "6_down": CoefficientRounding(6, "down"),
    "none": CoefficientRounding(None, "half_up"),
}


def parse_month(text: str, field: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in text.split("-"))
        if len(text) != 7 or not 1 <= month <= 12:
            raise ValueError
    except (ValueError, AttributeError):
        raise InputError(field, f"'{text}' is not a month: write it YYYY-MM, e.g. 2026-03", "not_a_month",
                         {"value": str(text)}) from None
    return year, month


def shift_month(month: str, delta: int) -> str:
    year, number = parse_month(month, "month")
    index = year * 12 + (number - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, or the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - datetime.timedelta(days=1)).day
    return datetime.date(year, month, min(day.day, last_day))
