"""Structures, EngagementsJuridiques, Utilisateurs and Transverses operations."""

from __future__ import annotations

import base64
import binascii

from chorus_pro.documents import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_NAME

from . import messages as m
from . import views
from .clock import fmt_datetime
from .ops_factures import ok_read, ok_write
from .state import StoredFile


def _structure_or_fail(sim, structure_id, field: str):
    structure = sim.store.structures.get(structure_id) if structure_id is not None else None
    if structure is None:
        raise m.business(m.UNKNOWN_OBJECT, f"Aucune structure d'identifiant {structure_id} (« {field} »).",
                         prefix="TRA", field=field)
    return structure


# -- Structures -----------------------------------------------------------------------------------------
def structures_rechercher(sim, body: dict) -> dict:
    criteria = body.get("structure") or {}
    restrict = body.get("restreindreStructuresPrivees")
    found = []
    for s in sim.store.structures.values():
        if not s.public and restrict is not False and s.id != sim.supplier_id:
            continue  # private structures the account is not attached to stay hidden by default
        if criteria.get("identifiantStructure") and s.siret != criteria["identifiantStructure"].replace(" ", ""):
            continue
        if criteria.get("typeIdentifiantStructure") not in (None, "SIRET"):
            continue
        name = (criteria.get("raisonSocialeStructure") or criteria.get("libelleStructure") or "").strip().lower()
        if name and name not in s.name.lower():
            continue
        if criteria.get("statutStructure") and (criteria["statutStructure"] == "ACTIF") != s.active:
            continue
        if criteria.get("typeStructure") and (criteria["typeStructure"] == "PUBLIQUE") != s.public:
            continue
        if criteria.get("estMOA") and not s.moa:
            continue
        found.append(s)
    paging = body.get("parametres") or {}
    chunk, info = views.sorted_page(found, paging, {
        "DesignationStructure": lambda s: s.name, "IdentifiantStructure": lambda s: s.siret,
        "Statut": lambda s: not s.active})
    return ok_read(parametresRetour=info, listeStructures=[{
        "idStructureCPP": s.id, "identifiantStructure": s.siret, "designationStructure": s.name,
        "typeIdentifiantStructure": "SIRET", "statut": "ACTIVE" if s.active else "INACTIVE",
    } for s in chunk])


def structures_consulter(sim, body: dict) -> dict:
    s = _structure_or_fail(sim, body.get("idStructureCPP"), "idStructureCPP")
    info = {
        "idStructureCPP": s.id, "identifiantStructure": s.siret, "typeIdentifiantStructure": "SIRET",
        "raisonSocialeStructure": s.name, "libelleStructure": s.name, "emailStructure": None,
        "numeroTVA": None, "structurePriveePublique": "PUBLIQUE" if s.public else "PRIVEE",
        "estValideurDeleguee": False,
    }
    if s.id == sim.supplier_id:
        info["dateExpirationMotPasseCompteTech"] = fmt_datetime(sim.tech_password_expires_at)
    return ok_read(
        adressePostaleDuSiege={"adresse": "1 place de la Mairie", "codePostal": "72000", "ville": "LE MANS",
                               "pays": "FR"},
        informationGenerales=info,
        parametres={
            "codeServiceDoitEtreRenseigne": s.service_required, "numeroEJDoitEtreRenseigne": s.ej_required,
            "gestionNumeroEJOuCodeService": s.service_or_ej, "estMoaUniquement": False, "getaMoa": s.moa,
            "estValideurDelegue": False, "connexionEDI": False, "recevoirDonneesViaEDI": False,
            "nonDiffusibleInsee": False, "statutMiseEnPaiementNestPasRemonte": False,
        },
    )


