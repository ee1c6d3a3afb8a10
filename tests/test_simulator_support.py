"""Helpers of the simulator tests: a minimal caller (token, headers, JSON) and valid request bodies.

The simulator tests call it with ``requests`` directly, not through the client,
so that they pin the simulator's behaviour on their own.  The ``api`` fixture
runs each test twice: in process (``SimulatorAdapter``) and over real HTTP
(``SimulatorServer`` on 127.0.0.1).
"""

from __future__ import annotations

import base64
import copy

import pytest
import requests

from chorus_pro.config import SIMULATION_BASE_URL
from chorus_pro.simulator import Simulator, SimulatorAdapter, SimulatorServer, seed

PDF = b"%PDF-1.4\n% test\n"


def account_header(login=seed.TECH_LOGIN, password=seed.TECH_PASSWORD) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


class Api:
    def __init__(self, sim: Simulator, base_url: str | None = None):
        self.sim = sim
        self.session = requests.Session()
        if base_url is None:
            base_url = SIMULATION_BASE_URL
            self.session.mount(base_url, SimulatorAdapter(sim))
        self.base = base_url
        self._token = None

    def request_token(self, client_id=seed.PISTE_CLIENT_ID, secret=seed.PISTE_CLIENT_SECRET, **extra):
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
                "scope": "openid", **extra}
        return self.session.post(self.base + "/api/oauth/token", data=form, timeout=10)

    @property
    def token(self) -> str:
        if self._token is None:
            answer = self.request_token()
            assert answer.status_code == 200, answer.text
            self._token = answer.json()["access_token"]
        return self._token

    def renew(self) -> None:
        self._token = None

    def headers(self, **overrides) -> dict:
        headers = {"Authorization": f"Bearer {self.token}", "cpro-account": account_header(),
                   "Content-Type": "application/json;charset=utf-8", "Accept": "application/json"}
        headers.update(overrides)
        return {k: v for k, v in headers.items() if v is not None}

    def call(self, operation: str, body=None, *, headers: dict | None = None, data=None, method: str = "POST",
             timeout=10) -> requests.Response:
        url = f"{self.base}/cpro/{operation}"
        kwargs = {"headers": self.headers(**(headers or {})), "timeout": timeout}
        if data is not None:
            kwargs["data"] = data
        elif method == "POST":
            kwargs["json"] = {} if body is None else body
        return self.session.request(method, url, **kwargs)

    def call_renewing(self, operation: str, body=None) -> requests.Response:
        """Like a client: a 401 ``invalid_token`` (simulated time moved on) gets one new token."""
        answer = self.call(operation, body)
        if answer.status_code == 401 and "invalid_token" in answer.text:
            self.renew()
            answer = self.call(operation, body)
        return answer

    def ok(self, operation: str, body=None) -> dict:
        answer = self.call_renewing(operation, body)
        assert answer.status_code == 200, (answer.status_code, answer.text)
        data = answer.json()
        assert data.get("codeRetour", 0) == 0, data
        return data

    def refused(self, operation: str, body=None, *, http_status: int = 200) -> dict:
        answer = self.call_renewing(operation, body)
        assert answer.status_code == http_status, (answer.status_code, answer.text)
        data = answer.json()
        assert data["codeRetour"] != 0 and data["libelle"] and data["detail"], data
        return data

    def upload(self, name="facture.pdf", content=PDF, extension="PDF") -> int:
        return self.ok("transverses/v1/ajouter/fichier", {
            "pieceJointeFichier": base64.b64encode(content).decode(), "pieceJointeNom": name,
            "pieceJointeTypeMime": "application/pdf", "pieceJointeExtension": extension,
        })["pieceJointeId"]

    def submit(self, **changes) -> dict:
        return self.ok("factures/v1/soumettre", submit_body(**changes))


def merge(body: dict, changes: dict) -> dict:
    """``changes`` keys are dotted paths (``"destinataire.codeServiceExecutant"``); None removes."""
    body = copy.deepcopy(body)
    for path, value in changes.items():
        node = body
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return body


def submit_body(changes: dict | None = None, **kw) -> dict:
    """A valid SAISIE_API A1 invoice to the commune (service SERV-TECH): 2 × 50 € HT, TVA 20 %."""
    body = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": "FA-2026-001",
        "dateFacture": "2026-11-02",
        "destinataire": {"codeDestinataire": seed.COMMUNE.siret, "codeServiceExecutant": "SERV-TECH"},
        "fournisseur": {"idFournisseur": seed.SUPPLIER.id,
                        "codeCoordonneesBancairesFournisseur": seed.SUPPLIER_BANK_ACCOUNTS[0][0]},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {"deviseFacture": "EUR", "typeFacture": "FACTURE", "typeTva": "TVA_SUR_DEBIT",
                       "numeroMarche": "2026-TX-017", "modePaiement": "VIREMENT"},
        "lignePoste": [{"lignePosteNumero": 1, "lignePosteReference": "LOT-02", "lignePosteDenomination": "Maçonnerie",
                        "lignePosteQuantite": 2, "lignePosteUnite": "forfait", "lignePosteMontantUnitaireHT": 50.0,
                        "lignePosteTauxTva": "TVA20"}],
        "ligneTva": [{"ligneTvaTaux": "TVA20", "ligneTvaMontantBaseHtParTaux": 100.0,
                      "ligneTvaMontantTvaParTaux": 20.0}],
        "montantTotal": {"montantHtTotal": 100.0, "montantTVA": 20.0, "montantTtcTotal": 120.0, "montantAPayer": 120.0},
    }
    all_changes = dict(changes or {})
    all_changes.update({k.replace("__", "."): v for k, v in kw.items()})
    return merge(body, all_changes)


def works_body(**kw) -> dict:
    """A valid projet de décompte mensuel (A4) for the OPH, MOE the architect, as the client builds it."""
    body = submit_body(**{
        "numeroFactureSaisi": "SIT-2026-03",
        "destinataire.codeDestinataire": seed.OPH.siret, "destinataire.codeServiceExecutant": "MOA-TRAVAUX",
        "cadreDeFacturation.codeCadreFacturation": "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        "typeFactureTravaux": "PROJET_DECOMPTE_MENSUEL", "numeroMarche": "2026-TX-017",
        "moe": {"codeMOE": seed.MOE.siret}, "moa": {"codeMOA": seed.OPH.siret, "codeServiceMoa": "MOA-TRAVAUX"},
        "commentaire": "Situation n° 3 - période du 01/10/2026 au 31/10/2026",
    })
    return merge(body, {k.replace("__", "."): v for k, v in kw.items()})



@pytest.fixture(params=["in_process", "http"])
def api(request, sim):
    if request.param == "in_process":
        yield Api(sim)
        return
    with SimulatorServer(sim) as server:
        caller = Api(sim, server.url)
        yield caller
        caller.session.close()


@pytest.fixture
def local(sim):
    """In process only (for tests whose transport does not matter)."""
    return Api(sim)
