"""Factures operations (supplier side)."""

from __future__ import annotations

import base64
import hashlib

from chorus_pro.cadres import Cadre

from . import messages as m
from . import rules, views
from .clock import fmt_date, parse_input_datetime
from .lifecycle import VALIDATOR_CADRE_CODES
from .state import Invoice, StatusEvent


def ok_write(**fields) -> dict:
    return {"codeRetour": 0, "libelle": m.OK_WRITE, **fields}


def ok_read(**fields) -> dict:
    return {"codeRetour": 0, "libelle": m.OK_READ, **fields}


def required(value, field: str, what: str):
    if value is None or value == "" or value == []:
        raise m.business(m.MISSING_FIELD, f"{what} est obligatoire : renseignez « {field} ».", field=field)
    return value


def get_invoice(sim, invoice_id, field: str) -> Invoice:
    required(invoice_id, field, "L'identifiant de la facture")
    invoice = sim.store.invoices.get(invoice_id)
    if invoice is None or invoice.supplier_id != sim.supplier_id:
        raise m.business(m.UNKNOWN_OBJECT, f"Aucune facture d'identifiant {invoice_id} pour ce fournisseur "
                                           f"(« {field} »).", field=field)
    return invoice


def check_supplier(sim, body: dict) -> None:
    supplier = body.get("fournisseur") or {}
    supplier_id = required(supplier.get("idFournisseur"), "fournisseur.idFournisseur",
                            "L'identifiant Chorus Pro de la structure du fournisseur")
    if supplier_id != sim.supplier_id:
        raise m.business(m.SUPPLIER_MISMATCH, f"Le compte technique n'est pas habilité à déposer pour la structure "
                                              f"{supplier_id} : « fournisseur.idFournisseur » doit être l'idStructureCPP "
                                              f"de votre structure ({sim.supplier_id}, voir "
                                              "transverses/v1/recuperer/structures/actives/fournisseur).",
                         field="fournisseur.idFournisseur")
    bank = supplier.get("codeCoordonneesBancairesFournisseur")
    if bank is not None and bank not in dict(sim.store.bank_accounts.get(sim.supplier_id, [])):
        raise m.business(m.BANK_ACCOUNT, f"Les coordonnées bancaires {bank} ne sont pas des coordonnées valides de la "
                                         "structure du fournisseur (voir transverses/v1/recuperer/coordbanc/valides).",
                         field="fournisseur.codeCoordonneesBancairesFournisseur")


def check_common(sim, body: dict) -> dict:
    """Rules shared by soumettre and the works deposit; returns the values the invoice keeps."""
    mode = required(body.get("modeDepot"), "modeDepot", "Le mode de dépôt")
    number = required((body.get("numeroFactureSaisi") or "").strip(), "numeroFactureSaisi", "Le numéro de facture")
    required(body.get("dateFacture"), "dateFacture", "La date de facture")
    check_supplier(sim, body)
    main_ids = rules.main_attachment_ids(body)
    if mode == "SAISIE_API" and not body.get("lignePoste"):
        raise m.business(m.MODE_DEPOT, "Le mode SAISIE_API exige au moins une ligne de poste (« lignePoste »).",
                         field="lignePoste")
    if mode in ("DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API") and not main_ids:
        raise m.business(m.MODE_DEPOT, f"Le mode {mode} exige la pièce jointe principale : déposez le PDF avec "
                                       "transverses/v1/ajouter/fichier puis renseignez "
                                       "« pieceJointePrincipale.pieceJointePrincipaleId ».",
                         field="pieceJointePrincipale")
    if len(main_ids) > 1:
        raise m.business(m.MODE_DEPOT, "Une seule pièce jointe principale est admise.", field="pieceJointePrincipale")
    rules.check_files(sim, main_ids, "pieceJointePrincipale.pieceJointePrincipaleId")
    extra_ids = [p.get("pieceJointeComplementaireId") for p in body.get("pieceJointeComplementaire") or []]
    if None in extra_ids:
        raise m.business(m.ATTACHMENT_UNKNOWN, "Chaque pièce jointe complémentaire doit avoir un identifiant "
                                               "(« pieceJointeComplementaire[].pieceJointeComplementaireId »).",
                         field="pieceJointeComplementaire")
    rules.check_files(sim, extra_ids, "pieceJointeComplementaire.pieceJointeComplementaireId")
    references = body.get("references") or {}
    invoice_type = references.get("typeFacture") or "FACTURE"
    if invoice_type == "AVOIR" and references.get("modePaiement"):
        raise m.business(m.CREDIT_NOTE_PAYMENT, "Un avoir ne porte pas de mode de paiement : retirez "
                                                "« references.modePaiement ».", field="references.modePaiement")
    if references.get("typeTva") == "EXONERATION" and not references.get("motifExonerationTva"):
        raise m.business(m.VAT, "Une facture exonérée de TVA doit indiquer le motif d'exonération "
                                "(« references.motifExonerationTva »).", field="references.motifExonerationTva")
    currency = references.get("deviseFacture") or "EUR"
    if len(currency) != 3 or not currency.isalpha():
        raise m.business(m.MISSING_FIELD, f"Devise « {currency} » invalide : code ISO 4217 attendu (ex. EUR).",
                         field="references.deviseFacture")
    untaxed, vat, total, due = rules.check_totals(body)
    return {
        "mode": mode, "number": number, "invoice_type": invoice_type, "currency": currency.upper(),
        "untaxed": untaxed, "vat": vat, "total": total, "due": due,
        "main_ids": main_ids, "extra_ids": extra_ids, "references": references,
    }


