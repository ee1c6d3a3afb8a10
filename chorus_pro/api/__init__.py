"""The operations of the client, one class per Chorus Pro API, as ``client.<api>``:

``client.factures``, ``client.factures_travaux``, ``client.structures``, ``client.engagements_juridiques``,
``client.transverses`` and ``client.utilisateurs``.  Each sends its requests through the client's
request loop (:meth:`chorus_pro.client.ChorusProClient.call`).
"""

from .engagements_juridiques import EngagementsJuridiques
from .factures import Factures
from .factures_travaux import FacturesTravaux
from .structures import (
    StructureAmbiguousError,
    StructureInactiveError,
    StructureLookupError,
    StructureNotFoundError,
    Structures,
)
from .transverses import Transverses
from .utilisateurs import Utilisateurs

__all__ = [
    "EngagementsJuridiques", "Factures", "FacturesTravaux", "StructureAmbiguousError", "StructureInactiveError",
    "StructureLookupError", "StructureNotFoundError", "Structures", "Transverses", "Utilisateurs",
]
