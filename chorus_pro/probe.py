"""``chorus-pro probe``: what a Chorus Pro environment really does for works documents.

Read-only by default: the discovery operations (:mod:`chorus_pro.discovery`), the supplier's structures
and one page of the works search as FOURNISSEUR.  With ``try_deposit`` (never on production), a harmless
test projet de décompte mensuel is then sent to each candidate deposit route of
:data:`CANDIDATE_DEPOSIT_ROUTES` until one accepts it: a 404 says the path does not exist, a business
``codeRetour`` says it exists and what it wants.

The report lists, per operation, the HTTP status, ``codeRetour``, ``libelle`` and what they mean; its JSON
form is what a user attaches to a support request.  It never holds a secret: no header, no token, no
credential; every secret of the configuration is also blanked from the texts before they are shown.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from itertools import islice

from . import __version__, discovery
from .cadres import Cadre
from .client import EMPTY_SEARCH_CODES, ChorusProClient
from .config import ChorusConfig, Environment, secret_values
from .documents import Attachment, Invoice, Party, Totals, VatLine
from .errors import AuthenticationError, ChorusProError, ConfigurationError

#: where a works document might be deposited through the API: every path is a guess (reference §9.2, §17.15);
#: ``facturesTravaux/v1/soumettre`` is the one :mod:`chorus_pro.works` uses today
CANDIDATE_DEPOSIT_ROUTES = (("facturesTravaux", "soumettre"), ("facturesTravaux", "soumettreFactureTravaux"))
#: items of the works search looked at (one page)
SEARCH_SAMPLE = 20
#: a minimal one-page PDF, the test document's file
TEST_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
            b"%%EOF\n")
TEST_COMMENT = "Test de raccordement API (chorus-pro probe) - document de test à ignorer"
#: answers of the probe's own, never sent to a production platform
REFUSED_ON_PRODUCTION = ("--try-deposit sends a test document: it is refused on production; run it on "
                         "qualification (--env qualification)")


@dataclass
class ProbeLine:
    """One operation tried and what its answer says."""

    step: str
    operation: str
    write: bool = False
    http_status: int | None = None
    code: int | None = None
    libelle: str = ""
    meaning: str = ""
    found: object = None


@dataclass
class ProbeReport:
    environment: str
    api_base_url: str
    probed_at: str
    try_deposit: bool
    lines: list[ProbeLine] = field(default_factory=list)
    tool_version: str = __version__

    @property
    def write_operations(self) -> list[str]:
        return [line.operation for line in self.lines if line.write]

    @property
    def refused_credentials(self) -> bool:
        return any(line.http_status in (401, 403) and line.step == "supplier structures" for line in self.lines) or (
            bool(self.lines) and self.lines[0].http_status is None)

    def to_json(self) -> dict:
        return {"tool": "chorus-pro probe", "tool_version": self.tool_version, "environment": self.environment,
                "api_base_url": self.api_base_url, "probed_at": self.probed_at, "try_deposit": self.try_deposit,
                "unverified_paths": {"discovery": [f"{api}/v1/{op}" for api, op in _DISCOVERY_PATHS],
                                     "deposit_candidates": [f"{api}/v1/{op}" for api, op in CANDIDATE_DEPOSIT_ROUTES]},
                "operations": [asdict(line) for line in self.lines]}

    def format_text(self) -> str:
        rows = [[line.operation + (" (write)" if line.write else ""),
                 "-" if line.http_status is None else str(line.http_status),
                 "-" if line.code is None else str(line.code), line.libelle or "-", line.meaning]
                for line in self.lines]
        from .cli import format_table

        head = (f"Chorus Pro probe of {self.environment} ({self.api_base_url}) at {self.probed_at}"
                + ("" if self.try_deposit else " - read only"))
        found = [f"{line.step}: {_short(line.found)}" for line in self.lines if line.found not in (None, [], {})]
        return "\n".join([head, "", format_table(["operation", "HTTP", "codeRetour", "libelle", "meaning"], rows),
                          "", *found])


_DISCOVERY_PATHS = (discovery.BILLING_FRAMES, discovery.FLOW_FORMATS, discovery.WORKS_DOCUMENT_TYPES,
                    discovery.WORKS_STRUCTURES)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


class _Answers:
    """Response hook of the client's session: the answers of ``/cpro/`` calls, for their status and envelope."""

    def __init__(self):
        self.answers: list = []

    def __call__(self, response, *args, **kwargs):
        if "/cpro/" in (response.url or ""):
            self.answers.append(response)
        return response


