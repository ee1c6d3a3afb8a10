"""factures/v1: soumettre and its rules, searches, consultation, history, supplier actions."""

from __future__ import annotations

import pytest
import test_simulator_support as support
from test_simulator_support import submit_body

from chorus_pro.simulator import seed

HOUR = 3600

api = support.api
local = support.local



def test_soumettre_answer(api):
    data = api.submit()
    assert data["libelle"] == "GCU_MSG_01_000" and data["statutFacture"] == "DEPOSEE"
    assert data["numeroFacture"] == "FA-2026-001"
    assert data["dateDepot"] == api.sim.now().date().isoformat()
    assert data["identifiantStructure"] == seed.SUPPLIER.siret and data["empreinteCertificatDepot"]
    invoice = api.sim.invoice(data["identifiantFactureCPP"])
    assert (invoice.buyer_id, invoice.status) == (seed.COMMUNE.id, "DEPOSEE")
    deposit = api.sim.deposits[0]
    assert (deposit.kind, deposit.invoice_number, deposit.supplier_id) == ("soumettre", "FA-2026-001", seed.SUPPLIER.id)


def test_pdf_mode_with_object_attachment(api):
    file_id = api.upload()
    body = submit_body(modeDepot="DEPOT_PDF_API", lignePoste=None, pieceJointePrincipale={
        "pieceJointePrincipaleDesignation": "facture.pdf", "pieceJointePrincipaleId": file_id})
    data = api.ok("factures/v1/soumettre", body)
    assert api.sim.invoice(data["identifiantFactureCPP"]).main_attachment_id == file_id


@pytest.mark.spec_exempt  # the array form is not in the 2020 Swagger
def test_pdf_mode_with_array_attachment(api):
    file_id = api.upload()
    body = submit_body(modeDepot="DEPOT_PDF_API", pieceJointePrincipale=[{
        "pieceJointePrincipaleDesignation": "facture.pdf", "pieceJointePrincipaleId": file_id}])
    assert api.ok("factures/v1/soumettre", body)["statutFacture"] == "DEPOSEE"


def test_duplicates_are_accepted_and_counted(local):
    local.submit()
    local.submit()
    local.submit(numeroFactureSaisi="FA-2026-002")
    assert local.sim.deposit_count("FA-2026-001") == 2 and local.sim.deposit_count("FA-2026-002") == 1
    assert len(local.sim.invoices_by_number("FA-2026-001")) == 2


@pytest.mark.parametrize("changes,field", [
    ({"cadreDeFacturation.codeCadreFacturation": None}, "cadreDeFacturation.codeCadreFacturation"),
    ({"modeDepot": None}, "modeDepot"),
    ({"numeroFactureSaisi": " "}, "numeroFactureSaisi"),
    ({"dateFacture": None}, "dateFacture"),
    ({"lignePoste": None}, "lignePoste"),
    ({"modeDepot": "DEPOT_PDF_API"}, "pieceJointePrincipale"),
    ({"modeDepot": "DEPOT_PDF_API", "pieceJointePrincipale": {"pieceJointePrincipaleId": 12}},
     "pieceJointePrincipale.pieceJointePrincipaleId"),
    ({"pieceJointeComplementaire": [{"pieceJointeComplementaireId": 12}]},
     "pieceJointeComplementaire.pieceJointeComplementaireId"),
    ({"fournisseur.idFournisseur": seed.COMMUNE.id}, "fournisseur.idFournisseur"),
    ({"fournisseur.idFournisseur": None}, "fournisseur.idFournisseur"),
    ({"fournisseur.codeCoordonneesBancairesFournisseur": 1}, "fournisseur.codeCoordonneesBancairesFournisseur"),
    ({"destinataire.codeDestinataire": "00000000000000"}, "destinataire.codeDestinataire"),
    ({"destinataire.codeDestinataire": seed.SYNDICAT_INACTIF.siret}, "destinataire.codeDestinataire"),
    ({"destinataire.codeDestinataire": None}, "destinataire.codeDestinataire"),
    ({"destinataire.codeServiceExecutant": None}, "destinataire.codeServiceExecutant"),
    ({"destinataire.codeServiceExecutant": "INCONNU"}, "destinataire.codeServiceExecutant"),
    ({"destinataire.codeServiceExecutant": "ANCIEN-SERV"}, "destinataire.codeServiceExecutant"),
    ({"destinataire.codeServiceExecutant": "FACTURES_PUBLIQUES"}, "destinataire.codeServiceExecutant"),
    ({"destinataire.codeServiceExecutant": "DST-VOIRIE"}, "references.numeroBonCommande"),
    ({"references.typeFacture": "AVOIR"}, "references.modePaiement"),
    ({"references.typeTva": "EXONERATION"}, "references.motifExonerationTva"),
    ({"references.deviseFacture": "EURO"}, "references.deviseFacture"),
    ({"montantTotal.montantTtcTotal": 120.01}, "montantTotal.montantTtcTotal"),
    ({"montantTotal.montantAPayer": 130.0}, "montantTotal.montantAPayer"),
    ({"montantTotal.montantHtTotal": None}, "montantTotal.montantHtTotal"),
    ({"ligneTva": [{"ligneTvaTaux": "TVA20", "ligneTvaMontantBaseHtParTaux": 90.0,
                    "ligneTvaMontantTvaParTaux": 20.0}]}, "ligneTva"),
    ({"ligneTva": [{"ligneTvaTaux": "TVA20", "ligneTvaMontantBaseHtParTaux": 100.0,
                    "ligneTvaMontantTvaParTaux": 19.0}]}, "ligneTva"),
    ({"lignePoste": [{"lignePosteNumero": 1, "lignePosteQuantite": 3, "lignePosteMontantUnitaireHT": 50.0}]},
     "lignePoste"),
])
def test_soumettre_rules(api, changes, field):
    data = api.refused("factures/v1/soumettre", submit_body(changes))
    assert data["champ"] == field, data
    assert api.sim.deposits == [] and api.sim.store.invoices == {}


