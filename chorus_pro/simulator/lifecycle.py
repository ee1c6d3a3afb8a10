"""How statuses move with simulated time when nobody intervenes.

Default paths (one step every ``step_seconds`` of simulated time):

- invoices: DEPOSEE → EN_COURS_ACHEMINEMENT → MISE_A_DISPOSITION → SERVICE_FAIT → MANDATEE → MISE_EN_PAIEMENT;
- A9 / A12 invoices go through their validator first: DEPOSEE → A_VALIDER_1 → VALIDEE_1 → EN_COURS_ACHEMINEMENT …;
- works billing files (INFERRED from the statuses' names and the cadres, reference §10 and §12.3): the
  supplier's projet de décompte mensuel (A4, A10, A13) goes A_VALIDER_MOE → MISE_A_DISPOSITION_MOE →
  PRISE_EN_COMPTE_MOE → A_ASSOCIER_MOE → ASSOCIEE, the step at which the simulated MOE deposits its état
  d'acompte (A15), which goes TRANSMISE_MOA → MISE_A_DISPOSITION_MOA → PRISE_EN_COMPTE_MOA → A_ASSOCIER_MOA →
  ASSOCIEE, when the simulated MOA deposits the état d'acompte validé (A19), which goes MISE_A_DISPOSITION →
  MANDATEE → MISE_EN_PAIEMENT.  A projet de décompte final (A7, A11, A14) is followed the same way by the
  MOE's projet de décompte général (A17) and the MOA's décompte général (A20), which waits for the supplier
  (A_ASSOCIER_FOURNISSEUR: the DGD to sign).  A DGD (A8) goes A_VALIDER_MOE … PRISE_EN_COMPTE_MOA →
  MISE_EN_PAIEMENT.  Every later piece is numbered after the first one (``-EA``, ``-EAV``, ``-PDG``, ``-DG``)
  as the AIFE advises, belongs to the same supplier, and carries ``accepted_amount`` when the test set one.

Any status outside the path (SUSPENDUE, A_RECYCLER, REJETEE, ERREUR_…, REFUSEE_MOE…) stops the
automatic progression until the supplier acts (completer, recycler, corriger/valideur) or a test
sets another status.  Flows: IN_RECU → IN_EN_COURS_TRAITEMENT_CPP → IN_INTEGRE (or IN_REJETE /
IN_INTEGRE_PARTIEL), one step every ``flow_step_seconds``.
"""

from __future__ import annotations

from datetime import timedelta

from chorus_pro.cadres import VALIDATOR_CADRES
from chorus_pro.validator import VALIDATION_DELAY_DAYS

INVOICE_PATH = ("DEPOSEE", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE",
                "MISE_EN_PAIEMENT")
VALIDATION_PATH = ("DEPOSEE", "A_VALIDER_1", "VALIDEE_1", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION",
                   "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT")
WORKS_PATH = ("A_VALIDER_MOE", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "TRANSMISE_MOA",
              "MISE_A_DISPOSITION_MOA", "PRISE_EN_COMPTE_MOA", "MISE_EN_PAIEMENT")
