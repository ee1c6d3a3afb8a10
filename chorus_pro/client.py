"""The Chorus Pro client: one method per operation, typed results, typed errors.

Interface contract (implemented in this module, used by the CLI, the doctor and
the Odoo add-on).  Reads retry transient failures with bounded exponential
backoff; writes (deposits) are sent once: a lost answer raises
:class:`~chorus_pro.errors.OutcomeUnknownError` and the caller reconciles with
:meth:`ChorusProClient.find_supplier_invoice` before sending again.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from datetime import time as day_time

import requests

from . import auth
from .config import ChorusConfig
from .documents import Attachment, DepositMode, Invoice, prune_empty
from .errors import (
    BusinessError,
    ChorusProError,
    ConfigurationError,
    DuplicateInvoiceError,
    OutcomeUnknownError,
    ProtocolError,
    TransientError,
    WriteInterrupted,
)
from .results import (
    BankAccount,
    EngagementJuridique,
    FlowDeposit,
    FlowError,
    FlowReport,
    HealthStatus,
    InvoiceDetails,
    InvoiceHistory,
    InvoiceSummary,
    ReferenceRequirement,
    Service,
    StatusEvent,
    Structure,
    StructureDetails,
    SubmitResult,
    SupplierStructure,
    UploadedFile,
    UserAttachment,
    WorksInvoiceSummary,
)
from .transport import (
    BearerToken,
    backoff_delay,
    build_session,
    classify_auth_failure,
    describe_failure,
    parse_retry_after,
    request_not_sent,
    timeouts,
)

_logger = logging.getLogger("chorus_pro")

#: ``idUtilisateurCourant`` appears on most inputs, but whether it is required and
#: where a technical account's value comes from is NOT VERIFIED (reference §3.5,
#: §17.6).  The OCA module never sends it and works in production, so it is not
#: sent.  Set an integer here (the only place) to send it on every POST body.
CURRENT_USER_ID: int | None = None

#: ``codeRetour`` of a search that found nothing (reference §14.2): an empty result
EMPTY_SEARCH_CODES = frozenset({20000, 20007})
#: hard bound of every paging loop
MAX_PAGES = 1000
SEARCH_PAGE_SIZE = 100
#: days around the deposit date searched when reconciling a lost deposit
RECONCILE_WINDOW_DAYS = 30

SEARCH_STRUCTURES = "structures/v1/rechercher"


@dataclass
class ClientStats:
    """Counters for benchmarks and tests.

    ``by_operation`` maps ``api/v1/operation`` to ``{"http_requests": n, "retries": n}``.
    """

    http_requests: int = 0
    token_requests: int = 0
    retries: int = 0
    by_operation: dict = field(default_factory=dict)


class _Retryable(Exception):
    """Inside :meth:`ChorusProClient.call`: ``error`` may go away by itself (reads try again)."""

    def __init__(self, error: ChorusProError, delay: float | None = None):
        super().__init__(str(error))
        self.error, self.delay = error, delay


class _Unauthorized(Exception):
    """Inside :meth:`ChorusProClient.call`: HTTP 401 with ``token`` (never shown)."""

    def __init__(self, token: str, body: str):
        super().__init__("HTTP 401")
        self.token, self.body = token, body


class StructureLookupError(BusinessError):
    """A SIRET does not lead to exactly one active structure of the Chorus Pro directory."""

    libelle_code = "STRUCTURE_INTROUVABLE"

    def __init__(self, siret: str, code: str, params: dict | None = None):
        super().__init__(SEARCH_STRUCTURES, -1, self.libelle_code)
        self.siret = siret
        ChorusProError.__init__(self, code=code, params={"siret": siret, **(params or {})}, field="siret")


class StructureNotFoundError(StructureLookupError):
    libelle_code = "STRUCTURE_INCONNUE"

    def __init__(self, siret: str):
        super().__init__(siret, "structure_not_found")


class StructureInactiveError(StructureLookupError):
    libelle_code = "STRUCTURE_INACTIVE"

    def __init__(self, siret: str):
        super().__init__(siret, "structure_inactive")


class StructureAmbiguousError(StructureLookupError):
    libelle_code = "STRUCTURE_AMBIGUE"

    def __init__(self, siret: str, count: int):
        super().__init__(siret, "structure_ambiguous", {"count": count})


class ChorusProClient:
    """Talks to one Chorus Pro environment with one set of credentials.

    Thread-safe for concurrent calls (shared pooled session and token cache).
    In the simulation environment, empty credentials take the simulator's seeded ones.
    """

    def __init__(self, config: ChorusConfig, *, session=None, simulator=None, sleep=None,
                 token_cache: auth.TokenCache | None = None, rng: random.Random | None = None,
                 clock: Callable[[], datetime] | None = None):
        """``session``: a ``requests.Session`` to use; ``simulator``: the in-process
        simulator (defaults to the process-wide one) when ``config.in_process``;
        ``sleep``: replaced in unit tests to observe backoff delays;
        ``token_cache``: defaults to the process-wide cache; ``rng``: backoff jitter;
        ``clock``: "now" as an aware datetime, defaults to the simulator's clock when
        there is a simulator (given, or in process), else the wall clock."""
        self.config = config.with_simulation_defaults()
        self._own_session = session is None
        self.session = session if session is not None else build_session(self.config, simulator)
        self._clock = clock or _default_clock(self.config, simulator)
        self._sleep = sleep or time.sleep
        self._tokens = token_cache or _default_token_cache(self.config, simulator)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._validated = False
        self.stats = ClientStats()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def now(self) -> datetime:
        """The current instant for this client's platform (see ``clock``)."""
        return self._clock()

    def today(self) -> date:
        """The current day in Paris, the day of Chorus Pro's dates."""
        return _aware(self.now()).astimezone(PARIS).date()

    # -- low level -------------------------------------------------------------------------
    def call(self, api: str, operation: str, body: dict | None = None, *, write: bool = False,
             reference: str | None = None, method: str = "POST") -> dict:
        """POST ``/cpro/{api}/v1/{operation}`` and return the JSON answer (``codeRetour`` 0).

        A read's answer with an empty-search code (20000, 20007) is returned as is:
        its lists are simply absent.  ``reference`` names the document in errors.
        """
        op = f"{api}/v1/{operation}"
        url = f"{self.config.api_base_url}/cpro/{op}"
        payload = None
        if method != "GET":
            body = dict(body or {})
            if CURRENT_USER_ID is not None:
                body.setdefault("idUtilisateurCourant", CURRENT_USER_ID)
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        attempt, replayed = 0, False
        while True:  # bounded: max_attempts, plus one replay after a 401
            attempt += 1
            try:
                return self._attempt(api, op, url, method, payload, write, reference)
            except _Unauthorized as refused:
                # an expired or revoked token: the request was not processed, so replay it once
                self._tokens.invalidate(refused.token)
                if replayed:
                    raise classify_auth_failure(401, refused.body, api) from None
                replayed, attempt = True, attempt - 1
                self._count_retry(op)
            except _Retryable as retry:
                if write or attempt >= self.config.max_attempts:
                    raise retry.error from None
                self._count_retry(op)
                self._sleep(retry.delay if retry.delay is not None else
                            backoff_delay(attempt, self.config.backoff_base, self.config.backoff_max, self._rng))

    def _attempt(self, api: str, op: str, url: str, method: str, payload: bytes | None, write: bool,
                 reference: str | None) -> dict:
        """One request: its answer, or the error to raise, or _Retryable / _Unauthorized for :meth:`call`."""
        try:
            token = self._token()
        except TransientError as exc:  # nothing sent yet
            raise _Retryable(exc) from None
        try:
            return self._exchange(api, op, url, method, payload, token, write, reference)
        except KeyboardInterrupt:
            if write:
                # interrupted once the request was handed over: Chorus Pro may have received it
                raise WriteInterrupted(OutcomeUnknownError(op, reference, "interrupted")) from None
            raise

    def _exchange(self, api: str, op: str, url: str, method: str, payload: bytes | None, token: str, write: bool,
                  reference: str | None) -> dict:
        try:
            response = self._send(method, url, payload, token, op)
        except requests.exceptions.RequestException as exc:
            cause = describe_failure(exc)
            if write and not request_not_sent(exc):
                raise OutcomeUnknownError(op, reference, cause) from None
            raise _Retryable(self._transient(op, cause)) from None
        status = response.status_code
        if status == 401:
            raise _Unauthorized(token, _text(response))
        if status == 403:
            raise classify_auth_failure(403, _text(response), api)
        if status == 429:  # throttled: nothing was processed, even for a write
            asked = parse_retry_after(response.headers.get("Retry-After"), self.now())
            delay = min(asked, self.config.backoff_max) if asked is not None else None
            raise _Retryable(self._transient(op, "HTTP 429, too many requests", status, delay), delay)
        if status >= 500:
            if write:
                raise OutcomeUnknownError(op, reference, f"HTTP {status}")
            raise _Retryable(self._transient(op, f"HTTP {status}", status))
        try:
            data = _decode(response, op)
        except ProtocolError as exc:
            if status >= 300:
                raise _http_error(op, status) from None
            if write:
                raise OutcomeUnknownError(op, reference, "malformed answer") from None
            raise _Retryable(exc) from None
        return self._check_envelope(op, status, data, write)

    def _token(self) -> str:
        if not self._validated:
            self.config.validate()
            self._validated = True
        return self._tokens.get(self.config, self.session, on_request=self._count_token_request)

    def _send(self, method: str, url: str, payload: bytes | None, token: str, op: str) -> requests.Response:
        headers = {
            "cpro-account": _cpro_account(self.config),
            "Accept": "application/json",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json;charset=utf-8"
        with self._lock:
            self.stats.http_requests += 1
            self._op_stats(op)["http_requests"] += 1
        started = time.monotonic()
        try:
            response = self.session.request(method, url, data=payload, headers=headers, auth=BearerToken(token),
                                            timeout=timeouts(self.config))
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema):  # e.g. a malformed simulator_url
            raise ConfigurationError(code="url_invalid", params={"server": "chorus"}, field="simulator_url") from None
        except requests.exceptions.RequestException as exc:
            _logger.debug("%s: %s after %.0f ms", op, describe_failure(exc), (time.monotonic() - started) * 1000)
            raise
        _logger.debug("%s: HTTP %s in %.0f ms", op, response.status_code, (time.monotonic() - started) * 1000)
        return response

    def _check_envelope(self, op: str, status: int, data: dict, write: bool) -> dict:
        code = data.get("codeRetour")
        if code is None and status == 200:
            code = 0  # e.g. health-check, which has no envelope
        _logger.debug("%s: codeRetour %s", op, code)
        try:
            code = int(code)
        except (TypeError, ValueError):
            raise _http_error(op, status) if status >= 300 else ProtocolError(
                code="answer_unreadable", params={"operation": op, "detail": "codeRetour is not a number"})
        if code == 0 and status == 200:
            return data
        if code != 0 and not write and code in EMPTY_SEARCH_CODES:
            return data
        if code == 0:
            raise _http_error(op, status)
        detail = data.get("detail") or data.get("message") or ""
        raise BusinessError(op, code, str(data.get("libelle") or ""), str(detail) if detail else "",
                            http_status=status)

    def _transient(self, op: str, cause: str, status: int | None = None, retry_after: float | None = None):
        return TransientError(code="unavailable", params={"operation": op, "cause": cause},
                              retry_after=retry_after, http_status=status)

    def _op_stats(self, op: str) -> dict:
        return self.stats.by_operation.setdefault(op, {"http_requests": 0, "retries": 0})

    def _count_retry(self, op: str) -> None:
        with self._lock:
            self.stats.retries += 1
            self._op_stats(op)["retries"] += 1

    def _count_token_request(self) -> None:
        with self._lock:
            self.stats.token_requests += 1

    def _pages(self, api: str, operation: str, make_body: Callable[[int], dict], list_key: str) -> Iterator[dict]:
        """Items of every page of a search (explicit page size in ``make_body``)."""
        for page in range(1, MAX_PAGES + 1):
            data = self.call(api, operation, make_body(page))
            items = as_list(data.get(list_key))
            yield from items
            pages = page_count(data)
            if not items or pages is None or page >= pages:
                return

    # -- Transverses -------------------------------------------------------------------------
    def health_check(self) -> HealthStatus:
        """GET ``transverses/v1/health-check``; unreachable or failing → ``ok=False`` (auth errors raise)."""
        try:
            data = self.call("transverses", "health-check", method="GET")
        except (TransientError, ProtocolError) as exc:
            return HealthStatus(False, exc.message_en)
        status = str(data.get("statusCode") or data.get("status") or "200")
        return HealthStatus(status in ("200", "OK", "UP"), f"statusCode {status}")

    def upload_file(self, attachment: Attachment) -> UploadedFile:
        body = {
            "pieceJointeFichier": base64.b64encode(attachment.content).decode("ascii"),
            "pieceJointeNom": attachment.name,
            "pieceJointeTypeMime": attachment.mime_type,
            "pieceJointeExtension": attachment.extension,
        }
        data = self.call("transverses", "ajouter/fichier", body, write=True, reference=attachment.name)
        attachment_id = _int(data.get("pieceJointeId"))
        if attachment_id is None:
            raise OutcomeUnknownError("transverses/v1/ajouter/fichier", attachment.name, "no pieceJointeId")
        return UploadedFile(attachment_id, attachment.name)

    def get_flow_report(self, flow_number: str) -> FlowReport:
        data = self.call("transverses", "consulterCRDetaille", {"numeroFluxDepot": flow_number})
        return FlowReport(
            flow_number=str(data.get("numeroFluxDepot") or flow_number),
            status=str(data.get("etatCourantDepotFlux") or ""),
            status_date=parse_datetime(data.get("dateHeureEtatCourantFlux")),
            invoice_errors=tuple(FlowError(str(e.get("numeroDP") or ""), str(e.get("libelleErreurDP") or ""))
                                 for e in as_list(data.get("listeErreurDP"))),
            technical_errors=tuple(
                " ".join(str(e.get(k)) for k in ("codeErreur", "libelleErreur") if e.get(k)).strip()
                for e in as_list(data.get("listeErreurTechnique"))),
        )

    def supplier_structures(self) -> list[SupplierStructure]:
        data = self.call("transverses", "recuperer/structures/actives/fournisseur", {})
        return [SupplierStructure(_int(s.get("idStructureCPP")) or 0,
                                  str(s.get("identifiant") or s.get("identifiantStructure") or ""),
                                  str(s.get("designationStructure") or ""))
                for s in as_list(data.get("listeStructures"))]

    def valid_bank_accounts(self, supplier_structure_id: int) -> list[BankAccount]:
        data = self.call("transverses", "recuperer/coordbanc/valides", {"idStructure": supplier_structure_id})
        return [BankAccount(_int(a.get("idCoordonneeBancaire")) or 0, str(a.get("nomCoordonneeBancaire") or ""))
                for a in as_list(data.get("listeCoordonneeBancaire"))]

    # -- Utilisateurs -------------------------------------------------------------------------
    def my_attachments(self) -> list[UserAttachment]:
        items = self._pages("utilisateurs", "monCompte/recuperer/rattachements",
                            lambda page: {"parametresRecherche": _paging(page)}, "listeStructureRattachement")
        return [UserAttachment(_int(a.get("idStructure")) or 0, str(a.get("identifiantStructure") or ""),
                               str(a.get("designationStructure") or ""), str(a.get("roleUtilisateur") or ""),
                               str(a.get("statutRattachementStructure") or ""))
                for a in items]

    # -- Structures -------------------------------------------------------------------------
    def search_structures(self, identifier: str, identifier_type: str = "SIRET") -> list[Structure]:
        body = {
            "structure": {"identifiantStructure": identifier, "typeIdentifiantStructure": identifier_type},
            # false: private structures too (MOE, titulaire, mandataire), not only public ones
            "restreindreStructuresPrivees": False,
            "parametres": _paging(1, 50),
        }
        data = self.call("structures", "rechercher", body)
        return [Structure(_int(s.get("idStructureCPP")) or 0, str(s.get("identifiantStructure") or ""),
                          str(s.get("designationStructure") or s.get("raisonSociale") or ""),
                          str(s.get("typeIdentifiantStructure") or identifier_type),
                          str(s.get("statut") or "ACTIVE").upper() in ("ACTIVE", "ACTIF"))
                for s in as_list(data.get("listeStructures"))]

    def find_structure(self, siret: str) -> Structure:
        """Exactly one structure for this SIRET, else a BusinessError with a French explanation."""
        siret = (siret or "").replace(" ", "")
        found = [s for s in self.search_structures(siret) if s.identifier.replace(" ", "") == siret]
        if not found:
            raise StructureNotFoundError(siret)
        active = [s for s in found if s.active]
        if not active:
            raise StructureInactiveError(siret)
        if len(active) > 1:
            raise StructureAmbiguousError(siret, len(active))
        return active[0]

    def get_structure(self, structure_id: int) -> StructureDetails:
        data = self.call("structures", "consulter", {"idStructureCPP": structure_id, "codeLangue": "fr"})
        info = data.get("informationGenerales") or {}
        flags = data.get("parametres") or {}
        return StructureDetails(
            id=_int(info.get("idStructureCPP")) or structure_id,
            identifier=str(info.get("identifiantStructure") or ""),
            name=str(info.get("raisonSocialeStructure") or info.get("libelleStructure") or ""),
            requirement=reference_requirement(flags),
            public=str(info.get("structurePriveePublique") or "PUBLIQUE").upper() == "PUBLIQUE",
            email=str(info.get("emailStructure") or ""),
            vat_number=str(info.get("numeroTVA") or ""),
            moa_only=bool(flags.get("estMoaUniquement")),
            payment_status_not_reported=bool(flags.get("statutMiseEnPaiementNestPasRemonte")),
            technical_password_expiry=parse_datetime(info.get("dateExpirationMotPasseCompteTech")),
            raw_flags=dict(flags),
        )

    def list_services(self, structure_id: int) -> list[Service]:
        """Every service of the structure (walks all pages)."""
        def body(page: int) -> dict:
            return {"idStructure": structure_id,
                    "parametresRechercherServicesStructure": _paging(page, 1000, "CodeService", "Ascendant")}
        return [Service(_int(s.get("idService")) or 0, str(s.get("codeService") or ""),
                        str(s.get("libelleService") or ""), _service_active(s))
                for s in self._pages("structures", "rechercher/services", body, "listeServices")]

    def get_service(self, structure_id: int, service_id: int) -> Service:
        data = self.call("structures", "consulter/service",
                         {"idStructure": structure_id, "idService": service_id, "codeLangue": "fr"})
        info = data.get("informationsGenerales") or {}
        flags = data.get("parametres") or {}
        end = parse_date(flags.get("dateFinValidite"))
        active = _service_active(info) and (end is None or end >= self.today())
        return Service(service_id, str(info.get("codeService") or ""),
                       str(info.get("nomService") or info.get("libelleService") or ""), active,
                       bool(flags.get("numeroEngagement")))

    # -- EngagementsJuridiques --------------------------------------------------------------
    def search_engagements(self, supplier_structure_id: int, number: str,
                           state: str = "COMMANDE") -> list[EngagementJuridique]:
        body = {
            # the EJ is issued to the supplier: its idStructureCPP, as a string (reference §5)
            "structureReceptriceEngagementJuridique": str(supplier_structure_id),
            "numeroEngagementJuridique": number,
            "etatCourantEngagementJuridique": state,
        }
        data = self.call("engagementsJuridiques", "rechercher", body)
        return [EngagementJuridique(str(e.get("numeroEngagementJuridique") or e.get("numeroEngagement") or number),
                                    str(e.get("etatCourantEngagementJuridique") or e.get("etat") or ""), dict(e))
                for e in as_list(data.get("listeEngagementJuridique"))]

    # -- Factures ------------------------------------------------------------------------------
    def submit_invoice(self, payload: dict, *, reference: str) -> SubmitResult:
        data = self.call("factures", "soumettre", payload, write=True, reference=reference)
        return _submit_result(data, "factures/v1/soumettre", reference,
                              id_keys=("identifiantFactureCPP",), number_keys=("numeroFacture",),
                              status_keys=("statutFacture",))

    def deposit_flow(self, content: bytes, file_name: str, syntax: str) -> FlowDeposit:
        body = {"fichierFlux": base64.b64encode(content).decode("ascii"), "nomFichier": file_name,
                "syntaxeFlux": syntax, "avecSignature": False}
        data = self.call("factures", "deposer/flux", body, write=True, reference=file_name)
        if not data.get("numeroFluxDepot"):
            raise OutcomeUnknownError("factures/v1/deposer/flux", file_name, "no numeroFluxDepot in the answer")
        return FlowDeposit(str(data["numeroFluxDepot"]), parse_date(data.get("dateDepot")),
                           str(data.get("syntaxeFlux") or syntax))

    def iter_supplier_invoices(self, *, invoice_number: str | None = None, flow_number: str | None = None,
                               status_changed_from: datetime | None = None,
                               status_changed_to: datetime | None = None,
                               deposit_from: date | None = None, deposit_to: date | None = None,
                               statuses: list[str] | None = None,
                               page_size: int = SEARCH_PAGE_SIZE) -> Iterator[InvoiceSummary]:
        """``rechercher/fournisseur``, walking every page."""
        criteria = {
            "numeroFacture": invoice_number,
            "numeroFluxDepot": flow_number,
            "periodeDateHeureEtatCourantDu": format_datetime(status_changed_from),
            "periodeDateHeureEtatCourantAu": format_datetime(status_changed_to, end_of_day=True),
            "periodeDateDepotDu": format_datetime(deposit_from),
            "periodeDateDepotAu": format_datetime(deposit_to, end_of_day=True),
            "statutCourant": list(statuses) if statuses else None,
        }
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "rechercheFactureParFournisseur": _paging(page, page_size, "DateDepot", "Descendant")}
        for item in self._pages("factures", "rechercher/fournisseur", body, "listeFactures"):
            yield InvoiceSummary(
                invoice_id=_int(item.get("identifiantFactureCPP")) or 0,
                invoice_number=str(item.get("numeroFacture") or ""),
                status=str(item.get("statut") or item.get("statutFacture") or ""),
                status_date=parse_datetime(item.get("dateHeureEtatCourant")),
                status_comment=str(item.get("commentaireEtatCourant") or ""),
                flow_number=str(item.get("numeroFluxDepot") or ""),
                invoice_type=str(item.get("typeFacture") or "FACTURE"),
                cadre=_cadre(item),
                buyer_identifier=str(item.get("codeDestinataire") or ""),
                deposit_date=parse_date(item.get("dateDepot")),
                amount_due=_float(item.get("montantAPayer")),
                rejection_handled=bool(item.get("rejetTraite")),
            )

    def get_supplier_invoice(self, invoice_id: int) -> InvoiceDetails:
        data = self.call("factures", "consulter/fournisseur", {"identifiantFactureCPP": invoice_id})
        invoice = data.get("facture") or {}
        buyer = invoice.get("destinataire") or {}
        refs = invoice.get("references") or {}
        cadre = invoice.get("cadreDeFacturation") or {}
        totals = invoice.get("montantTotal") or {}
        return InvoiceDetails(
            invoice_id=_int(invoice.get("identifiantFactureCPP")) or invoice_id,
            invoice_number=str(invoice.get("numeroFacture") or ""),
            status=str(invoice.get("statutFacture") or invoice.get("statut") or ""),
            cadre=str(cadre.get("codeCadreFacturation") or ""),
            buyer_identifier=str(buyer.get("codeDestinataire") or ""),
            service_code=str(buyer.get("codeServiceExecutant") or ""),
            market_number=str(refs.get("numeroMarche") or ""),
            ej_number=str(refs.get("numeroBonCommande") or ""),
            payment_due_date=parse_date(refs.get("dateEcheancePaiement")),
            amount_due=_float(totals.get("montantAPayer")),
            raw=invoice,
        )

    def get_history(self, invoice_id: int) -> InvoiceHistory:
        data = self.call("factures", "consulter/historique", {"idFacture": invoice_id, "nbResultatsMaximum": 100})
        history = data.get("historiquesDesStatuts") or {}
        events = [StatusEvent(str(e.get("histoStatutCode") or ""), parse_datetime(e.get("histoStatutDatePassage")),
                              str(e.get("histoStatutCommentaire") or ""))
                  for e in as_list(history.get("histoStatut"))]
        oldest = datetime.min.replace(tzinfo=timezone.utc)
        events.sort(key=lambda e: _aware(e.date) or oldest, reverse=True)  # newest first, stable on ties
        return InvoiceHistory(_int(data.get("idFacture")) or invoice_id, str(data.get("numeroFacture") or ""),
                              str(data.get("statutCourantCode") or ""), tuple(events))

    def complete_invoice(self, invoice_id: int, *, comment: str = "",
                         attachment_ids: list[int] | None = None) -> None:
        body = {"identifiantFactureCPP": invoice_id, "commentaire": comment,
                "pieceJointeComplementaire": [{"pieceJointeComplementaireId": i} for i in attachment_ids or []]}
        self.call("factures", "completer", prune_empty(body), write=True, reference=str(invoice_id))

    def recycle_invoice(self, invoice_id: int, *, buyer_siret: str, service_code: str = "",
                        ej_number: str = "", market_number: str = "", comment: str = "") -> None:
        body = {
            "identifiantFactureCPP": invoice_id,
            "destinataire": {"codeDestinataire": buyer_siret, "codeServiceExecutant": service_code},
            "commentaire": comment,
            # singular ``reference`` here, unlike ``references`` on soumettre (reference §3.6)
            "reference": {"numeroBonCommande": ej_number, "numeroMarche": market_number},
        }
        self.call("factures", "recycler", prune_empty(body), write=True, reference=str(invoice_id))

    def acknowledge_rejections(self, invoice_ids: list[int]) -> None:
        body = {"listeDemandePaiement": [{"idDemandePaiement": i} for i in invoice_ids]}
        self.call("factures", "traiterRejet", body, write=True, reference=",".join(map(str, invoice_ids)))

    def correct_validator(self, invoice_id: int, validator_siret: str) -> None:
        body = {"idFacture": invoice_id, "identifiantStructure": validator_siret,
                "typeIdentifiantStructure": "SIRET"}
        self.call("factures", "corriger/valideur/facture", body, write=True, reference=str(invoice_id))

    # -- FacturesTravaux ------------------------------------------------------------------------
    def iter_works_invoices(self, *, supplier_structure_id: int | None = None, number: str | None = None,
                            market_number: str | None = None,
                            page_size: int = SEARCH_PAGE_SIZE) -> Iterator[WorksInvoiceSummary]:
        criteria = {"roleUtilisateur": "FOURNISSEUR", "idStructureFournisseur": supplier_structure_id,
                    "numeroFactureTravaux": number, "numeroMarche": market_number}
        criteria = {k: v for k, v in criteria.items() if v}

        def body(page: int) -> dict:
            return {**criteria, "rechercheFactureTravaux": _paging(page, page_size)}
        for item in self._pages("facturesTravaux", "rechercher", body, "listeFacturesTravaux"):
            yield WorksInvoiceSummary(
                works_invoice_id=_int(item.get("idFactureTravaux")) or 0,
                number=str(item.get("numeroFactureTravaux") or ""),
                status=str(_first(item, "statut", "statutFactureTravaux", "etatCourant", "statutCourant") or ""),
                works_type=str(item.get("typeFactureTravaux") or ""),
                cadre=_cadre(item),
                status_date=parse_datetime(item.get("dateHeureEtatCourant")),
                market_number=str(item.get("numeroMarche") or ""),
            )

    def deposit_works_document(self, invoice: Invoice, *, supplier_structure_id: int,
                               main_attachment_id: int | None,
                               attachment_ids: list[int] | None = None,
                               mode: DepositMode = DepositMode.PDF) -> SubmitResult:
        """Deposit a works document (A4, A7, A8, A10, A11, A13, A14).  Not verified: see works.py."""
        from .works import build_works_request, parse_works_response

        api, operation, body = build_works_request(invoice, supplier_structure_id=supplier_structure_id,
                                                   main_attachment_id=main_attachment_id,
                                                   attachment_ids=list(attachment_ids or []), mode=mode)
        data = self.call(api, operation, body, write=True, reference=invoice.number)
        try:
            result = parse_works_response(data)
        except ProtocolError:  # HTTP 200 without an id: the document may exist anyway
            raise OutcomeUnknownError(f"{api}/v1/{operation}", invoice.number, "no id in the answer") from None
        return result if result.invoice_number else replace(result, invoice_number=invoice.number)

    # -- higher level ------------------------------------------------------------------------------
    def _upload_before_deposit(self, attachment: Attachment, invoice_number: str) -> int:
        """Upload a file of an invoice about to be deposited.

        A lost upload answer leaves at most an unreferenced file on Chorus Pro: the
        invoice itself was not deposited, so it is safe to send it again later.
        """
        try:
            return self.upload_file(attachment).attachment_id
        except WriteInterrupted:
            raise KeyboardInterrupt from None  # a plain interruption: the invoice was not deposited
        except OutcomeUnknownError:
            raise TransientError(code="upload_unconfirmed",
                                 params={"name": attachment.name, "number": invoice_number}) from None

    def find_supplier_invoice(self, invoice_number: str, *, around: date | None = None,
                              include_works: bool = False) -> InvoiceSummary | None:
        """Reconcile a lost deposit: the invoice with this supplier number, or None.

        ``around`` (the day it was sent) narrows the search to ±30 days of deposit.
        The newest match that is not deleted wins.  ``include_works`` also searches
        the works circuit (FacturesTravaux) when the invoice circuit has no match.
        """
        window = {}
        if around is not None:
            day = around.date() if isinstance(around, datetime) else around
            window = {"deposit_from": day - timedelta(days=RECONCILE_WINDOW_DAYS),
                      "deposit_to": day + timedelta(days=RECONCILE_WINDOW_DAYS)}
        wanted = invoice_number.strip()
        matches = [s for s in self.iter_supplier_invoices(invoice_number=wanted, **window)
                   if s.invoice_number.strip() == wanted and s.status != "SUPPRIMEE"]
        if not matches and include_works:
            matches = [InvoiceSummary(w.works_invoice_id, w.number, w.status, status_date=w.status_date,
                                      invoice_type="FACTURE_TRAVAUX", cadre=w.cadre)
                       for w in self.iter_works_invoices(number=wanted)
                       if w.number.strip() == wanted and w.status != "SUPPRIMEE"]
        if not matches:
            return None
        return max(matches, key=lambda s: (s.deposit_date or date.min, s.invoice_id))

    def send_invoice(self, invoice: Invoice, *, supplier_structure_id: int,
                     mode: DepositMode = DepositMode.PDF, refuse_duplicate: bool = False) -> SubmitResult:
        """Validate, upload the PDF and attachments, then ``soumettre`` (or the works deposit).

        Nothing is uploaded when validation fails.  With ``refuse_duplicate``, one search
        by invoice number comes first and :class:`DuplicateInvoiceError` (with the existing
        Chorus Pro id) stops the sending when the number is already there, not deleted.
        A lost answer of the final deposit raises OutcomeUnknownError: call
        :meth:`find_supplier_invoice` (``include_works=True`` for works cadres) before
        sending again.
        """
        from .documents import build_submit_payload, validate_invoice

        works = invoice.cadre.is_works
        validate_invoice(invoice, operation="works" if works else "soumettre", mode=mode)
        if refuse_duplicate:
            existing = self.find_supplier_invoice(invoice.number)
            if existing is not None:
                raise DuplicateInvoiceError(existing.invoice_number, existing.invoice_id, existing.status)
        files = ([invoice.main_pdf] if invoice.main_pdf is not None else []) + list(invoice.attachments)
        uploaded = [self._upload_before_deposit(f, invoice.number) for f in files]
        main_id = uploaded.pop(0) if invoice.main_pdf is not None else None
        attachment_ids = uploaded
        if works:
            return self.deposit_works_document(invoice, supplier_structure_id=supplier_structure_id,
                                               main_attachment_id=main_id, attachment_ids=attachment_ids,
                                               mode=mode)
        payload = build_submit_payload(invoice, mode=mode, supplier_structure_id=supplier_structure_id,
                                       main_attachment_id=main_id, attachment_ids=attachment_ids)
        return self.submit_invoice(payload, reference=invoice.number)