@pytest.mark.parametrize("cadre", ["A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR", "A3_MEMOIRE_JUSTICE"])
@pytest.mark.spec_exempt
def test_only_submit_cadres(api, cadre):
    answer = api.call("factures/v1/soumettre", submit_body({"cadreDeFacturation.codeCadreFacturation": cadre}))
    assert answer.status_code == 400 and answer.json()["champ"] == "cadreDeFacturation.codeCadreFacturation"


@pytest.mark.parametrize("buyer,service,ej,ok", [
    (seed.DEPARTEMENT, None, "1300012345", True),
    (seed.DEPARTEMENT, None, None, False),
    (seed.DEPARTEMENT, None, "1300099999", False),  # CLOTURE
    (seed.DEPARTEMENT, None, "EJ-CH-2026-001", False),  # another buyer's EJ
    (seed.DEPARTEMENT, "DIR-ROUTES", "1300012345", True),
    (seed.HOPITAL, "SERV-ECO", "EJ-CH-2026-001", True),
    (seed.HOPITAL, "SERV-ECO", None, False),
    (seed.HOPITAL, None, "EJ-CH-2026-001", False),
    (seed.COMMUNAUTE, "ENV", None, True),
    (seed.COMMUNAUTE, None, "CC-2026-042", True),
    (seed.COMMUNAUTE, None, None, False),
    (seed.OPH, None, None, True),
    (seed.COMMUNE, "DST-VOIRIE", None, False),
    (seed.COMMUNE, "DST-VOIRIE", "2026-VOIRIE-007", True),
    (seed.COMMUNE, "SERV-TECH", "2026-VOIRIE-007", True),
])
def test_routing_rules(local, buyer, service, ej, ok):
    body = submit_body({"destinataire.codeDestinataire": buyer.siret, "destinataire.codeServiceExecutant": service,
                        "references.numeroBonCommande": ej})
    data = local.call("factures/v1/soumettre", body).json()
    assert (data["codeRetour"] == 0) == ok, data


def test_ej_longer_than_50(local):
    data = local.refused("factures/v1/soumettre", submit_body({
        "destinataire.codeDestinataire": seed.DEPARTEMENT.siret, "destinataire.codeServiceExecutant": None,
        "references.numeroBonCommande": "E" * 51}))
    assert "50" in data["detail"]


@pytest.mark.parametrize("cadre,validator", [("A9_FACTURE_SOUSTRAITANT", seed.TITULAIRE),
                                             ("A12_FACTURE_COTRAITANT", seed.MANDATAIRE)])