def structures_services(sim, body: dict) -> dict:
    s = _structure_or_fail(sim, body.get("idStructure"), "idStructure")
    paging = body.get("parametresRechercherServicesStructure") or {}
    chunk, info = views.sorted_page(s.services, paging, {
        "CodeService": lambda x: x.code, "LibelleService": lambda x: x.name, "EstActif": lambda x: not x.active})
    return ok_read(parametresRetour=info, listeServices=[{
        "idService": x.id, "codeService": x.code, "libelleService": x.name, "estActif": x.active,
        "statutService": "ACTIF" if x.active else "INACTIF", "dateDbtService": "2020-01-01 00:00",
        "dateFinService": None if x.active else "2024-12-31 23:59",
    } for x in chunk])


def structures_consulter_service(sim, body: dict) -> dict:
    s = _structure_or_fail(sim, body.get("idStructure"), "idStructure")
    service = s.service_by_id(body.get("idService")) if body.get("idService") is not None else None
    if service is None:
        raise m.business(m.UNKNOWN_OBJECT, f"Aucun service d'identifiant {body.get('idService')} dans la structure "
                                           f"{s.siret} (« idService »).", prefix="TRA", field="idService")
    return ok_read(
        adressePostale={"adresse": "1 place de la Mairie", "codePostal": "72000", "ville": "LE MANS", "pays": "FR"},
        informationsGenerales={"codeService": service.code, "nomService": service.name,
                               "descriptionService": service.name},
        parametres={"dateCreation": "2020-01-01T00:00:00.000+01:00", "dateDebutValidite": "2020-01-01T00:00:00.000+01:00",
                    "dateFinValidite": None if service.active else "2024-12-31T23:59:59.000+01:00",
                    "dateModification": None, "miseEnPaiement": True, "numeroEngagement": service.ej_required},
        pageCourante=1, pages=1, nbResultatsParPage=1, total=1,
    )


# -- EngagementsJuridiques (no public Swagger: shapes from OCA, item fields UNVERIFIED) --------------
def ej_rechercher(sim, body: dict) -> dict:
    receiver = (body.get("structureReceptriceEngagementJuridique") or "").strip()
    if receiver and receiver != str(sim.supplier_id):
        return ok_read(listeEngagementJuridique=[])
    number = body.get("numeroEngagementJuridique") or ""
    state = body.get("etatCourantEngagementJuridique") or ""
    items = []
    for s in sim.store.structures.values():
        for ej, ej_state in s.engagements.items():
            if (number and ej != number) or (state and ej_state != state):
                continue
            items.append({"numeroEngagementJuridique": ej, "etatCourantEngagementJuridique": ej_state,
                          "idStructureEmettrice": s.id, "identifiantStructureEmettrice": s.siret,
                          "designationStructureEmettrice": s.name})
    return ok_read(listeEngagementJuridique=items)


# -- Utilisateurs ---------------------------------------------------------------------------------------
def mes_rattachements(sim, body: dict) -> dict:
    supplier = sim.store.structures[sim.supplier_id]
    items = [{
        "idStructure": supplier.id, "identifiantStructure": supplier.siret, "designationStructure": supplier.name,
        "roleUtilisateur": "GESTIONNAIRE", "statutRattachementStructure": "VALIDEE",
        "listeServicesRattache": [{"idService": x.id, "codeService": x.code, "libelleService": x.name}
                                  for x in supplier.services],
    }]
    paging = body.get("parametresRecherche") or {}
    chunk, info = views.paginate(items, paging.get("pageResultatDemandee"), paging.get("nbResultatsParPage"))
    return ok_read(parametresRetour=info, listeStructureRattachement=chunk)


# -- Transverses ----------------------------------------------------------------------------------------
def health_check(sim, body) -> dict:
    # shape seen in clients: {"statusCode": "200", ...}; needs no cpro-account here (UNVERIFIED)
    return {"statusCode": "200", "statusCodeValue": 200, "body": "Chorus Pro est opérationnel"}


def structures_actives_fournisseur(sim, body: dict) -> dict:
    supplier = sim.store.structures[sim.supplier_id]
    return ok_read(listeStructures=[{"idStructureCPP": supplier.id, "identifiant": supplier.siret,
                                     "designationStructure": supplier.name}])


