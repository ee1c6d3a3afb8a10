"""Factures operations of the validator: the technical account's structure validates the documents its
subcontractors (A9, A10, A11) and co-contractors (A12, A13, A14) deposit naming it as validator.

``rechercher/aTraiter/valideur`` lists those waiting (A_VALIDER_1), ``rechercher/valideur`` all of them,
``consulter/valideur`` reads one, ``traiter/factureAValider`` accepts (``VALIDATION``: VALIDEE_1, then the
document goes on to the buyer, or to the MOE for a works document) or refuses (``REFUS``, reason mandatory:
REFUSEE_1).  The action values are UNVERIFIED (chorus_pro/validator.py); silence past the delay gives
ABSENCE_VALIDATION_1_HORS_DELAI (lifecycle.py).  Partners deposit with ``Simulator.deposit_for_validation``.
"""

from __future__ import annotations

from chorus_pro.validator import ACCEPT_ACTION, REFUSE_ACTION

from . import messages as m
from . import views
from .clock import fmt_datetime
from .ops_factures import in_period, ok_read, ok_write, required
from .state import Invoice

_SORT_KEYS = {
    "IdFacture": lambda i: i.id, "NumeroFacture": lambda i: i.number, "DateFacture": lambda i: i.invoice_date,
    "DateDepot": lambda i: i.deposited_at, "Statut": lambda i: i.status, "MontantHT": lambda i: i.untaxed,
    "MontantTTC": lambda i: i.total, "MontantAPayer": lambda i: i.amount_due, "NumeroMarche": lambda i: i.market_number,
}


def _ours(sim) -> list[Invoice]:
    """Documents deposited by a partner naming the technical account's structure as validator."""
    return [i for i in sim.store.invoices.values()
            if i.validator_id == sim.supplier_id and i.supplier_id != sim.supplier_id]


def _check_structure(sim, body: dict) -> None:
    """The validator structure named in the body, if any, must be the technical account's."""
    structure = sim.store.structures[sim.supplier_id]
    if body.get("idStructure") not in (None, structure.id) or body.get("identifiantStructure") not in (
            None, "", structure.siret):
        raise m.business(m.UNKNOWN_OBJECT, "Le compte technique n'est pas rattaché à la structure valideur "
                                           "indiquée (« idStructure » / « identifiantStructure »).",
                         field="idStructure")


def _page(sim, found: list[Invoice], paging: dict) -> dict:
    chunk, info = views.sorted_page(found, paging, _SORT_KEYS)
    return ok_read(parametresRetour=info, listeFactures=[views.validator_item(sim, i) for i in chunk])


def rechercher_atraiter_valideur(sim, body: dict) -> dict:
    _check_structure(sim, body)
    found = [i for i in _ours(sim) if i.status == "A_VALIDER_1"]
    return _page(sim, found, body.get("pagination") or {})


def rechercher_valideur(sim, body: dict) -> dict:
    statuses = set(body.get("statutCourant") or [])
    found = []
    for invoice in _ours(sim):
        if body.get("typeDemandePaiement") and invoice.kind != body["typeDemandePaiement"]:
            continue
        if body.get("numeroFacture") and invoice.number != body["numeroFacture"]:
            continue
        if body.get("numeroMarche") and invoice.market_number != body["numeroMarche"]:
            continue
        if body.get("cadreFacturation") and invoice.cadre != body["cadreFacturation"]:
            continue
        if body.get("idFournisseur") not in (None, invoice.supplier_id):
            continue
        if statuses and invoice.status not in statuses:
            continue
        if not in_period(invoice.deposited_at, body.get("periodeDateDepotDu"), body.get("periodeDateDepotAu")):
            continue
        found.append(invoice)
    return _page(sim, found, body.get("pagination") or {})


def _document(sim, invoice_id, field: str) -> Invoice:
    required(invoice_id, field, "L'identifiant de la facture")
    invoice = sim.store.invoices.get(invoice_id)
    if invoice is None or invoice not in _ours(sim):
        raise m.business(m.UNKNOWN_OBJECT, f"Aucune facture d'identifiant {invoice_id} à valider par votre "
                                           f"structure (« {field} »).", field=field)
    return invoice


def consulter_valideur(sim, body: dict) -> dict:
    invoice = _document(sim, body.get("identifiantFactureCPP"), "identifiantFactureCPP")
    return ok_read(facture=views.invoice_details(sim, invoice))


def traiter_facture_a_valider(sim, body: dict) -> dict:
    invoice = _document(sim, body.get("idFacture"), "idFacture")
    action = required(body.get("action"), "action", "L'action")
    if action not in (ACCEPT_ACTION, REFUSE_ACTION):
        raise m.business(m.MISSING_FIELD, f"Action « {action} » inconnue : {ACCEPT_ACTION} ou {REFUSE_ACTION}.",
                         field="action")
    if invoice.status != "A_VALIDER_1":
        raise m.business(m.STATUS_FORBIDS, f"La facture {invoice.number} est au statut {invoice.status} : elle "
                                           "n'est plus à valider.", field="statut")
    reason = (body.get("motifRefus") or "").strip()
    if action == REFUSE_ACTION and not reason:
        raise m.business(m.MISSING_FIELD, "Le motif du refus est obligatoire : renseignez « motifRefus ».",
                         field="motifRefus")
    comment = " – ".join(part for part in (reason, (body.get("complementInfo") or "").strip()) if part)
    sim.record_status(invoice, "VALIDEE_1" if action == ACCEPT_ACTION else "REFUSEE_1", comment=comment)
    return ok_write(idFacture=invoice.id, numeroFacture=invoice.number, dateTraitement=fmt_datetime(sim.clock.now()),
                    statutFacture=invoice.status)
