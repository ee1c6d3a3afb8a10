"""Chorus Pro's dates: reading the dates and date-times of its answers, writing those of search criteria.

Chorus Pro's days are days in Paris (reference §3.4).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timezone
from datetime import time as day_time

_logger = logging.getLogger("chorus_pro")

try:
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # no time zone database: Chorus Pro's days are then taken in UTC
    PARIS = timezone.utc

_FRACTION = re.compile(r"\.(\d+)")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_datetime(value) -> datetime | None:
    """Read a Chorus Pro date or date-time; None when empty or unreadable.

    Accepts ``2025-03-04T10:12:00.000+01:00``, ``2016-12-28T08:31:19+01:00``,
    ``2016-10-25 17:42``, ``2025-03-04`` (midnight, naive), ``...Z`` and epoch
    milliseconds (number or digits; returned in Paris time).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        return _from_millis(value)
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d{9,}", text):
        return _from_millis(int(text))
    if len(text) > 10 and text[10] in " t":
        text = text[:10] + "T" + text[11:]
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _COMPACT_OFFSET.sub(r"\1:\2", text) if "T" in text else text
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        _logger.debug("unreadable Chorus Pro date %r", text[:40])
        return None


def parse_date(value) -> date | None:
    """The day of a Chorus Pro date or date-time (taken as it is written, offset ignored)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_datetime(value)
    return parsed.date() if parsed is not None else None


def _from_millis(value: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(value / 1000, tz=PARIS)
    except (OverflowError, OSError, ValueError):
        return None


def aware(value: datetime | None) -> datetime | None:
    """``value`` with a time zone: a naive date-time of Chorus Pro is in Paris time."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=PARIS)


def format_datetime(value, *, end_of_day: bool = False) -> str | None:
    """The date-time string Chorus Pro expects in search criteria (``periode…`` fields).

    A date becomes the start (or, with ``end_of_day``, the last millisecond) of that
    day in Paris time; a naive datetime is taken as UTC (as Odoo stores them).
    Example: ``2026-03-04T00:00:00.000+01:00``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, date):
        moment = datetime.combine(value, day_time(23, 59, 59, 999000) if end_of_day else day_time(0, 0), tzinfo=PARIS)
    else:
        raise TypeError(f"expected a date or datetime, got {type(value).__name__}")
    return moment.isoformat(timespec="milliseconds")
