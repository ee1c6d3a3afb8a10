"""Chorus Pro statuses, with the French words of the Chorus Pro portal, and their classes.

Unknown codes are never an error: Chorus Pro adds statuses over time, so
every function here accepts any string and falls back to the raw code.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone


class TransmissionState(str, enum.Enum):
    """Where an invoice stands, seen from the supplier's ERP."""

    NOT_CONCERNED = "not_concerned"
    TO_SEND = "to_send"
    SENDING = "sending"
    DEPOSITED = "deposited"
    IN_PROGRESS = "in_progress"
    ACTION_NEEDED = "action_needed"
    PAID = "paid"
    REJECTED = "rejected"
    ERROR = "error"


# -- invoice ("demande de paiement") statuses ---------------------------------------------
INVOICE_STATUS_LABELS = {
    "BROUILLON": "Brouillon",
    "INTERPRETEE_OCR": "Interprétée OCR",
    "DEPOSEE": "Déposée",
    "EN_COURS_ACHEMINEMENT": "En cours d'acheminement",
    "MISE_A_DISPOSITION": "Mise à disposition",
    "PRISE_EN_COMPTE_DESTINATAIRE": "Prise en compte par le destinataire",
    "SUSPENDUE": "Suspendue",
    "A_COMPLETER": "À compléter",
    "COMPLETEE": "Complétée",
    "A_RECYCLER": "À recycler",
    "REJETEE": "Rejetée",
    "SERVICE_FAIT": "Service fait",
    "MANDATEE": "Mandatée",
    "MISE_EN_PAIEMENT": "Mise en paiement",
    "COMPTABILISEE": "Comptabilisée",
    "MISE_A_DISPOSITION_COMPTABLE": "Mise à disposition du comptable",
    "ABANDONNEE": "Abandonnée",
    "SUPPRIMEE": "Supprimée",
    "NON_CONFORME": "Non conforme",
    # validation circuit of sub-contractor and co-contractor invoices (A9, A12)
    "A_VALIDER_1": "À valider par le valideur 1",
    "VALIDEE_1": "Validée par le valideur 1",
    "REFUSEE_1": "Refusée par le valideur 1",
    "ABSENCE_VALIDATION_1_HORS_DELAI": "Absence de validation 1 dans les délais",
    "A_VALIDER_2": "À valider par le valideur 2",
    "VALIDEE_2": "Validée par le valideur 2",
    "REFUSEE_2": "Refusée par le valideur 2",
    "ABSENCE_VALIDATION_2_HORS_DELAI": "Absence de validation 2 dans les délais",
    "ERREUR_FOURNISSEUR_SUR_VALIDEUR": "Erreur du fournisseur sur le valideur",
    "ERREUR_COTRAITANT_SUR_VALIDEUR": "Erreur du cotraitant sur le valideur",
}

# -- works ("factures de travaux") statuses -----------------------------------------------
class WorksStatus(tuple):
    """``(english, french, state)`` of one works status: the single table the CLI, the sync and the UI read."""

    __slots__ = ()

    def __new__(cls, english: str, french: str, state: TransmissionState):
        return super().__new__(cls, (english, french, state))

    english = property(lambda self: self[0])
    french = property(lambda self: self[1])
    state = property(lambda self: self[2])


