"""Request fields accepted by each simulated operation (the simulator's own compact description).

Written from the implementer reference (field tables and enumerations), not
from the Swagger files; ``tests/test_simulator_spec.py`` checks that every field
name and enum value used here for Factures and Structures exists in the official
Swagger definitions.  Field types:

- ``STR``, ``INT`` (JSON integer, booleans refused), ``NUM`` (integer or decimal),
  ``BOOL``, ``DATE`` (``YYYY-MM-DD`` or an ISO date-time), ``Enum(...)``;
- a ``dict``: an object with these fields only (unknown fields are refused with
  HTTP 400 naming the field, as the platform's JSON binding does);
- ``[schema]``: an array of that schema;
- ``Either(a, b)``: either form (``pieceJointePrincipale`` object or array);
- ``Extra(schema)``: accepted although absent from the 2020 Swagger (UNVERIFIED
  variants seen in third-party clients); the spec test skips these.

JSON ``null`` is accepted for any field (treated as absent).
"""

from __future__ import annotations

from dataclasses import dataclass

from chorus_pro.cadres import PLATFORM_CADRE_CODES, SUBMIT_CADRES, WORKS_CADRES
from chorus_pro.statuses import INVOICE_STATUS_LABELS, WORKS_STATUS_LABELS

STR, INT, NUM, BOOL, DATE = "string", "integer", "number", "boolean", "date"
#: any JSON object (contents not checked)
OBJECT = "object"


@dataclass(frozen=True)
class Enum:
    values: tuple

    def __init__(self, *values):
        object.__setattr__(self, "values", tuple(values))


@dataclass(frozen=True)
class Either:
    first: object
    second: object


@dataclass(frozen=True)
class Extra:
    schema: object


# -- enumerations (reference §10, §11, §12, §13) ----------------------------------------------------
ID_TYPES = Enum("SIRET", "UE_HORS_FRANCE", "HORS_UE", "RIDET", "TAHITI", "AUTRE", "PARTICULIER")
SORT = Enum("Ascendant", "Descendant")
SUBMIT_CADRE_CODES = Enum(*sorted(c.value for c in SUBMIT_CADRES))
WORKS_CADRE_CODES = Enum(*sorted(c.value for c in WORKS_CADRES))
ALL_CADRES = Enum(*PLATFORM_CADRE_CODES)
SUBMIT_MODES = Enum("SAISIE_API", "DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API")
ALL_MODES = Enum("SAISIE_WEB", "PORTAIL_PDF", "EDI_XML_STRUCT", "EDI_MIXTE", "EDI_PDF_ARCHIVE", "SAISIE_PORTAIL",
                 "SAISIE_API", "DEPOT_PDF_PORTAIL", "DEPOT_PDF_SIGNE_PORTAIL", "DEPOT_PDF_API",
                 "DEPOT_PDF_SIGNE_API", "EDI", "UPLOAD_PORTAIL", "UPLOAD_API", "EDI_NUMERISATION")
INVOICE_TYPES = Enum("FACTURE", "AVOIR")
SEARCH_INVOICE_TYPES = Enum("FACTURE", "AVOIR", "ACOMPTE")
VAT_TYPES = Enum("TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA")
PAYMENT_MODES = Enum("CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT")
FLOW_SYNTAXES = Enum(
    "IN_DP_E1_UBL_INVOICE", "IN_DP_E1_CII", "IN_DP_E1_CII_16B", "IN_DP_E1_PES_FACTURE", "IN_DP_E1_XCBL",
    "IN_DP_E2_UBL_INVOICE_MIN", "IN_DP_E2_CII_MIN", "IN_DP_E2_CII_MIN_16B", "IN_DP_E2_PES_FACTURE_MIN",
    "IN_DP_E2_CPP_FACTURE_MIN", "IN_DP_E2_CII_FACTURX", "IN_DP_PDFARCHIVE_UBL_INVOICE_MUG",
    "IN_DP_PDFARCHIVE_CII_MUG",
)
STATUSES = tuple(dict.fromkeys([*INVOICE_STATUS_LABELS, *WORKS_STATUS_LABELS]))
WORKS_TYPES = Enum("DP_DE_SOUSTRAITANT_TRAVAUX", "PROJET_DECOMPTE_MENSUEL", "ETAT_ACOMPTE", "ETAT_ACOMPTE_VALIDE",
                   "PROJET_DECOMPTE_FINAL", "PROJET_DECOMPTE_GENERAL", "PROJET_DECOMPTE_GENERAL_PROCEDURE_TACITE",
                   "DECOMPTE_GENERAL", "DECOMPTE_GENERAL_SIGNE", "DECOMPTE_GENERAL_DEFINITIF_TACITE",
                   "DECOMPTE_GENERAL_DEFINITIF_PROCEDURE_TACITE")
