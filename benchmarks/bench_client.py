"""Benchmark of the Chorus Pro client against the simulator served over real HTTP on 127.0.0.1.

Submits N invoices (default: N=100, then N=1000) with ``client.deposits.send`` as the
``chorus-pro submit`` command sends them (``refuse_duplicate=True``: one search of the invoice
number first), in DEPOT_PDF_API mode (search, upload of the PDF, then ``soumettre``: 3 calls) and
SAISIE_API mode (search, then ``soumettre``: 2 calls), and prints, per run:

- invoices per second (wall clock of the whole run);
- HTTP requests per invoice ("HTTP/inv", the calls an invoice costs) and token requests of the
  run (client stats);
- client overhead per HTTP call and per invoice, p50 / p95, in ms, server time EXCLUDED;
- memory: the client's memory for N=100 vs N=1000 (tracemalloc), their ratio and the growth
  per invoice (target: nothing kept per invoice), and the process-wide tracemalloc peak.

Timing method.  Each call of ``client.call`` (one Chorus Pro operation) is timed, and so is
each ``session.request`` inside it (the HTTP round trip: requests/urllib3, the loopback socket,
the server's HTTP parsing and the simulator's work).  The client overhead of a call is the
call's time minus the time of its HTTP round trips: what the client itself adds (token cache,
JSON encoding, base64, envelope checks, parsing into typed results): "call p50/p95".  Per
invoice, the same difference over the whole ``deposits.send`` (validation and payload building
included): "inv p50/p95".  The time spent inside the simulator's WSGI application is measured
by a wrapper around it ("server p50"); the call's time minus that server time, i.e. the client
plus the HTTP stack of both sides (requests/urllib3, loopback socket, werkzeug's request
parsing), is "+HTTP p95".

Memory method.  The simulator runs in a thread of this process and keeps every invoice, so
the process-wide peak grows with N because of the simulator.  The client's memory is what is
allocated from the benchmark's thread: tracemalloc records up to 64 frames per allocation and
the allocations whose traceback passes through the HTTP server thread (``socketserver``,
``werkzeug``) or the simulator are filtered out.  After a full garbage collection, the client's
live memory is sampled every N/20 invoices (and at the end); "client KiB" is the largest sample.
This runs in a separate pass, so that tracemalloc does not slow the timing pass.  The process
peak ("process KiB", simulator included) is shown for information.

Usage: ``python3 benchmarks/bench_client.py [--sizes 100 1000] [--modes pdf data]``
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import threading
import time
import tracemalloc
from datetime import date
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chorus_pro import auth  # noqa: E402
from chorus_pro.client import ChorusProClient  # noqa: E402
from chorus_pro.config import ChorusConfig, Environment  # noqa: E402
from chorus_pro.documents import (  # noqa: E402
    Attachment,
    DepositMode,
    Invoice,
    Line,
    Party,
    PaymentMode,
    Totals,
    VatLine,
)
from chorus_pro.simulator import Simulator, SimulatorServer, seed  # noqa: E402

TARGET_P95_MS = 2.0
#: memory kept per invoice sent above which the client is said to grow with N
MAX_BYTES_PER_INVOICE = 16
MEMORY_FILTERS = [
    tracemalloc.Filter(False, "*socketserver.py", all_frames=True),
    tracemalloc.Filter(False, "*/werkzeug/*", all_frames=True),
    tracemalloc.Filter(False, "*/chorus_pro/simulator/*", all_frames=True),
    tracemalloc.Filter(False, tracemalloc.__file__),
]


def minimal_pdf(text: str = "Facture") -> bytes:
    """A small valid one-page PDF (about 600 bytes), built by hand to need no library."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF = minimal_pdf()