def test_validator_cadres(api, cadre, validator):
    missing = api.refused("factures/v1/soumettre", submit_body({"cadreDeFacturation.codeCadreFacturation": cadre}))
    assert missing["champ"] == "cadreDeFacturation.codeStructureValideur"
    unknown = api.refused("factures/v1/soumettre", submit_body({
        "cadreDeFacturation.codeCadreFacturation": cadre, "cadreDeFacturation.codeStructureValideur": "1"}))
    assert unknown["champ"] == "cadreDeFacturation.codeStructureValideur"
    data = api.ok("factures/v1/soumettre", submit_body({
        "cadreDeFacturation.codeCadreFacturation": cadre, "cadreDeFacturation.codeStructureValideur": validator.siret}))
    invoice_id = data["identifiantFactureCPP"]
    api.sim.advance(2 * HOUR)
    assert api.sim.invoice(invoice_id).status == "VALIDEE_1"
    item = api.ok("factures/v1/rechercher/fournisseur", {"numeroFacture": "FA-2026-001"})["listeFactures"][0]
    assert item["codeValideur1"] == validator.siret


def test_credit_note_without_payment_mode(api):
    data = api.ok("factures/v1/soumettre", submit_body({"references.typeFacture": "AVOIR", "references.modePaiement": None,
                                                        "references.numeroFactureOrigine": "FA-2026-000"}))
    item = api.ok("factures/v1/consulter/fournisseur", {"identifiantFactureCPP": data["identifiantFactureCPP"]})
    assert item["facture"]["references"]["typeFacture"] == "AVOIR"
    assert item["facture"]["references"]["numeroFactureOrigine"] == "FA-2026-000"


def test_global_discount_counts_in_totals(api):
    api.ok("factures/v1/soumettre", submit_body({"montantTotal.montantRemiseGlobaleTTC": 10.0,
                                                 "montantTotal.montantTtcTotal": 110.0,
                                                 "montantTotal.montantAPayer": 110.0}))


def test_status_progression_and_history(api):
    invoice_id = api.submit()["identifiantFactureCPP"]
    deposited_at = api.sim.invoice(invoice_id).status_at
    api.sim.advance(HOUR - 1)
    assert api.sim.invoice(invoice_id).status == "DEPOSEE"
    api.sim.advance(10 * HOUR)
    api.renew()
    history = api.ok("factures/v1/consulter/historique", {"idFacture": invoice_id})
    codes = [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]]
    assert codes == ["MISE_EN_PAIEMENT", "MANDATEE", "SERVICE_FAIT", "MISE_A_DISPOSITION", "EN_COURS_ACHEMINEMENT",
                     "DEPOSEE"]
    assert history["statutCourantCode"] == "MISE_EN_PAIEMENT" and history["idFacture"] == invoice_id
    dates = [h["histoStatutDatePassage"] for h in history["historiquesDesStatuts"]["histoStatut"]]
    assert dates == sorted(dates, reverse=True)
    assert api.sim.invoice(invoice_id).history[1].at - deposited_at == api.sim.invoice(invoice_id).history[2].at - \
        api.sim.invoice(invoice_id).history[1].at
    assert history["historiquesDesStatuts"]["totalHistoStatut"] == 6


def test_dates_look_like_the_platform(local):
    invoice_id = local.submit()["identifiantFactureCPP"]
    entry = local.ok("factures/v1/consulter/historique", {"idFacture": invoice_id})["historiquesDesStatuts"][
        "histoStatut"][0]
    import re
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", entry["histoStatutDatePassage"])


def test_history_paging(local):
    invoice_id = local.submit()["identifiantFactureCPP"]
    local.sim.advance(10 * HOUR)
    local.renew()
    data = local.ok("factures/v1/consulter/historique", {
        "idFacture": invoice_id, "paramRechercheHistoStatuts": {"pageResultatDemandeeListeHistoStatut": 2,
                                                                "nbResultatsParPageListeHistoStatut": 4}})
    block = data["historiquesDesStatuts"]
    assert [h["histoStatutCode"] for h in block["histoStatut"]] == ["EN_COURS_ACHEMINEMENT", "DEPOSEE"]
    assert (block["pageCouranteHistoStatut"], block["pagesHistoStatut"], block["totalHistoStatut"]) == (2, 2, 6)


def test_set_status_stops_the_path_with_a_comment(api):
    invoice_id = api.submit()["identifiantFactureCPP"]
    api.sim.advance(2 * HOUR)
    api.sim.set_invoice_status(invoice_id, "SUSPENDUE", "Joindre le PV de réception")
    api.sim.advance(20 * HOUR)
    api.renew()
    history = api.ok("factures/v1/consulter/historique", {"idFacture": invoice_id})
    assert history["statutCourantCode"] == "SUSPENDUE"
    assert history["historiquesDesStatuts"]["histoStatut"][0]["histoStatutCommentaire"] == "Joindre le PV de réception"