ROLES = Enum("FOURNISSEUR", "MOE", "MOA", "VALIDEUR", "DESTINATAIRE")
#: a subset of the 46 sort columns of rechercher/fournisseur (the ones the simulator sorts on)
INVOICE_SORT_COLUMNS = Enum("NumeroFacture", "DateFacture", "DateDepot", "Statut", "NumeroFluxDepot",
                            "MontantHT", "MontantTTC", "MontantAPayer", "TypeFacture", "CodeDestinataire",
                            "NumeroMarche", "ModeDepot")

def with_generic_sort(paging: dict) -> dict:
    """The generic sort and page fields several paging objects declare (accepted, ignored: no client sends them)."""
    return {**paging, "champsDeTri": OBJECT, "ordreTriGenerique": SORT, "taillePageGenerique": INT,
            "indexPageGenerique": INT}


# -- shared blocks ----------------------------------------------------------------------------------
REFERENCES = {
    "deviseFacture": STR, "typeFacture": INVOICE_TYPES, "typeTva": VAT_TYPES, "motifExonerationTva": STR,
    "numeroMarche": STR, "numeroBonCommande": STR, "numeroFactureOrigine": STR, "modePaiement": PAYMENT_MODES,
}
DESTINATAIRE = {"codeDestinataire": STR, "codeServiceExecutant": STR}
MAIN_ATTACHMENT = {"pieceJointePrincipaleDesignation": STR, "pieceJointePrincipaleId": INT}
SUBMIT_LINE = {
    "lignePosteNumero": INT, "lignePosteReference": STR, "lignePosteDenomination": STR, "lignePosteQuantite": NUM,
    "lignePosteUnite": STR, "lignePosteMontantUnitaireHT": NUM, "lignePosteMontantRemiseHT": NUM,
    # a rate code such as "TVA20" per the reference; a number is tolerated (UNVERIFIED which one the platform wants)
    "lignePosteTauxTva": Either(STR, Extra(NUM)), "lignePosteTauxTvaManuel": NUM,
}
SUBMIT_VAT_LINE = {"ligneTvaTaux": Either(STR, Extra(NUM)), "ligneTvaMontantBaseHtParTaux": NUM,
                   "ligneTvaMontantTvaParTaux": NUM, "ligneTvaTauxManuel": NUM}
TOTALS = {"montantHtTotal": NUM, "montantTVA": NUM, "montantTtcTotal": NUM, "montantRemiseGlobaleTTC": NUM,
          "motifRemiseGlobaleTTC": STR, "montantAPayer": NUM}
EXTRA_ATTACHMENT = {
    "pieceJointeComplementaireDesignation": STR, "pieceJointeComplementaireType": STR,
    "pieceJointeComplementaireNumeroLigneFacture": INT, "pieceJointeComplementaireId": INT,
    "pieceJointeComplementaireIdLiaison": INT,
}

