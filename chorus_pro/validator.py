"""Our company as validator: the documents its direct-payment subcontractors (A9, A10, A11) and co-contractors
(A12, A13, A14) deposit on Chorus Pro name it as validator; it accepts or refuses each within the delay.

Facts used (reference ``chorus-pro-api.md`` §8.0, §12.2; ``btp-public-works-invoicing.md`` §5.5):

- the operations ``factures/v1/rechercher/aTraiter/valideur``, ``rechercher/valideur``, ``consulter/valideur``
  and ``traiter/factureAValider`` and their fields are the Swagger's [spec];
- the statuses ``A_VALIDER_1``, ``VALIDEE_1``, ``REFUSEE_1``, ``ABSENCE_VALIDATION_1_HORS_DELAI`` are the
  Swagger's enum; their meaning is read from their names [inferred];
- 15 days to answer, silence is acceptance [regulation, Communauté page on sub-contracting];
- the ``action`` values of ``traiter/factureAValider`` are NOT in the Swagger (a free string there):
  ``VALIDATION`` / ``REFUS`` are those of a public Go client (go-choruspro).  They are written once, in
  :data:`ACCEPT_ACTION` / :data:`REFUSE_ACTION`; ``chorus-pro probe`` or a qualification call confirms them.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

#: days the titulaire (or the mandataire) has to accept or refuse; silence past them is acceptance
VALIDATION_DELAY_DAYS = 15

#: ``traiter/factureAValider`` ``action`` values (UNVERIFIED: absent from the Swagger, see the module's text)
ACCEPT_ACTION = "VALIDATION"
REFUSE_ACTION = "REFUS"

#: the document waits for the first validator (us)
TO_VALIDATE_STATUSES = frozenset({"A_VALIDER_1"})
ACCEPTED_STATUSES = frozenset({"VALIDEE_1"})
REFUSED_STATUSES = frozenset({"REFUSEE_1"})
SILENCE_STATUSES = frozenset({"ABSENCE_VALIDATION_1_HORS_DELAI"})
#: before it reaches the validator, or sent back to the depositor for naming a wrong validator
NOT_YET_STATUSES = frozenset({"BROUILLON", "DEPOSEE", "ERREUR_FOURNISSEUR_SUR_VALIDEUR",
                              "ERREUR_COTRAITANT_SUR_VALIDEUR"})


class ValidationState(str, enum.Enum):
    """Where a document stands for its validator."""

    TO_VALIDATE = "to_validate"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    ACCEPTED_BY_SILENCE = "silence"
    #: not (or no longer) in the validator's hands: deposited only, or sent back to its depositor
    ELSEWHERE = "elsewhere"


def validation_state(status: str | None) -> ValidationState:
    """The validator's reading of a Chorus Pro status: any status past the validation (routing to the buyer,
    payment…) means the document was accepted."""
    status = status or ""
    if status in TO_VALIDATE_STATUSES:
        return ValidationState.TO_VALIDATE
    if status in REFUSED_STATUSES:
        return ValidationState.REFUSED
    if status in SILENCE_STATUSES:
        return ValidationState.ACCEPTED_BY_SILENCE
    if not status or status in NOT_YET_STATUSES:
        return ValidationState.ELSEWHERE
    return ValidationState.ACCEPTED


def validation_deadline(deposit_date: date) -> date:
    """The last day to accept or refuse a document received on ``deposit_date`` (calendar days)."""
    return deposit_date + timedelta(days=VALIDATION_DELAY_DAYS)