def make_invoice(number: str, mode: DepositMode) -> Invoice:
    lines = [Line(1, "Maçonnerie du mur de clôture", Decimal("12"), Decimal("85.50"), Decimal("20"), unit="m2"),
             Line(2, "Évacuation des gravats", Decimal("1"), Decimal("240.00"), Decimal("20"))]
    untaxed = sum((line.amount_untaxed for line in lines), Decimal("0"))
    vat = (untaxed * Decimal("0.20")).quantize(Decimal("0.01"))
    return Invoice(
        number=number, invoice_date=date.today(),
        supplier=Party(seed.SUPPLIER.siret, seed.SUPPLIER.name),
        buyer=Party(seed.COMMUNE.siret, seed.COMMUNE.name, service_code="SERV-TECH"),
        lines=lines, vat_lines=[VatLine(Decimal("20"), untaxed, vat)],
        totals=Totals(untaxed, vat, untaxed + vat, untaxed + vat),
        payment_mode=PaymentMode.TRANSFER, bank_account_id=seed.SUPPLIER_BANK_ACCOUNTS[0][0],
        main_pdf=Attachment(f"{number}.pdf", PDF) if mode is DepositMode.PDF else None,
    )


class TimedApp:
    """WSGI wrapper measuring the time spent inside the simulator's application."""

    def __init__(self, app):
        self.app = app
        self.seconds: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = b"".join(self.app(environ, start_response))  # the simulator answers small JSON bodies
        with self.lock:
            self.seconds.append(time.perf_counter() - started)
        return [body]


class Probe:
    """Times ``client.call`` and the HTTP round trips inside it (instance attributes only)."""

    def __init__(self, client: ChorusProClient, server_app: TimedApp):
        self.call_overheads: list[float] = []
        #: call time minus the time inside the simulator's WSGI app: client + HTTP stack
        self.stack_overheads: list[float] = []
        self.http_seconds = 0.0
        call, request = client.call, client.session.request

        def timed_request(*args, **kwargs):
            started = time.perf_counter()
            try:
                return request(*args, **kwargs)
            finally:
                self.http_seconds += time.perf_counter() - started

        def timed_call(*args, **kwargs):
            # calls are sequential: the server time recorded meanwhile belongs to this call
            http_before, served_before = self.http_seconds, len(server_app.seconds)
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.call_overheads.append(elapsed - (self.http_seconds - http_before))
                self.stack_overheads.append(elapsed - sum(server_app.seconds[served_before:]))

        client.session.request = timed_request
        client.call = timed_call


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] if ordered else 0.0


def new_client(url: str) -> ChorusProClient:
    config = ChorusConfig(environment=Environment.SIMULATION, simulator_url=url)
    # a private token cache: the run's token requests are counted from zero
    return ChorusProClient(config, token_cache=auth.TokenCache())


def timing_run(mode: DepositMode, count: int) -> dict:
    simulator = Simulator()
    timed_app = TimedApp(simulator.wsgi_app)
    simulator.wsgi_app = timed_app
    with SimulatorServer(simulator) as server:
        client = new_client(server.url)
        probe = Probe(client, timed_app)
        invoices = [make_invoice(f"BENCH-{mode.name}-{count}-{i:05d}", mode) for i in range(count)]
        per_invoice = []
        started = time.perf_counter()
        for invoice in invoices:
            http_before, invoice_started = probe.http_seconds, time.perf_counter()
            client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id, mode=mode, refuse_duplicate=True)
            per_invoice.append(time.perf_counter() - invoice_started - (probe.http_seconds - http_before))
        elapsed = time.perf_counter() - started
        client.close()
    return {
        "invoices_per_s": count / elapsed,
        "http_per_invoice": client.stats.http_requests / count,
        "token_requests": client.stats.token_requests,
        "call_p50": percentile(probe.call_overheads, 0.50) * 1000,
        "call_p95": percentile(probe.call_overheads, 0.95) * 1000,
        "invoice_p50": percentile(per_invoice, 0.50) * 1000,
        "invoice_p95": percentile(per_invoice, 0.95) * 1000,
        "stack_p95": percentile(probe.stack_overheads, 0.95) * 1000,
        "server_p50": statistics.median(timed_app.seconds) * 1000 if timed_app.seconds else 0.0,
    }