#: in-process simulators all answer on SIMULATION_BASE_URL: one token cache per simulator
_SIMULATOR_TOKEN_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SIMULATOR_CACHES_LOCK = threading.Lock()


def _default_clock(config: ChorusConfig, simulator) -> Callable[[], datetime]:
    if simulator is None and config.in_process:
        from .simulator import default_simulator

        simulator = default_simulator()
    return simulator.now if simulator is not None else _wall_clock


def _wall_clock() -> datetime:
    return datetime.now(PARIS)


def _default_token_cache(config: ChorusConfig, simulator) -> auth.TokenCache:
    if not config.in_process:
        return auth.default_cache
    if simulator is None:
        from .simulator import default_simulator

        simulator = default_simulator()
    with _SIMULATOR_CACHES_LOCK:
        cache = _SIMULATOR_TOKEN_CACHES.get(simulator)
        if cache is None:
            cache = _SIMULATOR_TOKEN_CACHES[simulator] = auth.TokenCache()
        return cache


# -- wire helpers ---------------------------------------------------------------------------------
def _cpro_account(config: ChorusConfig) -> str:
    """``cpro-account``: base64 of ``login:password`` in UTF-8 (reference §2.2)."""
    return base64.b64encode(f"{config.tech_login}:{config.tech_password}".encode()).decode("ascii")


