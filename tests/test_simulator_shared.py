"""One simulated Chorus Pro shared by several processes through its state file (SharedSimulator): what the
Odoo add-on's Simulation runs on, so that every worker of a database sees the same platform, also after a
restart."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from test_simulator_support import Api

from chorus_pro import ChorusConfig
from chorus_pro.client import ChorusProClient
from chorus_pro.simulator import SharedSimulator

REPO = Path(__file__).resolve().parent.parent
HOUR = 3600


def shared(path, start):
    return SharedSimulator(path, now=lambda: start)


def test_two_instances_on_one_file_are_one_platform(tmp_path, pinned_simulation_start):
    path = tmp_path / "platform.json"
    cron, ui = shared(path, pinned_simulation_start), shared(path, pinned_simulation_start)
    first = Api(cron).submit(numeroFactureSaisi="FA-CRON-1")["identifiantFactureCPP"]
    second = Api(ui).submit(numeroFactureSaisi="FA-UI-1")["identifiantFactureCPP"]
    assert second == first + 1, "one sequence of ids for both"
    for instance in (cron, ui):
        with instance.session() as platform:
            assert [d.invoice_number for d in platform.deposits] == ["FA-CRON-1", "FA-UI-1"]
    # the client reads through the other instance what the first one received
    with ChorusProClient(ChorusConfig(), simulator=ui) as client:
        history = client.factures.get_history(first)
    assert (history.invoice_number, history.current_status) == ("FA-CRON-1", "DEPOSEE")


def test_a_restarted_platform_goes_on_with_its_ids_and_statuses(tmp_path, pinned_simulation_start):
    path = tmp_path / "platform.json"
    before = shared(path, pinned_simulation_start)
    first = Api(before).submit(numeroFactureSaisi="FA-1")["identifiantFactureCPP"]
    with before.session() as platform:
        platform.set_invoice_status(first, "SUSPENDUE", "PV manquant")
    del before  # the server stops

    later = pinned_simulation_start + timedelta(hours=2)
    after = shared(path, later)  # … and starts again two hours later
    second = Api(after).submit(numeroFactureSaisi="FA-2")["identifiantFactureCPP"]
    assert second == first + 1, "never the same Chorus Pro id twice"
    with after.session() as platform:
        assert platform.invoice(first).number == "FA-1"
        assert platform.invoice(first).status == "SUSPENDUE"
        assert platform.now() == later
    assert after.now() == later


def test_the_clock_never_goes_back_and_advances_are_kept(tmp_path, pinned_simulation_start):
    platform = shared(tmp_path / "platform.json", pinned_simulation_start)
    first = Api(platform).submit()["identifiantFactureCPP"]
    with platform.session() as simulator:
        simulator.advance(1.5 * HOUR)
    assert platform.now() == pinned_simulation_start + timedelta(hours=1.5)
    with platform.session() as simulator:
        assert simulator.invoice(first).status == "EN_COURS_ACHEMINEMENT"


def test_reset_starts_again_from_the_seed_but_never_reuses_an_id(tmp_path, pinned_simulation_start):
    path = tmp_path / "platform.json"
    platform = shared(path, pinned_simulation_start)
    assert platform.reset() is False, "nothing to reset yet"
    first = Api(platform).submit()["identifiantFactureCPP"]
    assert platform.reset() is True
    with platform.session() as simulator:
        assert simulator.deposits == [] and not simulator.store.invoices
        assert simulator.store.structures, "the seed is back"
    second = Api(platform).submit()["identifiantFactureCPP"]
    assert second == first + 1, "ids go on after a reset: an old invoice's id never designates a new one"


def test_reset_repairs_an_unreadable_state(tmp_path, pinned_simulation_start):
    path = tmp_path / "platform.json"
    path.write_text("{not json", encoding="utf-8")
    platform = shared(path, pinned_simulation_start)
    assert platform.reset() is True
    assert Api(platform).submit()["identifiantFactureCPP"] == 1000001


DEPOSITOR = textwrap.dedent("""
    import sys
    from datetime import datetime
    sys.path.insert(0, sys.argv[3])
    from test_simulator_support import Api
    from chorus_pro.simulator import SharedSimulator
    from chorus_pro.simulator.clock import PARIS

    platform = SharedSimulator(sys.argv[1], now=lambda: datetime(2026, 11, 16, 10, 0, tzinfo=PARIS))
    caller = Api(platform)
    for index in range(int(sys.argv[2])):
        print(caller.submit(numeroFactureSaisi=f"FA-{sys.argv[4]}-{index}")["identifiantFactureCPP"])
""")


def test_processes_depositing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "platform.json"
    count = 6

    def start(name):
        return subprocess.Popen([sys.executable, "-c", DEPOSITOR, str(path), str(count), str(REPO / "tests"), name],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    workers = [start("A"), start("B")]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    ids = [int(line) for out, _err in outputs for line in out.split()]
    assert len(ids) == 2 * count and len(set(ids)) == 2 * count, f"every deposit has its own id: {ids}"
    with SharedSimulator(path).session() as platform:
        numbers = sorted(d.invoice_number for d in platform.deposits)
    assert numbers == sorted(f"FA-{name}-{i}" for name in "AB" for i in range(count)), "no deposit lost"