def test_unknown_invoice(api):
    data = api.refused("factures/v1/consulter/historique", {"idFacture": 42})
    assert data["champ"] == "idFacture"
    api.refused("factures/v1/consulter/fournisseur", {"identifiantFactureCPP": 42})


def test_consulter_fournisseur(api):
    file_id = api.upload()
    extra = api.upload("pv.pdf")
    data = api.ok("factures/v1/soumettre", submit_body(
        pieceJointePrincipale={"pieceJointePrincipaleDesignation": "facture.pdf", "pieceJointePrincipaleId": file_id},
        pieceJointeComplementaire=[{"pieceJointeComplementaireDesignation": "PV", "pieceJointeComplementaireType": "01",
                                    "pieceJointeComplementaireId": extra}],
        **{"references.numeroBonCommande": None}))
    facture = api.ok("factures/v1/consulter/fournisseur", {
        "identifiantFactureCPP": data["identifiantFactureCPP"], "codeLangue": "fr",
        "getpLignesPoste": {"pageResultatDemandeeLignesPoste": 1, "nbResultatsParPageLignesPoste": 50}})["facture"]
    assert facture["numeroFacture"] == "FA-2026-001" and facture["statutFacture"] == "DEPOSEE"
    assert facture["destinataire"]["codeServiceExecutant"] == "SERV-TECH"
    assert facture["fournisseur"]["idFournisseur"] == seed.SUPPLIER.id
    assert facture["references"]["numeroMarche"] == "2026-TX-017"
    assert facture["montantTotal"]["montantAPayer"] == 120.0
    assert facture["pieceJointePrincipale"]["idPieceJointePrincipale"] == file_id
    assert {p["pieceJointeId"] for p in facture["listeDesPiecesJointes"]["pieceJointe"]} == {file_id, extra}
    assert facture["lignesDePoste"]["lignePoste"][0]["lignePosteDenomination"] == "Maçonnerie"


@pytest.mark.spec_exempt  # go-choruspro's spelling of the paging objects
def test_consulter_accepts_p_paging_names(local):
    invoice_id = local.submit()["identifiantFactureCPP"]
    local.ok("factures/v1/consulter/fournisseur", {"identifiantFactureCPP": invoice_id,
                                                   "pLignesPoste": {"pageResultatDemandeeLignesPoste": 1}})


# -- search -------------------------------------------------------------------------------------------
def _numbers(api, body):
    return [i["numeroFacture"] for i in api.ok("factures/v1/rechercher/fournisseur", body)["listeFactures"]]


def test_search_default_page_is_ten_and_paging(api):
    for n in range(23):
        api.submit(numeroFactureSaisi=f"FA-{n:03d}")
    first = api.ok("factures/v1/rechercher/fournisseur", {})
    assert len(first["listeFactures"]) == 10
    assert first["parametresRetour"] == {"pageCourante": 1, "pages": 3, "nbResultatsParPage": 10, "total": 23}
    seen = []
    for page in range(1, 5):
        seen += _numbers(api, {"rechercheFactureParFournisseur": {"pageResultatDemandee": page,
                                                                  "nbResultatsParPage": 7}})
    assert seen == [f"FA-{n:03d}" for n in range(23)]
    top = _numbers(api, {"rechercheFactureParFournisseur": {"triColonne": "NumeroFacture", "triSens": "Descendant",
                                                            "nbResultatsParPage": 3}})
    assert top == ["FA-022", "FA-021", "FA-020"]
    capped = api.ok("factures/v1/rechercher/fournisseur", {"rechercheFactureParFournisseur": {
        "nbResultatsMaximum": 5, "nbResultatsParPage": 100}})
    assert capped["parametresRetour"]["total"] == 5


