"""JSON shapes of stored objects in answers (search items, consultation, history)."""

from __future__ import annotations

from .clock import fmt_date, fmt_datetime


def paginate(items: list, page, size, *, default_size: int = 10, maximum=None) -> tuple[list, dict]:
    """Slice one page like the platform and build ``parametresRetour``."""
    if maximum:
        items = items[:maximum]
    size = size if isinstance(size, int) and size > 0 else default_size
    page = page if isinstance(page, int) and page > 0 else 1
    total = len(items)
    pages = (total + size - 1) // size
    chunk = items[(page - 1) * size: page * size]
    return chunk, {"pageCourante": page, "pages": pages, "nbResultatsParPage": size, "total": total}


def sorted_page(items: list, paging: dict, sort_keys: dict) -> tuple[list, dict]:
    """Sort on the requested ``triColonne`` (keys: column name → sort key), honour ``triSens``, slice one page."""
    key = sort_keys.get(paging.get("triColonne"))
    items = sorted(items, key=key) if key else list(items)
    if paging.get("triSens") == "Descendant":
        items.reverse()
    return paginate(items, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))


def money(value) -> float:
    return float(value)


def _structure(sim, structure_id):
    return sim.store.structures.get(structure_id) if structure_id is not None else None


def _service_code(structure, service_id) -> tuple[str, str]:
    if structure is None or service_id is None:
        return "", ""
    service = structure.service_by_id(service_id)
    return (service.code, service.name) if service else ("", "")


def invoice_item(sim, invoice) -> dict:
    """One item of ``factures/v1/rechercher/fournisseur``."""
    supplier = _structure(sim, invoice.supplier_id)
    buyer = _structure(sim, invoice.buyer_id)
    service_code, service_name = _service_code(buyer, invoice.service_id)
    validator = _structure(sim, invoice.validator_id)
    item = {
        "identifiantFactureCPP": invoice.id,
        "numeroFacture": invoice.number,
        "numeroFluxDepot": invoice.flow_number or None,
        "typeDemandePaiement": invoice.kind,
        "typeFacture": invoice.invoice_type,
        "modeDepot": invoice.mode,
        "statut": invoice.status,
        "dateHeureEtatCourant": fmt_datetime(invoice.status_at),
        "commentaireEtatCourant": invoice.status_comment or None,
        "rejetTraite": invoice.rejection_handled,
        "codeFournisseur": supplier.siret if supplier else None,
        "typeIdentifiantFournisseur": "SIRET",
        "designationFournisseur": supplier.name if supplier else None,
        "idDestinataire": buyer.id if buyer else None,
        "codeDestinataire": buyer.siret if buyer else None,
        "designationDestinataire": buyer.name if buyer else None,
        "idServiceExecutant": invoice.service_id,
        "codeServiceExecutant": service_code or None,
        "nomServiceExecutant": service_name or None,
        "dateFacture": fmt_date(invoice.invoice_date),
        "dateDepot": fmt_date(invoice.deposited_at),
        "montantHT": money(invoice.untaxed),
        "montantTTC": money(invoice.total),
        "montantAPayer": money(invoice.amount_due),
        "devise": invoice.currency,
        "numeroMarche": invoice.market_number or None,
        "numeroBonCommande": invoice.ej_number or None,
        "numeroFactureOrigine": invoice.original_number or None,
        "typeIdentifiantValideur1": "SIRET" if validator else None,
        "codeValideur1": validator.siret if validator else None,
        "raisonSocialeValideur1": validator.name if validator else None,
    }
    # no cadre nor works fields here: the Swagger's search item has none (works documents are recognised
    # by typeDemandePaiement FACTURE_TRAVAUX; their identifiantFactureCPP is their idFactureTravaux)
    return item