SOUMETTRE = {
    "idUtilisateurCourant": INT,
    "modeDepot": SUBMIT_MODES,
    "numeroFactureSaisi": STR,
    "dateFacture": DATE,
    "destinataire": DESTINATAIRE,
    "fournisseur": {"idFournisseur": INT, "idServiceFournisseur": INT, "codeCoordonneesBancairesFournisseur": INT},
    "cadreDeFacturation": {"codeCadreFacturation": SUBMIT_CADRE_CODES, "codeStructureValideur": STR,
                           "codeServiceValideur": STR},
    "references": REFERENCES,
    "lignePoste": [SUBMIT_LINE],
    "ligneTva": [SUBMIT_VAT_LINE],
    "montantTotal": TOTALS,
    # an object in the 2020 Swagger, an array in 2025 third-party documentation: both accepted
    "pieceJointePrincipale": Either(MAIN_ATTACHMENT, Extra([MAIN_ATTACHMENT])),
    "pieceJointeComplementaire": [EXTRA_ATTACHMENT],
    "commentaire": STR,
}

SEARCH_SUPPLIER_PAGING = with_generic_sort({
    "nbResultatsMaximum": INT, "pageResultatDemandee": INT, "nbResultatsParPage": INT, "triSens": SORT,
    "triColonne": INVOICE_SORT_COLUMNS,
})
RECHERCHER_FOURNISSEUR = {
    "idUtilisateurCourant": INT,
    "listeDestinataire": [{"idDestinataire": INT, "listeIdServiceExecutant": [INT], "raisonSocialeStuctDmd": STR}],
    "rechercheSirenDestinataire": BOOL,
    "numeroFacture": STR, "numeroFluxDepot": STR, "numeroMarche": STR, "numeroBonCommande": STR,
    "numeroFactureOrigine": STR,
    "periodeDateDepotDu": DATE, "periodeDateDepotAu": DATE,
    "periodeDateFactureDu": DATE, "periodeDateFactureAu": DATE,
    "periodeDateHeureEtatCourantDu": DATE, "periodeDateHeureEtatCourantAu": DATE,
    "typeFacture": SEARCH_INVOICE_TYPES, "cadreFacturation": ALL_CADRES, "modeDepot": ALL_MODES,
    "idFournisseur": INT, "idServiceFournisseur": INT, "idStructureValideur": INT, "coordonneeBancaire": INT,
    "idUtilisateurCreateur": [INT],
    "statutCourant": [Enum(*STATUSES)],
    "montantHTMin": NUM, "montantHTMax": NUM, "montantTTCMin": NUM, "montantTTCMax": NUM,
    "montantApayerMin": NUM, "montantApayerMax": NUM,
    "rejetTraite": BOOL, "recupererTaille": BOOL,
    "rechercheFactureParFournisseur": SEARCH_SUPPLIER_PAGING,
}

_RECAP_PAGING = with_generic_sort({
    "pageResultatDemandeeListeRecapitulatifTVA": INT, "nbResultatsParPageListeListeRecapitulatifTVA": INT,
    "triSensListeRecapitulatifTVA": SORT, "triColonneListeRecapitulatifTVA": STR})
_ATTACHMENTS_PAGING = with_generic_sort({
    "pageResultatDemandeeListePieceJointe": INT, "nbResultatsParPageListePieceJointe": INT,
    "triSensListePiecesJointes": SORT, "triColonneListePiecesJointes": STR})
_LINES_PAGING = with_generic_sort({
    "pageResultatDemandeeLignesPoste": INT, "nbResultatsParPageLignesPoste": INT, "triSensListeLignesPoste": SORT,
    "triColonneListeLignesPoste": STR})
CONSULTER_FOURNISSEUR = {
    "idUtilisateurCourant": INT, "identifiantFactureCPP": INT, "codeLangue": STR,
    "getpLigneRecapTva": _RECAP_PAGING, "getpListePiecesJointes": _ATTACHMENTS_PAGING, "getpLignesPoste": _LINES_PAGING,
    # go-choruspro's spelling (wire names UNVERIFIED): accepted, ignored like the others
    "pLigneRecapTva": Extra(_RECAP_PAGING), "pListePiecesJointes": Extra(_ATTACHMENTS_PAGING),
    "pLignesPoste": Extra(_LINES_PAGING),
}