def _text(response: requests.Response) -> str:
    try:
        return response.text or ""
    except Exception:  # undecodable body: treated as no body
        return ""


def _decode(response: requests.Response, op: str) -> dict:
    try:
        data = json.loads(response.content.decode("utf-8-sig")) if response.content else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ProtocolError(code="answer_unreadable",
                            params={"operation": op, "detail": f"not a JSON object, HTTP {response.status_code}"})
    return data


def _http_error(op: str, status: int) -> ChorusProError:
    """A 4xx answer without a business envelope: the request itself is wrong, sending it again will not help."""
    reason = {404: "not_found", 413: "too_large", 415: "format"}.get(status, "refused")
    return ChorusProError(code="http_refused", params={"operation": op, "status": status, "reason": reason})


def _submit_result(data: dict, op: str, reference: str, *, id_keys, number_keys, status_keys) -> SubmitResult:
    invoice_id = _int(_first(data, *id_keys))
    if invoice_id is None:  # HTTP 200 without an id: the invoice may exist anyway
        raise OutcomeUnknownError(op, reference, "no invoice id in the answer")
    return SubmitResult(invoice_id, str(_first(data, *number_keys) or reference),
                        str(_first(data, *status_keys) or ""), parse_date(data.get("dateDepot")),
                        str(data.get("identifiantStructure") or ""), str(data.get("empreinteCertificatDepot") or ""))