def validator_item(sim, invoice) -> dict:
    """One item of ``factures/v1/rechercher/valideur`` and ``rechercher/aTraiter/valideur``
    (``FactureRechercheValideur``; its amounts are int64 in the Swagger, sent here with their cents)."""
    supplier = _structure(sim, invoice.supplier_id)
    buyer = _structure(sim, invoice.buyer_id)
    validator = _structure(sim, invoice.validator_id)
    moe, moa = _structure(sim, invoice.moe_id), _structure(sim, invoice.moa_id)
    service_code, service_name = _service_code(buyer, invoice.service_id)
    return {
        "idFacture": invoice.id, "typeDemandePaiement": invoice.kind, "numeroFacture": invoice.number,
        "idFournisseur": invoice.supplier_id, "typeIdentifiantFournisseur": "SIRET",
        "identifiantFournisseur": supplier.siret if supplier else None,
        "designationFournisseur": supplier.name if supplier else None,
        "idMoe": invoice.moe_id, "identifiantMoe": moe.siret if moe else None,
        "designationMoe": moe.name if moe else None,
        "idMoa": invoice.moa_id, "identifiantMoa": moa.siret if moa else None,
        "designationMoa": moa.name if moa else None,
        "idDestinataire": invoice.buyer_id, "typeIdentifiantDestinataire": "SIRET" if buyer else None,
        "identifiantDestinataire": buyer.siret if buyer else None,
        "designationDestinataire": buyer.name if buyer else None,
        "idServiceExecutant": invoice.service_id, "codeServiceExecutant": service_code or None,
        "nomServiceExecutant": service_name or None,
        "idValideur": invoice.validator_id, "typeIdentifiantValideur": "SIRET" if validator else None,
        "identifiantValideur": validator.siret if validator else None,
        "designationValideur": validator.name if validator else None,
        "typeFacture": invoice.invoice_type, "typeFactureTravaux": invoice.works_type or None,
        "dateFacture": fmt_datetime(invoice.invoice_date), "dateDepot": fmt_datetime(invoice.deposited_at),
        "montantHT": money(invoice.untaxed), "montantTTC": money(invoice.total),
        "montantAPayer": money(invoice.amount_due), "devise": invoice.currency, "statut": invoice.status,
        "numeroMarche": invoice.market_number or None, "numeroEngagement": invoice.ej_number or None,
    }


def works_fields(sim, invoice) -> dict:
    moe, moa = _structure(sim, invoice.moe_id), _structure(sim, invoice.moa_id)
    return {
        "idFactureTravaux": invoice.id,
        "numeroFactureTravaux": invoice.number,
        "typeFactureTravaux": invoice.works_type,
        "idStructureMoe": invoice.moe_id,
        "identifiantMoe": moe.siret if moe else None,
        "raisonSocialeMoe": moe.name if moe else None,
        "codeServiceMoe": invoice.moe_service_code or None,
        "idStructureMoa": invoice.moa_id,
        "identifiantMoa": moa.siret if moa else None,
        "raisonSocialeMoa": moa.name if moa else None,
        "codeServiceMoa": invoice.moa_service_code or None,
    }


def works_item(sim, invoice) -> dict:
    """One item of ``facturesTravaux/v1/rechercher`` (item field names UNVERIFIED beyond idFactureTravaux)."""
    buyer = _structure(sim, invoice.buyer_id)
    service_code, _ = _service_code(buyer, invoice.service_id)
    supplier = _structure(sim, invoice.supplier_id)
    return {
        **works_fields(sim, invoice),
        "cadreFacturation": invoice.cadre,
        "statut": invoice.status,
        "dateHeureEtatCourant": fmt_datetime(invoice.status_at),
        "commentaireEtatCourant": invoice.status_comment or None,
        "dateDepot": fmt_date(invoice.deposited_at),
        "dateFactureTravaux": fmt_date(invoice.invoice_date),
        "numeroMarche": invoice.market_number or None,
        "numeroBonCommande": invoice.ej_number or None,
        "idStructureFournisseur": invoice.supplier_id,
        "codeFournisseur": supplier.siret if supplier else None,
        "idDestinataire": invoice.buyer_id,
        "codeDestinataire": buyer.siret if buyer else None,
        "codeServiceExecutant": service_code or None,
        "codeServiceFournisseur": None,
        "montantHT": money(invoice.untaxed),
        "montantTTC": money(invoice.total),
        "montantAPayer": money(invoice.amount_due),
        "modeDepot": invoice.mode,
    }


