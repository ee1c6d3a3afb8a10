"""Transverses discovery operations (paths UNVERIFIED, see :mod:`chorus_pro.discovery`)."""

from __future__ import annotations

from . import messages as m
from .ops_factures import ok_read
from .schemas import ALL_CADRES, FLOW_SYNTAXES, WORKS_TYPES

INVOICE_CADRES = ("A1_FACTURE_FOURNISSEUR", "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE", "A9_FACTURE_SOUSTRAITANT",
                  "A12_FACTURE_COTRAITANT")
#: cadres of the other payment request types: no works, no invoice
OTHER_CADRES = {"MEMOIRE_JUSTICE": ("A3_MEMOIRE_JUSTICE",), "DEMANDE_REMBOURSEMENT": ("A21_DEMANDE_REMBOURSEMENT_TIC",)}


def cadres(sim, body: dict) -> dict:
    kind = body.get("typeDemandePaiement")
    if kind == "FACTURE":
        found = INVOICE_CADRES
    elif kind == "FACTURE_TRAVAUX":
        excluded = {*INVOICE_CADRES, *(c for group in OTHER_CADRES.values() for c in group)}
        found = tuple(c for c in ALL_CADRES.values if c not in excluded)
    elif kind in OTHER_CADRES:
        found = OTHER_CADRES[kind]
    else:
        raise m.business(m.MISSING_FIELD, "Le type de demande de paiement est obligatoire : renseignez "
                                          "« typeDemandePaiement » (FACTURE, FACTURE_TRAVAUX…).",
                         prefix="TRA", field="typeDemandePaiement")
    return ok_read(listeCadreFacturation=[{"codeCadreFacturation": c} for c in found])


def formats(sim, body: dict) -> dict:
    return ok_read(listeFormatFlux=[{"formatFlux": f} for f in FLOW_SYNTAXES.values])


def works_types(sim, body: dict) -> dict:
    return ok_read(listeTypeFactureTravaux=[{"typeFactureTravaux": t} for t in WORKS_TYPES.values])


def works_structures(sim, body: dict) -> dict:
    supplier = sim.store.structures[sim.supplier_id]
    return ok_read(listeStructures=[{"idStructureCPP": supplier.id, "identifiant": supplier.siret,
                                     "designationStructure": supplier.name}])
