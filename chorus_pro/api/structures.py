"""Structures API (``/cpro/structures/v1/…``, reference §4): the directory of buyers and their services."""

from __future__ import annotations

from chorus_pro.dates import parse_date, parse_datetime
from chorus_pro.errors import BusinessError, ChorusProError
from chorus_pro.results import ReferenceRequirement, Service, Structure, StructureDetails

from .base import ChorusApi
from .reading import as_int, as_list, paging

SEARCH_STRUCTURES = "structures/v1/rechercher"


class StructureLookupError(BusinessError):
    """A SIRET does not lead to exactly one active structure of the Chorus Pro directory."""

    libelle_code = "STRUCTURE_INTROUVABLE"

    def __init__(self, siret: str, code: str, params: dict | None = None):
        super().__init__(SEARCH_STRUCTURES, -1, self.libelle_code)
        self.siret = siret
        ChorusProError.__init__(self, code=code, params={"siret": siret, **(params or {})}, field="siret")


class StructureNotFoundError(StructureLookupError):
    libelle_code = "STRUCTURE_INCONNUE"

    def __init__(self, siret: str):
        super().__init__(siret, "structure_not_found")


class StructureInactiveError(StructureLookupError):
    libelle_code = "STRUCTURE_INACTIVE"

    def __init__(self, siret: str):
        super().__init__(siret, "structure_inactive")


class StructureAmbiguousError(StructureLookupError):
    libelle_code = "STRUCTURE_AMBIGUE"

    def __init__(self, siret: str, count: int):
        super().__init__(siret, "structure_ambiguous", {"count": count})


class Structures(ChorusApi):
    name = "structures"

    def search(self, identifier: str, identifier_type: str = "SIRET") -> list[Structure]:
        """``rechercher``: the structures of this identifier, public and private."""
        body = {
            "structure": {"identifiantStructure": identifier, "typeIdentifiantStructure": identifier_type},
            # false: private structures too (MOE, titulaire, mandataire), not only public ones
            "restreindreStructuresPrivees": False,
            "parametres": paging(1, 50),
        }
        data = self.call("rechercher", body)
        return [Structure(as_int(s.get("idStructureCPP")) or 0, str(s.get("identifiantStructure") or ""),
                          str(s.get("designationStructure") or s.get("raisonSociale") or ""),
                          str(s.get("typeIdentifiantStructure") or identifier_type),
                          str(s.get("statut") or "ACTIVE").upper() in ("ACTIVE", "ACTIF"))
                for s in as_list(data.get("listeStructures"))]

    def find(self, siret: str) -> Structure:
        """Exactly one structure for this SIRET, else a BusinessError with a French explanation."""
        siret = (siret or "").replace(" ", "")
        found = [s for s in self.search(siret) if s.identifier.replace(" ", "") == siret]
        if not found:
            raise StructureNotFoundError(siret)
        active = [s for s in found if s.active]
        if not active:
            raise StructureInactiveError(siret)
        if len(active) > 1:
            raise StructureAmbiguousError(siret, len(active))
        return active[0]

    def get(self, structure_id: int) -> StructureDetails:
        """``consulter``: a structure with what it requires on invoices."""
        data = self.call("consulter", {"idStructureCPP": structure_id, "codeLangue": "fr"})
        info = data.get("informationGenerales") or {}
        flags = data.get("parametres") or {}
        return StructureDetails(
            id=as_int(info.get("idStructureCPP")) or structure_id,
            identifier=str(info.get("identifiantStructure") or ""),
            name=str(info.get("raisonSocialeStructure") or info.get("libelleStructure") or ""),
            requirement=reference_requirement(flags),
            public=str(info.get("structurePriveePublique") or "PUBLIQUE").upper() == "PUBLIQUE",
            email=str(info.get("emailStructure") or ""),
            vat_number=str(info.get("numeroTVA") or ""),
            moa_only=bool(flags.get("estMoaUniquement")),
            payment_status_not_reported=bool(flags.get("statutMiseEnPaiementNestPasRemonte")),
            technical_password_expiry=parse_datetime(info.get("dateExpirationMotPasseCompteTech")),
            raw_flags=dict(flags),
        )

    def list_services(self, structure_id: int) -> list[Service]:
        """Every service of the structure (walks all pages)."""
        def body(page: int) -> dict:
            return {"idStructure": structure_id,
                    "parametresRechercherServicesStructure": paging(page, 1000, "CodeService", "Ascendant")}
        return [Service(as_int(s.get("idService")) or 0, str(s.get("codeService") or ""),
                        str(s.get("libelleService") or ""), _service_active(s))
                for s in self.pages("rechercher/services", body, "listeServices")]

    def get_service(self, structure_id: int, service_id: int) -> Service:
        data = self.call("consulter/service", {"idStructure": structure_id, "idService": service_id, "codeLangue": "fr"})
        info = data.get("informationsGenerales") or {}
        flags = data.get("parametres") or {}
        end = parse_date(flags.get("dateFinValidite"))
        active = _service_active(info) and (end is None or end >= self.client.today())
        return Service(service_id, str(info.get("codeService") or ""),
                       str(info.get("nomService") or info.get("libelleService") or ""), active,
                       bool(flags.get("numeroEngagement")))


def reference_requirement(flags: dict) -> ReferenceRequirement:
    """Required references of a buyer, from ``structures/v1/consulter`` ``parametres`` (reference §4.2 order)."""
    service, ej = bool(flags.get("codeServiceDoitEtreRenseigne")), bool(flags.get("numeroEJDoitEtreRenseigne"))
    if flags.get("gestionNumeroEJOuCodeService"):
        return ReferenceRequirement.SERVICE_OR_EJ
    if service and ej:
        return ReferenceRequirement.SERVICE_AND_EJ
    if service:
        return ReferenceRequirement.SERVICE
    if ej:
        return ReferenceRequirement.EJ
    return ReferenceRequirement.NONE


def _service_active(item: dict) -> bool:
    if "estActif" in item:
        return bool(item["estActif"])
    status = str(item.get("statutService") or item.get("statut") or "ACTIF").upper()
    return status in ("ACTIF", "ACTIVE")