def _paging(page: int, size: int = SEARCH_PAGE_SIZE, column: str | None = None, direction: str | None = None) -> dict:
    paging = {"pageResultatDemandee": page, "nbResultatsParPage": size}
    if column:
        paging["triColonne"] = column
    if direction:
        paging["triSens"] = direction
    return paging


def page_count(data: dict) -> int | None:
    """``pages`` of ``parametresRetour`` (or at the top level, as some operations do)."""
    paging = data.get("parametresRetour")
    source = paging if isinstance(paging, dict) else data
    return _int(source.get("pages"))


def as_list(value) -> list[dict]:
    """A list of objects from a list, a single object (``listeStructures`` sometimes) or nothing."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def reference_requirement(flags: dict) -> ReferenceRequirement:
    """Required references of a buyer, from ``structures/v1/consulter`` ``parametres`` (reference §4.2 order)."""
    service, ej = bool(flags.get("codeServiceDoitEtreRenseigne")), bool(flags.get("numeroEJDoitEtreRenseigne"))
    if flags.get("gestionNumeroEJOuCodeService"):
        return ReferenceRequirement.SERVICE_OR_EJ
    if service and ej:
        return ReferenceRequirement.SERVICE_AND_EJ
    if service:
        return ReferenceRequirement.SERVICE
    if ej:
        return ReferenceRequirement.EJ
    return ReferenceRequirement.NONE


def _service_active(item: dict) -> bool:
    if "estActif" in item:
        return bool(item["estActif"])
    status = str(item.get("statutService") or item.get("statut") or "ACTIF").upper()
    return status in ("ACTIF", "ACTIVE")


def _cadre(item: dict) -> str:
    """Cadre of a search item: not in the 2020 Swagger items, so every known spelling is read."""
    value = _first(item, "cadreFacturation", "codeCadreFacturation", "cadreDeFacturation")
    if isinstance(value, dict):
        value = value.get("codeCadreFacturation")
    return str(value or "")


def _first(data: dict, *keys):
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def _number(value, kind):
    """``kind(value)``, or None when the platform left the field empty or sent something else."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def _int(value) -> int | None:
    return _number(value, int)


