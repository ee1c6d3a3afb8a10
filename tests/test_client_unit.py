"""ChorusProClient.call and the result parsers, one function at a time, against mocked HTTP answers."""

import base64
import json
import logging
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
import responses

from chorus_pro import auth
from chorus_pro.api import StructureInactiveError, StructureNotFoundError
from chorus_pro.api.structures import reference_requirement
from chorus_pro.client import ChorusProClient
from chorus_pro.config import ChorusConfig, Environment
from chorus_pro.dates import format_datetime, parse_date, parse_datetime
from chorus_pro.errors import (
    ApiNotSubscribedError,
    BusinessError,
    ChorusProError,
    OutcomeUnknownError,
    ProtocolError,
    TechnicalAccountError,
    TransientError,
)
from chorus_pro.results import ReferenceRequirement

API = "https://sandbox-api.piste.gouv.fr"
TOKEN_URL = "https://sandbox-oauth.piste.gouv.fr/api/oauth/token"
SECRET = "piste-secret-&-value"
PASSWORD = "Mot-de-passe-été!"
CONFIG = ChorusConfig(environment=Environment.QUALIFICATION, piste_client_id="client-id",
                      piste_client_secret=SECRET, tech_login="TECH_1_bati@cpro.fr", tech_password=PASSWORD,
                      max_attempts=3, backoff_base=0.5, backoff_max=8)


def url(path):
    return f"{API}/cpro/{path}"


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        counter = iter(range(1, 1000))
        rsps.add_callback(responses.POST, TOKEN_URL, callback=lambda request: (
            200, {}, json.dumps({"access_token": f"token-{next(counter)}", "token_type": "Bearer",
                                 "expires_in": 3600})))
        yield rsps


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return ChorusProClient(CONFIG, sleep=sleeps.append, token_cache=auth.TokenCache())


def calls_to(rsps, path):
    return [c for c in rsps.calls if c.request.url == url(path)]


def token_calls(rsps):
    return [c for c in rsps.calls if c.request.url == TOKEN_URL]


OK = {"codeRetour": 0, "libelle": "TRA_MSG_00.000"}


