"""Is the document Chorus Pro answered about the one that was asked for?

A status is read by the Chorus Pro id kept when the document was deposited.  Before it is applied, the
answer's document number and supplier are compared with the invoice's: an id that now designates another
document (a simulated platform started again from scratch, a database restored next to another one, an
id typed by hand) must be reported, never silently take the other document's status.

What each answer carries (reference §8): the supplier search items carry ``numeroFacture`` and
``codeFournisseur`` (SIRET); ``consulter/fournisseur`` carries ``numeroFacture`` and ``fournisseur``
(``idFournisseur``, ``codeFournisseur``); ``consulter/historique`` carries ``numeroFacture`` only; the
works search lines are unverified (``numeroFactureTravaux``, ``idStructureFournisseur``,
``codeFournisseur`` as the simulator answers).  The number must always be there and equal; a supplier
field is compared whenever the answer carries it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .siret import compact_siret


class Mismatch(str, enum.Enum):
    NUMBER = "number"
    SUPPLIER = "supplier"


@dataclass(frozen=True)
class DocumentIdentity:
    """A document's number and its supplier (SIRET and Chorus Pro structure id, each optional)."""

    number: str
    supplier_siret: str = ""
    supplier_structure_id: int | None = None


def identity_mismatch(expected: DocumentIdentity, found: DocumentIdentity) -> Mismatch | None:
    """What differs between the document asked for and the one answered; None when it is the same."""
    if (found.number or "").strip() != (expected.number or "").strip() or not (found.number or "").strip():
        return Mismatch.NUMBER
    expected_siret, found_siret = compact_siret(expected.supplier_siret), compact_siret(found.supplier_siret)
    if expected_siret and found_siret and expected_siret != found_siret:
        return Mismatch.SUPPLIER
    if (expected.supplier_structure_id and found.supplier_structure_id
            and int(expected.supplier_structure_id) != int(found.supplier_structure_id)):
        return Mismatch.SUPPLIER
    return None
