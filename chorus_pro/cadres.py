"""Chorus Pro's invoicing frames ("cadres de facturation") and the rule that picks one, written once.

The table says, for each cadre a supplier deposits: its code, its label (the portal's French words, and the
English source the add-on shows), the operation that carries it, whether it is a works document and of which
type, whether it is a monthly statement numbered by situation, and whether it needs a validator.  The rule
(market kind × our role × works document type → cadre) and the cadres a user may choose instead follow.

Everything else (validation, payloads, the simulator, the add-on's selections and checks, the CLI) reads them
from here.  Source: the Chorus Pro cadres A1…A25 (reference "works circuit and situations", §cadres).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: the operation of a supplier's invoice (``factures/v1/soumettre``) and of a works document (unverified path,
#: see :mod:`chorus_pro.works`)
SUBMIT_OPERATION = "soumettre"
WORKS_OPERATION = "works"


class Cadre(str, enum.Enum):
    """A cadre a supplier may deposit through the API; the value is Chorus Pro's code."""

    A1 = "A1_FACTURE_FOURNISSEUR"
    A2 = "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"
    A4 = "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR"
    A7 = "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR"
    A8 = "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR"
    A9 = "A9_FACTURE_SOUSTRAITANT"
    A10 = "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT"
    A11 = "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT"
    A12 = "A12_FACTURE_COTRAITANT"
    A13 = "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT"
    A14 = "A14_PROJET_DECOMPTE_FINAL_COTRAITANT"

    @property
    def short(self) -> str:
        return self.name

    @property
    def info(self) -> CadreInfo:
        return CADRE_TABLE[self]

    @property
    def label(self) -> str:
        return self.info.label_fr

    @property
    def is_works(self) -> bool:
        return self.info.operation == WORKS_OPERATION


@dataclass(frozen=True)
class CadreInfo:
    cadre: Cadre
    label_fr: str
    label_en: str
    #: SUBMIT_OPERATION or WORKS_OPERATION
    operation: str
    #: ``typeFactureTravaux`` of a works document (inferred from the names: not verified)
    works_type: str | None = None
    #: a monthly statement, numbered by situation
    monthly: bool = False
    #: the invoice needs a validator (the main contractor or the lead co-contractor)
    needs_validator: bool = False


_MONTHLY, _FINAL, _GENERAL = "PROJET_DECOMPTE_MENSUEL", "PROJET_DECOMPTE_FINAL", "DECOMPTE_GENERAL_SIGNE"
_S, _W = SUBMIT_OPERATION, WORKS_OPERATION
CADRE_TABLE: dict[Cadre, CadreInfo] = {row.cadre: row for row in (
    CadreInfo(Cadre.A1, "A1 - Dépôt par un fournisseur d'une facture", "A1 - Supplier invoice", _S),
    CadreInfo(Cadre.A2, "A2 - Dépôt par un fournisseur d'une facture déjà payée",
              "A2 - Supplier invoice already paid", _S),
    CadreInfo(Cadre.A4, "A4 - Dépôt par un fournisseur d'un projet de décompte mensuel",
              "A4 - Supplier monthly statement draft (situation)", _W, _MONTHLY, monthly=True),
    CadreInfo(Cadre.A7, "A7 - Dépôt par un fournisseur d'un projet de décompte final",
              "A7 - Supplier final statement draft", _W, _FINAL),
    CadreInfo(Cadre.A8, "A8 - Dépôt par un fournisseur d'un décompte général et définitif",
              "A8 - Supplier final general statement (DGD)", _W, _GENERAL),
    CadreInfo(Cadre.A9, "A9 - Dépôt par un sous-traitant d'une facture", "A9 - Sub-contractor invoice", _S,
              needs_validator=True),
    CadreInfo(Cadre.A10, "A10 - Dépôt par un sous-traitant d'un projet de décompte mensuel",
              "A10 - Sub-contractor monthly statement draft", _W, _MONTHLY, monthly=True),
    CadreInfo(Cadre.A11, "A11 - Dépôt par un sous-traitant d'un projet de décompte final",
              "A11 - Sub-contractor final statement draft", _W, _FINAL),
    CadreInfo(Cadre.A12, "A12 - Dépôt par un cotraitant d'une facture", "A12 - Co-contractor invoice", _S,
              needs_validator=True),
    CadreInfo(Cadre.A13, "A13 - Dépôt par un cotraitant d'un projet de décompte mensuel",
              "A13 - Co-contractor monthly statement draft", _W, _MONTHLY, monthly=True),
    CadreInfo(Cadre.A14, "A14 - Dépôt par un cotraitant d'un projet de décompte final",
              "A14 - Co-contractor final statement draft", _W, _FINAL),
)}

CADRE_LABELS = {cadre: row.label_fr for cadre, row in CADRE_TABLE.items()}
#: cadres accepted by ``factures/v1/soumettre``
SUBMIT_CADRES = frozenset(c for c, row in CADRE_TABLE.items() if row.operation == SUBMIT_OPERATION)
#: works cadres a supplier deposits in the works circuit
WORKS_CADRES = frozenset(c for c, row in CADRE_TABLE.items() if row.operation == WORKS_OPERATION)
#: cadres whose invoice needs a validator (titulaire or mandataire)
VALIDATOR_CADRES = frozenset(c for c, row in CADRE_TABLE.items() if row.needs_validator)
#: works cadres whose document is a monthly statement, numbered by situation
MONTHLY_CADRES = frozenset(c for c, row in CADRE_TABLE.items() if row.monthly)
#: typeFactureTravaux of each works cadre (inferred from the names: not verified)
WORKS_TYPE_OF_CADRE = {c: row.works_type for c, row in CADRE_TABLE.items() if row.works_type}