# -- credentials of the environment (.netrc) and proxies ---------------------------------------------
@pytest.fixture
def netrc_home(tmp_path, monkeypatch):
    """A HOME whose ~/.netrc has an entry for the API host and a default entry, as a developer's may."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine sandbox-api.piste.gouv.fr login netrc-user password netrc-password\n"
                     "default login default-user password default-password\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    return netrc


def test_a_netrc_entry_never_replaces_the_bearer_token(netrc_home, mocked, client):
    assert requests.utils.get_netrc_auth(url("structures/v1/consulter")) == ("netrc-user", "netrc-password")
    mocked.post(url("structures/v1/consulter"), json={**OK, "informationGenerales": {}})
    client.structures.get(1)
    (call,) = calls_to(mocked, "structures/v1/consulter")
    assert call.request.headers["Authorization"] == "Bearer token-1"
    # the token request carries the client credentials in its form, and nothing of the .netrc
    (token_call,) = token_calls(mocked)
    assert "Authorization" not in token_call.request.headers


def test_proxies_from_the_environment_stay_honoured(monkeypatch, client):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    settings = client.session.merge_environment_settings(url("structures/v1/consulter"), {}, None, None, None)
    assert settings["proxies"].get("https") == "http://proxy.example:3128"


# -- call(): headers, URL, envelope ----------------------------------------------------------------
def test_call_sends_the_headers_and_json_body(mocked, client):
    mocked.post(url("structures/v1/consulter"), json={**OK, "informationGenerales": {}})
    client.call("structures", "consulter", {"idStructureCPP": 12, "nom": "Écoles"})
    request = calls_to(mocked, "structures/v1/consulter")[0].request
    assert request.headers["Authorization"] == "Bearer token-1"
    assert base64.b64decode(request.headers["cpro-account"]).decode("utf-8") == f"TECH_1_bati@cpro.fr:{PASSWORD}"
    assert request.headers["Content-Type"] == "application/json;charset=utf-8"
    assert request.headers["Accept"] == "application/json"
    assert json.loads(request.body.decode("utf-8")) == {"idStructureCPP": 12, "nom": "Écoles"}
    assert "idUtilisateurCourant" not in json.loads(request.body)
    assert client.stats.http_requests == 1 and client.stats.token_requests == 1


@pytest.mark.parametrize("status", [200, 400])
def test_non_zero_code_retour_is_a_business_error(mocked, client, status):
    mocked.post(url("factures/v1/soumettre"), status=status,
                json={"codeRetour": 20013, "libelle": "GDP_MSG_05.013"})
    with pytest.raises(BusinessError) as info:
        client.call("factures", "soumettre", {}, write=True, reference="FA-1")
    error = info.value
    assert (error.operation, error.return_code, error.libelle, error.http_status) == (
        "factures/v1/soumettre", 20013, "GDP_MSG_05.013", status)
    assert len(calls_to(mocked, "factures/v1/soumettre")) == 1


def test_empty_search_codes_are_an_empty_result(mocked, client):
    mocked.post(url("facturesTravaux/v1/rechercher"), json={"codeRetour": 20007, "libelle": "GFT_MSG_01.075"})
    mocked.post(url("structures/v1/rechercher"), json={"codeRetour": 20000, "libelle": "TRA_MSG_00.015"})
    assert list(client.factures_travaux.iter_invoices(number="SIT-1")) == []
    assert client.structures.search("21720001300019") == []


def test_a_4xx_without_envelope_is_not_retried(mocked, client):
    mocked.post(url("factures/v1/soumettre"), status=404, body="Not Found")
    with pytest.raises(ChorusProError) as info:
        client.call("factures", "soumettre", {}, write=True)
    assert "HTTP 404" in str(info.value) and not isinstance(info.value, (TransientError, OutcomeUnknownError))
    mocked.post(url("factures/v1/consulter/fournisseur"), status=415, body="")
    with pytest.raises(ChorusProError):
        client.call("factures", "consulter/fournisseur", {})
    assert len(calls_to(mocked, "factures/v1/consulter/fournisseur")) == 1


# -- 401 / 403 -------------------------------------------------------------------------------------
def test_401_renews_the_token_and_replays_once(mocked, client):
    mocked.post(url("transverses/v1/recuperer/coordbanc/valides"), status=401, json={"error": "invalid_token"})
    mocked.post(url("transverses/v1/recuperer/coordbanc/valides"),
                json={**OK, "listeCoordonneeBancaire": [{"idCoordonneeBancaire": 5151, "nomCoordonneeBancaire": "A"}]})
    assert [a.id for a in client.transverses.valid_bank_accounts(26300001)] == [5151]
    sent = calls_to(mocked, "transverses/v1/recuperer/coordbanc/valides")
    assert [c.request.headers["Authorization"] for c in sent] == ["Bearer token-1", "Bearer token-2"]
    assert client.stats.token_requests == 2 and client.stats.retries == 1


def test_401_on_a_write_is_replayed_once_too(mocked, client):
    mocked.post(url("factures/v1/traiterRejet"), status=401, body="")
    mocked.post(url("factures/v1/traiterRejet"), json={"codeRetour": 0, "libelle": "GCU_MSG_01_000"})
    client.factures.acknowledge_rejections([7])
    assert len(calls_to(mocked, "factures/v1/traiterRejet")) == 2


def test_a_second_401_names_the_technical_account(mocked, client):
    mocked.post(url("factures/v1/consulter/historique"), status=401, body="Unauthorized")
    with pytest.raises(TechnicalAccountError) as info:
        client.factures.get_history(1)
    assert info.value.code == "technical_account_refused" and "technical account" in str(info.value)
    assert len(calls_to(mocked, "factures/v1/consulter/historique")) == 2
    assert len(token_calls(mocked)) == 2


def test_403_names_the_api_to_subscribe(mocked, client):
    mocked.post(url("engagementsJuridiques/v1/rechercher"), status=403, body='{"error": "forbidden"}')
    with pytest.raises(ApiNotSubscribedError) as info:
        client.engagements_juridiques.search(26300001, "1300012345")
    assert info.value.code == "api_not_subscribed" and info.value.params == {"api": "EngagementsJuridiques"}
    assert len(calls_to(mocked, "engagementsJuridiques/v1/rechercher")) == 1


# -- transient failures: reads ---------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
def test_reads_retry_server_errors_with_bounded_backoff(mocked, client, sleeps, status):
    mocked.post(url("factures/v1/consulter/historique"), status=status, body="oops")
    mocked.post(url("factures/v1/consulter/historique"),
                json={**OK, "idFacture": 9, "statutCourantCode": "DEPOSEE"})
    assert client.factures.get_history(9).current_status == "DEPOSEE"
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5
    assert client.stats.retries == 1
    assert client.stats.by_operation["factures/v1/consulter/historique"] == {"http_requests": 2, "retries": 1}


def test_reads_give_up_after_max_attempts(mocked, client, sleeps):
    mocked.post(url("factures/v1/consulter/historique"), status=503, body="down")
    with pytest.raises(TransientError) as info:
        client.factures.get_history(9)
    assert info.value.http_status == 503
    assert len(calls_to(mocked, "factures/v1/consulter/historique")) == CONFIG.max_attempts
    assert len(sleeps) == CONFIG.max_attempts - 1
    assert all(s <= CONFIG.backoff_max for s in sleeps)


@pytest.mark.parametrize("header, expected", [("3", 3.0), ("3600", 8.0)])
def test_reads_honour_retry_after_capped_at_backoff_max(mocked, client, sleeps, header, expected):
    mocked.post(url("factures/v1/consulter/historique"), status=429, headers={"Retry-After": header}, body="")
    mocked.post(url("factures/v1/consulter/historique"), json={**OK, "statutCourantCode": "DEPOSEE"})
    client.factures.get_history(9)
    assert sleeps == [expected]


def test_reads_retry_timeouts_and_malformed_json(mocked, client, sleeps):
    mocked.post(url("factures/v1/consulter/historique"), body=requests.exceptions.ReadTimeout("slow"))
    mocked.post(url("factures/v1/consulter/historique"), body="{not json", status=200)
    mocked.post(url("factures/v1/consulter/historique"), json={**OK, "statutCourantCode": "MANDATEE"})
    assert client.factures.get_history(9).current_status == "MANDATEE"
    assert len(sleeps) == 2


def test_persistently_malformed_json_on_a_read_is_a_protocol_error(mocked, client):
    mocked.post(url("factures/v1/consulter/historique"), body="<html>proxy error</html>", status=200)
    with pytest.raises(ProtocolError):
        client.factures.get_history(9)
    assert len(calls_to(mocked, "factures/v1/consulter/historique")) == CONFIG.max_attempts


# -- transient failures: writes --------------------------------------------------------------------
@pytest.mark.parametrize("failure", [
    dict(status=500, body="boom"), dict(status=503, body=""),
    dict(body=requests.exceptions.ReadTimeout("slow")),
    dict(body=requests.exceptions.ConnectionError("Connection aborted.")),
    dict(status=200, body="{truncated"),
])
def test_writes_failing_after_sending_are_outcome_unknown_and_not_retried(mocked, client, sleeps, failure):
    mocked.post(url("factures/v1/soumettre"), **failure)
    with pytest.raises(OutcomeUnknownError) as info:
        client.factures.submit({"numeroFactureSaisi": "FA-9"}, reference="FA-9")
    assert info.value.reference == "FA-9" and info.value.operation == "factures/v1/soumettre"
    assert len(calls_to(mocked, "factures/v1/soumettre")) == 1 and sleeps == []


def test_write_answer_without_invoice_id_is_outcome_unknown(mocked, client):
    mocked.post(url("factures/v1/soumettre"), json={"codeRetour": 0, "libelle": "GCU_MSG_01_000"})
    with pytest.raises(OutcomeUnknownError):
        client.factures.submit({}, reference="FA-10")


@pytest.mark.parametrize("failure", [
    dict(body=requests.exceptions.ConnectTimeout("no route")),
    dict(status=429, headers={"Retry-After": "20"}, body=""),
])
def test_writes_not_sent_or_throttled_are_transient_and_not_retried(mocked, client, sleeps, failure):
    mocked.post(url("factures/v1/deposer/flux"), **failure)
    with pytest.raises(TransientError) as info:
        client.factures.deposit_flow(b"<xml/>", "flux.xml", "IN_DP_E1_UBL_INVOICE")
    assert len(calls_to(mocked, "factures/v1/deposer/flux")) == 1 and sleeps == []
    if "status" in failure:
        assert info.value.retry_after == 8.0 and info.value.http_status == 429


# -- secrets ----------------------------------------------------------------------------------------
def test_secrets_never_appear_in_logs_or_errors(mocked, client, caplog):
    caplog.set_level(logging.DEBUG, logger="chorus_pro")
    mocked.post(url("factures/v1/soumettre"), status=500, body="boom")
    mocked.post(url("factures/v1/consulter/historique"), status=401, body="")
    errors = []
    for action in (lambda: client.factures.submit({}, reference="FA-1"), lambda: client.factures.get_history(1)):
        with pytest.raises(ChorusProError) as info:
            action()
        errors.append(info.value)
    account = base64.b64encode(f"TECH_1_bati@cpro.fr:{PASSWORD}".encode()).decode()
    texts = [caplog.text] + [t for e in errors for t in (str(e), repr(e.params), repr(e.args))]
    for text in texts:
        for secret in (SECRET, PASSWORD, account, "token-1", "token-2"):
            assert secret not in text
    assert "factures/v1/soumettre: HTTP 500" in caplog.text


# -- operations: request bodies and parsing --------------------------------------------------------
def test_list_services_walks_every_page_with_an_explicit_page_size(mocked, client):
    for page, pages in ((1, 3), (2, 3), (3, 3)):
        mocked.post(url("structures/v1/rechercher/services"), json={
            **OK, "parametresRetour": {"pageCourante": page, "pages": pages},
            "listeServices": [{"idService": page, "codeService": f"S{page}", "libelleService": "x",
                               "estActif": page != 2}]})
    services = client.structures.list_services(27100001)
    assert [(s.code, s.active) for s in services] == [("S1", True), ("S2", False), ("S3", True)]
    bodies = [json.loads(c.request.body) for c in calls_to(mocked, "structures/v1/rechercher/services")]
    assert [b["parametresRechercherServicesStructure"]["pageResultatDemandee"] for b in bodies] == [1, 2, 3]
    assert all(b["parametresRechercherServicesStructure"]["nbResultatsParPage"] >= 100 for b in bodies)
    assert all(b["idStructure"] == 27100001 for b in bodies)


def test_liste_structures_as_a_single_object(mocked, client):
    mocked.post(url("structures/v1/rechercher"), json={**OK, "listeStructures": {
        "idStructureCPP": 27100001, "identifiantStructure": "21720001300019",
        "designationStructure": "COMMUNE", "typeIdentifiantStructure": "SIRET", "statut": "ACTIVE"}})
    assert client.structures.find("217 200 013 00019").id == 27100001
    body = json.loads(calls_to(mocked, "structures/v1/rechercher")[0].request.body)
    assert body["structure"] == {"identifiantStructure": "21720001300019", "typeIdentifiantStructure": "SIRET"}


def test_find_structure_unknown_or_inactive(mocked, client):
    mocked.post(url("structures/v1/rechercher"), json={**OK, "listeStructures": []})
    mocked.post(url("structures/v1/rechercher"), json={**OK, "listeStructures": [
        {"idStructureCPP": 5, "identifiantStructure": "25720001400013", "statut": "INACTIVE"}]})
    with pytest.raises(StructureNotFoundError) as info:
        client.structures.find("21720001300019")
    assert info.value.code == "structure_not_found" and isinstance(info.value, BusinessError)
    assert "not in the Chorus Pro directory" in str(info.value)
    with pytest.raises(StructureInactiveError) as info:
        client.structures.find("25720001400013")
    assert info.value.code == "structure_inactive" and info.value.operation == "structures/v1/rechercher"


@pytest.mark.parametrize("flags, expected", [
    ({"gestionNumeroEJOuCodeService": True, "codeServiceDoitEtreRenseigne": True,
      "numeroEJDoitEtreRenseigne": True}, ReferenceRequirement.SERVICE_OR_EJ),
    ({"codeServiceDoitEtreRenseigne": True, "numeroEJDoitEtreRenseigne": True}, ReferenceRequirement.SERVICE_AND_EJ),
    ({"codeServiceDoitEtreRenseigne": True}, ReferenceRequirement.SERVICE),
    ({"numeroEJDoitEtreRenseigne": True}, ReferenceRequirement.EJ),
    ({"numeroEJDoitEtreRenseigne": False}, ReferenceRequirement.NONE),
])
def test_reference_requirement_order(flags, expected):
    assert reference_requirement(flags) is expected


def test_get_structure_parses_flags_and_password_expiry(mocked, client):
    mocked.post(url("structures/v1/consulter"), json={**OK, "informationGenerales": {
        "idStructureCPP": 26300001, "identifiantStructure": "81234567600017",
        "raisonSocialeStructure": "BATI OUEST", "structurePriveePublique": "PRIVEE",
        "dateExpirationMotPasseCompteTech": "2027-06-11T00:00:00.000+02:00"},
        "parametres": {"numeroEJDoitEtreRenseigne": True, "statutMiseEnPaiementNestPasRemonte": True}})
    details = client.structures.get(26300001)
    assert details.requirement is ReferenceRequirement.EJ and not details.public
    assert details.payment_status_not_reported
    assert details.technical_password_expiry == datetime(2027, 6, 11, tzinfo=timezone(timedelta(hours=2)))
    assert json.loads(calls_to(mocked, "structures/v1/consulter")[0].request.body) == {
        "idStructureCPP": 26300001, "codeLangue": "fr"}


def test_upload_file_body(mocked, client):
    from chorus_pro.documents import Attachment

    mocked.post(url("transverses/v1/ajouter/fichier"), json={"codeRetour": 0, "pieceJointeId": 321})
    uploaded = client.transverses.upload_file(Attachment("Situation n°3.pdf", b"%PDF-1.4 data"))
    assert uploaded.attachment_id == 321
    body = json.loads(calls_to(mocked, "transverses/v1/ajouter/fichier")[0].request.body)
    assert body == {"pieceJointeFichier": base64.b64encode(b"%PDF-1.4 data").decode(),
                    "pieceJointeNom": "Situation n°3.pdf", "pieceJointeTypeMime": "application/pdf",
                    "pieceJointeExtension": "PDF"}


def test_iter_supplier_invoices_criteria_and_pages(mocked, client):
    item = {"identifiantFactureCPP": 1, "numeroFacture": "FA-1", "statut": "DEPOSEE",
            "dateDepot": "2026-11-02", "montantAPayer": 12.5, "rejetTraite": False}
    mocked.post(url("factures/v1/rechercher/fournisseur"),
                json={**OK, "parametresRetour": {"pages": 2}, "listeFactures": [item]})
    mocked.post(url("factures/v1/rechercher/fournisseur"),
                json={**OK, "parametresRetour": {"pages": 2}, "listeFactures": [{**item, "identifiantFactureCPP": 2}]})
    found = list(client.factures.iter_supplier_invoices(invoice_number="FA-1", deposit_from=date(2026, 10, 1),
                                                        deposit_to=date(2026, 12, 1), statuses=["DEPOSEE"], page_size=25))
    assert [s.invoice_id for s in found] == [1, 2] and found[0].deposit_date == date(2026, 11, 2)
    body = json.loads(calls_to(mocked, "factures/v1/rechercher/fournisseur")[1].request.body)
    assert body["numeroFacture"] == "FA-1" and body["statutCourant"] == ["DEPOSEE"]
    assert body["periodeDateDepotDu"] == "2026-10-01T00:00:00.000+02:00"
    assert body["periodeDateDepotAu"] == "2026-12-01T23:59:59.999+01:00"
    assert body["rechercheFactureParFournisseur"]["nbResultatsParPage"] == 25
    assert body["rechercheFactureParFournisseur"]["pageResultatDemandee"] == 2


def test_find_supplier_invoice_ignores_deleted_and_takes_the_newest(mocked, client):
    mocked.post(url("factures/v1/rechercher/fournisseur"), json={**OK, "listeFactures": [
        {"identifiantFactureCPP": 1, "numeroFacture": "FA-7", "statut": "REJETEE", "dateDepot": "2026-10-01"},
        {"identifiantFactureCPP": 3, "numeroFacture": "FA-7", "statut": "SUPPRIMEE", "dateDepot": "2026-11-20"},
        {"identifiantFactureCPP": 2, "numeroFacture": "FA-7", "statut": "DEPOSEE", "dateDepot": "2026-11-02"},
        {"identifiantFactureCPP": 4, "numeroFacture": "FA-70", "statut": "DEPOSEE", "dateDepot": "2026-11-21"},
    ]})
    assert client.deposits.find("FA-7", around=date(2026, 11, 2)).invoice_id == 2
    body = json.loads(calls_to(mocked, "factures/v1/rechercher/fournisseur")[0].request.body)
    assert body["periodeDateDepotDu"].startswith("2026-10-03") and body["periodeDateDepotAu"].startswith("2026-12-02")


def test_history_is_sorted_newest_first(mocked, client):
    mocked.post(url("factures/v1/consulter/historique"), json={
        **OK, "idFacture": 5, "numeroFacture": "FA-5", "statutCourantCode": "SUSPENDUE",
        "historiquesDesStatuts": {"histoStatut": [
            {"histoStatutCode": "DEPOSEE", "histoStatutDatePassage": "2026-11-02T10:00:00.000+01:00"},
            {"histoStatutCode": "SUSPENDUE", "histoStatutDatePassage": "2026-11-05T09:00:00.000+01:00",
             "histoStatutCommentaire": "Joindre l'attachement"}]}})
    history = client.factures.get_history(5)
    assert [e.status for e in history.events] == ["SUSPENDUE", "DEPOSEE"]
    assert history.last_comment == "Joindre l'attachement"


def test_flow_report(mocked, client):
    mocked.post(url("transverses/v1/consulterCRDetaille"), json={
        **OK, "numeroFluxDepot": "CPP1", "etatCourantDepotFlux": "IN_INTEGRE_PARTIEL",
        "dateHeureEtatCourantFlux": "2025-03-04T10:12:05.000+01:00",
        "listeErreurDP": [{"numeroDP": "FA-2025-0107", "libelleErreurDP": "BT-23 absent"}],
        "listeErreurTechnique": [{"codeErreur": "E1", "libelleErreur": "XML invalide"}]})
    report = client.transverses.get_flow_report("CPP1")
    assert report.terminal and report.invoice_errors[0].invoice_number == "FA-2025-0107"
    assert report.technical_errors == ("E1 XML invalide",)


def test_recycle_and_correct_validator_bodies(mocked, client):
    ok = {"codeRetour": 0, "libelle": "GCU_MSG_01_000"}
    mocked.post(url("factures/v1/recycler"), json=ok)
    mocked.post(url("factures/v1/corriger/valideur/facture"), json=ok)
    client.factures.recycle(8, buyer_siret="21720001300019", service_code="SERV-TECH", ej_number="EJ1")
    client.factures.correct_validator(8, "52345678800018")
    recycle = json.loads(calls_to(mocked, "factures/v1/recycler")[0].request.body)
    assert recycle["reference"]["numeroBonCommande"] == "EJ1" and "references" not in recycle
    assert recycle["destinataire"] == {"codeDestinataire": "21720001300019", "codeServiceExecutant": "SERV-TECH"}
    correct = json.loads(calls_to(mocked, "factures/v1/corriger/valideur/facture")[0].request.body)
    assert correct == {"idFacture": 8, "identifiantStructure": "52345678800018", "typeIdentifiantStructure": "SIRET"}


def test_recycle_and_complete_leave_out_the_empty_optional_fields(mocked, client):
    ok = {"codeRetour": 0, "libelle": "GCU_MSG_01_000"}
    mocked.post(url("factures/v1/recycler"), json=ok)
    mocked.post(url("factures/v1/completer"), json=ok)
    client.factures.recycle(8, buyer_siret="21720001300019")
    client.factures.complete(8, comment="PV de réception joint")
    client.factures.complete(9, attachment_ids=[880001])
    recycle = json.loads(calls_to(mocked, "factures/v1/recycler")[0].request.body)
    assert recycle == {"identifiantFactureCPP": 8, "destinataire": {"codeDestinataire": "21720001300019"}}
    with_comment, with_file = (json.loads(c.request.body) for c in calls_to(mocked, "factures/v1/completer"))
    assert with_comment == {"identifiantFactureCPP": 8, "commentaire": "PV de réception joint"}
    assert with_file == {"identifiantFactureCPP": 9, "pieceJointeComplementaire": [{"pieceJointeComplementaireId": 880001}]}


# -- dates ------------------------------------------------------------------------------------------
PLUS_ONE = timezone(timedelta(hours=1))


@pytest.mark.parametrize("value, expected", [
    ("2025-03-04T10:12:00.000+01:00", datetime(2025, 3, 4, 10, 12, tzinfo=PLUS_ONE)),
    ("2016-12-28T08:31:19+01:00", datetime(2016, 12, 28, 8, 31, 19, tzinfo=PLUS_ONE)),
    ("2018-02-16T15:10:25.5+0100", datetime(2018, 2, 16, 15, 10, 25, 500000, tzinfo=PLUS_ONE)),
    ("2025-03-04T09:12:00Z", datetime(2025, 3, 4, 9, 12, tzinfo=timezone.utc)),
    ("2016-10-25 17:42", datetime(2016, 10, 25, 17, 42)),
    ("2025-03-04", datetime(2025, 3, 4)),
    (1741079520000, datetime(2025, 3, 4, 10, 12, tzinfo=PLUS_ONE)),
    ("1741079520000", datetime(2025, 3, 4, 10, 12, tzinfo=PLUS_ONE)),
    (None, None), ("", None), ("not a date", None), (True, None),
])
def test_parse_datetime(value, expected):
    assert parse_datetime(value) == expected


def test_parse_date_and_format_datetime():
    assert parse_date("2026-04-03") == date(2026, 4, 3)
    assert parse_date("2026-04-03T23:30:00.000+02:00") == date(2026, 4, 3)
    assert parse_date(None) is None
    assert format_datetime(date(2026, 1, 15)) == "2026-01-15T00:00:00.000+01:00"
    assert format_datetime(date(2026, 7, 15), end_of_day=True) == "2026-07-15T23:59:59.999+02:00"
    assert format_datetime(datetime(2026, 7, 15, 8, 30)) == "2026-07-15T08:30:00.000+00:00"
    assert format_datetime(None) is None
