"""Structures, EngagementsJuridiques, Utilisateurs and Transverses operations of the simulator."""

from __future__ import annotations

import base64

import pytest
import test_simulator_support as support

from chorus_pro.simulator import seed

api = support.api
local = support.local



def test_rechercher_by_siret(api):
    data = api.ok("structures/v1/rechercher", {"structure": {"identifiantStructure": seed.COMMUNE.siret,
                                                             "typeIdentifiantStructure": "SIRET"}})
    assert data["libelle"] == "TRA_MSG_00.000"
    assert data["listeStructures"] == [{"idStructureCPP": seed.COMMUNE.id, "identifiantStructure": seed.COMMUNE.siret,
                                        "designationStructure": seed.COMMUNE.name, "typeIdentifiantStructure": "SIRET",
                                        "statut": "ACTIVE"}]
    assert data["parametresRetour"]["total"] == 1


def test_rechercher_inactive_and_unknown(api):
    data = api.ok("structures/v1/rechercher", {"structure": {"identifiantStructure": seed.SYNDICAT_INACTIF.siret}})
    assert data["listeStructures"][0]["statut"] == "INACTIVE"
    data = api.ok("structures/v1/rechercher", {"structure": {"identifiantStructure": "00000000000000"}})
    assert data["listeStructures"] == [] and data["parametresRetour"]["total"] == 0
    data = api.ok("structures/v1/rechercher", {"structure": {"statutStructure": "INACTIF"}})
    assert [s["idStructureCPP"] for s in data["listeStructures"]] == [seed.SYNDICAT_INACTIF.id]


def test_private_structures_hidden_unless_asked(api):
    body = {"structure": {"identifiantStructure": seed.MOE.siret}}
    assert api.ok("structures/v1/rechercher", body)["listeStructures"] == []
    found = api.ok("structures/v1/rechercher", {**body, "restreindreStructuresPrivees": False})["listeStructures"]
    assert found[0]["idStructureCPP"] == seed.MOE.id
    own = api.ok("structures/v1/rechercher", {"structure": {"identifiantStructure": seed.SUPPLIER.siret}})
    assert own["listeStructures"][0]["idStructureCPP"] == seed.SUPPLIER.id


def test_rechercher_paging_and_sort(api):
    body = {"structure": {"typeStructure": "PUBLIQUE"},
            "parametres": {"nbResultatsParPage": 3, "pageResultatDemandee": 2, "triColonne": "DesignationStructure",
                           "triSens": "Ascendant"}}
    data = api.ok("structures/v1/rechercher", body)
    publics = sorted(s.name for s in seed.BUYERS + seed.EXTRA_STRUCTURES if s.public)
    assert [s["designationStructure"] for s in data["listeStructures"]] == publics[3:6]
    assert data["parametresRetour"] == {"pageCourante": 2, "pages": (len(publics) + 2) // 3, "nbResultatsParPage": 3,
                                        "total": len(publics)}


@pytest.mark.parametrize("structure,flags", [
    (seed.COMMUNE, (True, False, False)), (seed.DEPARTEMENT, (False, True, False)),
    (seed.HOPITAL, (True, True, False)), (seed.COMMUNAUTE, (False, False, True)),
])
def test_consulter_flags(api, structure, flags):
    data = api.ok("structures/v1/consulter", {"idStructureCPP": structure.id, "codeLangue": "fr"})
    params = data["parametres"]
    assert (params["codeServiceDoitEtreRenseigne"], params["numeroEJDoitEtreRenseigne"],
            params["gestionNumeroEJOuCodeService"]) == flags
    assert data["informationGenerales"]["identifiantStructure"] == structure.siret
    assert data["informationGenerales"]["structurePriveePublique"] == "PUBLIQUE"


def test_consulter_unknown_structure(api):
    data = api.refused("structures/v1/consulter", {"idStructureCPP": 999})
    assert data["libelle"].startswith("TRA_MSG") and "999" in data["detail"]


def test_services_default_page_is_ten_and_paging_walks_all(api):
    first = api.ok("structures/v1/rechercher/services", {"idStructure": seed.METROPOLE.id})
    assert len(first["listeServices"]) == 10
    assert first["parametresRetour"] == {"pageCourante": 1, "pages": 3, "nbResultatsParPage": 10, "total": 23}
    codes = []
    for page in (1, 2, 3, 4):
        data = api.ok("structures/v1/rechercher/services", {
            "idStructure": seed.METROPOLE.id,
            "parametresRechercherServicesStructure": {"pageResultatDemandee": page, "nbResultatsParPage": 10,
                                                      "triColonne": "CodeService", "triSens": "Descendant"}})
        codes += [s["codeService"] for s in data["listeServices"]]
    assert codes == sorted((s.code for s in seed.METROPOLE.services), reverse=True)


def test_services_flags(api):
    data = api.ok("structures/v1/rechercher/services", {
        "idStructure": seed.COMMUNE.id, "parametresRechercherServicesStructure": {"nbResultatsParPage": 10000}})
    by_code = {s["codeService"]: s for s in data["listeServices"]}
    assert by_code["ANCIEN-SERV"]["estActif"] is False and by_code["SERV-TECH"]["estActif"] is True
    assert set(by_code) == {s.code for s in seed.COMMUNE.services}