#: every cadre code of the platform (A1…A25), as the search operations accept them
PLATFORM_CADRE_CODES = (
    "A1_FACTURE_FOURNISSEUR", "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE", "A3_MEMOIRE_JUSTICE",
    "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "A5_ETAT_ACOMPTE_FOURNISSEUR",
    "A6_ETAT_ACOMPTE_VALIDE_FOURNISSEUR", "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
    "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR", "A9_FACTURE_SOUSTRAITANT",
    "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT", "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
    "A12_FACTURE_COTRAITANT", "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT", "A14_PROJET_DECOMPTE_FINAL_COTRAITANT",
    "A15_ETAT_ACOMPTE_MOE", "A16_ETAT_ACOMPTE_VALIDE_MOE", "A17_PROJET_DECOMPTE_GENERAL_MOE",
    "A18_DECOMPTE_GENERAL_MOE", "A19_ETAT_ACOMPTE_VALIDE_MOA", "A20_DECOMPTE_GENERAL_MOA",
    "A21_DEMANDE_REMBOURSEMENT_TIC", "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE",
    "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR", "A24_DECOMPTE_GENERAL_DEFINITIF_TACITE_MOE",
    "A25_DECOMPTE_GENERAL_DEFINITIF_MOE_PROCEDURE_TACITE",
)


def parse_cadre(value) -> Cadre:
    """Accept ``Cadre``, its code (``A4_PROJET_…``) or its short name (``A4``)."""
    if isinstance(value, Cadre):
        return value
    text = str(value or "").strip().upper()
    for cadre in Cadre:
        if text in (cadre.value, cadre.name):
            return cadre
    raise ValueError(f"unknown cadre de facturation {value!r}")


# -- the cadre rule: market kind × our role × works document type ---------------------------------------
#: kinds of market
SERVICES, WORKS = "services", "works"
MARKET_KINDS = (SERVICES, WORKS)
#: our role in the market
MAIN_CONTRACTOR, CO_CONTRACTOR, SUBCONTRACTOR = "titulaire", "cotraitant", "soustraitant"
ROLES = (MAIN_CONTRACTOR, CO_CONTRACTOR, SUBCONTRACTOR)
#: the documents of a works market: projet de décompte mensuel, projet de décompte final, décompte général
MONTHLY, FINAL, GENERAL = "monthly", "final", "dgd"
WORKS_DOCUMENT_TYPES = (MONTHLY, FINAL, GENERAL)

#: cadre of each (kind, role, works document type); a services market has no document type
CADRE_RULE: dict[tuple[str, str, str | None], Cadre] = {
    (SERVICES, MAIN_CONTRACTOR, None): Cadre.A1,
    (SERVICES, CO_CONTRACTOR, None): Cadre.A12,
    (SERVICES, SUBCONTRACTOR, None): Cadre.A9,
    (WORKS, MAIN_CONTRACTOR, MONTHLY): Cadre.A4,
    (WORKS, MAIN_CONTRACTOR, FINAL): Cadre.A7,
    (WORKS, MAIN_CONTRACTOR, GENERAL): Cadre.A8,
    (WORKS, CO_CONTRACTOR, MONTHLY): Cadre.A13,
    (WORKS, CO_CONTRACTOR, FINAL): Cadre.A14,
    (WORKS, CO_CONTRACTOR, GENERAL): Cadre.A8,
    (WORKS, SUBCONTRACTOR, MONTHLY): Cadre.A10,
    (WORKS, SUBCONTRACTOR, FINAL): Cadre.A11,
    (WORKS, SUBCONTRACTOR, GENERAL): Cadre.A8,
}
#: cadres a user may choose instead of the derived one, the derived ones first
ALLOWED_CADRES: dict[tuple[str, str], tuple[Cadre, ...]] = {
    (SERVICES, MAIN_CONTRACTOR): (Cadre.A1, Cadre.A2),
    (SERVICES, CO_CONTRACTOR): (Cadre.A12,),
    (SERVICES, SUBCONTRACTOR): (Cadre.A9,),
    (WORKS, MAIN_CONTRACTOR): (Cadre.A4, Cadre.A7, Cadre.A8, Cadre.A1),
    (WORKS, CO_CONTRACTOR): (Cadre.A13, Cadre.A14, Cadre.A12, Cadre.A8),
    (WORKS, SUBCONTRACTOR): (Cadre.A10, Cadre.A11, Cadre.A9, Cadre.A8),
}
#: cadres of an invoice outside any market
NO_MARKET_CADRES = ALLOWED_CADRES[(SERVICES, MAIN_CONTRACTOR)]


def derive_cadre(market_kind: str | None, role: str | None, document_type: str | None = None) -> Cadre:
    """The cadre of a document: services → A1/A12/A9 by role; works → by role and document type (monthly by
    default).  Empty kind and role mean a services market of which we are the main contractor."""
    kind, role = market_kind or SERVICES, role or MAIN_CONTRACTOR
    if kind == WORKS:
        return CADRE_RULE.get((kind, role, document_type)) or CADRE_RULE[(kind, role, MONTHLY)]
    return CADRE_RULE.get((kind, role, None), Cadre.A1)


def allowed_cadres(market_kind: str | None, role: str | None) -> tuple[Cadre, ...]:
    """The cadres a document of such a market may take."""
    return ALLOWED_CADRES[(market_kind or SERVICES, role or MAIN_CONTRACTOR)]