CONSULTER_HISTORIQUE = {
    "idUtilisateurCourant": INT, "idFacture": INT, "idEspace": INT, "nbResultatsMaximum": INT,
    "paramRechercheHistoStatuts": with_generic_sort({
        "pageResultatDemandeeListeHistoStatut": INT, "nbResultatsParPageListeHistoStatut": INT,
        "triSensListeHistoStatut": SORT, "triColonneListeHistoStatut": STR}),
    "paramRechercheHistoEvenementsComplementaires": with_generic_sort({
        "pageResultatDemandeeListeHistoEvenement": INT, "nbResultatsParPageListeHistoEvenement": INT,
        "triSensListeHistoEvenement": SORT, "triColonneListeHistoEvenement": STR}),
    "paramRechercheHistoActionsUtilisateurs": with_generic_sort({
        "pageResultatDemandeeListeHistoAction": INT, "nbResultatsParPageListeHistoAction": INT,
        "triSensListeHistoAction": SORT, "triColonneListeHistoAction": STR}),
}

COMPLETER = {
    "idUtilisateurCourant": INT, "identifiantFactureCPP": INT, "commentaire": STR,
    "pieceJointeComplementaire": [{
        "pieceJointeComplementaireDesignation": STR, "pieceJointeComplementaireType": STR,
        "pieceJointeComplementaireNumeroLigneFacture": INT, "pieceJointeComplementaireId": INT,
    }],
}
RECYCLER = {"idUtilisateurCourant": INT, "identifiantFactureCPP": INT, "destinataire": DESTINATAIRE,
            "commentaire": STR, "reference": REFERENCES}
TRAITER_REJET = {
    "listeDemandePaiement": [{"idDemandePaiement": INT}],
    # sent by go-choruspro only (UNVERIFIED)
    "motifRejet": Extra(STR), "cpltInfos": Extra(STR),
}
CORRIGER_VALIDEUR = {"idFacture": INT, "idStructure": INT, "identifiantStructure": STR,
                     "typeIdentifiantStructure": ID_TYPES}
DEPOSER_FLUX = {"idUtilisateurCourant": INT, "fichierFlux": STR, "nomFichier": STR, "syntaxeFlux": FLOW_SYNTAXES,
                "avecSignature": BOOL}

# -- as validator (chorus_pro/simulator/ops_validator.py) -------------------------------------------------
VALIDATOR_PAGING = with_generic_sort({"pageResultatDemandee": INT, "nbResultatsParPage": INT, "triSens": SORT,
                                      "triColonne": STR})
RECHERCHER_ATRAITER_VALIDEUR = {"idUtilisateurCourant": INT, "idStructure": INT, "typeIdentifiantStructure": ID_TYPES,
                                "identifiantStructure": STR, "pagination": VALIDATOR_PAGING}
RECHERCHER_VALIDEUR = {
    "idUtilisateurCourant": INT,
    "typeDemandePaiement": Enum("FACTURE", "FACTURE_TRAVAUX", "MEMOIRE_JUSTICE", "DEMANDE_REMBOURSEMENT"),
    "idDestinataire": INT, "rechercheSirenDestinataire": BOOL, "idServiceExecutant": INT, "numeroFacture": STR,
    "periodeDateDepotDu": DATE, "periodeDateDepotAu": DATE, "listeTypeFacture": [SEARCH_INVOICE_TYPES],
    "listeTypeFactureTravaux": [WORKS_TYPES], "idFournisseur": INT, "rechercheSirenFournisseur": BOOL,
    "idServiceFournisseur": INT, "idStructureValideur": INT, "idStructureMoe": INT, "idStructureMoa": INT,
    "cadreFacturation": ALL_CADRES, "statutCourant": [Enum(*STATUSES)],
    "periodeDateFactureDu": DATE, "periodeDateFactureAu": DATE,
    "montantHTMin": NUM, "montantHTMax": NUM, "montantTTCMin": NUM, "montantTTCMax": NUM,
    "montantAPayerMin": NUM, "montantAPayerMax": NUM, "numeroMarche": STR, "numeroEngagement": STR,
    "pagination": VALIDATOR_PAGING,
}
CONSULTER_VALIDEUR = {
    "idUtilisateurCourant": INT, "identifiantFactureCPP": INT, "codeLangue": STR,
    "rechercheLigneTvaRecap": _RECAP_PAGING, "recherchePj": _ATTACHMENTS_PAGING, "rechercheLignePoste": _LINES_PAGING,
}
TRAITER_FACTURE_A_VALIDER = {"idFacture": INT, "action": STR, "typeValideur": STR, "idValideur": INT,
                             "motifRefus": STR, "complementInfo": STR}