_IN, _ACT, _REJ = TransmissionState.IN_PROGRESS, TransmissionState.ACTION_NEEDED, TransmissionState.REJECTED
#: every works status of the 2020 enum (meanings UNVERIFIED, reference §12.3).  The state is the supplier's view:
#: ``ASSOCIEE`` means the next piece of the billing file (the MOE's état d'acompte, the MOA's piece) carries on.
WORKS_STATUSES = {
    "A_VALIDER_MOE": WorksStatus("Awaiting the project manager (MOE)", "À valider par la MOE", _IN),
    "MISE_A_DISPOSITION_MOE": WorksStatus("Made available to the MOE", "Mise à disposition de la MOE", _IN),
    "PRISE_EN_COMPTE_MOE": WorksStatus("Taken in by the MOE", "Prise en compte par la MOE", _IN),
    "REFUSEE_MOE": WorksStatus("Refused by the MOE", "Refusée par la MOE", _REJ),
    "A_ASSOCIER_MOE": WorksStatus("The MOE is preparing its état d'acompte", "À associer par la MOE", _IN),
    "ERREUR_DE_MOE": WorksStatus("Error of the MOE", "Erreur de la MOE", _IN),
    "ERREUR_FOURNISSEUR_SUR_MOE": WorksStatus("Wrong MOE named by the supplier", "Erreur du fournisseur sur la MOE",
                                              _ACT),
    "ERREUR_FOURNISSEUR_SUR_MOA": WorksStatus("Wrong MOA named by the supplier", "Erreur du fournisseur sur la MOA",
                                              _ACT),
    "ERREUR_MOE_SUR_MOA": WorksStatus("Wrong MOA named by the MOE", "Erreur de la MOE sur la MOA", _IN),
    "ERREUR_MOE_SUR_FOURNISSEUR": WorksStatus("The MOE reports an error of the supplier",
                                              "Erreur de la MOE sur le fournisseur", _ACT),
    "ERREUR_MOA_SUR_FOURNISSEUR": WorksStatus("The MOA reports an error of the supplier",
                                              "Erreur de la MOA sur le fournisseur", _ACT),
    "TRANSMISE_MOA": WorksStatus("Sent to the contracting authority (MOA)", "Transmise à la MOA", _IN),
    "MISE_A_DISPOSITION_MOA": WorksStatus("Made available to the MOA", "Mise à disposition de la MOA", _IN),
    "PRISE_EN_COMPTE_MOA": WorksStatus("Taken in by the MOA", "Prise en compte par la MOA", _IN),
    "A_ASSOCIER_MOA": WorksStatus("The MOA is preparing its piece", "À associer par la MOA", _IN),
    "REFUSEE_MOA": WorksStatus("Refused by the MOA", "Refusée par la MOA", _REJ),
    "ERREUR_DE_MOA": WorksStatus("Error of the MOA", "Erreur de la MOA", _IN),
    "A_ASSOCIER_FOURNISSEUR": WorksStatus("The supplier must deposit the next piece", "À associer par le fournisseur",
                                          _ACT),
    "REFUSEE_FOURNISSEUR": WorksStatus("Refused by the supplier", "Refusée par le fournisseur", _IN),
    "ASSOCIEE": WorksStatus("Followed by its next piece", "Associée", _IN),
    "EN_ATTENTE_RECYCLAGE_FOURNISSEUR": WorksStatus("Waiting for the supplier to recycle",
                                                    "En attente de recyclage par le fournisseur", _ACT),
    "REMPLACEE_PAR_A22": WorksStatus("Replaced by a tacit final general statement draft (A22)",
                                     "Remplacée par un projet de décompte général (A22)", _IN),
    "DUPLIQUE_APRES_REFUS": WorksStatus("Duplicated after a refusal", "Dupliquée après refus", _IN),
    "ERREUR_DESTINATAIRE_PD": WorksStatus("Recipient error on the statement draft",
                                          "Erreur du destinataire sur le projet de décompte", _IN),
    "ERREUR_DESTINATAIRE_EA": WorksStatus("Recipient error on the état d'acompte",
                                          "Erreur du destinataire sur l'état d'acompte", _IN),
    "EN_COURS_TRAITEMENT_PIVOT_S": WorksStatus("Being processed", "En cours de traitement", _IN),
    "TECHNIQUE_INCONNU": WorksStatus("Unknown technical status", "Statut technique inconnu", _IN),
}
WORKS_STATUS_LABELS = {code: status.french for code, status in WORKS_STATUSES.items()}
#: a works piece with this status has a next piece in its billing file (read it with the detail call)
WORKS_FOLLOWED_BY_NEXT_PIECE = frozenset({"ASSOCIEE"})

