"""Simulated time, and the date formats of the platform's answers.

The clock starts at the given instant, else at :func:`wall_clock` (the only
place the simulator reads the real time), and only moves when told to
(:meth:`SimulatedClock.advance`), so tests drive status changes without
waiting.  With ``realtime=True`` (demo server) it also follows real time, so
statuses move while a person watches.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta, timezone

try:
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # no tz database: Chorus Pro answers in winter time anyway
    PARIS = timezone(timedelta(hours=1))


def wall_clock() -> datetime:
    """The real current time in Paris, where a clock starts when no instant is given."""
    return datetime.now(PARIS)


class SimulatedClock:
    def __init__(self, start: datetime | None = None, *, realtime: bool = False):
        start = start or wall_clock()
        if start.tzinfo is None:
            start = start.replace(tzinfo=PARIS)
        self._start = start.astimezone(PARIS).replace(microsecond=(start.microsecond // 1000) * 1000)
        self._offset = 0.0
        self._realtime = realtime
        self._mono0 = time.monotonic()
        self._lock = threading.Lock()

    @property
    def realtime(self) -> bool:
        return self._realtime

    def now(self) -> datetime:
        with self._lock:
            seconds = self._offset + (time.monotonic() - self._mono0 if self._realtime else 0.0)
        return (self._start + timedelta(seconds=seconds)).astimezone(PARIS)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("simulated time only moves forward")
        with self._lock:
            self._offset += float(seconds)
        return self.now()


def fmt_datetime(value: datetime | None) -> str | None:
    """``2025-03-04T10:12:00.000+01:00`` like the platform."""
    if value is None:
        return None
    value = value.astimezone(PARIS)
    text = value.strftime("%Y-%m-%dT%H:%M:%S") + ".%03d" % (value.microsecond // 1000)
    offset = value.strftime("%z")
    return text + offset[:3] + ":" + offset[3:]


def fmt_date(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.isoformat()


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_input_datetime(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse a date or date-time sent by a client (lenient like the platform).

    A date alone means the start of that day, or its end when ``end_of_day``
    (upper bounds of search periods include the whole day).
    Raises ``ValueError`` when the text is not a date.
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        day = date.fromisoformat(text)
        moment = datetime(day.year, day.month, day.day, tzinfo=PARIS)
        return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
    normalized = text.replace(" ", "T", 1)
    if normalized.endswith("Z"):
        normalized = normalized[:-1] + "+00:00"
    # Python 3.10 fromisoformat does not accept "+0100"
    normalized = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normalized)
    moment = datetime.fromisoformat(normalized)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment
