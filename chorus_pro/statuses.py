"""Chorus Pro statuses, with the French words of the Chorus Pro portal, and their classes.

Unknown codes are never an error: Chorus Pro adds statuses over time, so
every function here accepts any string and falls back to the raw code.
"""

from __future__ import annotations

import enum

# the cadres live in chorus_pro.cadres; these names stay importable from here
from .cadres import (  # noqa: F401
    CADRE_LABELS,
    SUBMIT_CADRES,
    VALIDATOR_CADRES,
    WORKS_CADRES,
    WORKS_TYPE_OF_CADRE,
    Cadre,
    parse_cadre,
)


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
WORKS_STATUS_LABELS = {
    "A_VALIDER_MOE": "À valider par la MOE",
    "MISE_A_DISPOSITION_MOE": "Mise à disposition de la MOE",
    "PRISE_EN_COMPTE_MOE": "Prise en compte par la MOE",
    "REFUSEE_MOE": "Refusée par la MOE",
    "A_ASSOCIER_MOE": "À associer par la MOE",
    "ERREUR_DE_MOE": "Erreur de la MOE",
    "ERREUR_FOURNISSEUR_SUR_MOE": "Erreur du fournisseur sur la MOE",
    "ERREUR_FOURNISSEUR_SUR_MOA": "Erreur du fournisseur sur la MOA",
    "ERREUR_MOE_SUR_MOA": "Erreur de la MOE sur la MOA",
    "ERREUR_MOE_SUR_FOURNISSEUR": "Erreur de la MOE sur le fournisseur",
    "ERREUR_MOA_SUR_FOURNISSEUR": "Erreur de la MOA sur le fournisseur",
    "TRANSMISE_MOA": "Transmise à la MOA",
    "MISE_A_DISPOSITION_MOA": "Mise à disposition de la MOA",
    "PRISE_EN_COMPTE_MOA": "Prise en compte par la MOA",
    "A_ASSOCIER_MOA": "À associer par la MOA",
    "REFUSEE_MOA": "Refusée par la MOA",
    "ERREUR_DE_MOA": "Erreur de la MOA",
    "A_ASSOCIER_FOURNISSEUR": "À associer par le fournisseur",
    "REFUSEE_FOURNISSEUR": "Refusée par le fournisseur",
    "ASSOCIEE": "Associée",
    "EN_ATTENTE_RECYCLAGE_FOURNISSEUR": "En attente de recyclage par le fournisseur",
    "REMPLACEE_PAR_A22": "Remplacée par un projet de décompte général (A22)",
    "DUPLIQUE_APRES_REFUS": "Dupliquée après refus",
    "ERREUR_DESTINATAIRE_PD": "Erreur du destinataire sur le projet de décompte",
    "ERREUR_DESTINATAIRE_EA": "Erreur du destinataire sur l'état d'acompte",
    "EN_COURS_TRAITEMENT_PIVOT_S": "En cours de traitement",
    "TECHNIQUE_INCONNU": "Statut technique inconnu",
}

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
