"""Shared fixtures of the pure suite.

Time: every simulator a test creates starts at :data:`SIMULATION_START`, whatever
the wall clock says (:func:`pinned_simulation_start`); the client takes "now" from
the simulator it talks to.  Nothing in the suite depends on the hour it runs at.

Spec fidelity: every request the simulator receives during the whole run is
checked against the official Swagger files (Factures and Structures).  Any
violation fails the run, with the list printed at the end.  A test that sends
a deliberately wrong body marks itself ``@pytest.mark.spec_exempt``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from chorus_pro.simulator import clock as simulator_clock

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/spec_validation.py, without a package

import spec_validation  # noqa: E402


class SpecFidelity:
    """Collects the requests seen by the simulator and their violations of the Swagger."""

    def __init__(self):
        self.lock = threading.Lock()
        self.validated = {"factures": 0, "structures": 0}
        self.not_covered: set[str] = set()
        self.violations: list[str] = []
        self.wired = False
        self.skip_reason = spec_validation.SKIP_REASON
        self.exempt = False
        self.current_test = ""

    def observe(self, api_path, headers, body) -> None:
        if self.exempt or body is None:
            return  # GET health-check and deliberate violations
        if isinstance(body, (bytes, str)):
            if not body:
                return
            try:
                body = json.loads(body)
            except ValueError:
                with self.lock:
                    self.violations.append(f"{api_path}: body is not JSON ({self.current_test})")
                return
        specs = spec_validation.load_specs()
        if specs is None:
            return
        errors = specs.validate(str(api_path), body, dict(headers or {}))
        with self.lock:
            if errors is None:
                self.not_covered.add(specs.find(str(api_path))[1])
                return
            self.validated[specs.api_name(str(api_path))] += 1
            self.violations.extend(f"{error} ({self.current_test})" for error in errors)

    def summary(self) -> str:
        if self.skip_reason:
            return f"spec fidelity: skipped, {self.skip_reason}"
        if not self.wired:
            return "spec fidelity: skipped, chorus_pro.simulator has no request_observers list"
        total = sum(self.validated.values())
        return (f"spec fidelity: {total} requests validated against the official Swagger "
                f"(factures: {self.validated['factures']}, structures: {self.validated['structures']}), "
                f"{len(self.violations)} violations")


FIDELITY = SpecFidelity()

#: the instant every simulator of the suite starts at: a Monday morning, Paris time
SIMULATION_START = datetime(2026, 11, 16, 10, 0, tzinfo=simulator_clock.PARIS)


@pytest.fixture(autouse=True)
def pinned_simulation_start(monkeypatch):
    """Simulators created during a test start at SIMULATION_START instead of the wall clock.

    Realtime simulators (the process-wide one) then move on with real elapsed time from there.
    """
    monkeypatch.setattr(simulator_clock, "wall_clock", lambda: SIMULATION_START)
    return SIMULATION_START


@pytest.fixture(autouse=True)
def private_cache_dir(monkeypatch, tmp_path):
    """The chorus-pro command keeps its simulated Chorus Pro in the user's cache directory: each test has its own."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def sim():
    """A fresh seeded simulator, its clock at SIMULATION_START."""
    from chorus_pro.simulator import Simulator

    return Simulator()


@pytest.fixture
def client_on_simulator(sim):
    """A client of ``sim`` served over real HTTP on 127.0.0.1; ``client.sim`` is that simulator."""
    from chorus_pro import auth
    from chorus_pro.client import ChorusProClient
    from chorus_pro.config import ChorusConfig
    from chorus_pro.simulator import SimulatorServer

    with SimulatorServer(sim) as server:
        config = ChorusConfig(simulator_url=server.url).with_simulation_defaults()
        with ChorusProClient(config, token_cache=auth.TokenCache(), sleep=lambda seconds: None) as running:
            running.sim = sim
            yield running


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """Overrides pytest-odoo's fixture of the same name, auto-loaded when that plugin is installed.

    The pure suite needs no Odoo database; pytest-odoo would try to open one and fail every test.
    """
    yield


def pytest_configure(config):
    config.addinivalue_line("markers", "spec_exempt: the test sends requests that deliberately violate the "
                                       "Swagger; they are not counted by the spec fidelity check")


@pytest.fixture(scope="session", autouse=True)
def spec_fidelity_observer():
    """Append the Swagger observer to ``chorus_pro.simulator.request_observers`` for the whole run."""
    observers = None
    if FIDELITY.skip_reason is None:
        try:
            import chorus_pro.simulator as simulator
            observers = getattr(simulator, "request_observers", None)
        except ImportError:
            observers = None
    if isinstance(observers, list):
        observers.append(FIDELITY.observe)
        FIDELITY.wired = True
    yield FIDELITY
    if isinstance(observers, list) and FIDELITY.observe in observers:
        observers.remove(FIDELITY.observe)