def test_search_filters(api):
    first = api.submit(numeroFactureSaisi="FA-A")["identifiantFactureCPP"]
    api.sim.advance(2.5 * HOUR)
    api.renew()
    api.submit(numeroFactureSaisi="FA-B", **{"destinataire.codeDestinataire": seed.OPH.siret,
                                             "destinataire.codeServiceExecutant": None})
    assert _numbers(api, {"numeroFacture": "FA-A"}) == ["FA-A"]
    assert _numbers(api, {"statutCourant": ["DEPOSEE"]}) == ["FA-B"]
    assert _numbers(api, {"statutCourant": ["MISE_A_DISPOSITION", "DEPOSEE"]}) == ["FA-A", "FA-B"]
    assert _numbers(api, {"listeDestinataire": [{"idDestinataire": seed.OPH.id}]}) == ["FA-B"]
    status_at = api.sim.invoice(first).status_at
    assert _numbers(api, {"periodeDateHeureEtatCourantDu": status_at.isoformat(),
                          "periodeDateHeureEtatCourantAu": status_at.isoformat()}) == ["FA-A"]
    today = api.sim.now().date().isoformat()
    assert _numbers(api, {"periodeDateDepotDu": today, "periodeDateDepotAu": today}) == ["FA-A", "FA-B"]
    assert _numbers(api, {"periodeDateDepotDu": "2020-01-01", "periodeDateDepotAu": "2020-12-31"}) == []
    assert _numbers(api, {"cadreFacturation": "A9_FACTURE_SOUSTRAITANT"}) == []
    assert _numbers(api, {"montantTTCMin": 120, "montantTTCMax": 120, "typeFacture": "FACTURE"}) == ["FA-A", "FA-B"]
    assert _numbers(api, {"idFournisseur": seed.COMMUNE.id}) == []
    item = api.ok("factures/v1/rechercher/fournisseur", {"numeroFacture": "FA-A"})["listeFactures"][0]
    assert item["statut"] == "MISE_A_DISPOSITION" and item["identifiantFactureCPP"] == first
    assert item["typeDemandePaiement"] == "FACTURE" and item["codeDestinataire"] == seed.COMMUNE.siret
    assert item["montantAPayer"] == 120.0 and item["dateHeureEtatCourant"].startswith(status_at.date().isoformat())


# -- supplier actions -----------------------------------------------------------------------------------
def test_completer_only_when_suspended(api):
    invoice_id = api.submit()["identifiantFactureCPP"]
    body = {"identifiantFactureCPP": invoice_id, "commentaire": "PV joint"}
    assert api.refused("factures/v1/completer", body)["champ"] == "statut"
    api.sim.set_invoice_status(invoice_id, "SUSPENDUE", "PV manquant")
    pv = api.upload("pv.pdf")
    data = api.ok("factures/v1/completer", {**body, "pieceJointeComplementaire": [
        {"pieceJointeComplementaireDesignation": "PV", "pieceJointeComplementaireType": "01",
         "pieceJointeComplementaireId": pv}]})
    assert data["identifiantFactureCPP"] == invoice_id and data["numeroFacture"] == "FA-2026-001"
    assert api.sim.invoice(invoice_id).status == "COMPLETEE" and pv in api.sim.invoice(invoice_id).attachment_ids
    api.sim.advance(HOUR)
    assert api.sim.invoice(invoice_id).status == "MISE_A_DISPOSITION"


def test_completer_needs_something(local):
    invoice_id = local.submit()["identifiantFactureCPP"]
    local.sim.set_invoice_status(invoice_id, "SUSPENDUE")
    assert local.refused("factures/v1/completer", {"identifiantFactureCPP": invoice_id})["champ"] == "commentaire"
    data = local.refused("factures/v1/completer", {"identifiantFactureCPP": invoice_id, "pieceJointeComplementaire": [
        {"pieceJointeComplementaireId": 5}]})
    assert data["champ"] == "pieceJointeComplementaire.pieceJointeComplementaireId"


def test_recycler_only_when_a_recycler(api):
    invoice_id = api.submit()["identifiantFactureCPP"]
    body = {"identifiantFactureCPP": invoice_id, "destinataire": {"codeDestinataire": seed.DEPARTEMENT.siret},
            "reference": {"numeroBonCommande": "1300012345"}, "commentaire": "Bon destinataire"}
    assert api.refused("factures/v1/recycler", body)["champ"] == "statut"
    api.sim.advance(HOUR)
    api.sim.set_invoice_status(invoice_id, "A_RECYCLER", "Mauvais destinataire")
    bad = api.refused("factures/v1/recycler", {**body, "reference": {}})
    assert bad["champ"] == "reference.numeroBonCommande"
    data = api.ok("factures/v1/recycler", body)
    assert data["statutFacture"] == "DEPOSEE" and data["identifiantFactureCPP"] == invoice_id
    invoice = api.sim.invoice(invoice_id)
    assert (invoice.buyer_id, invoice.ej_number) == (seed.DEPARTEMENT.id, "1300012345")
    api.sim.advance(HOUR)
    assert invoice.status == "EN_COURS_ACHEMINEMENT"


