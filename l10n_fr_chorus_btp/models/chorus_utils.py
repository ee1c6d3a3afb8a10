"""Small conversions between chorus_pro values and Odoo field values."""

from datetime import datetime, timezone


def naive_utc(value):
    """Odoo stores naive UTC datetimes; chorus_pro returns aware ones (or dates, or None)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
