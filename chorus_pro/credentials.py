"""How long the Chorus Pro and PISTE credentials last, written once.

- The technical account's password must be changed every 424 days (Chorus Pro rule, "bonnes pratiques" of the
  Chorus Pro community); only the structure's main manager can change it.  ``structures/v1/consulter`` on the
  supplier's structure gives its real expiry (``dateExpirationMotPasseCompteTech``): prefer it, and fall back
  on :func:`technical_password_expiry` from the day the password was changed.
- The PISTE client secret: regenerating it about every 3 months is a recommended practice; whether PISTE
  enforces an expiry is not verified.

The doctor, the reminders and the settings read these; nothing else states them.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

#: the technical account password must be changed every 424 days
TECHNICAL_PASSWORD_VALIDITY_DAYS = 424
#: recommended rotation of the PISTE client secret (not enforced as far as is known)
PISTE_SECRET_ROTATION_MONTHS = 3


def technical_password_expiry(changed_on: date) -> date:
    """The last day a technical password changed on ``changed_on`` may be used."""
    return changed_on + timedelta(days=TECHNICAL_PASSWORD_VALIDITY_DAYS)


def piste_secret_renewal(set_on: date) -> date:
    """When to regenerate a PISTE secret entered on ``set_on``: the same day, 3 months later (or the month's end)."""
    month_index = set_on.month - 1 + PISTE_SECRET_ROTATION_MONTHS
    year, month = set_on.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(set_on.day, calendar.monthrange(year, month)[1]))