def test_traiter_rejet(api):
    rejected = api.submit()["identifiantFactureCPP"]
    other = api.submit(numeroFactureSaisi="FA-2")["identifiantFactureCPP"]
    api.sim.set_invoice_status(rejected, "REJETEE", "Montant erroné")
    both = {"listeDemandePaiement": [{"idDemandePaiement": rejected}, {"idDemandePaiement": other}]}
    api.refused("factures/v1/traiterRejet", both)
    assert api.sim.invoice(rejected).rejection_handled is False
    api.ok("factures/v1/traiterRejet", {"listeDemandePaiement": [{"idDemandePaiement": rejected}]})
    assert api.sim.invoice(rejected).rejection_handled is True and api.sim.invoice(rejected).status == "REJETEE"
    assert _numbers(api, {"rejetTraite": True}) == ["FA-2026-001"]
    history = api.ok("factures/v1/consulter/historique", {"idFacture": rejected})
    assert history["derniereAction"]["derniereActionCode"] == "TRAITEMENT_REJET"
    assert history["historiquesDesActionsUtilisateurs"]["totalHistoAction"] == 1
    api.refused("factures/v1/traiterRejet", {"listeDemandePaiement": []})


def test_corriger_valideur(api):
    invoice_id = api.ok("factures/v1/soumettre", submit_body({
        "cadreDeFacturation.codeCadreFacturation": "A9_FACTURE_SOUSTRAITANT",
        "cadreDeFacturation.codeStructureValideur": seed.MANDATAIRE.siret}))["identifiantFactureCPP"]
    body = {"idFacture": invoice_id, "identifiantStructure": seed.TITULAIRE.siret, "typeIdentifiantStructure": "SIRET"}
    assert api.refused("factures/v1/corriger/valideur/facture", body)["champ"] == "statut"
    api.sim.set_invoice_status(invoice_id, "ERREUR_FOURNISSEUR_SUR_VALIDEUR", "Mauvais titulaire")
    api.refused("factures/v1/corriger/valideur/facture", {**body, "identifiantStructure": "1"})
    assert api.ok("factures/v1/corriger/valideur/facture", body)["idFacture"] == invoice_id
    invoice = api.sim.invoice(invoice_id)
    assert (invoice.status, invoice.validator_id) == ("A_VALIDER_1", seed.TITULAIRE.id)
    api.sim.advance(HOUR)
    assert invoice.status == "VALIDEE_1"


def test_buyer_scenario(local):
    local.sim.set_buyer_scenario(seed.COMMUNE.siret, ["EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION", "SUSPENDUE"])
    invoice_id = local.submit()["identifiantFactureCPP"]
    other = local.submit(**{"destinataire.codeDestinataire": seed.OPH.siret,
                            "destinataire.codeServiceExecutant": None})["identifiantFactureCPP"]
    local.sim.advance(10 * HOUR)
    assert local.sim.invoice(invoice_id).status == "SUSPENDUE"
    assert local.sim.invoice(other).status == "MISE_EN_PAIEMENT"
    local.sim.set_buyer_scenario(seed.COMMUNE.id, None)
    local.renew()
    later = local.submit(numeroFactureSaisi="FA-3")["identifiantFactureCPP"]
    local.sim.advance(10 * HOUR)
    assert local.sim.invoice(later).status == "MISE_EN_PAIEMENT"


def test_step_seconds_is_configurable():
    from test_simulator_support import Api

    from chorus_pro.simulator import Simulator

    fast = Api(Simulator(step_seconds=60))
    invoice_id = fast.submit()["identifiantFactureCPP"]
    fast.sim.advance(120)
    assert fast.sim.invoice(invoice_id).status == "MISE_A_DISPOSITION"


def test_only_moving_invoices_are_followed(local):
    paid = local.submit()["identifiantFactureCPP"]
    waiting = local.submit(numeroFactureSaisi="FA-2")["identifiantFactureCPP"]
    assert local.sim.store.moving == {paid, waiting}
    local.sim.set_invoice_status(waiting, "SUSPENDUE")
    local.sim.advance(10 * HOUR)
    assert local.sim.store.moving == set() and local.sim.invoice(paid).status == "MISE_EN_PAIEMENT"
    local.sim.set_invoice_status(waiting, "MISE_A_DISPOSITION")
    assert local.sim.store.moving == {waiting}
    local.sim.advance(HOUR)
    assert local.sim.invoice(waiting).status == "SERVICE_FAIT"