# -- flow ("flux") statuses --------------------------------------------------------------
FLOW_STATUS_LABELS = {
    "IN_RECU": "Reçu",
    "IN_TRAITE_SE_CPP": "Traité par le système d'échange",
    "IN_EN_ATTENTE_TRAITEMENT_CPP": "En attente de traitement",
    "IN_EN_COURS_TRAITEMENT_CPP": "En cours de traitement",
    "IN_EN_ATTENTE_RETRAITEMENT_CPP": "En attente de retraitement",
    "IN_INTEGRE": "Intégré",
    "IN_INTEGRE_PARTIEL": "Intégré partiellement",
    "IN_REJETE": "Rejeté",
    "IN_INCIDENTE": "Incidenté",
}
FLOW_TERMINAL_STATUSES = frozenset({"IN_INTEGRE", "IN_INTEGRE_PARTIEL", "IN_REJETE", "IN_INCIDENTE"})
FLOW_INTEGRATED_STATUSES = frozenset({"IN_INTEGRE", "IN_INTEGRE_PARTIEL"})


# -- classes of statuses -----------------------------------------------------------------
class FollowUpAction(str, enum.Enum):
    """What the supplier does on Chorus Pro about a status, through the API."""

    COMPLETE = "complete"  # factures/v1/completer
    RECYCLE = "recycle"  # factures/v1/recycler
    CORRECT_VALIDATOR = "correct_validator"  # factures/v1/corriger/valideur


#: the statuses each follow-up action answers (and is allowed on)
FOLLOW_UP_STATUSES = {
    FollowUpAction.COMPLETE: frozenset({"SUSPENDUE", "A_COMPLETER"}),
    FollowUpAction.RECYCLE: frozenset({"A_RECYCLER"}),
    FollowUpAction.CORRECT_VALIDATOR: frozenset({"ERREUR_FOURNISSEUR_SUR_VALIDEUR",
                                                 "ERREUR_COTRAITANT_SUR_VALIDEUR"}),
}
COMPLETE_STATUSES = FOLLOW_UP_STATUSES[FollowUpAction.COMPLETE]
RECYCLE_STATUSES = FOLLOW_UP_STATUSES[FollowUpAction.RECYCLE]
VALIDATOR_ERROR_STATUSES = FOLLOW_UP_STATUSES[FollowUpAction.CORRECT_VALIDATOR]

#: the buyer put the invoice into payment
PAYMENT_STATUS = "MISE_EN_PAIEMENT"
#: the buyer paid: end of the supplier's cycle
PAID_STATUSES = frozenset({PAYMENT_STATUS, "COMPTABILISEE", "MISE_A_DISPOSITION_COMPTABLE"})
#: nothing will change any more
FINAL_STATUSES = PAID_STATUSES | frozenset({"REJETEE", "ABANDONNEE", "SUPPRIMEE", "NON_CONFORME",
                                            "REFUSEE_MOE", "REFUSEE_MOA", "ASSOCIEE",
                                            "REMPLACEE_PAR_A22"})
#: the supplier must act (compléter, recycler, corriger le valideur, redéposer)
ACTION_NEEDED_STATUSES = COMPLETE_STATUSES | RECYCLE_STATUSES | VALIDATOR_ERROR_STATUSES | frozenset({
    "REFUSEE_1", "REFUSEE_2", "ERREUR_FOURNISSEUR_SUR_MOE",
    "ERREUR_FOURNISSEUR_SUR_MOA", "ERREUR_MOE_SUR_FOURNISSEUR", "ERREUR_MOA_SUR_FOURNISSEUR",
    "A_ASSOCIER_FOURNISSEUR", "EN_ATTENTE_RECYCLAGE_FOURNISSEUR",
})
REJECTED_STATUSES = frozenset({"REJETEE", "REFUSEE_MOE", "REFUSEE_MOA", "NON_CONFORME"})
#: first statuses, before the buyer has seen the invoice
DEPOSITED_STATUSES = frozenset({"DEPOSEE", "INTERPRETEE_OCR", "IN_RECU"})


