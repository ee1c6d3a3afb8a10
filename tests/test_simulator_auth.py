"""OAuth token, headers, gateway and envelope errors of the simulator."""

from __future__ import annotations

import pytest
import test_simulator_support as support
from test_simulator_support import Api, account_header

from chorus_pro.simulator import Simulator, seed

api = support.api
local = support.local



def test_token_shape_and_counting(api):
    answer = api.request_token()
    assert answer.status_code == 200
    data = answer.json()
    assert data["token_type"] == "Bearer" and data["expires_in"] == 3600 and data["scope"] == "openid"
    assert len(data["access_token"]) >= 20
    api.request_token()
    assert api.sim.stats.token_requests == 2


@pytest.mark.parametrize("client_id,secret", [("simulation-client-id", "wrong"), ("other", seed.PISTE_CLIENT_SECRET),
                                              ("", "")])
def test_bad_client_is_invalid_client(api, client_id, secret):
    answer = api.request_token(client_id, secret)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client" and answer.json()["error_description"]
    assert secret not in answer.text or not secret


def test_grant_type_must_be_client_credentials(api):
    answer = api.request_token(grant_type="password")
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_token_request_must_be_a_form(api):
    answer = api.session.post(api.base + "/api/oauth/token", json={"grant_type": "client_credentials"}, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    assert api.session.get(api.base + "/api/oauth/token", timeout=5).status_code == 405


def test_secret_rotation(api):
    api.sim.set_piste_secret("new-secret")
    assert api.request_token().status_code == 401
    assert api.request_token(secret="new-secret").status_code == 200


def test_token_expires_with_simulated_time(api):
    api.ok("transverses/v1/recuperer/structures/actives/fournisseur")
    api.sim.advance(3599)
    api.ok("transverses/v1/recuperer/structures/actives/fournisseur")
    api.sim.advance(2)
    answer = api.call("transverses/v1/recuperer/structures/actives/fournisseur", {})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"
    assert "invalid_token" in answer.headers["WWW-Authenticate"]
    api.renew()
    api.ok("transverses/v1/recuperer/structures/actives/fournisseur")


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer unknown-token", "Basic abc"])
def test_missing_or_unknown_token(api, authorization):
    answer = api.call("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id},
                      headers={"Authorization": authorization})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_token"


@pytest.mark.spec_exempt
@pytest.mark.parametrize("header", [None, "not base64!", account_header(password="wrong"),
                                    account_header(login="TECH_1_other@cpro.fr")])
def test_bad_technical_account_is_401_with_envelope(api, header):
    answer = api.call("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id}, headers={"cpro-account": header})
    assert answer.status_code == 401
    data = answer.json()
    assert data["codeRetour"] == 20201 and "cpro-account" in data["detail"]
    assert seed.TECH_PASSWORD not in answer.text


def test_expired_technical_password_is_403(api):
    api.sim.expire_technical_password()
    answer = api.call("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id})
    assert answer.status_code == 403 and answer.json()["codeRetour"] == 20202
    assert "expiré" in answer.json()["detail"]
    api.sim.set_technical_password("Nouveau-2027!")
    answer = api.call("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id},
                      headers={"cpro-account": account_header(password="Nouveau-2027!")})
    assert answer.status_code == 200


def test_password_expiry_date_is_published_on_the_supplier(api):
    info = api.ok("structures/v1/consulter", {"idStructureCPP": seed.SUPPLIER.id})["informationGenerales"]
    assert info["dateExpirationMotPasseCompteTech"] > api.sim.now().isoformat()[:10]
    other = api.ok("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id})["informationGenerales"]
    assert "dateExpirationMotPasseCompteTech" not in other


def test_unsubscribed_api_is_403_and_others_work(api):
    api.sim.unsubscribe("facturesTravaux")
    answer = api.call("facturesTravaux/v1/rechercher", {"roleUtilisateur": "FOURNISSEUR"})
    assert answer.status_code == 403 and answer.json()["error"] == "access_denied"
    assert "facturesTravaux" in answer.json()["error_description"]
    api.ok("factures/v1/rechercher/fournisseur", {})
    api.sim.subscribe("facturesTravaux")
    assert api.call("facturesTravaux/v1/rechercher", {}).status_code == 200


def test_unsubscribe_rejects_unknown_api(sim):
    with pytest.raises(ValueError):
        sim.unsubscribe("Factures")


def test_content_type_must_be_json(api):
    answer = api.call("structures/v1/consulter", data=b'{"idStructureCPP": 1}', headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415 and answer.json()["codeRetour"] != 0


@pytest.mark.spec_exempt
@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b""])
def test_malformed_json_is_400(api, data):
    answer = api.call("structures/v1/consulter", data=data)
    assert answer.status_code == 400 and answer.json()["codeRetour"] != 0 and answer.json()["detail"]


def test_unknown_path_is_404_and_case_matters(api):
    assert api.call("factures/v1/inconnue", {}).status_code == 404
    assert api.call("facturestravaux/v1/rechercher", {}).status_code == 404
    assert api.session.get(api.base + "/nowhere", timeout=5).status_code == 404


def test_method_is_checked(api):
    answer = api.call("factures/v1/rechercher/fournisseur", method="GET")
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
    assert api.call("transverses/v1/health-check", {}).status_code == 405


def test_health_check_is_a_get_without_cpro_account(api):
    answer = api.call("transverses/v1/health-check", method="GET", headers={"cpro-account": None,
                                                                          "Content-Type": None})
    assert answer.status_code == 200 and answer.json()["statusCode"] == "200"
    answer = api.call("transverses/v1/health-check", method="GET", headers={"Authorization": None})
    assert answer.status_code == 401


@pytest.mark.spec_exempt
@pytest.mark.parametrize("body,field", [
    ({"idStructureCPP": seed.COMMUNE.id, "inconnu": 1}, "inconnu"),
    ({"idStructureCPP": "27100001"}, "idStructureCPP"),
    ({"idStructureCPP": True}, "idStructureCPP"),
    ({"idStructureCPP": 1.5}, "idStructureCPP"),
])
def test_fields_are_checked_one_by_one(api, body, field):
    answer = api.call("structures/v1/consulter", body)
    assert answer.status_code == 400
    data = answer.json()
    assert data["champ"] == field and field in data["detail"]


@pytest.mark.spec_exempt
def test_nested_unknown_field_and_enum_are_named(api):
    data = api.call("factures/v1/soumettre", {"references": {"typeFacture": "ACOMPTE"}}).json()
    assert data["champ"] == "references.typeFacture" and "AVOIR" in data["detail"]
    data = api.call("factures/v1/soumettre", {"lignePoste": [{"lignePosteNumero": 1}, {"prix": 3}]}).json()
    assert data["champ"] == "lignePoste[1].prix"
    data = api.call("factures/v1/soumettre", {"dateFacture": "02/11/2026"}).json()
    assert data["champ"] == "dateFacture"


@pytest.mark.spec_exempt
def test_null_fields_are_ignored(api):
    api.ok("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id, "codeLangue": None})


def test_business_errors_can_answer_400(sim):
    other = Api(Simulator(business_error_status=400))
    answer = other.call("structures/v1/consulter", {"idStructureCPP": 42})
    assert answer.status_code == 400 and answer.json()["codeRetour"] != 0
    assert Api(sim).call("structures/v1/consulter", {"idStructureCPP": 42}).status_code == 200


def test_stats_count_api_requests_per_operation(local):
    local.ok("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id})
    local.ok("structures/v1/consulter", {"idStructureCPP": seed.OPH.id})
    local.call("factures/v1/inconnue", {})
    assert local.sim.stats.by_operation == {"structures/v1/consulter": 2}
    assert local.sim.stats.api_requests == 2 and local.sim.stats.token_requests == 1


def test_tokens_are_bounded(local, monkeypatch):
    import chorus_pro.simulator.app as app

    monkeypatch.setattr(app, "MAX_TOKENS", 5)
    tokens = [local.request_token().json()["access_token"] for _ in range(8)]
    assert len(local.sim.store.tokens) == 5
    assert list(local.sim.store.tokens) == tokens[-5:]