def client_memory() -> int:
    """Bytes allocated from the benchmark's thread since tracemalloc started and still alive.

    A full collection first: objects in reference cycles (frames kept by a traceback, for
    instance) wait for the cyclic garbage collector, whatever N is.
    """
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(MEMORY_FILTERS)
    return sum(stat.size for stat in snapshot.statistics("filename"))


def memory_run(mode: DepositMode, count: int) -> dict:
    simulator = Simulator()
    with SimulatorServer(simulator) as server:
        client = new_client(server.url)
        every = max(1, count // 20)
        tracemalloc.start(64)
        baseline = client_memory()
        peak = 0
        for index in range(count):
            # the invoice is built here, one at a time, as an ERP would
            invoice = make_invoice(f"MEM-{mode.name}-{count}-{index:05d}", mode)
            client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id, mode=mode, refuse_duplicate=True)
            del invoice
            if index % every == every - 1 or index == count - 1:
                peak = max(peak, client_memory() - baseline)
        process_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        client.close()
    return {"client_kib": peak / 1024, "process_peak_kib": process_peak / 1024}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--modes", nargs="+", choices=["pdf", "data"], default=["pdf", "data"])
    args = parser.parse_args(argv)
    modes = [DepositMode.PDF if m == "pdf" else DepositMode.DATA for m in args.modes]

    rows, memory = [], {}
    for mode in modes:
        for count in args.sizes:
            print(f"running {mode.value} N={count}...", file=sys.stderr, flush=True)
            figures = timing_run(mode, count)
            memory[(mode, count)] = memory_run(mode, count)
            rows.append((mode, count, figures))

    header = (f"{'mode':<14} {'N':>5} {'inv/s':>7} {'HTTP/inv':>8} {'tokens':>6} "
              f"{'call p50':>8} {'call p95':>8} {'inv p50':>7} {'inv p95':>7} {'+HTTP p95':>9} {'server p50':>10} "
              f"{'client KiB':>10} {'process KiB':>11}")
    print("Chorus Pro client benchmark (simulator over HTTP on 127.0.0.1; times in ms, memory in KiB)")
    print(header)
    print("-" * len(header))
    for mode, count, f in rows:
        m = memory[(mode, count)]
        print(f"{mode.value:<14} {count:>5} {f['invoices_per_s']:>7.0f} {f['http_per_invoice']:>8.2f} "
              f"{f['token_requests']:>6} {f['call_p50']:>8.3f} {f['call_p95']:>8.3f} {f['invoice_p50']:>7.3f} "
              f"{f['invoice_p95']:>7.3f} {f['stack_p95']:>9.3f} {f['server_p50']:>10.3f} {m['client_kib']:>10.1f} "
              f"{m['process_peak_kib']:>11.0f}")

    print()
    print("Targets:")
    ok = True
    for mode, count, f in rows:
        # the search of the number, the PDF upload (PDF mode), the deposit
        expected_http = 3 if mode is DepositMode.PDF else 2
        checks = [
            (f"token requests = 1 ({f['token_requests']})", f["token_requests"] == 1),
            (f"HTTP requests per invoice <= {expected_http} ({f['http_per_invoice']:.2f})",
             f["http_per_invoice"] <= expected_http),
            (f"overhead per call p95 <= {TARGET_P95_MS} ms ({f['call_p95']:.3f})", f["call_p95"] <= TARGET_P95_MS),
        ]
        for label, passed in checks:
            ok &= passed
            print(f"  [{'ok' if passed else 'MISSED'}] {mode.value} N={count}: {label}")
    sizes = sorted(args.sizes)
    if len(sizes) > 1:
        for mode in modes:
            small, large = memory[(mode, sizes[0])]["client_kib"], memory[(mode, sizes[-1])]["client_kib"]
            per_invoice = (large - small) * 1024 / (sizes[-1] - sizes[0])
            ratio = large / small if small else float("inf")
            passed = per_invoice < MAX_BYTES_PER_INVOICE
            ok &= passed
            print(f"  [{'ok' if passed else 'MISSED'}] {mode.value}: client memory does not grow with N "
                  f"(N={sizes[-1]} / N={sizes[0]} = {ratio:.2f}, {per_invoice:+.1f} bytes per invoice)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
