"""EngagementsJuridiques API (``/cpro/engagementsJuridiques/v1/…``, reference §5)."""

from __future__ import annotations

from chorus_pro.results import EngagementJuridique

from .base import ChorusApi
from .reading import as_list


class EngagementsJuridiques(ChorusApi):
    name = "engagementsJuridiques"

    def search(self, supplier_structure_id: int, number: str, state: str = "COMMANDE") -> list[EngagementJuridique]:
        body = {
            # the EJ is issued to the supplier: its idStructureCPP, as a string (reference §5)
            "structureReceptriceEngagementJuridique": str(supplier_structure_id),
            "numeroEngagementJuridique": number,
            "etatCourantEngagementJuridique": state,
        }
        data = self.call("rechercher", body)
        return [EngagementJuridique(str(e.get("numeroEngagementJuridique") or e.get("numeroEngagement") or number),
                                    str(e.get("etatCourantEngagementJuridique") or e.get("etat") or ""), dict(e))
                for e in as_list(data.get("listeEngagementJuridique"))]