def meaning(http_status: int | None, code: int | None, libelle: str, deposit: bool, error=None) -> str:
    """What an answer says about an operation, in plain English."""
    if http_status is None:
        cause = getattr(error, "message_en", "") or str(error or "")
        return f"no answer from Chorus Pro: {cause}"
    if http_status == 404:
        return "this path does not exist on this environment"
    if http_status == 401:
        return "credentials refused (PISTE token or technical account)"
    if http_status == 403:
        return ("refused: the PISTE application is not subscribed to this API, or the technical account may not "
                "use it (or its password expired)")
    if http_status in (405, 415):
        return "the path exists but refused the method or the format of the request"
    if http_status >= 500:
        return "server error on Chorus Pro: run the probe again later"
    if code == 0 and http_status < 300:
        return ("ACCEPTED: this route deposits works documents (a test document now exists)" if deposit
                else "the operation exists and answered")
    if code in EMPTY_SEARCH_CODES:
        return "the operation exists; nothing found (empty result)"
    if code is not None:
        return f"the path exists; the request was refused ({libelle or code}): see the detail to complete it"
    return "the path seems to exist; the answer has no codeRetour"


def run_probe(config: ChorusConfig, *, try_deposit: bool = False, simulator=None, moe_siret: str = "",
              moa_siret: str = "", moa_service: str = "", market_number: str = "") -> ProbeReport:
    """Probe the environment of ``config``; ``try_deposit`` also tries the candidate deposit routes."""
    if try_deposit and config.environment is Environment.PRODUCTION:
        raise ConfigurationError(REFUSED_ON_PRODUCTION, "--try-deposit envoie un document de test : il est refusé "
                                 "en production ; lancez-le en qualification.", field="--try-deposit")
    # one attempt per call: the probe reports what the platform answers, it does not insist
    config = replace(config.with_simulation_defaults(), max_attempts=1)
    with ChorusProClient(config.validate(), simulator=simulator) as client:
        answers = _Answers()
        client.session.hooks["response"].append(answers)
        report = ProbeReport(config.environment.value, config.api_base_url, client.now().isoformat(
            timespec="seconds"), try_deposit)
        secrets = secret_values(config)
        run = _Runner(client, answers, report, secrets)
        supplier = run.step("supplier structures", "transverses", "recuperer/structures/actives/fournisseur",
                            lambda: [asdict(s) for s in client.transverses.supplier_structures()])
        if run.stopped:
            return report
        run.step("works cadres", *discovery.BILLING_FRAMES, lambda: discovery.billing_frames(client))
        run.step("flow formats", *discovery.FLOW_FORMATS, lambda: _flow_formats(client))
        run.step("works document types", *discovery.WORKS_DOCUMENT_TYPES,
                 lambda: discovery.works_document_types(client))
        run.step("works structures", *discovery.WORKS_STRUCTURES,
                 lambda: [asdict(s) for s in discovery.works_structures(client)])
        run.step("works search as FOURNISSEUR", "facturesTravaux", "rechercher",
                 lambda: _works_sample(client))
        if try_deposit and not run.stopped:
            supplier_id = (supplier or [{}])[0].get("id") or 0
            _try_deposits(run, client, supplier_id, moe_siret, moa_siret, moa_service, market_number)
        return report


def _flow_formats(client) -> dict:
    """The platform's flow formats, which of them name a works flow (E4/E5), and the syntax the flux deposit of
    works documents sends today (``chorus_pro.works_flow.works_flow_syntax``, unverified)."""
    from .works_flow import works_flow_syntax

    formats = discovery.flow_formats(client)
    sent = works_flow_syntax()
    return {"formats": formats, "works_formats": [f for f in formats if "_E4_" in f or "_E5_" in f],
            "works_flow_syntax_sent": sent, "works_flow_syntax_listed": sent in formats}


