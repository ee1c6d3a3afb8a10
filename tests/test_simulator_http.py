"""The HTTP server, the control endpoints, request observers, the clock and the process-wide simulator."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests
import test_simulator_support as support
from test_simulator_support import Api, submit_body

import chorus_pro.simulator as simulator_package
from chorus_pro.simulator import SimulatedClock, Simulator, SimulatorServer, default_simulator, seed
from chorus_pro.simulator.clock import PARIS, fmt_date, fmt_datetime, parse_input_datetime

local = support.local


@pytest.fixture
def server(sim):
    with SimulatorServer(sim) as running:
        yield running


def test_server_picks_a_free_port_and_stops(sim):
    with SimulatorServer(sim) as first, SimulatorServer(Simulator()) as second:
        assert first.port != second.port and first.url.startswith("http://127.0.0.1:")
        assert requests.get(first.url + "/", timeout=5).status_code == 200
        url = first.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=2)


def test_server_refuses_other_interfaces_unless_asked(sim):
    with pytest.raises(ValueError):
        SimulatorServer(sim, host="0.0.0.0")
    with pytest.raises(ValueError):
        SimulatorServer(sim, host="127.0.0.2")
    with SimulatorServer(sim, host="127.0.0.2", allow_any_host=True) as server:  # still loopback in the tests
        assert server.url.startswith("http://127.0.0.2:")
        assert requests.get(server.url + "/", timeout=5).status_code == 200


def test_home_page_lists_credentials_structures_and_invoices(server):
    Api(server.simulator, server.url).submit(numeroFactureSaisi="FA-DEMO-1")
    page = requests.get(server.url + "/", timeout=5)
    assert page.headers["Content-Type"].startswith("text/html")
    for text in (seed.PISTE_CLIENT_ID, seed.TECH_LOGIN, seed.COMMUNE.siret, "FA-DEMO-1", "DEPOSEE", "SERV-TECH"):
        assert text in page.text


def test_control_advance_status_deposits_state(server):
    caller = Api(server.simulator, server.url)
    invoice_id = caller.submit()["identifiantFactureCPP"]
    moved = requests.post(server.url + "/_simulator/advance", json={"seconds": 7200}, timeout=5).json()
    assert moved["now"] == fmt_datetime(server.simulator.now())
    state = requests.get(server.url + "/_simulator/state", timeout=5).json()
    assert state["invoices"][0]["statut"] == "MISE_A_DISPOSITION"
    answer = requests.post(f"{server.url}/_simulator/invoices/{invoice_id}/status",
                           json={"status": "SUSPENDUE", "comment": "PV manquant"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["commentaireEtatCourant"] == "PV manquant"
    assert server.simulator.invoice(invoice_id).status == "SUSPENDUE"
    assert requests.post(f"{server.url}/_simulator/invoices/1/status", json={"status": "REJETEE"},
                         timeout=5).status_code == 404
    assert requests.post(f"{server.url}/_simulator/invoices/{invoice_id}/status", json={},
                         timeout=5).status_code == 400
    deposits = requests.get(server.url + "/_simulator/deposits", timeout=5).json()
    assert [(d["kind"], d["invoice_number"], d["invoice_id"]) for d in deposits] == [
        ("soumettre", "FA-2026-001", invoice_id)]
    stats = requests.get(server.url + "/_simulator/stats", timeout=5).json()
    assert stats["token_requests"] == 1 and stats["by_operation"] == {"factures/v1/soumettre": 1}


def test_control_faults_subscriptions_password(server):
    url = server.url + "/_simulator/faults"
    answer = requests.post(url, json={"kind": "http_503", "operation": "structures/v1/rechercher", "count": 2},
                           timeout=5)
    assert answer.json()["pending"] == [{"kind": "http_503", "operation": "structures/v1/rechercher", "count": 2,
                                         "seconds": 0.0}]
    assert requests.post(url, json={"kind": "boom"}, timeout=5).status_code == 400
    caller = Api(server.simulator, server.url)
    assert caller.call("structures/v1/rechercher", {}).status_code == 503
    assert requests.get(url, timeout=5).json()["injected"] == {"total": 1, "http_503": 1}
    assert requests.delete(url, timeout=5).json()["pending"] == []
    assert caller.call("structures/v1/rechercher", {}).status_code == 200

    subscriptions = server.url + "/_simulator/subscriptions"
    assert requests.post(subscriptions, json={"api": "factures", "subscribed": False}, timeout=5).json() == {
        "unsubscribed": ["factures"]}
    assert caller.call("factures/v1/rechercher/fournisseur", {}).status_code == 403
    requests.post(subscriptions, json={"api": "factures"}, timeout=5)
    assert caller.call("factures/v1/rechercher/fournisseur", {}).status_code == 200
    assert requests.post(subscriptions, json={"api": "nope", "subscribed": False}, timeout=5).status_code == 400

    requests.post(server.url + "/_simulator/technical-password/expire", timeout=5)
    assert caller.call("factures/v1/rechercher/fournisseur", {}).status_code == 403


def test_request_observers_see_every_api_request(sim):
    seen = []

    def observer(path, headers, body):
        seen.append((path, headers.get("Cpro-Account") or headers.get("cpro-account"), body))

    simulator_package.request_observers.append(observer)
    try:
        caller = Api(sim)
        caller.ok("structures/v1/consulter", {"idStructureCPP": seed.COMMUNE.id})
        caller.call("transverses/v1/health-check", method="GET")
        caller.call("factures/v1/inconnue", {"x": 1})
        with SimulatorServer(sim) as server:
            Api(sim, server.url).ok("structures/v1/rechercher", {})
    finally:
        simulator_package.request_observers.remove(observer)
    assert [s[0] for s in seen] == ["/cpro/structures/v1/consulter", "/cpro/transverses/v1/health-check",
                                    "/cpro/factures/v1/inconnue", "/cpro/structures/v1/rechercher"]
    assert seen[0][1] and seen[0][2] == {"idStructureCPP": seed.COMMUNE.id}
    assert seen[1][2] is None and seen[2][2] == {"x": 1}


def test_concurrent_deposits_over_http(server):
    caller = Api(server.simulator, server.url)
    caller.token  # noqa: B018
    lock = threading.Lock()

    def deposit(n):
        session = requests.Session()
        answer = session.post(f"{server.url}/cpro/factures/v1/soumettre", json=submit_body(numeroFactureSaisi=f"C-{n}"),
                              headers=caller.headers(), timeout=20)
        with lock:
            return answer.json()["identifiantFactureCPP"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(deposit, range(40)))
    assert len(set(ids)) == 40 and len(server.simulator.deposits) == 40


def test_reads_do_not_grow_the_state(local):
    local.submit()
    store = local.sim.store
    before = (len(store.invoices), len(store.deposits), len(store.tokens), len(store.files), len(store.flows),
              sum(len(i.history) for i in store.invoices.values()))
    for _ in range(200):
        local.ok("factures/v1/rechercher/fournisseur", {})
        local.call("factures/v1/inconnue", {})
    after = (len(store.invoices), len(store.deposits), len(store.tokens), len(store.files), len(store.flows),
             sum(len(i.history) for i in store.invoices.values()))
    assert before == after and len(local.sim.stats.by_operation) == 2


def test_default_simulator_is_one_per_process():
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = set(map(id, pool.map(lambda _: default_simulator(), range(16))))
    assert len(found) == 1 and default_simulator().clock.realtime is True


def test_simulators_of_the_suite_start_at_the_pinned_instant(sim, pinned_simulation_start):
    assert sim.now() == pinned_simulation_start
    assert Simulator(seed=False).now() == pinned_simulation_start
    # the process-wide simulator follows real time from that instant
    assert timedelta(0) <= default_simulator().now() - pinned_simulation_start < timedelta(hours=1)


def test_clock():
    start = datetime(2026, 3, 4, 10, 12, tzinfo=PARIS)
    clock = SimulatedClock(start)
    assert clock.now() == start
    clock.advance(90)
    assert fmt_datetime(clock.now()) == "2026-03-04T10:13:30.000+01:00"
    assert fmt_datetime(datetime(2026, 7, 1, 8, 0, tzinfo=PARIS)) == "2026-07-01T08:00:00.000+02:00"
    assert fmt_date(clock.now()) == "2026-03-04"
    with pytest.raises(ValueError):
        clock.advance(-1)
    realtime = SimulatedClock(start, realtime=True)
    assert realtime.now() >= start


@pytest.mark.parametrize("text,expected", [
    ("2026-03-04", "2026-03-04T00:00:00.000+01:00"),
    ("2026-03-04T10:12:00", "2026-03-04T10:12:00.000+01:00"),
    ("2026-03-04T10:12:00.536+01:00", "2026-03-04T10:12:00.536+01:00"),
    ("2026-03-04 10:12", "2026-03-04T10:12:00.000+01:00"),
    ("2026-03-04T09:12:00Z", "2026-03-04T10:12:00.000+01:00"),
    ("2026-03-04T10:12:00+0100", "2026-03-04T10:12:00.000+01:00"),
])
def test_input_dates(text, expected):
    assert fmt_datetime(parse_input_datetime(text)) == expected


def test_upper_bound_date_includes_the_day():
    assert fmt_datetime(parse_input_datetime("2026-03-04", end_of_day=True)) == "2026-03-04T23:59:59.999+01:00"
    with pytest.raises(ValueError):
        parse_input_datetime("04/03/2026")


def test_simulator_with_a_given_clock_and_no_seed():
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=PARIS))
    empty = Simulator(seed=False, clock=clock)
    assert list(empty.store.structures) == [seed.SUPPLIER.id] and empty.now() == clock.now()
    caller = Api(empty)
    assert caller.ok("structures/v1/rechercher", {"structure": {"identifiantStructure": seed.COMMUNE.siret}})[
        "listeStructures"] == []
    assert caller.refused("factures/v1/soumettre", submit_body(**{"fournisseur.codeCoordonneesBancairesFournisseur": None}))[
        "champ"] == "destinataire.codeDestinataire"