def new_invoice(sim, body: dict, values: dict, *, kind: str, cadre: str, buyer, service, status: str) -> Invoice:
    references = values["references"]
    supplier = body.get("fournisseur") or {}
    now = sim.clock.now()
    invoice = Invoice(
        id=sim.store.next_invoice_id(), number=values["number"], supplier_id=sim.supplier_id, kind=kind, cadre=cadre,
        mode=values["mode"], invoice_type=values["invoice_type"],
        invoice_date=parse_input_datetime(body["dateFacture"]), deposited_at=now,
        buyer_id=buyer.id if buyer else None, service_id=service.id if service else None,
        ej_number=references.get("numeroBonCommande") or "", market_number=references.get("numeroMarche") or "",
        original_number=references.get("numeroFactureOrigine") or "",
        payment_mode=references.get("modePaiement") or "", vat_type=references.get("typeTva") or "",
        currency=values["currency"], bank_account_id=supplier.get("codeCoordonneesBancairesFournisseur"),
        untaxed=values["untaxed"], vat=values["vat"], total=values["total"], amount_due=values["due"],
        lines=[dict(li) for li in body.get("lignePoste") or []],
        vat_lines=[dict(v) for v in body.get("ligneTva") or []],
        main_attachment_id=values["main_ids"][0] if values["main_ids"] else None,
        attachment_ids=list(values["main_ids"]) + list(values["extra_ids"]),
        comment=body.get("commentaire") or "",
    )
    if buyer is not None and buyer.id in sim.buyer_scenarios:
        invoice.script = list(sim.buyer_scenarios[buyer.id])
    sim.record_status(invoice, status, at=now)
    sim.store.invoices[invoice.id] = invoice
    return invoice


def fingerprint(invoice: Invoice) -> str:
    digest = hashlib.sha256(f"{invoice.id}|{invoice.number}|{invoice.deposited_at.isoformat()}".encode()).digest()
    return base64.b64encode(digest).decode("ascii")


def soumettre(sim, body: dict) -> dict:
    cadre_block = body.get("cadreDeFacturation") or {}
    cadre = required(cadre_block.get("codeCadreFacturation"), "cadreDeFacturation.codeCadreFacturation",
                      "Le cadre de facturation")
    values = check_common(sim, body)
    destinataire = body.get("destinataire") or {}
    buyer = rules.find_buyer(sim, destinataire.get("codeDestinataire") or "")
    service = rules.check_routing(sim, buyer, destinataire.get("codeServiceExecutant") or "",
                                  values["references"].get("numeroBonCommande") or "")
    validator = None
    if cadre in VALIDATOR_CADRE_CODES:
        siret = cadre_block.get("codeStructureValideur") or ""
        who = "le titulaire du marché" if cadre == Cadre.A9.value else "le mandataire du groupement"
        if not siret:
            raise m.business(m.VALIDATOR, f"Le cadre {cadre} exige la structure valideur ({who}) : renseignez "
                                          "« cadreDeFacturation.codeStructureValideur » (SIRET).",
                             field="cadreDeFacturation.codeStructureValideur")
        validator = sim.store.structure_by_siret(siret)
        if validator is None or not validator.active or validator.id == sim.supplier_id:
            raise m.business(m.VALIDATOR, f"La structure valideur {siret} n'existe pas ou ne peut pas valider "
                                          "(« cadreDeFacturation.codeStructureValideur »).",
                             field="cadreDeFacturation.codeStructureValideur")
    invoice = new_invoice(sim, body, values, kind="FACTURE", cadre=cadre, buyer=buyer, service=service,
                          status="DEPOSEE")
    if validator is not None:
        invoice.validator_id = validator.id
        invoice.validator_service_code = cadre_block.get("codeServiceValideur") or ""
    sim.add_deposit("soumettre", invoice, invoice.number)
    supplier = sim.store.structures[sim.supplier_id]
    return ok_write(
        identifiantFactureCPP=invoice.id,
        # UNVERIFIED: the sandbox trace shows a 20-digit number; the simulator echoes numeroFactureSaisi
        numeroFacture=invoice.number,
        statutFacture=invoice.status,
        dateDepot=fmt_date(invoice.deposited_at),
        identifiantStructure=supplier.siret,
        empreinteCertificatDepot=fingerprint(invoice),
    )