def _output_line(line: dict) -> dict:
    from .rules import cents, dec

    untaxed = cents(dec(line.get("lignePosteQuantite")) * dec(line.get("lignePosteMontantUnitaireHT"))
                    - dec(line.get("lignePosteMontantRemiseHT")))
    rate = line.get("lignePosteTauxTva")
    return {
        "lignePosteNumero": line.get("lignePosteNumero"), "lignePosteReference": line.get("lignePosteReference"),
        "lignePosteDenomination": line.get("lignePosteDenomination"),
        "lignePosteQuantite": line.get("lignePosteQuantite"), "lignePosteUniteLibelle": line.get("lignePosteUnite"),
        "lignePosteMontantUnitaireHT": line.get("lignePosteMontantUnitaireHT"),
        "lignePosteMontantRemiseHT": line.get("lignePosteMontantRemiseHT"),
        "lignePosteTauxTva": str(rate) if rate is not None else None,
        "lignePosteTauxTvaManuel": line.get("lignePosteTauxTvaManuel"),
        "lignePosteMontantHtApresRemise": money(untaxed),
    }


def _output_vat_line(line: dict) -> dict:
    rate = line.get("ligneTvaTaux")
    return {
        "ligneTvaTauxRefCode": rate if isinstance(rate, str) else None,
        "ligneTvaTauxRefValeur": rate if isinstance(rate, (int, float)) else None,
        "ligneTvaTauxManuel": line.get("ligneTvaTauxManuel"),
        "ligneTvaMontantBaseHtParTaux": line.get("ligneTvaMontantBaseHtParTaux"),
        "ligneTvaMontantTvaParTaux": line.get("ligneTvaMontantTvaParTaux"),
    }


def invoice_details(sim, invoice) -> dict:
    """The ``facture`` block of ``factures/v1/consulter/fournisseur`` (field names of the Swagger)."""
    supplier = _structure(sim, invoice.supplier_id)
    buyer = _structure(sim, invoice.buyer_id)
    service_code, service_name = _service_code(buyer, invoice.service_id)
    validator = _structure(sim, invoice.validator_id)
    files = [sim.store.files[i] for i in invoice.attachment_ids if i in sim.store.files]
    bank = dict(sim.store.bank_accounts.get(invoice.supplier_id, []))
    cadre = {
        "codeCadreFacturation": invoice.cadre,
        "idValideur1": invoice.validator_id,
        "typeIdentifiantValideur1": "SIRET" if validator else None,
        "codeValideur1": validator.siret if validator else None,
        "raisonSocialeValideur1": validator.name if validator else None,
    }
    if invoice.kind == "FACTURE_TRAVAUX":
        fields = works_fields(sim, invoice)
        cadre.update({"idMoe": invoice.moe_id, "typeIdentifiantMoe": "SIRET", "identifiantMoe": fields["identifiantMoe"],
                      "raisonSocialeMoe": fields["raisonSocialeMoe"], "codeServiceMoe": fields["codeServiceMoe"],
                      "idMoa": invoice.moa_id, "typeIdentifiantMoa": "SIRET", "identifiantMoa": fields["identifiantMoa"],
                      "raisonSocialeMoa": fields["raisonSocialeMoa"], "codeServiceMoa": fields["codeServiceMoa"]})
    lines = [_output_line(line) for line in invoice.lines]
    vat_lines = [_output_vat_line(line) for line in invoice.vat_lines]
    previous = sim.store.invoices.get(invoice.previous_id) if invoice.previous_id else None
    following = sim.store.invoices.get(invoice.next_id) if invoice.next_id else None
    return {
        # the works billing file's neighbours (Swagger fields; "numeroPieceSuiante" as the Swagger spells it)
        "piecePrecedente": {"idPiecePrecedente": previous.id, "numeroPiecePrecedente": previous.number,
                            "cadreFacturationPiecePrecedente": previous.cadre} if previous else None,
        "pieceSuivante": {"idPieceSuivante": following.id, "numeroPieceSuiante": following.number,
                          "cadreFacturationPieceSuivante": following.cadre} if following else None,
        "identifiantFactureCPP": invoice.id,
        "numeroFacture": invoice.number,
        "statutFacture": invoice.status,
        "modeDepot": invoice.mode,
        "rejetTraite": invoice.rejection_handled,
        "commentaire": invoice.comment or None,
        "destinataire": {
            "idDestinataire": invoice.buyer_id,
            "codeDestinataire": buyer.siret if buyer else None,
            "libelleDestinataire": buyer.name if buyer else None,
            "idServiceExecutant": invoice.service_id,
            "codeServiceExecutant": service_code or None,
            "libelleServiceExecutant": service_name or None,
        },
        "fournisseur": {
            "idFournisseur": invoice.supplier_id,
            "typeIdentifiantFournisseur": "SIRET",
            "codeFournisseur": supplier.siret if supplier else None,
            "raisonSocialeFournisseur": supplier.name if supplier else None,
            "coordBancairesFournisseurId": invoice.bank_account_id,
            "coordBancairesFournisseurLibelle": bank.get(invoice.bank_account_id),
        },
        "cadreDeFacturation": cadre,
        "references": {
            "dateFacture": fmt_date(invoice.invoice_date),
            "dateDepot": fmt_date(invoice.deposited_at),
            "dateCreationFacture": fmt_date(invoice.deposited_at),
            "codeDeviseFacture": invoice.currency,
            "typeFacture": invoice.invoice_type,
            "typeFactureTravaux": invoice.works_type or None,
            "typeTva": invoice.vat_type or None,
            "numeroMarche": invoice.market_number or None,
            "numeroBonCommande": invoice.ej_number or None,
            "numeroFactureOrigine": invoice.original_number or None,
            "modePaiement": invoice.payment_mode or None,
            "tailleTotalePiecesJointes": float(sum(f.size for f in files)),
        },
        "montantTotal": {
            "montantHtTotal": money(invoice.untaxed),
            "montantTVA": money(invoice.vat),
            "montantTtcTotal": money(invoice.total),
            "montantAPayer": money(invoice.amount_due),
        },
        "recapitulatifDeTva": {"ligneTva": vat_lines, "pageCouranteLignesRecapitulativesTVA": 1,
                               "pagesLignesRecapitulativesTVA": 1,
                               "nbResultatsParPageLignesRecapitulativesTVA": max(len(vat_lines), 1),
                               "totalLignesRecapitulativesTVA": len(vat_lines)},
        "lignesDePoste": {"lignePoste": lines, "pageCouranteLignesPoste": 1, "pagesLignesPoste": 1,
                          "nbResultatsParPageLignesPoste": max(len(lines), 1), "totalLignesPoste": len(lines)},
        "pieceJointePrincipale": {"idPieceJointePrincipale": invoice.main_attachment_id},
        "listeDesPiecesJointes": {
            "pieceJointe": [{"pieceJointeId": f.id, "pieceJointeDesignation": f.name,
                             "pieceJointeExtension": f.extension} for f in files],
            "pageCouranteListePiecesJointe": 1, "pagesListePiecesJointe": 1,
            "nbResultatsParPageListePiecesJointe": max(len(files), 1), "totalListePiecesJointe": len(files),
        },
    }


