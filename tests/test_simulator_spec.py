"""The simulator against the official Swagger files (Factures, Structures).

- every field name, type and enum value of ``chorus_pro/simulator/schemas.py`` for a
  Factures or Structures operation exists in the Swagger body definition (``Extra``
  entries, documented variants absent from the 2020 Swagger, are skipped), and every
  Swagger field is accepted;
- requests built from the reference examples, valid for the Swagger, are accepted by
  the simulator;
- the simulator's answers fit the Swagger response definitions (closed objects), except
  the few fields listed in ``EXTRA_ANSWER_FIELDS`` with the reason.

The Swagger files are read from ``$CHORUS_SPECS_DIR`` or ``<repo>/../shared/chorus-specs``;
the module is skipped, with the reason, when they are absent (a failure in CI:
``spec_validation.require_specs``).
"""

from __future__ import annotations

import base64
import copy
import json

import jsonschema
import pytest
import spec_validation
from test_simulator_support import Api, submit_body

from chorus_pro.simulator import Simulator, schemas, seed
from chorus_pro.simulator.app import OPERATIONS

spec_validation.require_specs()
SPECS_DIR = spec_validation.specs_dir()

#: answer fields outside the Swagger response definitions, and why they are sent
EXTRA_ANSWER_FIELDS = {
    # every error envelope: the French explanation and the field name (simulator choice, see messages.py)
    "detail", "champ",
    # structures/v1/rechercher/services items: in real answers per OCA and a Pastell fixture (reference §4.3)
    "dateDbtService", "dateFinService",
}


def _load():
    return {api: json.loads((SPECS_DIR / name).read_text(encoding="utf-8"))
            for api, name in spec_validation.SPEC_FILES.items()}


SPECS = _load()
SPEC_OPERATIONS = sorted(op for op in OPERATIONS if op.split("/", 1)[0] in SPECS)


def _split(operation: str) -> tuple[dict, str]:
    api, _, tail = operation.partition("/v1/")
    return SPECS[api], "/v1/" + tail


