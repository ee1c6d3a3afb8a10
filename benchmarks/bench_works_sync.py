"""Benchmark of the works status sync against the simulator served over real HTTP on 127.0.0.1.

Deposits N works documents (default 500: projets de décompte mensuel), 10 % of them three status steps
earlier than the others, and takes a first sync as the ERP's starting point.  Then one more step passes: the
older tenth reaches ``ASSOCIEE`` (the MOE deposits its état d'acompte, a new piece of each of those billing
files) and the others move on one status.  It prints, for that second run, side by side:

- the sync of :func:`chorus_pro.works_sync.sync_works`: one ``facturesTravaux/v1/rechercher`` call per page
  of the documents changed since the last run, plus one detail call per piece that got a next piece;
- a naive loop: one search by number per followed document (plus the same detail calls).

Figures: HTTP calls (token requests apart), the bound ``⌈N / page size⌉ + details`` (and the same with the new
pieces, which the search lists too), and wall time.

Usage: ``python3 benchmarks/bench_works_sync.py [--documents 500] [--page-size 100]``
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from conftest import build_works_invoice  # noqa: E402

from chorus_pro import auth  # noqa: E402
from chorus_pro.client import ChorusProClient  # noqa: E402
from chorus_pro.config import ChorusConfig  # noqa: E402
from chorus_pro.simulator import Simulator, SimulatorServer, seed  # noqa: E402
from chorus_pro.works_sync import FollowedWorksPiece, sync_works  # noqa: E402

STEP = 60


def deposit(client, count, start):
    return [client.deposits.send(build_works_invoice(number=f"SIT-{start + n:05d}"),
                                 supplier_structure_id=seed.SUPPLIER.id) for n in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    total, size = args.documents, args.page_size
    older = max(1, total // 10)
    sim = Simulator(step_seconds=STEP)
    with SimulatorServer(sim) as server:
        config = ChorusConfig(simulator_url=server.url).with_simulation_defaults()
        with ChorusProClient(config, simulator=sim, token_cache=auth.TokenCache()) as client:
            started = time.perf_counter()
            deposit(client, older, 0)
            sim.advance(3 * STEP)  # the older tenth waits for the MOE's état d'acompte (A_ASSOCIER_MOE)
            deposit(client, total - older, older)
            first = sync_works(client, [FollowedWorksPiece(i.id, i.number) for i in sim.store.invoices.values()],
                               since=None, supplier_structure_id=seed.SUPPLIER.id)
            followed = [FollowedWorksPiece(c.latest.works_invoice_id, c.latest.number, c.latest.status,
                                           c.latest.status_date) for c in first.changes]
            print(f"setup: {total} works documents deposited and followed in {time.perf_counter() - started:.1f} s")
            since = sim.now()
            sim.advance(STEP)

            client.stats.by_operation.clear()
            started = time.perf_counter()
            result = sync_works(client, followed, since=since, supplier_structure_id=seed.SUPPLIER.id,
                                supplier_identifier=seed.SUPPLIER.siret, page_size=size)
            smart_time = time.perf_counter() - started
            smart_calls = sum(op["http_requests"] for op in client.stats.by_operation.values())
            new_pieces = sum(len(c.pieces) - 1 for c in result.changes)

            client.stats.by_operation.clear()
            started = time.perf_counter()
            naive_changes = 0
            for piece in followed:
                for line in client.factures_travaux.iter_invoices(number=piece.number, page_size=size):
                    if line.works_invoice_id == piece.works_invoice_id and line.status != piece.status:
                        naive_changes += 1
                        if line.status == "ASSOCIEE":
                            client.factures_travaux.get_document(line.works_invoice_id)
            naive_time = time.perf_counter() - started
            naive_calls = sum(op["http_requests"] for op in client.stats.by_operation.values())

    bound = math.ceil(total / size) + result.detail_calls
    listed_bound = math.ceil(result.listed / size) + result.detail_calls
    print(f"page size {size}; changed {len(result.changes)} of {total}, {new_pieces} new pieces (MOE états "
          f"d'acompte), {result.detail_calls} detail calls")
    print(f"{'':<32}{'HTTP calls':>12}{'time (s)':>11}")
    print(f"{'search per page + details':<32}{smart_calls:>12}{smart_time:>11.2f}")
    print(f"{'naive: one search per document':<32}{naive_calls:>12}{naive_time:>11.2f}")
    print(f"bound ⌈{total}/{size}⌉ + {result.detail_calls} = {bound}; with the {new_pieces} new pieces listed too: "
          f"⌈{result.listed}/{size}⌉ + {result.detail_calls} = {listed_bound}")
    if naive_changes != len(result.changes):
        print(f"MISMATCH: the naive loop saw {naive_changes} changes")
        return 1
    return 0 if smart_calls <= listed_bound else 1


if __name__ == "__main__":
    sys.exit(main())