def status_label(code: str | None) -> str:
    """French label of an invoice, works or flow status; the raw code when unknown."""
    if not code:
        return ""
    for table in (INVOICE_STATUS_LABELS, WORKS_STATUS_LABELS, FLOW_STATUS_LABELS):
        if code in table:
            return table[code]
    return code


def transmission_state(code: str | None) -> TransmissionState:
    """Map a Chorus Pro status (invoice or works) to the ERP's transmission state."""
    if not code:
        return TransmissionState.DEPOSITED
    if code in WORKS_STATUSES:
        return WORKS_STATUSES[code].state
    if code in PAID_STATUSES:
        return TransmissionState.PAID
    if code in REJECTED_STATUSES:
        return TransmissionState.REJECTED
    if code in ACTION_NEEDED_STATUSES:
        return TransmissionState.ACTION_NEEDED
    if code in DEPOSITED_STATUSES:
        return TransmissionState.DEPOSITED
    return TransmissionState.IN_PROGRESS


def follow_up_action(code: str | None) -> FollowUpAction | None:
    """The API action that answers a status (complete, recycle, correct the validator), if any."""
    return next((action for action, codes in FOLLOW_UP_STATUSES.items() if code in codes), None)


def is_final(code: str | None) -> bool:
    return bool(code) and code in FINAL_STATUSES


# -- a status read again: new, old news, or a step back ----------------------------------------
class StatusUpdate(str, enum.Enum):
    """What to do with a status read from Chorus Pro, compared with the one the ERP knows."""

    IGNORE = "ignore"  # nothing new, or a reading older than the status known
    APPLY = "apply"
    BACKWARDS = "backwards"  # newer, but an earlier step (e.g. paid, then "service fait" again): applied, and said


#: how far a document went, by the ERP's state: a move to a lower rank is a step back
_STATE_RANK = {TransmissionState.DEPOSITED: 0, TransmissionState.IN_PROGRESS: 1, TransmissionState.ACTION_NEEDED: 1,
               TransmissionState.PAID: 2, TransmissionState.REJECTED: 2}


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0) if value is not None else None


def status_update(known_status: str | None, known_date: datetime | None, new_status: str | None,
                  new_date: datetime | None) -> StatusUpdate:
    """The one rule for a status read again (naive datetimes are UTC).

    A reading dated before the status known is old news (a search answered from a late copy, a piece read
    twice): ignored, unless it is a later step (a later step cannot be old news of an earlier one, and the date
    the ERP stamps on a deposit, by its own clock, may run a few seconds ahead of Chorus Pro's).  A newer
    reading of an earlier step (``MISE_EN_PAIEMENT`` then ``SERVICE_FAIT``, ``REJETEE`` then
    ``MISE_A_DISPOSITION``) is what Chorus Pro says now: applied, and reported as a step back so that nobody
    misses it.  Without a date on either side, only the statuses decide.
    """
    if not new_status:
        return StatusUpdate.IGNORE
    known_date, new_date = _naive_utc(known_date), _naive_utc(new_date)
    rank = _STATE_RANK.get(transmission_state(new_status), 1)
    known_rank = _STATE_RANK.get(transmission_state(known_status), 1) if known_status else -1
    if known_date and new_date and new_date < known_date:
        return StatusUpdate.APPLY if rank > known_rank else StatusUpdate.IGNORE
    if new_status == known_status:
        return StatusUpdate.APPLY if new_date and new_date != known_date else StatusUpdate.IGNORE
    return StatusUpdate.BACKWARDS if rank < known_rank else StatusUpdate.APPLY
