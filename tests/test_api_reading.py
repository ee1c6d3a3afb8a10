"""Reading Chorus Pro's amounts: a JSON number keeps the figure it was written with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chorus_pro.api.reading import as_decimal


@pytest.mark.parametrize(("value", "expected"), [
    (1234.56, Decimal("1234.56")),  # not Decimal(1234.56), the binary float's 1234.559999…
    ("17500.00", Decimal("17500.00")),
    (0, Decimal("0")),
    (None, None), ("", None), (True, None), ("12,50", None), ({"montant": 1}, None),
])
def test_as_decimal(value, expected):
    result = as_decimal(value)
    assert result == expected and (result is None or str(result) == str(expected))
