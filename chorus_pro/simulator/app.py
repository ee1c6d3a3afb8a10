"""The WSGI application: OAuth endpoint, Chorus Pro operations, control endpoints.

Answers to failures (the platform's exact bodies are UNVERIFIED, reference §17):

- PISTE gateway level, OAuth-style body ``{"error", "error_description"}``:
  missing/unknown/expired Bearer token → 401 ``invalid_token`` (with a
  ``WWW-Authenticate`` header); API not subscribed by the PISTE application →
  403 ``access_denied``; unknown path → 404 ``not_found``; wrong method → 405.
- Chorus Pro level, envelope ``{"codeRetour", "libelle", "detail"}``:
  ``cpro-account`` missing, not base64 or wrong login/password → 401
  (``codeRetour`` 20201); technical password expired → 403 (``codeRetour`` 20202);
  Content-Type not JSON → 415; malformed JSON, wrong field type, unknown field or
  enum value → 400 (``detail`` names the field); business rule refused → HTTP 200
  (``Simulator(business_error_status=400)`` to get 400) with ``codeRetour`` ≠ 0.
- ``GET /cpro/transverses/v1/health-check`` needs the token but not ``cpro-account``.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import timedelta

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from . import faults as f
from . import flows, ops_directory, ops_discovery, ops_factures, ops_travaux, ops_validator, schemas
from . import messages as m
from .state import MAX_TOKENS, Token

TOKEN_LIFETIME = 3600
MAX_BODY_BYTES = 32 * 1024 * 1024

#: observers of every API request received by any simulator: ``(api_path, headers, body)``
request_observers: list = []


class DropConnection(Exception):
    """Close the connection without any answer (reset, lost answer)."""


class AnswerTimeout(Exception):
    """In process only: the answer comes later than the client's read timeout."""


# (handler, schema, write?) per operation; the API name is the first path segment
OPERATIONS = {
    "factures/v1/soumettre": (ops_factures.soumettre, schemas.SOUMETTRE, True),
    "factures/v1/deposer/flux": (flows.deposer_flux, schemas.DEPOSER_FLUX, True),
    "factures/v1/rechercher/fournisseur": (ops_factures.rechercher_fournisseur, schemas.RECHERCHER_FOURNISSEUR,
                                           False),
    "factures/v1/consulter/fournisseur": (ops_factures.consulter_fournisseur, schemas.CONSULTER_FOURNISSEUR, False),
    "factures/v1/consulter/historique": (ops_factures.consulter_historique, schemas.CONSULTER_HISTORIQUE, False),
    "factures/v1/completer": (ops_factures.completer, schemas.COMPLETER, True),
    "factures/v1/recycler": (ops_factures.recycler, schemas.RECYCLER, True),
    "factures/v1/traiterRejet": (ops_factures.traiter_rejet, schemas.TRAITER_REJET, True),
    "factures/v1/corriger/valideur/facture": (ops_factures.corriger_valideur, schemas.CORRIGER_VALIDEUR, True),
    "factures/v1/rechercher/aTraiter/valideur": (ops_validator.rechercher_atraiter_valideur,
                                                 schemas.RECHERCHER_ATRAITER_VALIDEUR, False),
    "factures/v1/rechercher/valideur": (ops_validator.rechercher_valideur, schemas.RECHERCHER_VALIDEUR, False),
    "factures/v1/consulter/valideur": (ops_validator.consulter_valideur, schemas.CONSULTER_VALIDEUR, False),
    "factures/v1/traiter/factureAValider": (ops_validator.traiter_facture_a_valider,
                                            schemas.TRAITER_FACTURE_A_VALIDER, True),
    "structures/v1/rechercher": (ops_directory.structures_rechercher, schemas.STRUCTURES_RECHERCHER, False),
    "structures/v1/consulter": (ops_directory.structures_consulter, schemas.STRUCTURES_CONSULTER, False),
    "structures/v1/rechercher/services": (ops_directory.structures_services, schemas.STRUCTURES_SERVICES, False),
    "structures/v1/consulter/service": (ops_directory.structures_consulter_service,
                                        schemas.STRUCTURES_CONSULTER_SERVICE, False),
    "engagementsJuridiques/v1/rechercher": (ops_directory.ej_rechercher, schemas.EJ_RECHERCHER, False),
    "utilisateurs/v1/monCompte/recuperer/rattachements": (ops_directory.mes_rattachements, schemas.RATTACHEMENTS,
                                                          False),
    "transverses/v1/health-check": (ops_directory.health_check, None, False),
    "transverses/v1/ajouter/fichier": (ops_directory.ajouter_fichier, schemas.AJOUTER_FICHIER, True),
    "transverses/v1/consulterCRDetaille": (flows.consulter_cr_detaille, schemas.CONSULTER_CR_DETAILLE, False),
    "transverses/v1/consulterCR": (flows.consulter_cr, schemas.CONSULTER_CR, False),
    "transverses/v1/recuperer/structures/actives/fournisseur": (ops_directory.structures_actives_fournisseur,
                                                                schemas.EMPTY, False),
    "transverses/v1/recuperer/coordbanc/valides": (ops_directory.coordbanc_valides, schemas.COORDBANC, False),
    "transverses/v1/recuperer/tauxtva": (ops_directory.taux_tva, schemas.TAUX_TVA, False),
    # discovery (paths UNVERIFIED: chorus_pro/discovery.py)
    "transverses/v1/recuperer/cadrefacturation": (ops_discovery.cadres, schemas.CADRES, False),
    "transverses/v1/recuperer/formatflux": (ops_discovery.formats, schemas.EMPTY, False),
    "transverses/v1/recuperer/typefacturetravaux": (ops_discovery.works_types, schemas.EMPTY, False),
    "transverses/v1/recuperer/structures/actives/facturetravaux": (ops_discovery.works_structures, schemas.EMPTY,
                                                                   False),
    "facturesTravaux/v1/rechercher": (ops_travaux.rechercher_travaux, schemas.WORKS_RECHERCHER, False),
    "facturesTravaux/v1/soumettre": (ops_travaux.soumettre_travaux, schemas.WORKS_SOUMETTRE, True),
}
GET_OPERATIONS = {"transverses/v1/health-check"}


