"""The ``chorus-pro`` command refuses bad input before sending anything: exit 2, the field or option
named, the fix said.  Run in process (``main()``) against a simulator served in this process, whose
counters prove that nothing reached it."""

from __future__ import annotations

import json
import socket

import pytest
from test_cli import SimulatorProcess, assert_clean_error, free_port, minimal_pdf, run_cli, write_invoice

from chorus_pro.cli import main
from chorus_pro.simulator import SimulatorServer, seed


@pytest.fixture
def served(sim):
    with SimulatorServer(sim) as server:
        yield server


class Result:
    def __init__(self, code: int, out: str, err: str):
        self.returncode, self.stdout, self.stderr = code, out, err


def run(capsys, *argv) -> Result:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stopped:  # argparse refusals
        code = stopped.code
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "error: " in result.stderr and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def assert_nothing_sent(sim) -> None:
    assert (sim.stats.token_requests, sim.stats.api_requests) == (0, 0)


def write_config(tmp_path, values, mode=0o600):
    path = tmp_path / "chorus.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    path.chmod(mode)
    return path


# -- configuration files -------------------------------------------------------------------------------
@pytest.mark.parametrize("values, fragments", [
    ({"read_timeout": "30"}, ["read_timeout must be a number, not text (\"30\")", "without quotes, e.g. 30"]),
    ({"max_attempts": 2.5}, ["max_attempts must be a whole number"]),
    ({"tech_password": 12345678}, ["tech_password must be text, not a number", "between double quotes"]),
    (["environment", "qualification"], ["must be a JSON object", "not a list"]),
])
def test_config_values_of_the_wrong_type(capsys, tmp_path, sim, served, values, fragments):
    result = run(capsys, "--config", write_config(tmp_path, values), "--simulator-url", served.url, "status", "1")
    assert_refused(result, *fragments)
    assert "12345678" not in result.stderr  # a secret is never shown, even a wrong one
    assert_nothing_sent(sim)


def test_a_config_file_with_secrets_readable_by_others_gets_a_warning(capsys, tmp_path, served):
    secrets = {"tech_login": seed.TECH_LOGIN, "tech_password": seed.TECH_PASSWORD}
    shared = write_config(tmp_path, secrets, mode=0o644)
    result = run(capsys, "--config", shared, "--simulator-url", served.url, "search", "--number", "X")
    assert result.returncode == 0, result.stderr
    assert f"warning: {shared} holds Chorus Pro secrets and other users of this machine can read it" in result.stderr
    assert f"chmod 600 {shared}" in result.stderr and seed.TECH_PASSWORD not in result.stderr
    private = write_config(tmp_path, secrets, mode=0o600)
    assert "warning" not in run(capsys, "--config", private, "--simulator-url", served.url, "search").stderr
    without_secrets = write_config(tmp_path, {"read_timeout": 30}, mode=0o644)
    assert "warning" not in run(capsys, "--config", without_secrets, "--simulator-url", served.url, "search").stderr


# -- the invoice ---------------------------------------------------------------------------------------
def submit(capsys, served, tmp_path, *extra, **changes) -> Result:
    return run(capsys, "--simulator-url", served.url, "submit", write_invoice(tmp_path, **changes), *extra)


def one_line(**changes) -> list[dict]:
    return [{"description": "Maçonnerie", "quantity": "2", "unit_price": "100.00", "vat_rate": "20", **changes}]


def test_a_negative_quantity_asks_for_a_credit_note(capsys, tmp_path, sim, served):
    result = submit(capsys, served, tmp_path, lines=one_line(quantity="-2"))
    assert_refused(result, "lines[0].quantity", "is negative", "send a credit note (invoice_type: AVOIR)")
    assert_nothing_sent(sim)


def test_a_negative_total_asks_for_a_credit_note(capsys, tmp_path, sim, served):
    result = submit(capsys, served, tmp_path, lines=one_line(unit_price="-100.00"))
    assert_refused(result, "The total is negative", "send a credit note (invoice_type: AVOIR)")
    assert_nothing_sent(sim)