# -- Structures -------------------------------------------------------------------------------------
STRUCTURES_RECHERCHER = {
    "structure": {
        "identifiantStructure": STR, "typeIdentifiantStructure": ID_TYPES, "raisonSocialeStructure": STR,
        "libelleStructure": STR, "nomStructure": STR, "prenomStructure": STR, "adresseCodePays": STR,
        "adresseCodePostal": STR, "adresseVille": STR, "estMOA": BOOL, "estMOAUniquement": BOOL,
        "statutStructure": Enum("ACTIF", "INACTIF"), "typeStructure": Enum("PRIVEE", "PUBLIQUE"),
    },
    "restreindreStructuresPrivees": BOOL,
    "parametres": {"nbResultatsParPage": INT, "pageResultatDemandee": INT, "triSens": SORT,
                   "triColonne": Enum("IdentifiantStructure", "DesignationStructure", "TypeIdentifiantStructure",
                                      "Statut")},
}
STRUCTURES_CONSULTER = {"idStructureCPP": INT, "codeLangue": STR}
STRUCTURES_SERVICES = {
    "idStructure": INT,
    "parametresRechercherServicesStructure": {
        "nbResultatsParPage": INT, "pageResultatDemandee": INT, "triSens": SORT,
        "triColonne": Enum("CodeService", "LibelleService", "DateDbtService", "DateFinService", "EstActif"),
    },
}
STRUCTURES_CONSULTER_SERVICE = {"idStructure": INT, "idService": INT, "codeLangue": STR}

# -- other APIs (no public Swagger) --------------------------------------------------------------
PAGING = {"nbResultatsParPage": INT, "pageResultatDemandee": INT, "triSens": SORT, "triColonne": STR}
AJOUTER_FICHIER = {"pieceJointeFichier": STR, "pieceJointeNom": STR, "pieceJointeTypeMime": STR,
                   "pieceJointeExtension": STR, "idUtilisateurCourant": INT}
CONSULTER_CR_DETAILLE = {"numeroFluxDepot": STR, "syntaxeFlux": FLOW_SYNTAXES, "idUtilisateurCourant": INT}
CONSULTER_CR = {**CONSULTER_CR_DETAILLE, "dateDepot": DATE}
EMPTY = {"idUtilisateurCourant": INT}
COORDBANC = {"idStructure": INT, "idUtilisateurCourant": INT}
TAUX_TVA = {"codeLangue": STR}
CADRES = {"typeDemandePaiement": Enum("FACTURE", "FACTURE_TRAVAUX", "MEMOIRE_JUSTICE", "DEMANDE_REMBOURSEMENT"),
          "idUtilisateurCourant": INT}
RATTACHEMENTS = {"parametresRecherche": PAGING, "idUtilisateurCourant": INT}
EJ_RECHERCHER = {"structureReceptriceEngagementJuridique": STR, "numeroEngagementJuridique": STR,
                 "etatCourantEngagementJuridique": STR, "idUtilisateurCourant": INT}
