"""The ``chorus-pro`` command, run as ``python3 -m chorus_pro`` against ``chorus-pro simulator`` in a subprocess."""

from __future__ import annotations

import base64
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from chorus_pro.config import ENV_VARS
from chorus_pro.simulator import seed

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "invoice-example.json"
SECRETS = (seed.PISTE_CLIENT_SECRET, seed.TECH_PASSWORD,
           base64.b64encode(f"{seed.TECH_LOGIN}:{seed.TECH_PASSWORD}".encode()).decode())
TIMEOUT = 60


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS.values()}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chorus_pro", *map(str, args)], capture_output=True, text=True,
                          env=env or clean_env(), cwd=cwd or REPO, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def assert_no_secret(result: subprocess.CompletedProcess, *secrets: str) -> None:
    for secret in secrets or SECRETS:
        assert secret not in result.stdout and secret not in result.stderr


def assert_clean_error(result: subprocess.CompletedProcess, code: int, fragment: str) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "error: " in result.stderr and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SimulatorProcess:
    """``python3 -m chorus_pro simulator`` on a free port; stopped (SIGTERM) at the end of the module."""

    def __init__(self, *extra_args, host="127.0.0.1"):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chorus_pro", "simulator", "--host", host, "--port", str(self.port), *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
            env=clean_env(), cwd=REPO)
        self.lines: queue.Queue = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _wait_for_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=TIMEOUT)
            except queue.Empty:
                self.stop()
                raise AssertionError("the simulator did not start in time") from None
            if line is None:
                raise AssertionError("the simulator exited: " + self.process.stderr.read())
            self.output.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        match = re.search(r"listening on (http://\S+)", "".join(self.output))
        assert match, self.output
        return match.group(1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            self.process.stdout.close()
            self.process.stderr.close()


@pytest.fixture(scope="module")
def simulator():
    running = SimulatorProcess("--step-seconds", "3600")
    yield running
    running.stop()


@pytest.fixture
def cli(simulator):
    def run(*args, env=None, cwd=None):
        return run_cli("--simulator-url", simulator.url, *args, env=env, cwd=cwd)
    return run


def minimal_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def write_invoice(tmp_path: Path, **changes) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "invoice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- the simulator command ---------------------------------------------------------------------------
def test_simulator_prints_its_url_and_test_credentials(simulator):
    text = "".join(simulator.output)
    assert simulator.url == f"http://127.0.0.1:{simulator.port}"
    assert seed.TECH_LOGIN in text and seed.PISTE_CLIENT_ID in text
    assert seed.SUPPLIER.siret in text


def test_simulator_stops_on_sigterm():
    running = SimulatorProcess()
    assert running.stop() == 0


def test_simulator_on_another_address_for_containers():
    # what docker compose does with 0.0.0.0, tried on another loopback address
    running = SimulatorProcess(host="127.0.0.2")
    try:
        assert running.url.startswith("http://127.0.0.2:")
        assert "warning: the simulator listens on 127.0.0.2" in running.process.stderr.readline()
        result = run_cli("--simulator-url", running.url, "doctor")
        assert result.returncode == 0, result.stderr
    finally:
        assert running.stop() == 0


def test_simulator_on_another_address_really_drops_connections():
    # a "reset" fault closes the socket without an answer there too (not an HTTP 500)
    running = SimulatorProcess(host="127.0.0.2")
    token_url = running.url + "/api/oauth/token"
    form = {"grant_type": "client_credentials", "client_id": seed.PISTE_CLIENT_ID,
            "client_secret": seed.PISTE_CLIENT_SECRET, "scope": "openid"}
    try:
        answer = requests.post(running.url + "/_simulator/faults", json={"kind": "reset", "operation": "oauth/token"},
                               timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        with pytest.raises(requests.ConnectionError):
            requests.post(token_url, data=form, timeout=TIMEOUT)
        assert requests.post(token_url, data=form, timeout=TIMEOUT).status_code == 200, "one fault, one drop"
    finally:
        assert running.stop() == 0


# -- doctor -------------------------------------------------------------------------------------------
def test_doctor_passes_on_the_simulator(cli):
    result = cli("doctor", "--siret", seed.SUPPLIER.siret)
    assert result.returncode == 0, result.stderr
    assert "Connection with Chorus Pro established" in result.stdout
    assert "[OK] Technical account accepted by Chorus Pro" in result.stdout
    assert_no_secret(result)


def test_doctor_in_process_without_a_simulator_url():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stderr
    assert "Connection with Chorus Pro established" in result.stdout


def test_doctor_with_a_wrong_secret_from_the_environment(cli):
    wrong = "Wrong-Secret-From-Env-9"
    result = cli("doctor", env=clean_env(CHORUS_PRO_CLIENT_SECRET=wrong))
    assert_clean_error(result, 1, "piste_token")
    assert "check the client ID and secret of the PISTE application" in result.stdout
    assert_no_secret(result, wrong)


def test_doctor_verbose_logs_no_secret(cli):
    wrong_password = "Wrong-Tech-Password-7"
    result = cli("-v", "doctor", env=clean_env(CHORUS_PRO_PASSWORD=wrong_password))
    assert result.returncode == 1
    assert "[KO] Technical account accepted by Chorus Pro" in result.stdout
    assert "DEBUG" in result.stderr  # -v logs the calls...
    assert_no_secret(result, wrong_password, seed.PISTE_CLIENT_SECRET,
                     base64.b64encode(f"{seed.TECH_LOGIN}:{wrong_password}".encode()).decode())


def test_doctor_with_a_siret_not_attached(cli):
    result = cli("doctor", "--siret", seed.TITULAIRE.siret)
    assert_clean_error(result, 1, "supplier")
    assert "the raccordement is not done" in result.stdout


def test_doctor_with_missing_settings_is_a_configuration_error():
    result = run_cli("--env", "qualification", "doctor")
    assert_clean_error(result, 2, "settings")
    assert "Chorus Pro setting missing" in result.stdout


def test_doctor_unreachable_is_transient():
    result = run_cli("--simulator-url", f"http://127.0.0.1:{free_port()}", "doctor")
    assert_clean_error(result, 3, "piste_token")


# -- structure ----------------------------------------------------------------------------------------
def test_structure_of_a_commune(cli):
    result = cli("structure", seed.COMMUNE.siret)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert seed.COMMUNE.name in out and str(seed.COMMUNE.id) in out
    assert "Required references:" in out and "service code required" in out
    assert "Références exigées:" in out and "code service obligatoire" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert rows["SERV-TECH"].rstrip().endswith("yes")
    assert re.search(r"DST-VOIRIE\s+Direction voirie et réseaux\s+yes\s+yes\s+yes", out)
    assert "no (reserved to invoices between public entities)" in rows["FACTURES_PUBLIQUES"]
    assert "no (inactive)" in rows["ANCIEN-SERV"]
    # aligned table: the header and each row start the NAME column at the same offset
    header = next(line for line in out.splitlines() if line.startswith("SERVICE CODE"))
    assert rows["SERV-TECH"].index("Services techniques") == header.index("NAME")


def test_structure_requiring_an_ej(cli):
    result = cli("structure", seed.DEPARTEMENT.siret)
    assert result.returncode == 0, result.stderr
    assert "engagement juridique (purchase order) number required" in result.stdout


def test_structure_unknown_siret(cli):
    result = cli("structure", "73282932000074")  # valid checksum, not in the directory
    assert_clean_error(result, 1, "not in the Chorus Pro directory")


def test_structure_invalid_siret_is_a_usage_error(cli):
    result = cli("structure", "12345")
    assert_clean_error(result, 2, "must have 14 digits")


# -- submit, status, search -----------------------------------------------------------------------------
def test_submit_status_and_search_in_data_mode(cli, tmp_path):
    path = write_invoice(tmp_path, number="CLI-DATA-0001")
    result = cli("submit", path)
    assert result.returncode == 0, result.stderr
    assert "mode SAISIE_API" in result.stderr and "Sending to Chorus Pro" in result.stderr
    assert "Using the bank account registered on Chorus Pro" in result.stderr
    invoice_id = int(re.search(r"Chorus Pro invoice id:\s+(\d+)", result.stdout).group(1))
    assert re.search(r"Invoice number:\s+CLI-DATA-0001", result.stdout)
    status = re.search(r"Status:\s+(\S+)", result.stdout).group(1)

    history = cli("status", invoice_id)
    assert history.returncode == 0, history.stderr
    assert re.search(r"Current status:\s+" + re.escape(status), history.stdout)
    assert re.search(r"^DATE\s+STATUS\s+LABEL\s+COMMENT", history.stdout, re.M)
    assert status in history.stdout.split("COMMENT", 1)[1]

    found = cli("search", "--number", "CLI-DATA-0001")
    assert found.returncode == 0, found.stderr
    lines = [line for line in found.stdout.splitlines() if "CLI-DATA-0001" in line]
    assert len(lines) == 1 and lines[0].split()[0] == str(invoice_id)


def test_submit_status_search_without_a_server_keep_one_simulated_platform(tmp_path):
    # each command is its own process: the in-process simulator is kept in the user's cache directory
    env = clean_env(XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = run_cli("submit", write_invoice(tmp_path, number="CLI-KEPT-0001"), env=env)
    assert result.returncode == 0, result.stderr
    invoice_id = re.search(r"Chorus Pro invoice id:\s+(\d+)", result.stdout).group(1)

    history = run_cli("status", invoice_id, env=env)
    assert history.returncode == 0, history.stderr
    assert re.search(r"Invoice number:\s+CLI-KEPT-0001", history.stdout)
    found = run_cli("search", "--number", "CLI-KEPT-0001", env=env)
    assert [line.split()[0] for line in found.stdout.splitlines() if "CLI-KEPT-0001" in line] == [invoice_id]

    reset = run_cli("simulator", "--reset", env=env)
    assert reset.returncode == 0 and "starts again from its seed" in reset.stdout
    assert_clean_error(run_cli("status", invoice_id, env=env), 1, "Chorus Pro refused")


def test_submit_refuses_a_number_already_on_chorus_pro(cli, tmp_path):
    path = write_invoice(tmp_path, number="CLI-DUP-0001")
    first = cli("submit", path)
    assert first.returncode == 0, first.stderr
    invoice_id = re.search(r"Chorus Pro invoice id:\s+(\d+)", first.stdout).group(1)

    again = cli("submit", path)
    assert_clean_error(again, 2, f"Invoice CLI-DUP-0001 is already on Chorus Pro (Chorus Pro id {invoice_id}")
    assert "--allow-duplicate" in again.stderr and "Done." not in again.stderr

    forced = cli("submit", path, "--allow-duplicate")
    assert forced.returncode == 0, forced.stderr
    found = cli("search", "--number", "CLI-DUP-0001")
    assert len([line for line in found.stdout.splitlines() if "CLI-DUP-0001" in line]) == 2


def wait_until(condition, what: str, step: float = 0.05):
    for _ in range(int(TIMEOUT / step)):
        if condition():
            return
        time.sleep(step)
    raise AssertionError(f"gave up waiting for {what}")


def simulator_operation_count(simulator, operation: str) -> int:
    return requests.get(simulator.url + "/_simulator/stats", timeout=TIMEOUT).json()["by_operation"].get(operation, 0)


def simulator_deposit_numbers(simulator) -> list[str]:
    return [d["invoice_number"] for d in requests.get(simulator.url + "/_simulator/deposits", timeout=TIMEOUT).json()]


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_deposit_is_an_unknown_outcome(simulator, tmp_path, signal_number):
    soumettre = "factures/v1/soumettre"
    number = f"CLI-INTERRUPTED-{int(signal_number)}"
    sent_before = simulator_operation_count(simulator, soumettre)
    # the deposit is held 2 s on the platform's side, then processed
    fault = {"kind": "delay", "operation": soumettre, "seconds": 2}
    assert requests.post(simulator.url + "/_simulator/faults", json=fault, timeout=TIMEOUT).status_code == 200
    process = subprocess.Popen(
        [sys.executable, "-m", "chorus_pro", "--simulator-url", simulator.url, "submit",
         str(write_invoice(tmp_path, number=number))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=clean_env(), cwd=REPO,
        # a shell's background job inherits SIGINT ignored, and Python then keeps it ignored: give the
        # command the default disposition a terminal gives it, so that Ctrl-C is what is tested
        preexec_fn=_default_sigint)
    try:
        wait_until(lambda: simulator_operation_count(simulator, soumettre) > sent_before, "the deposit to arrive")
        process.send_signal(signal_number)
        _out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 3, err
    assert "error: interrupted while Chorus Pro was answering" in err, err
    assert f"chorus-pro search --number {number}" in err and "Traceback" not in err
    # Chorus Pro did receive it: sending it again blindly would have made a duplicate
    wait_until(lambda: number in simulator_deposit_numbers(simulator), "the deposit to be processed")


def test_submit_the_example_with_a_pdf(cli, tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "example.json")
    (tmp_path / "facture.pdf").write_bytes(minimal_pdf())
    (tmp_path / "planning.pdf").write_bytes(minimal_pdf())
    result = cli("submit", "example.json", "--pdf", "facture.pdf", "--attach", "planning.pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mode DEPOT_PDF_API" in result.stderr
    assert re.search(r"Chorus Pro invoice id:\s+\d+", result.stdout)


def test_submit_pdf_mode_without_pdf_is_refused_before_sending(cli, tmp_path):
    result = cli("submit", write_invoice(tmp_path, number="CLI-NOPDF-1"), "--mode", "pdf")
    assert_clean_error(result, 2, "PDF mode (DEPOT_PDF_API) needs it")
    assert "Sending" not in result.stderr
    assert "CLI-NOPDF-1" not in cli("search", "--number", "CLI-NOPDF-1").stdout


def test_submit_invalid_document_lists_the_problems(cli, tmp_path):
    buyer = {"siret": "21720001300018", "service_code": "SERV-TECH"}  # wrong check digit
    result = cli("submit", write_invoice(tmp_path, buyer=buyer, currency="USD"))
    assert_clean_error(result, 2, "The document cannot be sent to Chorus Pro")
    assert "SIRET of the buyer" in result.stderr and "Currency 'USD'" in result.stderr


def test_submit_refused_by_chorus_pro(cli, tmp_path):
    # the commune requires a service code: only Chorus Pro knows it
    buyer = {"siret": seed.COMMUNE.siret}
    result = cli("submit", write_invoice(tmp_path, number="CLI-NOSERVICE-1", buyer=buyer))
    assert_clean_error(result, 1, "Chorus Pro refused")


def test_submit_malformed_files(cli, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert_clean_error(cli("submit", broken), 2, "is not valid JSON")
    assert_clean_error(cli("submit", tmp_path / "missing.json"), 2, "Cannot read invoice file")
    assert_clean_error(cli("submit", write_invoice(tmp_path, colour="blue")), 2, "unknown key(s) colour")
    lines = [{"description": "x", "quantity": "deux", "unit_price": "1", "vat_rate": "20"}]
    assert_clean_error(cli("submit", write_invoice(tmp_path, lines=lines)), 2, "lines[0].quantity")


def test_search_without_result(cli):
    result = cli("search", "--number", "NEVER-SENT-0000")
    assert result.returncode == 0
    assert "No invoice found." in result.stdout


def test_status_of_an_unknown_invoice(cli):
    result = cli("status", "99999999")
    assert result.returncode == 1, result.stderr
    assert "error: " in result.stderr and "Traceback" not in result.stderr


# -- options and errors ----------------------------------------------------------------------------------
def test_secrets_are_not_accepted_as_arguments():
    result = run_cli("--client-secret", "x", "doctor")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr or "usage:" in result.stderr


def test_no_command_is_a_usage_error():
    result = run_cli()
    assert result.returncode == 2
    assert "usage: chorus-pro" in result.stderr


def test_simulator_url_outside_simulation():
    result = run_cli("--env", "production", "--simulator-url", "http://127.0.0.1:1", "doctor")
    assert_clean_error(result, 2, "--simulator-url only applies")


def test_config_file_and_transient_status(tmp_path):
    config = tmp_path / "chorus.json"
    config.write_text(json.dumps({"simulator_url": f"http://127.0.0.1:{free_port()}", "max_attempts": 1}))
    result = run_cli("--config", config, "status", "1000001")
    assert_clean_error(result, 3, "Cannot reach the PISTE OAuth server")
    verbose = run_cli("-v", "--config", config, "status", "1000001")
    assert verbose.returncode == 3 and "Traceback" in verbose.stderr


def test_bad_config_file(tmp_path):
    config = tmp_path / "chorus.json"
    config.write_text(json.dumps({"piste_secret": "x"}))
    assert_clean_error(run_cli("--config", config, "doctor"), 2, "Unknown Chorus Pro setting(s): piste_secret")


# -- the invoice JSON format (no process needed) ------------------------------------------------------------
def test_invoice_json_computes_vat_lines_and_totals(tmp_path):
    from decimal import Decimal

    from chorus_pro.cadres import Cadre
    from chorus_pro.documents import DepositMode, InvoiceType, validate_invoice
    from chorus_pro.invoice_json import invoice_from_dict

    (tmp_path / "facture.pdf").write_bytes(minimal_pdf())
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(bank_account_id=5151, pdf="facture.pdf", cadre="A1_FACTURE_FOURNISSEUR", lines=[
        {"description": "Gros œuvre", "quantity": 3, "unit_price": "1250.00", "vat_rate": 20},
        {"description": "Isolation", "quantity": "12.5", "unit_price": 40, "vat_rate": "5.5"},
        {"description": "Isolation (reprise)", "quantity": "1", "unit_price": "0.15", "vat_rate": "5.5"},
    ])
    invoice = invoice_from_dict(data, str(tmp_path))
    assert [(v.rate, v.base, v.amount) for v in invoice.vat_lines] == [
        (Decimal("5.5"), Decimal("500.15"), Decimal("27.51")), (Decimal("20"), Decimal("3750.00"), Decimal("750.00"))]
    assert (invoice.totals.untaxed, invoice.totals.vat, invoice.totals.total) == (
        Decimal("4250.15"), Decimal("777.51"), Decimal("5027.66"))
    assert [line.number for line in invoice.lines] == [1, 2, 3]
    assert invoice.cadre is Cadre.A1 and invoice.invoice_type is InvoiceType.INVOICE
    assert invoice.main_pdf.name == "facture.pdf" and invoice.main_pdf.content.startswith(b"%PDF")
    validate_invoice(invoice, mode=DepositMode.PDF)  # raises if anything is inconsistent


def test_invoice_json_errors_name_the_key():
    from chorus_pro.invoice_json import InvoiceFileError, invoice_from_dict

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for change, where in ((dict(invoice_date="20/11/2026"), "invoice_date"), (dict(cadre="Z9"), "cadre"),
                          (dict(payment_mode="BITCOIN"), "payment_mode"), (dict(buyer={"name": "x"}), "buyer.siret"),
                          (dict(bank_account_id="5151"), "bank_account_id"), (dict(lines="none"), "lines")):
        with pytest.raises(InvoiceFileError) as caught:
            invoice_from_dict({**data, **change})
        assert caught.value.field == where, (change, caught.value)
        assert caught.value.message_en.startswith(where)