def history(sim, invoice, page=None, size=None, maximum=None) -> dict:
    events = list(reversed(invoice.history))  # newest first
    chunk, paging = paginate(events, page, size, default_size=10, maximum=maximum)
    return {
        "idFacture": invoice.id,
        "numeroFacture": invoice.number,
        "modeDepot": invoice.mode,
        "statutCourantCode": invoice.status,
        "historiquesDesStatuts": {
            "histoStatut": [{
                "histoStatutId": e.id, "histoStatutCode": e.status, "histoStatutDatePassage": fmt_datetime(e.at),
                "histoStatutCommentaire": e.comment or None,
                "histoStatutUtilisateurNom": None, "histoStatutUtilisateurPrenom": None,
            } for e in chunk],
            "pageCouranteHistoStatut": paging["pageCourante"], "pagesHistoStatut": paging["pages"],
            "nbResultatsParPageHistoStatut": paging["nbResultatsParPage"], "totalHistoStatut": paging["total"],
        },
        "historiquesDesEvenementsComplementaires": {"evenement": [], "pageCouranteEvenement": 1, "pagesEvenement": 0,
                                                    "nbResultatsParPageEvenement": 10, "totalEvenement": 0},
        "historiquesDesActionsUtilisateurs": {
            "histoAction": [{"histoActionId": a.id, "histoActionCode": a.status,
                             "histoActionDateHeure": fmt_datetime(a.at)} for a in reversed(invoice.actions)],
            "pageCouranteHistoAction": 1, "pagesHistoAction": 1 if invoice.actions else 0,
            "nbResultatsParPageHistoAction": max(len(invoice.actions), 10), "totalHistoAction": len(invoice.actions),
        },
        "derniereAction": {"derniereActionId": invoice.actions[-1].id,
                           "derniereActionCode": invoice.actions[-1].status} if invoice.actions else None,
    }