def coordbanc_valides(sim, body: dict) -> dict:
    structure = _structure_or_fail(sim, body.get("idStructure"), "idStructure")
    accounts = sim.store.bank_accounts.get(structure.id, [])
    return ok_read(listeCoordonneeBancaire=[{"idCoordonneeBancaire": i, "nomCoordonneeBancaire": name}
                                            for i, name in accounts])


TAUX_TVA = [("TVA1", "Art 293B (franchise en base)", 0.0), ("TVA2", "2,1 %", 2.1), ("TVA5", "5,5 %", 5.5),
            ("TVA10", "10 %", 10.0), ("TVA20", "20 %", 20.0)]


def taux_tva(sim, body: dict) -> dict:
    return ok_read(listeTauxTva=[{"codeTauxTva": c, "libelleTauxTva": label, "valeurTauxTva": v}
                                 for c, label, v in TAUX_TVA])


def ajouter_fichier(sim, body: dict) -> dict:
    name = (body.get("pieceJointeNom") or "").strip()
    content_b64 = body.get("pieceJointeFichier") or ""
    extension = (body.get("pieceJointeExtension") or "").strip().upper()
    mime = body.get("pieceJointeTypeMime") or ""
    for field, value in (("pieceJointeNom", name), ("pieceJointeFichier", content_b64),
                         ("pieceJointeExtension", extension), ("pieceJointeTypeMime", mime)):
        if not value:
            raise m.business(m.MISSING_FIELD, f"Le champ « {field} » est obligatoire.", prefix="GCU", field=field)
    # base64 grows by 4/3: refuse before decoding anything far too large
    if len(content_b64) > (MAX_ATTACHMENT_BYTES * 4) // 3 + 8:
        raise m.Failure(m.ATTACHMENT_TOO_LARGE, "GCU_MSG_02_003",
                        f"La pièce jointe dépasse la taille maximale de {MAX_ATTACHMENT_BYTES // (1024 * 1024)} Mo.",
                        field="pieceJointeFichier")
    try:
        content = base64.b64decode(content_b64, validate=True)
    except (binascii.Error, ValueError):
        raise m.bad_request("Le champ « pieceJointeFichier » doit contenir le fichier encodé en base64.",
                            field="pieceJointeFichier")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise m.Failure(m.ATTACHMENT_TOO_LARGE, "GCU_MSG_02_003",
                        f"La pièce jointe dépasse la taille maximale de {MAX_ATTACHMENT_BYTES // (1024 * 1024)} Mo.",
                        field="pieceJointeFichier")
    if not content:
        raise m.business(m.ATTACHMENT_INVALID, "La pièce jointe est vide.", prefix="GCU", field="pieceJointeFichier")
    if len(name) > MAX_ATTACHMENT_NAME:
        raise m.business(m.ATTACHMENT_INVALID, f"Le nom de la pièce jointe dépasse {MAX_ATTACHMENT_NAME} caractères "
                                               "(extension comprise) : raccourcissez-le.", prefix="GCU",
                         field="pieceJointeNom")
    if "." not in name:
        raise m.business(m.ATTACHMENT_INVALID, "Le nom de la pièce jointe doit porter une extension (ex. .pdf).",
                         prefix="GCU", field="pieceJointeNom")
    if extension not in ALLOWED_EXTENSIONS:
        raise m.business(m.ATTACHMENT_INVALID, f"Extension « {extension} » non autorisée pour une pièce jointe.",
                         prefix="GCU", field="pieceJointeExtension")
    if name.rsplit(".", 1)[1].upper() != extension:
        raise m.business(m.ATTACHMENT_INVALID, f"L'extension du nom « {name} » ne correspond pas à "
                                               f"« pieceJointeExtension » ({extension}).", prefix="GCU",
                         field="pieceJointeExtension")
    if len(mime) > 255:
        raise m.business(m.ATTACHMENT_INVALID, "Le type MIME dépasse 255 caractères.", prefix="GCU",
                         field="pieceJointeTypeMime")
    stored = StoredFile(sim.store.next_file_id(), name, extension, mime, len(content), sim.clock.now())
    sim.store.files[stored.id] = stored
    return ok_write(pieceJointeId=stored.id)
