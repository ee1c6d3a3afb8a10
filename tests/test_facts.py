"""Chorus Pro facts written once in chorus_pro: status classes, credential lifetimes, the reserved service."""

from datetime import date

import pytest

from chorus_pro import credentials
from chorus_pro.credentials import piste_secret_renewal, technical_password_expiry
from chorus_pro.results import PUBLIC_INVOICES_SERVICE, Service, is_selectable_service
from chorus_pro.simulator import seed
from chorus_pro.statuses import (
    ACTION_NEEDED_STATUSES,
    FOLLOW_UP_STATUSES,
    PAID_STATUSES,
    PAYMENT_STATUS,
    FollowUpAction,
    TransmissionState,
    follow_up_action,
    transmission_state,
)
from chorus_pro.transport import classify_auth_failure


# -- statuses and their classes --------------------------------------------------------------------
@pytest.mark.parametrize(("status", "action"), [
    ("SUSPENDUE", FollowUpAction.COMPLETE),
    ("A_COMPLETER", FollowUpAction.COMPLETE),
    ("A_RECYCLER", FollowUpAction.RECYCLE),
    ("ERREUR_FOURNISSEUR_SUR_VALIDEUR", FollowUpAction.CORRECT_VALIDATOR),
    ("ERREUR_COTRAITANT_SUR_VALIDEUR", FollowUpAction.CORRECT_VALIDATOR),
    ("REJETEE", None),
    ("MISE_A_DISPOSITION", None),
    ("", None),
    (None, None),
    ("STATUT_INCONNU", None),
])
def test_follow_up_action_of_a_status(status, action):
    assert follow_up_action(status) is action


def test_every_follow_up_status_needs_action_and_belongs_to_one_action():
    seen = [code for codes in FOLLOW_UP_STATUSES.values() for code in codes]
    assert len(seen) == len(set(seen))
    assert set(seen) <= ACTION_NEEDED_STATUSES
    assert all(transmission_state(code) is TransmissionState.ACTION_NEEDED for code in seen)
    assert PAYMENT_STATUS in PAID_STATUSES and transmission_state(PAYMENT_STATUS) is TransmissionState.PAID


# -- credential lifetimes --------------------------------------------------------------------------
def test_technical_password_lasts_424_days():
    assert credentials.TECHNICAL_PASSWORD_VALIDITY_DAYS == 424
    assert technical_password_expiry(date(2026, 1, 10)) == date(2027, 3, 10)
    assert technical_password_expiry(date(2027, 12, 31)) == date(2029, 2, 27)  # over 29 February 2028


@pytest.mark.parametrize(("entered", "renewal"), [
    (date(2026, 1, 15), date(2026, 4, 15)),
    (date(2026, 11, 30), date(2027, 2, 28)),  # to the end of a shorter month, across the year
    (date(2027, 11, 30), date(2028, 2, 29)),
    (date(2026, 10, 1), date(2027, 1, 1)),
])
def test_piste_secret_renewal_three_months_later(entered, renewal):
    assert piste_secret_renewal(entered) == renewal


def test_the_technical_account_error_states_the_rule():
    error = classify_auth_failure(401, '{"message": "cpro-account invalide"}', "factures")
    assert "424" in error.message_en and error.params["days"] == "424"


# -- the reserved service --------------------------------------------------------------------------
def test_public_invoices_service_is_never_selectable():
    assert PUBLIC_INVOICES_SERVICE == "FACTURES_PUBLIQUES"
    assert not is_selectable_service(PUBLIC_INVOICES_SERVICE)
    assert not is_selectable_service(" factures_publiques ")
    assert not is_selectable_service("SERV-TECH", active=False)
    assert is_selectable_service("SERV-TECH") and is_selectable_service("")
    assert not Service(1, PUBLIC_INVOICES_SERVICE, "Factures entre entités publiques").selectable
    # the simulator's buyers offer it, as real ones do
    assert PUBLIC_INVOICES_SERVICE in {s.code for s in seed.COMMUNE.services}
