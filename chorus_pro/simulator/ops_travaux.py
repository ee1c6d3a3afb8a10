"""FacturesTravaux operations.

``rechercher`` follows Pastell's verified request.  The deposit operation,
``POST /cpro/facturesTravaux/v1/soumettre``, is UNVERIFIED (path and payload,
reference §9.2): it takes the body of ``factures/v1/soumettre`` with a works cadre
(A4, A7, A8, A10, A11, A13, A14), plus ``typeFactureTravaux`` (top level or in
``references``), ``moe{identifiantMoe | codeMOE | idStructureMoe, codeServiceMoe}``,
``moa{identifiantMoa | codeMOA | idStructureMoa, codeServiceMoa}`` and a required
``numeroMarche`` (in ``references`` or at top level).  The buyer (``destinataire``)
defaults to the MOA.  Works documents are also listed by
``factures/v1/rechercher/fournisseur`` with ``typeDemandePaiement`` FACTURE_TRAVAUX.
"""

from __future__ import annotations

from . import messages as m
from . import rules, views
from .clock import fmt_date
from .ops_factures import check_common, in_period, new_invoice, ok_read, ok_write, required


def _party(sim, block: dict, role: str):
    siret = block.get(f"identifiant{role.capitalize()}") or block.get(f"code{role.upper()}") or ""
    structure = None
    if block.get(f"idStructure{role.capitalize()}") is not None:
        structure = sim.store.structures.get(block[f"idStructure{role.capitalize()}"])
    elif siret:
        structure = sim.store.structure_by_siret(siret)
    else:
        label = "maître d'œuvre" if role == "moe" else "maître d'ouvrage"
        raise m.business(m.WORKS_PARTY, f"Le {label} est obligatoire : renseignez « {role}.identifiant"
                                        f"{role.capitalize()} » (SIRET).", prefix="GFT", field=role)
    if structure is None or not structure.active:
        raise m.business(m.WORKS_PARTY, f"La structure {siret or block.get(f'idStructure{role.capitalize()}')} "
                                        f"indiquée comme {role.upper()} n'existe pas ou est inactive.",
                         prefix="GFT", field=role)
    return structure


def _one_of(body: dict, references: dict, name: str):
    """A field accepted at the top level or in ``references``: the same value if given twice."""
    top, inner = body.get(name), references.get(name)
    if top and inner and top != inner:
        raise m.business(m.MISSING_FIELD, f"« {name} » ({top}) et « references.{name} » ({inner}) diffèrent : "
                                          "donnez une seule valeur.", prefix="GFT", field=name)
    return top or inner


def soumettre_travaux(sim, body: dict) -> dict:
    cadre = required((body.get("cadreDeFacturation") or {}).get("codeCadreFacturation"),
                      "cadreDeFacturation.codeCadreFacturation", "Le cadre de facturation")
    references = body.get("references") or {}
    works_type = required(_one_of(body, references, "typeFactureTravaux"), "typeFactureTravaux",
                           "Le type de facture de travaux")
    market = required(_one_of(body, references, "numeroMarche"), "references.numeroMarche", "Le numéro de marché")
    values = check_common(sim, body)
    moe = _party(sim, body.get("moe") or {}, "moe")
    moa = _party(sim, body.get("moa") or {}, "moa")
    if not moa.moa or not moa.public:
        raise m.business(m.WORKS_PARTY, f"La structure {moa.siret} ({moa.name}) n'est pas maître d'ouvrage public.",
                         prefix="GFT", field="moa")
    rules.check_market(sim, moa, market)
    destinataire = body.get("destinataire") or {}
    buyer = rules.find_buyer(sim, destinataire.get("codeDestinataire") or moa.siret)
    service = rules.check_routing(sim, buyer, destinataire.get("codeServiceExecutant") or "",
                                  references.get("numeroBonCommande") or "")
    invoice = new_invoice(sim, body, values, kind="FACTURE_TRAVAUX", cadre=cadre, buyer=buyer, service=service,
                          status="A_VALIDER_MOE")
    invoice.works_type = works_type
    invoice.market_number = market
    invoice.moe_id, invoice.moe_service_code = moe.id, (body.get("moe") or {}).get("codeServiceMoe") or ""
    invoice.moa_id, invoice.moa_service_code = moa.id, (body.get("moa") or {}).get("codeServiceMoa") or ""
    sim.add_deposit("travaux", invoice, invoice.number)
    return ok_write(idFactureTravaux=invoice.id, numeroFactureTravaux=invoice.number, statut=invoice.status,
                    dateDepot=fmt_date(invoice.deposited_at))


def _in_role(sim, invoice, role: str) -> bool:
    """The technical account's structure acts as supplier (its own documents) or as validator (a partner's
    documents naming it); the other roles see nothing here."""
    if role == "FOURNISSEUR":
        return invoice.supplier_id == sim.supplier_id
    if role == "VALIDEUR":
        return invoice.validator_id == sim.supplier_id and invoice.supplier_id != sim.supplier_id
    return False


def rechercher_travaux(sim, body: dict) -> dict:
    role = body.get("roleUtilisateur") or "FOURNISSEUR"
    found = []
    statuses = set(body.get("listeStatutCourant") or [])
    types = set(body.get("listeTypeFactureTravaux") or [])
    for invoice in sim.store.invoices.values():
        if invoice.kind != "FACTURE_TRAVAUX" or not _in_role(sim, invoice, role):
            continue
        if body.get("idStructureFournisseur") not in (None, invoice.supplier_id):
            continue
        if body.get("idStructureMoe") not in (None, invoice.moe_id):
            continue
        if body.get("idStructureMoa") not in (None, invoice.moa_id):
            continue
        if body.get("numeroFactureTravaux") and invoice.number != body["numeroFactureTravaux"]:
            continue
        if body.get("numeroMarche") and invoice.market_number != body["numeroMarche"]:
            continue
        if body.get("cadreFacturation") and invoice.cadre != body["cadreFacturation"]:
            continue
        if statuses and invoice.status not in statuses:
            continue
        if types and invoice.works_type not in types:
            continue
        if not in_period(invoice.deposited_at, body.get("periodeDateDepotDu"), body.get("periodeDateDepotAu")):
            continue
        if not in_period(invoice.status_at, body.get("periodeDateHeureEtatCourantDu"),
                          body.get("periodeDateHeureEtatCourantAu")):
            continue
        found.append(invoice)
    if not found:
        code, libelle = m.EMPTY_WORKS_SEARCH
        # an empty search is not a failure, but the platform answers it with this code (Pastell)
        return {"codeRetour": code, "libelle": libelle, "detail": "Aucune facture de travaux ne correspond.",
                "parametresRetour": {"pageCourante": 1, "pages": 0, "nbResultatsParPage": 0, "total": 0},
                "listeFacturesTravaux": []}
    paging = body.get("rechercheFactureTravaux") or {}
    chunk, info = views.paginate(found, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))
    return ok_read(parametresRetour=info, listeFacturesTravaux=[views.works_item(sim, i) for i in chunk])