def _resolve(spec: dict, node: dict) -> dict:
    for _ in range(20):
        if "$ref" not in node:
            return node
        node = spec["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    raise AssertionError("reference loop")


def _body_definition(operation: str) -> dict:
    spec, path = _split(operation)
    parameters = spec["paths"][path]["post"]["parameters"]
    return next(p["schema"] for p in parameters if p.get("in") == "body")


def _all_enum_values(spec: dict) -> set:
    values = set()
    for definition in spec["definitions"].values():
        for prop in definition.get("properties", {}).values():
            values.update(prop.get("enum") or prop.get("items", {}).get("enum") or [])
    return values


_SWAGGER_TYPES = {schemas.STR: "string", schemas.INT: "integer", schemas.NUM: "number", schemas.BOOL: "boolean",
                  schemas.DATE: "string", schemas.OBJECT: "object"}


def _compare(spec: dict, swagger: dict, mine, path: str, problems: list) -> None:
    swagger = _resolve(spec, swagger)
    if isinstance(mine, schemas.Extra):
        return
    if isinstance(mine, schemas.Either):
        _compare(spec, swagger, mine.first, path, problems)
        if not isinstance(mine.second, schemas.Extra):
            _compare(spec, swagger, mine.second, path, problems)
        return
    if isinstance(mine, list):
        if swagger.get("type") != "array":
            problems.append(f"{path}: an array here, {swagger.get('type')} in the Swagger")
            return
        _compare(spec, swagger["items"], mine[0], path + "[]", problems)
        return
    if isinstance(mine, dict):
        properties = swagger.get("properties")
        if properties is None:
            problems.append(f"{path}: an object here, not in the Swagger")
            return
        for name, child in mine.items():
            if name not in properties:
                if not isinstance(child, schemas.Extra):
                    problems.append(f"{path}.{name}: no such field in the Swagger")
                continue
            _compare(spec, properties[name], child, f"{path}.{name}", problems)
        return
    if isinstance(mine, schemas.Enum):
        allowed = set(swagger.get("enum") or []) or _all_enum_values(spec)
        unknown = sorted(set(mine.values) - allowed)
        if unknown:
            problems.append(f"{path}: values {unknown} not in the Swagger")
        if swagger.get("type") != "string":
            problems.append(f"{path}: enum of strings here, {swagger.get('type')} in the Swagger")
        return
    expected = _SWAGGER_TYPES[mine]
    actual = swagger.get("type", "object")
    if expected != actual:
        problems.append(f"{path}: {expected} here, {actual} in the Swagger")
    if mine == schemas.DATE and swagger.get("format") != "date-time":
        problems.append(f"{path}: a date here, format {swagger.get('format')} in the Swagger")


@pytest.mark.parametrize("operation", SPEC_OPERATIONS)
def test_schema_fields_and_enums_exist_in_the_swagger(operation):
    spec, _ = _split(operation)
    problems: list[str] = []
    _compare(spec, _body_definition(operation), OPERATIONS[operation][1], "", problems)
    assert problems == []


def _uncovered(spec, swagger, mine, path, found):
    swagger = _resolve(spec, swagger)
    if isinstance(mine, schemas.Either):
        mine = mine.first
    if isinstance(mine, list) and swagger.get("type") == "array":
        _uncovered(spec, swagger["items"], mine[0], path + "[]", found)
    elif isinstance(mine, dict):
        for name, prop in swagger.get("properties", {}).items():
            if name not in mine:
                found.append(f"{path}.{name}")
            else:
                _uncovered(spec, prop, mine[name], f"{path}.{name}", found)


@pytest.mark.parametrize("operation", SPEC_OPERATIONS)
def test_every_swagger_field_is_accepted(operation):
    spec, _ = _split(operation)
    found: list[str] = []
    _uncovered(spec, _body_definition(operation), OPERATIONS[operation][1], "", found)
    assert found == []


def test_the_spec_test_can_fail():
    spec = SPECS["factures"]
    problems: list[str] = []
    _compare(spec, _body_definition("factures/v1/soumettre"),
             {"numeroFacture": schemas.STR, "modeDepot": schemas.Enum("SAISIE_API", "EDI"),
              "dateFacture": schemas.INT}, "", problems)
    assert problems == [".numeroFacture: no such field in the Swagger", ".modeDepot: values ['EDI'] not in the Swagger",
                        ".dateFacture: integer here, string in the Swagger"]


# -- JSON schema from the Swagger (closed objects) ---------------------------------------------------
def _json_schema(spec: dict, node, depth: int = 0, extras=frozenset()):
    node = _resolve(spec, node)
    assert depth < 30
    out = {}
    if "enum" in node:
        out["enum"] = list(node["enum"])
    kind = node.get("type", "object" if "properties" in node else None)
    if kind:
        out["type"] = kind
    if kind == "array":
        out["items"] = _json_schema(spec, node.get("items", {}), depth + 1, extras)
    if "properties" in node:
        out["properties"] = {k: _json_schema(spec, v, depth + 1, extras) for k, v in node["properties"].items()}
        out["properties"].update({k: {} for k in extras})
        out["additionalProperties"] = False
    return out


def _check_request(operation: str, body: dict) -> None:
    spec, _ = _split(operation)
    jsonschema.validate(body, _json_schema(spec, _body_definition(operation)))


def _check_answer(operation: str, answer: dict) -> None:
    spec, path = _split(operation)
    definition = spec["paths"][path]["post"]["responses"]["200"]["schema"]
    jsonschema.validate(answer, _json_schema(spec, definition, extras=EXTRA_ANSWER_FIELDS))


# -- reference examples --------------------------------------------------------------------------------
@pytest.fixture
def caller():
    return Api(Simulator())


def _send(caller: Api, operation: str, body: dict) -> dict:
    _check_request(operation, body)
    data = caller.ok(operation, body)
    _check_answer(operation, data)
    return data


def test_reference_examples_are_accepted(caller):
    # §4: the nominal sequence before invoicing a public buyer
    found = _send(caller, "structures/v1/rechercher", {
        "structure": {"identifiantStructure": seed.COMMUNE.siret, "typeIdentifiantStructure": "SIRET"},
        "restreindreStructuresPrivees": False,
        "parametres": {"nbResultatsParPage": 10, "pageResultatDemandee": 1, "triColonne": "IdentifiantStructure",
                       "triSens": "Ascendant"}})
    structure_id = found["listeStructures"][0]["idStructureCPP"]
    _send(caller, "structures/v1/consulter", {"idStructureCPP": structure_id, "codeLangue": "fr"})
    services = _send(caller, "structures/v1/rechercher/services", {
        "idStructure": structure_id, "parametresRechercherServicesStructure": {
            "nbResultatsParPage": 10000, "pageResultatDemandee": 1, "triColonne": "CodeService",
            "triSens": "Ascendant"}})["listeServices"]
    _send(caller, "structures/v1/consulter/service", {"idStructure": structure_id,
                                                      "idService": services[0]["idService"], "codeLangue": "fr"})
    # §8.2: the data-entry example, with the seed's buyer, service, EJ and bank account
    example = submit_body({"destinataire.codeDestinataire": seed.DEPARTEMENT.siret,
                           "destinataire.codeServiceExecutant": "DIR-ROUTES",
                           "references.numeroBonCommande": "1300012345", "idUtilisateurCourant": 0,
                           "commentaire": "Maintenance chaufferie - juin"})
    invoice = _send(caller, "factures/v1/soumettre", example)
    invoice_id = invoice["identifiantFactureCPP"]
    # PDF route: ajouter/fichier (no Swagger) then soumettre with the object form of pieceJointePrincipale
    file_id = caller.upload()
    _send(caller, "factures/v1/soumettre", submit_body(
        modeDepot="DEPOT_PDF_API", numeroFactureSaisi="FA-2026-002", lignePoste=None,
        pieceJointePrincipale={"pieceJointePrincipaleDesignation": "facture.pdf", "pieceJointePrincipaleId": file_id}))
    # §8.3, §8.4, §8.5
    _send(caller, "factures/v1/rechercher/fournisseur", {
        "numeroFacture": "FA-2026-001", "periodeDateDepotDu": "2020-01-01", "periodeDateDepotAu": "2099-12-31",
        "statutCourant": ["DEPOSEE"], "rechercheFactureParFournisseur": {
            "nbResultatsMaximum": 100, "pageResultatDemandee": 1, "nbResultatsParPage": 12, "triSens": "Descendant",
            "triColonne": "DateDepot"}})
    _send(caller, "factures/v1/consulter/fournisseur", {"identifiantFactureCPP": invoice_id})
    _send(caller, "factures/v1/consulter/historique", {"idFacture": invoice_id, "nbResultatsMaximum": 50})
    # §8.6 – §8.9, after the buyer's actions
    caller.sim.set_invoice_status(invoice_id, "SUSPENDUE", "PV manquant")
    _send(caller, "factures/v1/completer", {"identifiantFactureCPP": invoice_id, "commentaire": "PV joint",
                                            "pieceJointeComplementaire": [{
                                                "pieceJointeComplementaireDesignation": "PV",
                                                "pieceJointeComplementaireType": "01",
                                                "pieceJointeComplementaireId": file_id}]})
    caller.sim.set_invoice_status(invoice_id, "A_RECYCLER", "Mauvais service")
    _send(caller, "factures/v1/recycler", {
        "identifiantFactureCPP": invoice_id, "commentaire": "Service corrigé",
        "destinataire": {"codeDestinataire": seed.COMMUNE.siret, "codeServiceExecutant": "SERV-TECH"},
        "reference": {"deviseFacture": "EUR", "typeFacture": "FACTURE", "typeTva": "TVA_SUR_DEBIT",
                      "numeroMarche": "2026-TX-017", "modePaiement": "VIREMENT"}})
    caller.sim.set_invoice_status(invoice_id, "REJETEE", "Montant erroné")
    _send(caller, "factures/v1/traiterRejet", {"listeDemandePaiement": [{"idDemandePaiement": invoice_id}]})
    validated = _send(caller, "factures/v1/soumettre", submit_body({
        "numeroFactureSaisi": "FA-2026-003", "cadreDeFacturation.codeCadreFacturation": "A9_FACTURE_SOUSTRAITANT",
        "cadreDeFacturation.codeStructureValideur": seed.MANDATAIRE.siret}))["identifiantFactureCPP"]
    caller.sim.set_invoice_status(validated, "ERREUR_FOURNISSEUR_SUR_VALIDEUR")
    _send(caller, "factures/v1/corriger/valideur/facture", {
        "idFacture": validated, "identifiantStructure": seed.TITULAIRE.siret, "typeIdentifiantStructure": "SIRET"})
    # §8.1
    flow = _send(caller, "factures/v1/deposer/flux", {
        "fichierFlux": base64.b64encode(b"%PDF-1.4 FA-2026-010").decode(), "nomFichier": "FA-2026-010.pdf",
        "syntaxeFlux": "IN_DP_E2_CII_FACTURX", "avecSignature": False})
    caller.sim.advance(3600)
    items = _send(caller, "factures/v1/rechercher/fournisseur", {"numeroFluxDepot": flow["numeroFluxDepot"]})
    assert [i["numeroFacture"] for i in items["listeFactures"]] == ["FA-2026-010"]


def test_error_answers_fit_the_envelope(caller):
    data = caller.refused("factures/v1/soumettre", submit_body({"destinataire.codeServiceExecutant": None}))
    _check_answer("factures/v1/soumettre", data)
    data = caller.refused("structures/v1/consulter", {"idStructureCPP": 1})
    _check_answer("structures/v1/consulter", data)


def test_answers_with_works_documents_fit(caller):
    from test_simulator_support import works_body

    works = caller.ok("facturesTravaux/v1/soumettre", works_body())["idFactureTravaux"]
    _check_answer("factures/v1/rechercher/fournisseur", caller.ok("factures/v1/rechercher/fournisseur", {}))
    _check_answer("factures/v1/consulter/fournisseur",
                  caller.ok("factures/v1/consulter/fournisseur", {"identifiantFactureCPP": works}))


def test_request_check_can_fail():
    body = copy.deepcopy(submit_body())
    body["references"]["numeroEJ"] = "1"
    with pytest.raises(jsonschema.ValidationError):
        _check_request("factures/v1/soumettre", body)