def in_period(moment, start, end) -> bool:
    if moment is None:
        return not (start or end)
    if start and moment < parse_input_datetime(start):
        return False
    if end and moment > parse_input_datetime(end, end_of_day=True):
        return False
    return True


_SORT_KEYS = {
    "NumeroFacture": lambda i: i.number, "DateFacture": lambda i: i.invoice_date,
    "DateDepot": lambda i: i.deposited_at, "Statut": lambda i: i.status, "NumeroFluxDepot": lambda i: i.flow_number,
    "MontantHT": lambda i: i.untaxed, "MontantTTC": lambda i: i.total, "MontantAPayer": lambda i: i.amount_due,
    "TypeFacture": lambda i: i.invoice_type, "NumeroMarche": lambda i: i.market_number,
    "ModeDepot": lambda i: i.mode,
}


def _amount_ok(value, low, high) -> bool:
    return (low is None or value >= rules.dec(low)) and (high is None or value <= rules.dec(high))


def rechercher_fournisseur(sim, body: dict) -> dict:
    """Works documents are listed too (typeDemandePaiement FACTURE_TRAVAUX): one search follows everything."""
    found = []
    statuses = set(body.get("statutCourant") or [])
    buyers = {d.get("idDestinataire") for d in body.get("listeDestinataire") or [] if d.get("idDestinataire")}
    for invoice in sim.store.invoices.values():
        if invoice.supplier_id != sim.supplier_id:
            continue
        if body.get("idFournisseur") not in (None, invoice.supplier_id):
            continue
        if body.get("numeroFacture") and invoice.number != body["numeroFacture"]:
            continue
        if body.get("numeroFluxDepot") and invoice.flow_number != body["numeroFluxDepot"]:
            continue
        if body.get("numeroMarche") and invoice.market_number != body["numeroMarche"]:
            continue
        if body.get("numeroBonCommande") and invoice.ej_number != body["numeroBonCommande"]:
            continue
        if body.get("numeroFactureOrigine") and invoice.original_number != body["numeroFactureOrigine"]:
            continue
        if body.get("typeFacture") and invoice.invoice_type != body["typeFacture"]:
            continue
        if body.get("cadreFacturation") and invoice.cadre != body["cadreFacturation"]:
            continue
        if body.get("modeDepot") and invoice.mode != body["modeDepot"]:
            continue
        if body.get("rejetTraite") is not None and invoice.rejection_handled != body["rejetTraite"]:
            continue
        if statuses and invoice.status not in statuses:
            continue
        if buyers and invoice.buyer_id not in buyers:
            continue
        if not in_period(invoice.status_at, body.get("periodeDateHeureEtatCourantDu"),
                          body.get("periodeDateHeureEtatCourantAu")):
            continue
        if not in_period(invoice.deposited_at, body.get("periodeDateDepotDu"), body.get("periodeDateDepotAu")):
            continue
        if not in_period(invoice.invoice_date, body.get("periodeDateFactureDu"), body.get("periodeDateFactureAu")):
            continue
        if not (_amount_ok(invoice.untaxed, body.get("montantHTMin"), body.get("montantHTMax"))
                and _amount_ok(invoice.total, body.get("montantTTCMin"), body.get("montantTTCMax"))
                and _amount_ok(invoice.amount_due, body.get("montantApayerMin"), body.get("montantApayerMax"))):
            continue
        found.append(invoice)
    paging = body.get("rechercheFactureParFournisseur") or {}
    key = _SORT_KEYS.get(paging.get("triColonne"))
    if key is not None:
        found.sort(key=lambda i: (key(i) is None, "" if key(i) is None else key(i)),
                   reverse=paging.get("triSens") == "Descendant")
    elif paging.get("triSens") == "Descendant":
        found.reverse()
    chunk, page_info = views.paginate(found, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"),
                                      maximum=paging.get("nbResultatsMaximum"))
    return ok_read(parametresRetour=page_info, listeFactures=[views.invoice_item(sim, i) for i in chunk])


def consulter_fournisseur(sim, body: dict) -> dict:
    invoice = get_invoice(sim, body.get("identifiantFactureCPP"), "identifiantFactureCPP")
    return ok_read(facture=views.invoice_details(sim, invoice))


def consulter_historique(sim, body: dict) -> dict:
    invoice = get_invoice(sim, body.get("idFacture"), "idFacture")
    paging = body.get("paramRechercheHistoStatuts") or {}
    return ok_read(**views.history(sim, invoice, paging.get("pageResultatDemandeeListeHistoStatut"),
                                   paging.get("nbResultatsParPageListeHistoStatut"),
                                   body.get("nbResultatsMaximum")))