SUPPLIER_PIECE_PATH = ("A_VALIDER_MOE", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE", "A_ASSOCIER_MOE", "ASSOCIEE")
MOE_PIECE_PATH = ("TRANSMISE_MOA", "MISE_A_DISPOSITION_MOA", "PRISE_EN_COMPTE_MOA", "A_ASSOCIER_MOA", "ASSOCIEE")
MOA_PAYMENT_PATH = ("MISE_A_DISPOSITION", "MANDATEE", "MISE_EN_PAIEMENT")
MOA_GENERAL_PATH = ("A_ASSOCIER_FOURNISSEUR",)
#: the piece that follows each piece in its billing file: (cadre, typeFactureTravaux, depositor, number suffix)
NEXT_PIECE = {
    **dict.fromkeys(("A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
                     "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT"), ("A15_ETAT_ACOMPTE_MOE", "ETAT_ACOMPTE", "MOE", "-EA")),
    "A15_ETAT_ACOMPTE_MOE": ("A19_ETAT_ACOMPTE_VALIDE_MOA", "ETAT_ACOMPTE_VALIDE", "MOA", "-EAV"),
    **dict.fromkeys(("A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR", "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
                     "A14_PROJET_DECOMPTE_FINAL_COTRAITANT"),
                    ("A17_PROJET_DECOMPTE_GENERAL_MOE", "PROJET_DECOMPTE_GENERAL", "MOE", "-PDG")),
    "A17_PROJET_DECOMPTE_GENERAL_MOE": ("A20_DECOMPTE_GENERAL_MOA", "DECOMPTE_GENERAL", "MOA", "-DG"),
}
#: statuses outside the paths after which the path resumes
RESUME = {
    "COMPLETEE": "MISE_A_DISPOSITION",
    "PRISE_EN_COMPTE_DESTINATAIRE": "SERVICE_FAIT",
    "ABSENCE_VALIDATION_1_HORS_DELAI": "EN_COURS_ACHEMINEMENT",
}
VALIDATOR_CADRE_CODES = frozenset(cadre.value for cadre in VALIDATOR_CADRES)
#: a document naming the technical account's structure as validator waits for its decision
#: (factures/v1/traiter/factureAValider); silence past the delay is acceptance
SILENCE_STATUS = "ABSENCE_VALIDATION_1_HORS_DELAI"
VALIDATION_DELAY = timedelta(days=VALIDATION_DELAY_DAYS)
#: a works document accepted by its validator (or by silence) goes on to the MOE (INFERRED from the names)
WORKS_AFTER_VALIDATION = "A_VALIDER_MOE"


def awaits_our_decision(invoice, validator_id) -> bool:
    """Whether ``invoice`` was deposited by a partner and waits for the validator ``validator_id`` (us)."""
    return (invoice.validator_id == validator_id and invoice.supplier_id != validator_id
            and invoice.status == "A_VALIDER_1" and invoice.script is None)


def path_of(invoice) -> tuple:
    if invoice.kind == "FACTURE_TRAVAUX":
        if invoice.cadre in NEXT_PIECE:
            return SUPPLIER_PIECE_PATH if invoice.depositor == "FOURNISSEUR" else MOE_PIECE_PATH
        if invoice.cadre == "A19_ETAT_ACOMPTE_VALIDE_MOA":
            return MOA_PAYMENT_PATH
        if invoice.cadre == "A20_DECOMPTE_GENERAL_MOA":
            return MOA_GENERAL_PATH
        return WORKS_PATH
    if invoice.cadre in VALIDATOR_CADRE_CODES:
        return VALIDATION_PATH
    return INVOICE_PATH


def next_status(invoice, validator_id=None) -> str | None:
    """The status the invoice takes at its next step, or None when it waits; ``validator_id``: the technical
    account's structure, whose decision a partner's document waits for (silence only, after the delay)."""
    if invoice.script is not None:
        return invoice.script[0] if invoice.script else None
    status = invoice.status
    if validator_id is not None and awaits_our_decision(invoice, validator_id):
        return SILENCE_STATUS
    if invoice.kind == "FACTURE_TRAVAUX" and status in ("VALIDEE_1", SILENCE_STATUS):
        return WORKS_AFTER_VALIDATION
    if status in RESUME:
        return RESUME[status]
    path = path_of(invoice)
    if status in path:
        index = path.index(status)
        return path[index + 1] if index + 1 < len(path) else None
    return None


def step_before(invoice, validator_id, step: timedelta) -> timedelta:
    """Simulated time before the next status: the validation delay for a document waiting for us, else a step."""
    return VALIDATION_DELAY if awaits_our_decision(invoice, validator_id) else step
