"""``chorus-pro probe``: the command in a subprocess against the simulator served over real HTTP."""

from __future__ import annotations

import base64
import json

import pytest
from test_cli import clean_env, run_cli

from chorus_pro.probe import meaning
from chorus_pro.simulator import Simulator, SimulatorServer, seed
from chorus_pro.simulator.app import OPERATIONS

DISCOVERY = ["transverses/v1/recuperer/structures/actives/fournisseur", "transverses/v1/recuperer/cadrefacturation",
             "transverses/v1/recuperer/formatflux", "transverses/v1/recuperer/typefacturetravaux",
             "transverses/v1/recuperer/structures/actives/facturetravaux", "facturesTravaux/v1/rechercher"]
WRITE_OPERATIONS = {path for path, (_handler, _schema, write) in OPERATIONS.items() if write}


@pytest.fixture
def served():
    sim = Simulator()
    with SimulatorServer(sim) as server:
        yield sim, server


def probe(server, tmp_path, *args):
    output = tmp_path / "probe.json"
    result = run_cli("probe", "--output", output, *args,
                     env=clean_env(CHORUS_PRO_ENV="simulation", CHORUS_PRO_SIMULATOR_URL=server.url))
    report = json.loads(output.read_text(encoding="utf-8")) if output.exists() else None
    return result, report


def secrets_of(sim) -> list[str]:
    account = base64.b64encode(f"{sim.tech_login}:{sim.tech_password}".encode()).decode()
    return [sim.piste_client_secret, sim.tech_password, account, *sim.store.tokens]


def test_probe_runs_the_discovery_operations_and_sends_nothing(served, tmp_path):
    sim, server = served
    result, report = probe(server, tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line["operation"] for line in report["operations"]] == DISCOVERY
    assert all(line["http_status"] == 200 for line in report["operations"]), report
    cadres = next(line for line in report["operations"] if line["step"] == "works cadres")
    assert "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR" in cadres["found"] and "A1_FACTURE_FOURNISSEUR" not in cadres["found"]
    formats = next(line for line in report["operations"] if line["step"] == "flow formats")["found"]
    # the simulator lists the 2020 Swagger's syntaxes: no E4/E5 works flow, the works flow syntax sent is there
    assert formats["works_formats"] == [] and formats["works_flow_syntax_sent"] == "IN_DP_E1_CII_16B"
    assert formats["works_flow_syntax_listed"] is True and "IN_DP_E2_CII_FACTURX" in formats["formats"]
    search = report["operations"][-1]
    assert (search["code"], search["libelle"]) == (20007, "GFT_MSG_01.075") and "nothing found" in search["meaning"]
    assert report["try_deposit"] is False and not any(line["write"] for line in report["operations"])
    received = set(sim.stats.by_operation)
    assert received == set(DISCOVERY) and not received & WRITE_OPERATIONS, received
    assert sim.deposits == [] and not sim.store.files
    assert "facturesTravaux/v1/rechercher" in result.stdout and "report written to" in result.stdout


def test_probe_prints_and_writes_no_secret(served, tmp_path):
    sim, server = served
    result, report = probe(server, tmp_path, "--try-deposit")
    assert sim.store.tokens, "a token was issued: it must not show either"
    texts = (result.stdout, result.stderr, json.dumps(report, ensure_ascii=False))
    for secret in secrets_of(sim):
        assert all(secret not in text for text in texts), "a secret in the probe's output"


def test_try_deposit_tells_a_missing_path_from_an_existing_one(served, tmp_path):
    sim, server = served
    result, report = probe(server, tmp_path, "--try-deposit")
    assert result.returncode == 0, result.stderr
    writes = [line for line in report["operations"] if line["write"]]
    assert [line["operation"] for line in writes] == [
        "transverses/v1/ajouter/fichier", "facturesTravaux/v1/soumettre", "facturesTravaux/v1/soumettreFactureTravaux"]
    existing, missing = writes[1], writes[2]
    assert existing["http_status"] == 200 and existing["code"] not in (0, None)
    assert "the path exists" in existing["meaning"] and "moe" in existing["meaning"]
    assert missing["http_status"] == 404 and "does not exist" in missing["meaning"]
    assert sim.deposits == []


def test_try_deposit_stops_at_the_first_route_that_accepts(served, tmp_path):
    sim, server = served
    result, report = probe(server, tmp_path, "--try-deposit", "--moe", seed.MOE.siret, "--moa", seed.OPH.siret,
                           "--moa-service", "MOA-TRAVAUX", "--market", "2026-TX-017")
    assert result.returncode == 0, result.stderr
    last = report["operations"][-1]
    assert last["operation"] == "facturesTravaux/v1/soumettre" and last["code"] == 0
    assert last["meaning"].startswith("ACCEPTED")
    assert [d.kind for d in sim.deposits] == ["travaux"], "one test document, never a second one"
    document = sim.invoice(last["found"]["idFactureTravaux"])
    assert document.number.startswith("PROBE-") and "document de test" in document.comment


def test_try_deposit_is_refused_on_production(tmp_path):
    output = tmp_path / "probe.json"
    result = run_cli("probe", "--env", "production", "--try-deposit", "--output", output,
                     env=clean_env(CHORUS_PRO_CLIENT_ID="id", CHORUS_PRO_CLIENT_SECRET="s3cret",
                                   CHORUS_PRO_LOGIN="TECH_1@cpro.fr", CHORUS_PRO_PASSWORD="pw"))
    assert result.returncode == 2 and "refused on production" in result.stderr
    assert not output.exists()


def test_probe_with_refused_credentials_reports_and_fails(served, tmp_path):
    sim, server = served
    sim.set_piste_secret("rotated-secret")
    result, report = probe(server, tmp_path)
    assert result.returncode == 1
    assert len(report["operations"]) == 1 and report["operations"][0]["http_status"] is None
    assert "rotated-secret" not in result.stdout + json.dumps(report)


@pytest.mark.parametrize("status, code, expected", [
    (404, None, "does not exist"), (403, None, "not subscribed"), (200, 0, "exists and answered"),
    (200, 20007, "nothing found"), (400, 20103, "the path exists"), (503, None, "again later"),
])
def test_meaning(status, code, expected):
    assert expected in meaning(status, code, "X", False)