def prune(value):
    """Drop null fields: an absent value is left out of the answer rather than sent as null."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(prune(body), ensure_ascii=False).encode("utf-8"), status=status,
                    content_type="application/json;charset=utf-8", headers=headers)


def gateway_error(status: int, error: str, description: str, headers: dict | None = None) -> Response:
    return json_response({"error": error, "error_description": description}, status, headers)


class SimulatorApp:
    def __init__(self, simulator):
        self.sim = simulator
        from .control import control_rules

        self.control = Map(control_rules(), strict_slashes=False)

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        try:
            response = self.dispatch(request)
        except HTTPException as exc:  # e.g. 413 from max_content_length
            response = gateway_error(exc.code or 400, "invalid_request", exc.description or exc.name)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/api/oauth/token":
            return self.token(request)
        if path.startswith("/cpro/"):
            return self.api(request, path[len("/cpro/"):])
        adapter = self.control.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            if exc.code == 404:
                return gateway_error(404, "not_found", f"Aucune ressource à l'adresse {path}")
            return exc.get_response()
        return endpoint(self.sim, request, **args)

    # -- OAuth ----------------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        sim = self.sim
        with sim.lock:
            sim.stats.token_requests += 1
        if request.method != "POST":
            return gateway_error(405, "invalid_request", "Utilisez POST.", {"Allow": "POST"})
        fault = sim.faults.take(f.TOKEN_OPERATION)
        early = self._early_fault(fault)
        if early is not None:
            return early
        return self._late_fault(fault, self._issue_token(request))

    def _issue_token(self, request: Request) -> Response:
        sim = self.sim
        form = request.form
        if not form.get("grant_type"):
            return gateway_error(400, "invalid_request", "grant_type manquant : envoyez un corps "
                                 "application/x-www-form-urlencoded (grant_type=client_credentials&client_id=…)")
        if form.get("grant_type") != "client_credentials":
            return gateway_error(400, "unsupported_grant_type", "grant_type doit valoir client_credentials")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or client_id != sim.piste_client_id or not secrets.compare_digest(
                secret.encode(), sim.piste_client_secret.encode()):
            return gateway_error(401, "invalid_client", "Client inconnu ou secret invalide (client_id / client_secret)")
        with sim.lock:
            now = sim.clock.now()
            store = sim.store
            for value in [v for v, t in store.tokens.items() if t.expires_at <= now]:
                del store.tokens[value]
            while len(store.tokens) >= MAX_TOKENS:
                store.tokens.popitem(last=False)
            token = Token(secrets.token_urlsafe(32), client_id, now + timedelta(seconds=TOKEN_LIFETIME))
            store.tokens[token.value] = token
        body = {"access_token": token.value, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": "openid"}
        return json_response(body)

    # -- Chorus Pro operations ----------------------------------------------------------------
    def api(self, request: Request, operation: str) -> Response:
        sim = self.sim
        entry = OPERATIONS.get(operation)
        body = None
        if request.mimetype == "application/json":
            try:
                body = json.loads(request.get_data() or b"null")
            except ValueError:
                body = None
        for observer in list(request_observers):
            observer("/cpro/" + operation, dict(request.headers), body)
        if entry is None:
            return gateway_error(404, "not_found", f"Aucune API à l'adresse /cpro/{operation}")
        handler, schema, _write = entry
        with sim.lock:
            sim.stats.api_requests += 1
            sim.stats.by_operation[operation] = sim.stats.by_operation.get(operation, 0) + 1
        expected = "GET" if operation in GET_OPERATIONS else "POST"
        if request.method != expected:
            return gateway_error(405, "invalid_request", f"Méthode {request.method} non admise : utilisez {expected}.",
                                 {"Allow": expected})
        fault = sim.faults.take(operation)
        early = self._early_fault(fault, request)
        if early is not None:
            return early
        # late faults (lost answer, broken JSON, answer after the timeout) hit refusals too
        return self._late_fault(fault, self._serve(request, operation, handler, schema), request)

    def _serve(self, request: Request, operation: str, handler, schema) -> Response:
        sim = self.sim
        expected = "GET" if operation in GET_OPERATIONS else "POST"
        refused = self._authenticate(request, operation)
        if refused is not None:
            return refused
        if expected == "GET":
            body = {}
        else:
            if request.mimetype != "application/json":
                return json_response(m.Failure(415, "GCU_MSG_00_415", "Le corps doit être envoyé en "
                                               "Content-Type: application/json;charset=utf-8.").body(), 415)
            try:
                body = json.loads(request.get_data() or b"")
            except ValueError:
                return json_response(m.bad_request("Le corps de la requête n'est pas un JSON valide.").body(), 400)
            if not isinstance(body, dict):
                return json_response(m.bad_request("Le corps de la requête doit être un objet JSON.").body(), 400)
            try:
                schemas.check(body, schema)
            except schemas.SchemaError as exc:
                return json_response(m.bad_request(exc.message, field=exc.field).body(), 400)
        with sim.lock:
            sim.progress()
            try:
                answer = handler(sim, body)
                status = 200
            except m.Failure as failure:
                answer = failure.body()
                status = failure.http_status or sim.business_error_status
        return json_response(answer, status)

    def _authenticate(self, request: Request, operation: str) -> Response | None:
        sim = self.sim
        authorization = request.headers.get("Authorization", "")
        value = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        with sim.lock:
            token = sim.store.tokens.get(value) if value else None
            if token is not None and token.expires_at <= sim.clock.now():
                del sim.store.tokens[value]
                token = None
        if token is None:
            return gateway_error(401, "invalid_token", "Jeton d'accès absent, invalide ou expiré : demandez un nouveau "
                                 "jeton OAuth.", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        api = operation.split("/", 1)[0]
        if api in sim.unsubscribed:
            return gateway_error(403, "access_denied", f"L'application PISTE n'est pas abonnée à l'API {api} : "
                                 "acceptez ses conditions d'utilisation dans PISTE.")
        if operation in GET_OPERATIONS:
            return None
        header = request.headers.get("cpro-account", "")
        try:
            login, _, password = base64.b64decode(header, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            login, password = "", ""
        if not header or login != sim.tech_login or not secrets.compare_digest(password.encode(),
                                                                               sim.tech_password.encode()):
            return json_response(m.Failure(20201, "GCU_MSG_02_201",
                                           "Compte technique refusé : l'en-tête cpro-account doit contenir "
                                           "base64(identifiant:mot de passe) du compte technique.").body(), 401)
        if sim.tech_password_expires_at <= sim.clock.now():
            return json_response(m.Failure(20202, "GCU_MSG_02_202",
                                           "Le mot de passe du compte technique a expiré : le gestionnaire principal "
                                           "doit le renouveler dans Chorus Pro.").body(), 403)
        return None

    # -- faults -----------------------------------------------------------------------------------
    def _early_fault(self, fault, request: Request | None = None) -> Response | None:
        if fault is None:
            return None
        if fault.kind == f.HTTP_500:
            return json_response({"codeRetour": 500, "libelle": "Internal Server Error"}, 500)
        if fault.kind == f.HTTP_503:
            return Response("Service Unavailable", status=503, content_type="text/html")
        if fault.kind == f.HTTP_429:
            return gateway_error(429, "too_many_requests", "Quota dépassé", {"Retry-After": str(int(fault.seconds))})
        if fault.kind == f.RESET:
            raise DropConnection()
        if fault.kind == f.DELAY:
            timeout = request.environ.get("chorus_simulator.read_timeout") if request is not None else None
            if timeout is not None and fault.seconds >= timeout:
                return None  # in process: processed, then AnswerTimeout in _late_fault
            self.sim.sleep(fault.seconds)
        if fault.kind == f.TOKEN_EXPIRED and request is not None:
            authorization = request.headers.get("Authorization", "")
            with self.sim.lock:
                self.sim.store.tokens.pop(authorization[7:].strip(), None)
        return None

    def _late_fault(self, fault, response: Response, request: Request | None = None) -> Response:
        if fault is None:
            return response
        if fault.kind == f.LOST_ANSWER:
            raise DropConnection()
        if fault.kind == f.MALFORMED_JSON:
            data = response.get_data()
            response.set_data(data[: max(1, len(data) // 2)] + b"\x00<html>")
        if fault.kind == f.DELAY and request is not None:
            timeout = request.environ.get("chorus_simulator.read_timeout")
            if timeout is not None and fault.seconds >= timeout:
                raise AnswerTimeout()
        return response