def _float(value) -> float | None:
    return _number(value, float)


# -- dates ----------------------------------------------------------------------------------------
try:
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # no time zone database: Chorus Pro's days are then taken in UTC
    PARIS = timezone.utc

_FRACTION = re.compile(r"\.(\d+)")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def parse_datetime(value) -> datetime | None:
    """Read a Chorus Pro date or date-time; None when empty or unreadable.

    Accepts ``2025-03-04T10:12:00.000+01:00``, ``2016-12-28T08:31:19+01:00``,
    ``2016-10-25 17:42``, ``2025-03-04`` (midnight, naive), ``...Z`` and epoch
    milliseconds (number or digits; returned in Paris time).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)):
        return _from_millis(value)
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d{9,}", text):
        return _from_millis(int(text))
    if len(text) > 10 and text[10] in " t":
        text = text[:10] + "T" + text[11:]
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _COMPACT_OFFSET.sub(r"\1:\2", text) if "T" in text else text
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        _logger.debug("unreadable Chorus Pro date %r", text[:40])
        return None


def parse_date(value) -> date | None:
    """The day of a Chorus Pro date or date-time (taken as it is written, offset ignored)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_datetime(value)
    return parsed.date() if parsed is not None else None


def _from_millis(value: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(value / 1000, tz=PARIS)
    except (OverflowError, OSError, ValueError):
        return None


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=PARIS)


def format_datetime(value, *, end_of_day: bool = False) -> str | None:
    """The date-time string Chorus Pro expects in search criteria (``periode…`` fields).

    A date becomes the start (or, with ``end_of_day``, the last millisecond) of that
    day in Paris time; a naive datetime is taken as UTC (as Odoo stores them).
    Example: ``2026-03-04T00:00:00.000+01:00``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, date):
        moment = datetime.combine(value, day_time(23, 59, 59, 999000) if end_of_day else day_time(0, 0), tzinfo=PARIS)
    else:
        raise TypeError(f"expected a date or datetime, got {type(value).__name__}")
    return moment.isoformat(timespec="milliseconds")
