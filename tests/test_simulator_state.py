"""The simulated platform's state as JSON-ready data (Simulator.to_dict / from_dict), and the file that
keeps the chorus-pro command's simulator from one command to the next."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from test_simulator_support import Api, submit_body

from chorus_pro.errors import ConfigurationError
from chorus_pro.simulator import Simulator, seed
from chorus_pro.simulator.persistence import (
    default_state_path,
    kept_simulator,
    load_simulator,
    reset_simulator,
    save_simulator,
)

HOUR = 3600


def through_json(sim: Simulator, **options) -> Simulator:
    return Simulator.from_dict(json.loads(json.dumps(sim.to_dict())), **options)


def busy_simulator() -> tuple[Simulator, Api, int, int]:
    sim = Simulator(step_seconds=HOUR)
    caller = Api(sim)
    file_id = caller.upload()
    first = caller.ok("factures/v1/soumettre", submit_body(modeDepot="DEPOT_PDF_API", lignePoste=None, pieceJointePrincipale={
        "pieceJointePrincipaleDesignation": "facture.pdf", "pieceJointePrincipaleId": file_id}))["identifiantFactureCPP"]
    sim.advance(HOUR)
    second = caller.submit(numeroFactureSaisi="FA-2026-002")["identifiantFactureCPP"]
    sim.set_invoice_status(second, "SUSPENDUE", "PV de réception manquant")
    sim.set_buyer_scenario(seed.OPH.siret, ["REJETEE"])
    sim.unsubscribe("facturesTravaux")
    return sim, caller, first, second


def test_the_whole_state_survives_json():
    sim, _caller, _first, _second = busy_simulator()
    restored = through_json(sim)
    assert restored.to_dict() == sim.to_dict()
    assert restored.now() == sim.now() and restored.unsubscribed == {"facturesTravaux"}
    assert restored.buyer_scenarios == {seed.OPH.id: ["REJETEE"]}


def test_a_restored_platform_carries_on(pinned_simulation_start):
    sim, caller, first, second = busy_simulator()
    restored = through_json(sim)
    assert restored.invoice(second).status == "SUSPENDUE"
    assert restored.invoice(second).status_comment == "PV de réception manquant"
    # the token issued before is still valid, ids go on, statuses keep moving with time
    again = Api(restored)
    again._token = caller.token
    third = again.submit(numeroFactureSaisi="FA-2026-003")["identifiantFactureCPP"]
    assert third == second + 1
    before = restored.invoice(first).status
    restored.advance(HOUR)
    assert restored.invoice(first).status != before
    assert restored.deposit_count("FA-2026-001") == 1 and restored.deposit_count("FA-2026-003") == 1


def test_a_realtime_simulator_resumes_at_the_later_instant(sim):
    later = sim.now() + timedelta(days=2)
    assert through_json(sim, resume_at=later).now() == later
    assert through_json(sim, resume_at=sim.now() - timedelta(days=2)).now() == sim.now()


@pytest.mark.parametrize("data", [[], {"format": 99}, {"format": 1, "now": "x"}, {"format": 1}])
def test_what_is_not_a_state_is_refused(data):
    with pytest.raises(ValueError):
        Simulator.from_dict(data)


def test_the_state_file_lives_in_the_user_cache(private_cache_dir, monkeypatch, tmp_path):
    assert default_state_path() == private_cache_dir / "chorus-pro" / "simulator-state.json"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_state_path() == tmp_path / ".cache" / "chorus-pro" / "simulator-state.json"


def test_kept_simulator_writes_back_even_after_an_error(tmp_path):
    path = tmp_path / "state" / "simulator-state.json"
    with pytest.raises(RuntimeError), kept_simulator(path) as sim:
        Api(sim).submit()
        raise RuntimeError("the command failed after the deposit")
    assert load_simulator(path).deposit_count("FA-2026-001") == 1
    assert oct(path.stat().st_mode & 0o777) == oct(0o600) and oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert reset_simulator(path) is True and reset_simulator(path) is False
    assert load_simulator(path).deposits == []


def test_an_unreadable_state_file_is_never_replaced_silently(tmp_path):
    path = tmp_path / "simulator-state.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_simulator(path)
    assert "chorus-pro simulator --reset" in caught.value.message_en and str(path) in caught.value.message_en
    assert path.read_text(encoding="utf-8") == "{not json"


def test_save_replaces_the_file_in_one_step(tmp_path, sim):
    path = tmp_path / "simulator-state.json"
    save_simulator(sim, path)
    first = os.stat(path).st_ino
    Api(sim).submit()
    save_simulator(sim, path)
    assert os.stat(path).st_ino != first  # a new file renamed over the old one
    assert load_simulator(path).deposit_count("FA-2026-001") == 1
