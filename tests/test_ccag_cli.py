"""The ``ccag-travaux`` command (run as ``python3 -m ccag_travaux``) and the package's purity."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "situation-example.json"
PACKAGE = REPO / "ccag_travaux"


def run(*args, cwd=REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccag_travaux", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=60, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})


def test_example_prints_every_step_in_french():
    result = run("situation", EXAMPLE)
    assert result.returncode == 0, result.stderr
    for heading in ("1. Travaux cumulés aux prix initiaux (HT)", "3. Variation de prix", "4. TVA",
                    "5. Remboursement de l'avance", "6. Retenue de garantie", "9. Montant à payer"):
        assert heading in result.stdout
    assert "= Montant à payer :            77 761,09 €" in result.stdout
    assert "Régularisation de la situation n° 3 (2026-03)" in result.stdout
    assert "index BT01 for 2026-04 is not published" in result.stdout


def test_json_output_chains_into_the_next_month(tmp_path):
    result = run("situation", EXAMPLE, "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["amount_to_pay"] == "77761.09"
    assert figures["carry_forward"]["number"] == 4
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["previous"] = figures["carry_forward"]
    document["measures"] = {"number": 5, "month": "2026-05", "progress": [{"code": "02.5", "percent": "100"}],
                            "indices": {"BT01": {"2026-04": "134.4", "2026-05": "134.6"}}}
    following = tmp_path / "may.json"
    following.write_text(json.dumps(document), encoding="utf-8")
    may = json.loads(run("situation", following, "--json").stdout)
    assert may["works_period_ht"] == "11760.00"  # the last 40 % of the dallage
    assert [r["situation_number"] for r in may["regularisations"]] == [4]
    final_file = tmp_path / "final.json"
    final_file.write_text(json.dumps({"terms": document["terms"], "previous": may["carry_forward"]}), encoding="utf-8")
    final = run("final", final_file)
    assert final.returncode == 0, final.stderr
    assert "Projet de décompte final" in final.stdout and "Retenue de garantie à restituer" in final.stdout


@pytest.mark.parametrize("change, field", [
    (lambda d: d["measures"]["progress"].append({"code": "99.9", "percent": "10"}), "measures.progress[5].code"),
    (lambda d: d["terms"].update(vat_rate="vingt"), "terms.vat_rate"),
    (lambda d: d["terms"]["advance"].update(deduction="brut"), "terms.advance.deduction"),
    (lambda d: d["measures"].update(month="avril"), "measures.month"),
    (lambda d: d["measures"].update(colour="red"), "measures.colour"),
    (lambda d: d["measures"]["indices"]["BT01"].clear(), "measures.indices.BT01"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path, change, field):
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run("situation", path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {field}: ")


def test_unreadable_and_invalid_files_exit_2(tmp_path):
    assert run("situation", tmp_path / "missing.json").returncode == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = run("situation", broken)
    assert result.returncode == 2 and "not valid JSON" in result.stderr


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add((node.module or "").split(".")[0])
    return names


def test_the_package_imports_neither_odoo_nor_chorus_pro():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 8
    found = {path.name: imported_modules(path.read_text(encoding="utf-8")) & {"odoo", "chorus_pro"}
             for path in modules}
    assert {name: names for name, names in found.items() if names} == {}
    assert imported_modules("import odoo.tools\nfrom chorus_pro import x") == {"odoo", "chorus_pro"}
