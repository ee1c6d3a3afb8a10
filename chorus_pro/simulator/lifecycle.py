"""How statuses move with simulated time when nobody intervenes.

Default paths (one step every ``step_seconds`` of simulated time):

- invoices: DEPOSEE → EN_COURS_ACHEMINEMENT → MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_EN_PAIEMENT;
- A9 / A12 invoices go through their validator first: DEPOSEE → A_VALIDER_1 → VALIDEE_1 → EN_COURS_ACHEMINEMENT …;
- works documents: A_VALIDER_MOE → MISE_A_DISPOSITION_MOE → PRISE_EN_COMPTE_MOE → TRANSMISE_MOA →
  MISE_A_DISPOSITION_MOA → PRISE_EN_COMPTE_MOA → MISE_EN_PAIEMENT.

Any status outside the path (SUSPENDUE, A_RECYCLER, REJETEE, ERREUR_…, REFUSEE_MOE…) stops the
automatic progression until the supplier acts (completer, recycler, corriger/valideur) or a test
sets another status.  Flows: IN_RECU → IN_EN_COURS_TRAITEMENT_CPP → IN_INTEGRE (or IN_REJETE /
IN_INTEGRE_PARTIEL), one step every ``flow_step_seconds``.
"""

from __future__ import annotations

from chorus_pro.cadres import VALIDATOR_CADRES

INVOICE_PATH = ("DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE",
                "MISE_EN_PAIEMENT")
VALIDATION_PATH = ("DEPOSEE", "A_VALIDER_1", "VALIDEE_1", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION",
                   "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT")
WORKS_PATH = ("A_VALIDER_MOE", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "TRANSMISE_MOA",
              "MISE_A_DISPOSITION_MOA", "PRISE_EN_COMPTE_MOA", "MISE_EN_PAIEMENT")
#: statuses outside the paths after which the path resumes
RESUME = {
    "COMPLETEE": "MISE_A_DISPOSITION",
    "PRISE_EN_COMPTE_DESTINATAIRE": "SERVICE_FAIT",
    "ABSENCE_VALIDATION_1_HORS_DELAI": "EN_COURS_ACHEMINEMENT",
}
VALIDATOR_CADRE_CODES = frozenset(cadre.value for cadre in VALIDATOR_CADRES)


def path_of(invoice) -> tuple:
    if invoice.kind == "FACTURE_TRAVAUX":
        return WORKS_PATH
    if invoice.cadre in VALIDATOR_CADRE_CODES:
        return VALIDATION_PATH
    return INVOICE_PATH


def next_status(invoice) -> str | None:
    """The status the invoice takes at its next step, or None when it waits."""
    if invoice.script is not None:
        return invoice.script[0] if invoice.script else None
    status = invoice.status
    if status in RESUME:
        return RESUME[status]
    path = path_of(invoice)
    if status in path:
        index = path.index(status)
        return path[index + 1] if index + 1 < len(path) else None
    return None
