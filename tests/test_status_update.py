"""The one rule for a status read again from Chorus Pro (chorus_pro.statuses.status_update)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chorus_pro.statuses import StatusUpdate, status_update

KNOWN = datetime(2026, 4, 2, 8, 30)  # naive UTC, as the ERP stores it
PARIS = timezone(timedelta(hours=2))


@pytest.mark.parametrize("known, new, new_date, expected", [
    # a newer step forward
    ("MISE_A_DISPOSITION", "SERVICE_FAIT", KNOWN + timedelta(days=1), StatusUpdate.APPLY),
    ("A_COMPLETER", "COMPLETEE", KNOWN + timedelta(hours=1), StatusUpdate.APPLY),
    ("A_VALIDER_MOE", "TRANSMISE_MOA", None, StatusUpdate.APPLY),
    # the same status again: only a new date is news
    ("SERVICE_FAIT", "SERVICE_FAIT", KNOWN, StatusUpdate.IGNORE),
    ("SERVICE_FAIT", "SERVICE_FAIT", None, StatusUpdate.IGNORE),
    ("SERVICE_FAIT", "SERVICE_FAIT", KNOWN + timedelta(minutes=5), StatusUpdate.APPLY),
    # older news is ignored, whatever it says
    ("MISE_EN_PAIEMENT", "SERVICE_FAIT", KNOWN - timedelta(days=3), StatusUpdate.IGNORE),
    ("A_COMPLETER", "COMPLETEE", KNOWN - timedelta(hours=1), StatusUpdate.IGNORE),
    ("MISE_A_DISPOSITION", "REJETEE", KNOWN - timedelta(days=1), StatusUpdate.APPLY),  # a later step: not old news
    ("DEPOSEE", "MISE_A_DISPOSITION", KNOWN - timedelta(seconds=2), StatusUpdate.APPLY),  # our stamp ran ahead
    # a newer earlier step: applied, and said
    ("MISE_EN_PAIEMENT", "SERVICE_FAIT", KNOWN + timedelta(days=1), StatusUpdate.BACKWARDS),
    ("REJETEE", "MISE_A_DISPOSITION", KNOWN + timedelta(days=1), StatusUpdate.BACKWARDS),
    ("MISE_A_DISPOSITION", "DEPOSEE", None, StatusUpdate.BACKWARDS),
    # nothing read
    ("SERVICE_FAIT", "", KNOWN + timedelta(days=1), StatusUpdate.IGNORE),
])
def test_status_update(known, new, new_date, expected):
    assert status_update(known, KNOWN, new, new_date) is expected


def test_dates_with_an_offset_are_compared_in_utc():
    # 10:29 in Paris (UTC+2) is 08:29 UTC: one minute before the status known
    assert status_update("MISE_EN_PAIEMENT", KNOWN, "SERVICE_FAIT",
                         datetime(2026, 4, 2, 10, 29, tzinfo=PARIS)) is StatusUpdate.IGNORE
    assert status_update("MISE_EN_PAIEMENT", KNOWN, "SERVICE_FAIT",
                         datetime(2026, 4, 2, 10, 31, tzinfo=PARIS)) is StatusUpdate.BACKWARDS


def test_a_first_status_is_applied():
    assert status_update("", None, "DEPOSEE", None) is StatusUpdate.APPLY
    assert status_update(None, None, "MISE_EN_PAIEMENT", KNOWN) is StatusUpdate.APPLY