def test_consulter_service(api):
    voirie = next(s for s in seed.COMMUNE.services if s.code == "DST-VOIRIE")
    data = api.ok("structures/v1/consulter/service", {"idStructure": seed.COMMUNE.id, "idService": voirie.id,
                                                       "codeLangue": "fr"})
    assert data["parametres"]["numeroEngagement"] is True
    assert data["informationsGenerales"]["codeService"] == "DST-VOIRIE"
    tech = seed.COMMUNE.services[0]
    data = api.ok("structures/v1/consulter/service", {"idStructure": seed.COMMUNE.id, "idService": tech.id})
    assert data["parametres"]["numeroEngagement"] is False
    api.refused("structures/v1/consulter/service", {"idStructure": seed.COMMUNE.id, "idService": 1})


def test_engagements(api):
    body = {"structureReceptriceEngagementJuridique": str(seed.SUPPLIER.id),
            "numeroEngagementJuridique": "1300012345", "etatCourantEngagementJuridique": "COMMANDE"}
    items = api.ok("engagementsJuridiques/v1/rechercher", body)["listeEngagementJuridique"]
    assert [i["numeroEngagementJuridique"] for i in items] == ["1300012345"]
    body["numeroEngagementJuridique"] = "1300099999"
    assert api.ok("engagementsJuridiques/v1/rechercher", body)["listeEngagementJuridique"] == []
    body["structureReceptriceEngagementJuridique"] = "1"
    body["numeroEngagementJuridique"] = "1300012345"
    assert api.ok("engagementsJuridiques/v1/rechercher", body)["listeEngagementJuridique"] == []


def test_attachments_of_the_technical_account(api):
    data = api.ok("utilisateurs/v1/monCompte/recuperer/rattachements",
                  {"parametresRecherche": {"nbResultatsParPage": 10, "pageResultatDemandee": 1}})
    assert data["listeStructureRattachement"][0]["idStructure"] == seed.SUPPLIER.id
    assert data["parametresRetour"]["total"] == 1


def test_supplier_structures_bank_accounts_vat_rates(api):
    data = api.ok("transverses/v1/recuperer/structures/actives/fournisseur", {})
    assert data["listeStructures"] == [{"idStructureCPP": seed.SUPPLIER.id, "identifiant": seed.SUPPLIER.siret,
                                        "designationStructure": seed.SUPPLIER.name}]
    accounts = api.ok("transverses/v1/recuperer/coordbanc/valides", {"idStructure": seed.SUPPLIER.id})
    assert accounts["listeCoordonneeBancaire"] == [{"idCoordonneeBancaire": i, "nomCoordonneeBancaire": n}
                                                   for i, n in seed.SUPPLIER_BANK_ACCOUNTS]
    assert api.ok("transverses/v1/recuperer/coordbanc/valides",
                  {"idStructure": seed.COMMUNE.id})["listeCoordonneeBancaire"] == []
    rates = api.ok("transverses/v1/recuperer/tauxtva", {"codeLangue": "fr"})["listeTauxTva"]
    assert {"codeTauxTva": "TVA20", "libelleTauxTva": "20 %", "valeurTauxTva": 20.0} in rates


def _file(content=b"%PDF-1.4 x", name="facture.pdf", extension="PDF", mime="application/pdf"):
    return {"pieceJointeFichier": base64.b64encode(content).decode(), "pieceJointeNom": name,
            "pieceJointeTypeMime": mime, "pieceJointeExtension": extension}


def test_upload_returns_increasing_ids(api):
    first = api.ok("transverses/v1/ajouter/fichier", _file())
    second = api.ok("transverses/v1/ajouter/fichier", _file(name="pv.xlsx", extension="XLSX"))
    assert first["libelle"] == "GCU_MSG_01_000" and second["pieceJointeId"] > first["pieceJointeId"]
    stored = api.sim.store.files[first["pieceJointeId"]]
    assert (stored.name, stored.size) == ("facture.pdf", len(b"%PDF-1.4 x"))


def test_upload_over_10_mb_is_20003(api):
    data = api.refused("transverses/v1/ajouter/fichier", _file(content=b"0" * (10 * 1024 * 1024 + 1)))
    assert data["codeRetour"] == 20003
    assert api.call("transverses/v1/ajouter/fichier", _file(content=b"0" * (10 * 1024 * 1024))).json()[
        "codeRetour"] == 0


@pytest.mark.parametrize("changes,field", [
    ({"name": "n" * 47 + ".pdf"}, "pieceJointeNom"),
    ({"name": "sans-extension"}, "pieceJointeNom"),
    ({"name": "virus.exe", "extension": "EXE"}, "pieceJointeExtension"),
    ({"name": "facture.pdf", "extension": "XML"}, "pieceJointeExtension"),
    ({"content": b""}, "pieceJointeFichier"),
    ({"mime": ""}, "pieceJointeTypeMime"),
])
def test_upload_rules(api, changes, field):
    data = api.refused("transverses/v1/ajouter/fichier", _file(**changes))
    assert data["champ"] == field


def test_upload_name_of_exactly_50_characters_is_accepted(api):
    api.ok("transverses/v1/ajouter/fichier", _file(name="n" * 46 + ".pdf"))


def test_upload_bad_base64_is_400(api):
    answer = api.call("transverses/v1/ajouter/fichier", {**_file(), "pieceJointeFichier": "***"})
    assert answer.status_code == 400 and answer.json()["champ"] == "pieceJointeFichier"