WORKS_RECHERCHER = {
    "roleUtilisateur": ROLES,
    "idStructureFournisseur": INT, "idServiceFournisseur": INT, "idStructureMoe": INT, "idServiceMoe": INT,
    "idStructureMoa": INT, "idServiceMoa": INT, "idStructureValideur": INT, "idDestinataire": INT,
    "idServiceExecutant": INT,
    "listeTypeFactureTravaux": [WORKS_TYPES], "cadreFacturation": ALL_CADRES, "listeStatutCourant": [Enum(*STATUSES)],
    "periodeDateDepotDu": DATE, "periodeDateDepotAu": DATE, "periodeDateFactureTravauxDu": DATE,
    "periodeDateFactureTravauxAu": DATE, "periodeDateHeureEtatCourantDu": DATE, "periodeDateHeureEtatCourantAu": DATE,
    "montantHTMin": NUM, "montantHTMax": NUM, "montantTTCMin": NUM, "montantTTCMax": NUM,
    "montantAPayerMin": NUM, "montantAPayerMax": NUM,
    "numeroFactureTravaux": STR, "numeroMarche": STR, "numeroBonCommande": STR, "numeroFluxDepot": STR,
    "modeDepot": ALL_MODES, "idCoordonneeBancaire": INT,
    "uniquementSansPieceSuivante": BOOL, "avecSansService": STR, "flagTelecharge": BOOL,
    "rechercheFactureTravaux": {"nbResultatsParPage": INT, "pageResultatDemandee": INT, "triSens": SORT,
                                "triColonne": STR},
    "idUtilisateurCourant": INT,
}
#: works deposit (path and payload UNVERIFIED, reference §9.2): soumettre's body plus the works fields
WORKS_SOUMETTRE = {
    **{k: v for k, v in SOUMETTRE.items() if k != "cadreDeFacturation"},
    "cadreDeFacturation": {"codeCadreFacturation": WORKS_CADRE_CODES, "codeStructureValideur": STR,
                           "codeServiceValideur": STR},
    "references": {**REFERENCES, "typeFactureTravaux": WORKS_TYPES},
    "typeFactureTravaux": WORKS_TYPES,
    "numeroMarche": STR,
    "moe": {"identifiantMoe": STR, "codeMOE": STR, "idStructureMoe": INT, "codeServiceMoe": STR},
    "moa": {"identifiantMoa": STR, "codeMOA": STR, "idStructureMoa": INT, "codeServiceMoa": STR},
}

# -- validation ---------------------------------------------------------------------------------------
_PY_TYPES = {STR: (str,), INT: (int,), NUM: (int, float), BOOL: (bool,), OBJECT: (dict,)}
_TYPE_WORDS = {OBJECT: "un objet JSON", STR: "une chaîne", INT: "un entier", NUM: "un nombre", BOOL: "un booléen",
               DATE: "une date (AAAA-MM-JJ ou date-heure ISO 8601)"}


class SchemaError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def check(value, schema, path: str = "") -> None:
    """Raise :class:`SchemaError` naming the first field that does not fit ``schema``."""
    from .clock import parse_input_datetime

    if value is None:
        return
    if isinstance(schema, Extra):
        return check(value, schema.schema, path)
    if isinstance(schema, Either):
        try:
            return check(value, schema.first, path)
        except SchemaError:
            return check(value, schema.second, path)
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise SchemaError(path, f"Le champ « {path or 'corps'} » doit être un objet JSON.")
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key not in schema:
                raise SchemaError(child, f"Champ inconnu « {child} » : retirez-le de la requête.")
            check(item, schema[key], child)
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            raise SchemaError(path, f"Le champ « {path} » doit être un tableau JSON.")
        for index, item in enumerate(value):
            check(item, schema[0], f"{path}[{index}]")
        return
    if isinstance(schema, Enum):
        if not isinstance(value, str) or value not in schema.values:
            shown = ", ".join(schema.values[:12]) + (", …" if len(schema.values) > 12 else "")
            raise SchemaError(path, f"Valeur « {value} » non autorisée pour « {path} » ; valeurs possibles : {shown}.")
        return
    if schema == DATE:
        if isinstance(value, str):
            try:
                parse_input_datetime(value)
                return
            except ValueError:
                pass
        raise SchemaError(path, f"Le champ « {path} » doit être {_TYPE_WORDS[DATE]} (reçu : {value!r}).")
    expected = _PY_TYPES[schema]
    if isinstance(value, bool) and schema != BOOL:
        ok = False
    else:
        ok = isinstance(value, expected)
    if not ok:
        raise SchemaError(path, f"Le champ « {path} » doit être {_TYPE_WORDS[schema]} (reçu : {value!r}).")