@pytest.mark.parametrize("rate, fragment", [
    ("0.2", "VAT rate 0.2 is not a French rate (20, 10, 8.5, 5.5, 2.1, 1.75, 1.05, 0.9, 0); rates are "
            "percentages: write 20, not 0.2"),
    ("19.6", "VAT rate 19.6 is not a French rate"),
])
def test_a_vat_rate_outside_the_french_rates(capsys, tmp_path, sim, served, rate, fragment):
    result = submit(capsys, served, tmp_path, lines=one_line(vat_rate=rate))
    assert_refused(result, "lines[0].vat_rate", fragment)
    assert_nothing_sent(sim)


def test_the_overseas_rates_are_french_rates(capsys, tmp_path, served):
    result = submit(capsys, served, tmp_path, lines=one_line(vat_rate="8.5"), number="DOM-0001")
    assert result.returncode == 0, result.stderr


def test_a_pdf_that_is_not_a_pdf(capsys, tmp_path, sim, served):
    (tmp_path / "facture.pdf").write_text("Facture n° 42 (rendue en HTML)", encoding="utf-8")
    result = submit(capsys, served, tmp_path, "--pdf", tmp_path / "facture.pdf")
    assert_refused(result, "--pdf:", "is not a PDF (a PDF file starts with %PDF-)")
    assert "invalid invoice file" not in result.stderr
    in_the_file = submit(capsys, served, tmp_path, pdf="facture.pdf")
    assert_refused(in_the_file, "invalid invoice file: pdf:", "is not a PDF")
    assert_nothing_sent(sim)
    (tmp_path / "facture.pdf").write_bytes(minimal_pdf())
    assert submit(capsys, served, tmp_path, pdf="facture.pdf").returncode == 0


# -- options -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, fragments", [
    (["search", "--limit", "0"], ["argument --limit", "at least 1"]),
    (["search", "--limit", "-3"], ["argument --limit", "at least 1"]),
    (["search", "--status", "PAYEE"], ["unknown status 'PAYEE'", "MISE_A_DISPOSITION", "MISE_EN_PAIEMENT"]),
    (["status", "0"], ["argument ID", "at least 1"]),
    (["status", "-5"], ["argument ID", "at least 1"]),
])
def test_options_out_of_range(capsys, sim, served, argv, fragments):
    assert_refused(run(capsys, "--simulator-url", served.url, *argv), *fragments)
    assert_nothing_sent(sim)


def test_a_status_is_taken_in_any_case(capsys, served):
    result = run(capsys, "--simulator-url", served.url, "search", "--status", "mise_a_disposition")
    assert result.returncode == 0 and "No invoice found." in result.stdout


def test_global_options_after_the_subcommand(capsys, sim, served):
    result = run(capsys, "doctor", "--simulator-url", served.url, "--env", "simulation")
    assert result.returncode == 0, result.stderr
    assert sim.stats.token_requests == 1
    # after the subcommand, an option wins over the same one given before; -v shows the traceback
    verbose = run(capsys, "--simulator-url", "http://127.0.0.1:1", "status", "99999999", "-v",
                  "--simulator-url", served.url)
    assert verbose.returncode == 1, verbose.stderr  # refused by the simulator, not unreachable
    assert "Traceback" in verbose.stderr


# -- the simulator command (its own process: it serves until stopped) ---------------------------------------
@pytest.mark.parametrize("port, fragment", [("0", "at least 1"), ("70000", "from 1 to 65535")])
def test_a_port_outside_1_to_65535(port, fragment):
    result = run_cli("simulator", "--port", port)
    assert result.returncode == 2 and f"argument --port: {port} is not" in result.stderr, result.stderr
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_a_busy_port_is_an_error_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("simulator", "--port", port)
    assert_clean_error(result, 2, f"port {port} is already in use on 127.0.0.1: choose another --port")


def test_the_simulator_still_serves_on_a_free_port():
    running = SimulatorProcess()
    assert running.url == f"http://127.0.0.1:{running.port}" and running.stop() == 0
    assert free_port() > 0
