"""Business rules shared by soumettre, recycler, flows and the works deposit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from chorus_pro.results import PUBLIC_INVOICES_SERVICE

from . import messages as m
from .seed import Service, Structure

CENT = Decimal("0.01")
MAX_EJ_LENGTH = 50


def dec(value) -> Decimal:
    if value is None:
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_market(sim, moa: Structure, market: str) -> None:
    """A works document names a market its MOA is known with, when the MOA declared its markets."""
    known = sim.known_markets.get(moa.id)
    if known is not None and market not in known:
        raise m.business(m.MARKET_UNKNOWN, f"Le numéro de marché « {market} » est inconnu de la structure "
                                           f"{moa.siret} ({moa.name}).", prefix="GFT", field="numeroMarche")


def find_buyer(sim, siret: str, *, field: str = "destinataire.codeDestinataire") -> Structure:
    if not siret:
        raise m.business(m.MISSING_FIELD, f"Le destinataire est obligatoire : renseignez « {field} » "
                                          "(SIRET de la structure publique).", field=field)
    buyer = sim.store.structure_by_siret(siret)
    if buyer is None:
        raise m.business(m.BUYER_UNKNOWN, f"Aucune structure destinataire de SIRET {siret} n'existe dans Chorus Pro "
                                          f"(« {field} »).", field=field)
    if not buyer.active:
        raise m.business(m.BUYER_INACTIVE, f"La structure destinataire {siret} ({buyer.name}) est inactive dans "
                                           "Chorus Pro : elle ne peut plus recevoir de factures.", field=field)
    if buyer.id == sim.supplier_id:
        raise m.business(m.BUYER_UNKNOWN, "Le destinataire ne peut pas être la structure du fournisseur.",
                         field=field)
    return buyer


def check_routing(sim, buyer: Structure, service_code: str, ej_number: str, *,
                  service_field: str = "destinataire.codeServiceExecutant",
                  ej_field: str = "references.numeroBonCommande") -> Service | None:
    """Service and engagement juridique rules of the buyer (structure flags, service flag)."""
    service = None
    if service_code:
        service = buyer.service_by_code(service_code)
        if service is None:
            raise m.business(m.SERVICE_INVALID, f"Le service « {service_code} » n'existe pas pour la structure "
                                                f"{buyer.siret} ({buyer.name}).", field=service_field)
        if not service.active:
            raise m.business(m.SERVICE_INVALID, f"Le service « {service_code} » de la structure {buyer.siret} est "
                                                "inactif : choisissez un service actif.", field=service_field)
        if service.code == PUBLIC_INVOICES_SERVICE:
            raise m.business(m.SERVICE_INVALID, f"Le service {PUBLIC_INVOICES_SERVICE} est réservé à la facturation entre "
                                                "entités publiques : choisissez un autre service.",
                             field=service_field)
    if buyer.service_or_ej:
        if not service_code and not ej_number:
            raise m.business(m.SERVICE_REQUIRED, f"La structure {buyer.siret} ({buyer.name}) exige un code service "
                                                 "ou un numéro d'engagement juridique : renseignez l'un des deux.",
                             field=service_field)
    elif buyer.service_required and not service_code:
        raise m.business(m.SERVICE_REQUIRED, f"La structure {buyer.siret} ({buyer.name}) exige un code service : "
                                             f"renseignez « {service_field} ».", field=service_field)
    ej_needed = (buyer.ej_required and not buyer.service_or_ej) or (service is not None and service.ej_required)
    if ej_needed and not ej_number:
        who = f"le service « {service.code} »" if service is not None and service.ej_required else \
            f"la structure {buyer.siret} ({buyer.name})"
        raise m.business(m.EJ_REQUIRED, f"Un numéro d'engagement juridique est exigé par {who} : renseignez "
                                        f"« {ej_field} ».", field=ej_field)
    if ej_number:
        if len(ej_number) > MAX_EJ_LENGTH:
            raise m.business(m.EJ_INVALID, f"Le numéro d'engagement juridique dépasse {MAX_EJ_LENGTH} caractères.",
                             field=ej_field)
        state = buyer.engagements.get(ej_number)
        if state is None:
            raise m.business(m.EJ_INVALID, f"L'engagement juridique « {ej_number} » n'existe pas pour la structure "
                                           f"{buyer.siret} ({buyer.name}).", field=ej_field)
        if state != "COMMANDE":
            raise m.business(m.EJ_INVALID, f"L'engagement juridique « {ej_number} » est à l'état {state} : seul un "
                                           "engagement à l'état COMMANDE peut être facturé.", field=ej_field)
    return service


def check_totals(body: dict) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """HT + TVA − remise globale = TTC to the cent; VAT lines and item lines add up."""
    totals = body.get("montantTotal") or {}
    for name in ("montantHtTotal", "montantTVA", "montantTtcTotal", "montantAPayer"):
        if totals.get(name) is None:
            raise m.business(m.MISSING_FIELD, f"Le montant « montantTotal.{name} » est obligatoire.",
                             field=f"montantTotal.{name}")
    untaxed, vat, total = dec(totals["montantHtTotal"]), dec(totals["montantTVA"]), dec(totals["montantTtcTotal"])
    discount, due = dec(totals.get("montantRemiseGlobaleTTC")), dec(totals["montantAPayer"])
    if cents(untaxed + vat - discount) != cents(total):
        raise m.business(m.TOTALS, f"Montants incohérents : HT {untaxed} + TVA {vat} − remise globale {discount} "
                                   f"≠ TTC {total} (« montantTotal.montantTtcTotal »).",
                         field="montantTotal.montantTtcTotal")
    if due < 0 or cents(due) > cents(total):
        raise m.business(m.TOTALS, f"Le montant à payer {due} doit être compris entre 0 et le TTC {total} "
                                   "(« montantTotal.montantAPayer »).", field="montantTotal.montantAPayer")
    vat_lines = body.get("ligneTva") or []
    if vat_lines:
        base = sum((dec(v.get("ligneTvaMontantBaseHtParTaux")) for v in vat_lines), Decimal("0"))
        amount = sum((dec(v.get("ligneTvaMontantTvaParTaux")) for v in vat_lines), Decimal("0"))
        if cents(base) != cents(untaxed):
            raise m.business(m.TOTALS, f"La somme des bases HT du récapitulatif de TVA ({base}) diffère du total HT "
                                       f"({untaxed}).", field="ligneTva")
        if cents(amount) != cents(vat):
            raise m.business(m.TOTALS, f"La somme des montants de TVA du récapitulatif ({amount}) diffère du total "
                                       f"de TVA ({vat}).", field="ligneTva")
    lines = body.get("lignePoste") or []
    if lines:
        lines_total = sum((cents(dec(li.get("lignePosteQuantite")) * dec(li.get("lignePosteMontantUnitaireHT"))
                                 - dec(li.get("lignePosteMontantRemiseHT"))) for li in lines), Decimal("0"))
        if cents(lines_total) != cents(untaxed):
            raise m.business(m.TOTALS, f"La somme des lignes (quantité × prix unitaire HT − remise = {lines_total}) "
                                       f"diffère du total HT ({untaxed}).", field="lignePoste")
    return untaxed, vat, total, due


def main_attachment_ids(body: dict) -> list[int]:
    value = body.get("pieceJointePrincipale")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item.get("pieceJointePrincipaleId") for item in items if item.get("pieceJointePrincipaleId") is not None]


def check_files(sim, ids: list[int], field: str) -> None:
    for file_id in ids:
        if file_id not in sim.store.files:
            raise m.business(m.ATTACHMENT_UNKNOWN, f"La pièce jointe {file_id} n'existe pas : déposez-la d'abord avec "
                                                   f"transverses/v1/ajouter/fichier (« {field} »).", field=field)