def _works_sample(client) -> dict:
    items = list(islice(client.factures_travaux.iter_invoices(page_size=SEARCH_SAMPLE), SEARCH_SAMPLE))
    return {"documents_on_first_page": len(items), "statuses": sorted({i.status for i in items}),
            "cadres": sorted({i.cadre for i in items if i.cadre})}


def _try_deposits(run, client, supplier_id, moe_siret, moa_siret, moa_service, market_number):
    from .works import build_works_request

    uploaded = run.step("upload of the test PDF", "transverses", "ajouter/fichier",
                        lambda: client.transverses.upload_file(Attachment("PROBE-TEST.pdf", TEST_PDF)).attachment_id,
                        write=True)
    if not uploaded:
        return
    invoice = _test_document(client, supplier_id, moe_siret, moa_siret, moa_service, market_number)
    _api, _operation, body = build_works_request(invoice, supplier_structure_id=supplier_id,
                                                 main_attachment_id=uploaded)
    for api, operation in CANDIDATE_DEPOSIT_ROUTES:
        run.step(f"works deposit candidate {api}/{operation}", api, operation,
                 lambda a=api, o=operation: _deposit_answer(client, a, o, body, invoice.number), write=True,
                 deposit=True)
        if run.report.lines[-1].code == 0:
            break  # deposited: never a second test document


def _deposit_answer(client, api, operation, body, number) -> dict:
    data = client.call(api, operation, body, write=True, reference=number)
    return {key: data.get(key) for key in ("idFactureTravaux", "numeroFactureTravaux", "statut", "identifiantFactureCPP")
            if data.get(key) is not None}


def _test_document(client, supplier_id, moe_siret, moa_siret, moa_service, market_number) -> Invoice:
    today = client.today()
    one = Decimal("1.00")
    vat = Decimal("0.20")
    return Invoice(
        number=f"PROBE-{client.now():%Y%m%d%H%M%S}", invoice_date=today,
        supplier=Party("", structure_id=supplier_id), buyer=Party(moa_siret, service_code=moa_service),
        lines=[], vat_lines=[VatLine(Decimal(20), one, vat)],
        totals=Totals(one, vat, one + vat, one + vat), cadre=Cadre.A4,
        market_number=market_number or "PROBE-MARCHE", payment_mode=None,
        moe=Party(moe_siret) if moe_siret else None,
        moa=Party(moa_siret, service_code=moa_service) if moa_siret else None,
        situation_number=1, period_start=today - timedelta(days=30), period_end=today, comment=TEST_COMMENT)


class _Runner:
    def __init__(self, client, answers, report, secrets):
        self.client, self.answers, self.report, self.secrets = client, answers, report, secrets
        self.stopped = False

    def step(self, title, api, operation, action, write=False, deposit=False):
        self.answers.answers.clear()
        found, error = None, None
        try:
            found = action()
        except AuthenticationError as exc:
            error, self.stopped = exc, True  # nothing else will pass
        except ChorusProError as exc:
            error = exc
        answer = self.answers.answers[-1] if self.answers.answers else None
        status = answer.status_code if answer is not None else None
        envelope = _envelope(answer)
        code = envelope.get("codeRetour")
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        libelle = str(envelope.get("libelle") or envelope.get("error") or "")
        text = meaning(status, code, libelle, deposit, error)
        detail = envelope.get("detail") or envelope.get("error_description") or ""
        if detail and (code not in (0, None) or status not in (200, None)):
            text += f" - {str(detail)[:300]}"
        line = ProbeLine(title, f"{api}/v1/{operation}", write, status, code, self._clean(libelle),
                         self._clean(text), self._scrub(found))
        self.report.lines.append(line)
        return found

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def _scrub(self, value):
        if value is None:
            return None
        text = self._clean(json.dumps(value, ensure_ascii=False, default=str))
        return json.loads(text)


def _envelope(answer) -> dict:
    if answer is None:
        return {}
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