def _status_must_be(invoice: Invoice, allowed: tuple, action: str) -> None:
    if invoice.status not in allowed:
        raise m.business(m.STATUS_FORBIDS, f"La facture {invoice.number} est au statut {invoice.status} : {action} "
                                           f"n'est possible qu'au statut {' ou '.join(allowed)}.",
                         field="statut")


def completer(sim, body: dict) -> dict:
    invoice = get_invoice(sim, body.get("identifiantFactureCPP"), "identifiantFactureCPP")
    _status_must_be(invoice, ("SUSPENDUE",), "compléter la facture")
    ids = [p.get("pieceJointeComplementaireId") for p in body.get("pieceJointeComplementaire") or []]
    if None in ids:
        raise m.business(m.ATTACHMENT_UNKNOWN, "Chaque pièce jointe complémentaire doit avoir un identifiant.",
                         field="pieceJointeComplementaire")
    rules.check_files(sim, ids, "pieceJointeComplementaire.pieceJointeComplementaireId")
    if not ids and not (body.get("commentaire") or "").strip():
        raise m.business(m.MISSING_FIELD, "Complétez la facture avec au moins une pièce jointe ou un commentaire.",
                         field="commentaire")
    invoice.attachment_ids.extend(ids)
    invoice.script = None
    sim.record_status(invoice, "COMPLETEE", comment=body.get("commentaire") or "")
    return ok_write(identifiantFactureCPP=invoice.id, numeroFacture=invoice.number,
                    dateTraitement=fmt_date(sim.clock.now()))


def recycler(sim, body: dict) -> dict:
    invoice = get_invoice(sim, body.get("identifiantFactureCPP"), "identifiantFactureCPP")
    _status_must_be(invoice, ("A_RECYCLER",), "recycler la facture")
    destinataire = body.get("destinataire") or {}
    reference = body.get("reference") or {}
    buyer = rules.find_buyer(sim, destinataire.get("codeDestinataire") or "")
    ej = reference.get("numeroBonCommande") or ""
    service = rules.check_routing(sim, buyer, destinataire.get("codeServiceExecutant") or "", ej,
                                  ej_field="reference.numeroBonCommande")
    invoice.buyer_id, invoice.service_id, invoice.ej_number = buyer.id, service.id if service else None, ej
    if reference.get("numeroMarche"):
        invoice.market_number = reference["numeroMarche"]
    invoice.script = None
    sim.record_status(invoice, "DEPOSEE", comment=body.get("commentaire") or "")
    return ok_write(identifiantFactureCPP=invoice.id, numeroFacture=invoice.number, statutFacture=invoice.status,
                    dateDepot=fmt_date(invoice.deposited_at))


def traiter_rejet(sim, body: dict) -> dict:
    items = body.get("listeDemandePaiement") or []
    if not items:
        raise m.business(m.MISSING_FIELD, "Indiquez au moins une facture rejetée (« listeDemandePaiement »).",
                         field="listeDemandePaiement")
    invoices = [get_invoice(sim, item.get("idDemandePaiement"), "listeDemandePaiement.idDemandePaiement")
                for item in items]
    for invoice in invoices:
        _status_must_be(invoice, ("REJETEE",), "traiter le rejet")
    for invoice in invoices:
        invoice.rejection_handled = True
        invoice.actions.append(StatusEvent(sim.store.next_event_id(), "TRAITEMENT_REJET", sim.clock.now()))
    return ok_write()


def corriger_valideur(sim, body: dict) -> dict:
    invoice = get_invoice(sim, body.get("idFacture"), "idFacture")
    _status_must_be(invoice, ("ERREUR_FOURNISSEUR_SUR_VALIDEUR", "ERREUR_COTRAITANT_SUR_VALIDEUR"),
                    "corriger le valideur")
    validator = None
    if body.get("idStructure") is not None:
        validator = sim.store.structures.get(body["idStructure"])
    elif body.get("identifiantStructure"):
        validator = sim.store.structure_by_siret(body["identifiantStructure"])
    else:
        raise m.business(m.MISSING_FIELD, "Indiquez le nouveau valideur (« idStructure » ou « identifiantStructure »).",
                         field="idStructure")
    if validator is None or not validator.active or validator.id == sim.supplier_id:
        raise m.business(m.VALIDATOR, "La structure valideur indiquée n'existe pas ou ne peut pas valider.",
                         field="identifiantStructure")
    invoice.validator_id = validator.id
    invoice.script = None
    sim.record_status(invoice, "A_VALIDER_1", comment="Valideur corrigé par le fournisseur")
    return ok_write(idFacture=invoice.id)