def _attributing_requests_to(item):
    """Requests seen while ``item`` sets up or runs belong to it (and follow its spec_exempt marker)."""
    FIDELITY.current_test = item.nodeid
    FIDELITY.exempt = item.get_closest_marker("spec_exempt") is not None
    try:
        yield
    finally:
        FIDELITY.exempt = False


pytest_runtest_setup = pytest.hookimpl(hookwrapper=True)(_attributing_requests_to)
pytest_runtest_call = pytest.hookimpl(hookwrapper=True)(_attributing_requests_to)


def _fidelity_missing_in_ci() -> bool:
    return FIDELITY.skip_reason is not None and spec_validation.required_in_ci()


def pytest_sessionfinish(session, exitstatus):
    if (FIDELITY.violations or _fidelity_missing_in_ci()) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIDELITY.violations:
        terminalreporter.section("spec fidelity violations", red=True)
        for violation in FIDELITY.violations[:200]:
            terminalreporter.write_line(violation)
    if _fidelity_missing_in_ci():
        terminalreporter.write_line("spec fidelity: " + spec_validation.missing_in_ci_message(), red=True)
        return
    terminalreporter.write_line(FIDELITY.summary(), red=bool(FIDELITY.violations))


# -- documents ---------------------------------------------------------------------------------
@contextlib.contextmanager
def reach_simulator(sim, settings, transport: str):
    """``settings`` pointed at ``sim``: in process, or served over real HTTP on 127.0.0.1."""
    if transport == "in_process":
        yield settings
        return
    from dataclasses import replace

    from chorus_pro.simulator import SimulatorServer

    with SimulatorServer(sim) as server:
        yield replace(settings, simulator_url=server.url)


def build_invoice(**overrides):
    """A valid A1 invoice from the seed supplier to the commune (service SERV-TECH), PDF and data ready."""
    from datetime import date
    from decimal import Decimal

    from chorus_pro.documents import Attachment, Invoice, Line, Party, Totals, VatLine
    from chorus_pro.results import ReferenceRequirement
    from chorus_pro.simulator import seed

    values = dict(
        number="FA-2026-0042",
        invoice_date=date(2026, 11, 2),
        supplier=Party(seed.SUPPLIER.siret, seed.SUPPLIER.name, structure_id=seed.SUPPLIER.id),
        buyer=Party(seed.COMMUNE.siret, seed.COMMUNE.name, service_code="SERV-TECH",
                    requirement=ReferenceRequirement.SERVICE),
        lines=[Line(1, "Reprise de maçonnerie - école", Decimal("3"), Decimal("1250.00"), Decimal("20"),
                    reference="LOT-02", unit="forfait"),
               Line(2, "Isolation des combles", Decimal("12.5"), Decimal("40.00"), Decimal("5.5"), unit="m2")],
        vat_lines=[VatLine(Decimal("20"), Decimal("3750.00"), Decimal("750.00")),
                   VatLine(Decimal("5.5"), Decimal("500.00"), Decimal("27.50"))],
        totals=Totals(Decimal("4250.00"), Decimal("777.50"), Decimal("5027.50"), Decimal("5027.50")),
        bank_account_id=seed.SUPPLIER_BANK_ACCOUNTS[0][0],
        market_number="2026-TX-017",
        main_pdf=Attachment("FA-2026-0042.pdf", b"%PDF-1.4\n% invoice\n"),
    )
    values.update(overrides)
    return Invoice(**values)


def build_works_invoice(cadre=None, **overrides):
    """A valid projet de décompte mensuel (A4 unless ``cadre``) for the OPH, MOE the architect."""
    from datetime import date

    from chorus_pro.cadres import Cadre
    from chorus_pro.documents import Attachment, Party
    from chorus_pro.results import ReferenceRequirement
    from chorus_pro.simulator import seed

    values = dict(
        number="SIT-2026-03",
        cadre=cadre or Cadre.A4,
        buyer=Party(seed.OPH.siret, seed.OPH.name, service_code="MOA-TRAVAUX",
                    requirement=ReferenceRequirement.NONE),
        moe=Party(seed.MOE.siret, seed.MOE.name),
        moa=Party(seed.OPH.siret, seed.OPH.name, service_code="MOA-TRAVAUX"),
        situation_number=3,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        main_pdf=Attachment("SIT-2026-03.pdf", b"%PDF-1.4\n% situation\n"),
    )
    values.update(overrides)
    return build_invoice(**values)


@pytest.fixture
def make_invoice():
    return build_invoice


@pytest.fixture
def make_works_invoice():
    return build_works_invoice
