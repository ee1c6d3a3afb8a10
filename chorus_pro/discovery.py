"""Read-only discovery operations of the Transverses API: what the platform accepts for works documents.

UNVERIFIED PATHS, all in this module.  The Transverses API has no public Swagger (the vendored
specifications cover Factures and Structures only); the four paths and their answers below come from a
public Go client with tests (go-choruspro; reference §6.4, §6.6 and works-circuit §2).  Run
``chorus-pro probe`` on the qualification platform to turn them into facts: each answer's HTTP status and
``codeRetour`` tell whether the path exists there.
"""

from __future__ import annotations

from dataclasses import dataclass

#: ``(api, operation)`` of each discovery operation (paths UNVERIFIED, see above)
BILLING_FRAMES = ("transverses", "recuperer/cadrefacturation")
FLOW_FORMATS = ("transverses", "recuperer/formatflux")
WORKS_DOCUMENT_TYPES = ("transverses", "recuperer/typefacturetravaux")
WORKS_STRUCTURES = ("transverses", "recuperer/structures/actives/facturetravaux")


@dataclass(frozen=True)
class ActiveStructure:
    id: int
    identifier: str
    name: str


def _values(items, key: str) -> list[str]:
    if isinstance(items, dict):
        items = [items]
    return [str(item.get(key)) for item in items or [] if isinstance(item, dict) and item.get(key)]


def billing_frames(client, payment_request_type: str = "FACTURE_TRAVAUX") -> list[str]:
    """Cadres de facturation the platform accepts for ``typeDemandePaiement``."""
    data = client.call(*BILLING_FRAMES, {"typeDemandePaiement": payment_request_type})
    return _values(data.get("listeCadreFacturation"), "codeCadreFacturation")


def flow_formats(client) -> list[str]:
    """``syntaxeFlux`` values of ``deposer/flux`` (the E4/E5 works flows would show here)."""
    data = client.call(*FLOW_FORMATS, {})
    return _values(data.get("listeFormatFlux"), "formatFlux")


def works_document_types(client) -> list[str]:
    """``typeFactureTravaux`` values."""
    data = client.call(*WORKS_DOCUMENT_TYPES, {})
    return _values(data.get("listeTypeFactureTravaux"), "typeFactureTravaux")


def works_structures(client) -> list[ActiveStructure]:
    """Structures of the technical account whose works space is open."""
    data = client.call(*WORKS_STRUCTURES, {})
    items = data.get("listeStructures")
    items = [items] if isinstance(items, dict) else items or []
    result = []
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            structure_id = int(item.get("idStructureCPP") or 0)
        except (TypeError, ValueError):
            structure_id = 0
        result.append(ActiveStructure(structure_id, str(item.get("identifiant") or item.get("identifiantStructure")
                                                        or ""), str(item.get("designationStructure") or "")))
    return result
