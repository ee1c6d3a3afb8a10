"""Benchmark of the Odoo status synchronisation against the simulator over real HTTP.

N invoices (default 500) are deposited on the simulator one simulated minute apart, each with
an Odoo invoice and its transmission (``chorus.pro.transmission``, as the sender records a
deposit) that knows its Chorus Pro id; simulated time then moves them along their paths and a
share of them is suspended, rejected or sent back for recycling (some with the reason in the
search answer, some only in their history).  Then, in the same database transaction:

1. one run of the status synchronisation (``chorus.pro.sync``): a paginated
   ``rechercher/fournisseur`` over the statuses changed since the newest status read by the
   previous run, and one ``consulter/historique`` only for a changed invoice whose reason is
   missing;
2. a second run at once, nothing having changed: one search call (target 1), listing only the
   statuses of the overlap;
3. from the same starting point as 1 (savepoint), the naive approach: one
   ``consulter/historique`` per invoice.

Printed: HTTP calls of each (token requests apart), the target ⌈N / page size⌉ + the
invoices needing their history, wall times, and the ratios.  The transaction is rolled
back at the end: the database is left as it was.

Usage::

    PYTHONPATH=. python3 benchmarks/bench_odoo_sync.py --db DB [--invoices 500]
        [--db-host 127.0.0.1] [--db-user root] [--addons-path ...] [--install]

``--install`` creates DB with the add-on installed when it does not exist (odoo-bin -i).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import date, timezone
from decimal import Decimal
from unittest.mock import patch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from odoo_database import add_database_arguments, ensure_database, open_environment  # noqa: E402

from chorus_pro.api.reading import SEARCH_PAGE_SIZE  # noqa: E402
from chorus_pro.client import ChorusProClient  # noqa: E402
from chorus_pro.documents import DepositMode, Invoice, Line, Party, Totals, VatLine  # noqa: E402
from chorus_pro.simulator import Simulator, SimulatorServer, seed  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser, "chorus_bench_sync")
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def chorus_invoice(number: str, buyer) -> Invoice:
    """A small data-mode invoice (no PDF): depositing 500 of them stays quick."""
    service = "SERV-TECH" if buyer is seed.COMMUNE else ""
    return Invoice(
        number=number, invoice_date=date.today(),
        supplier=Party(seed.SUPPLIER.siret, seed.SUPPLIER.name, structure_id=seed.SUPPLIER.id),
        buyer=Party(buyer.siret, buyer.name, service_code=service),
        lines=[Line(1, "Travaux de maçonnerie", Decimal("1"), Decimal("1000.00"), Decimal("20"))],
        vat_lines=[VatLine(Decimal("20"), Decimal("1000.00"), Decimal("200.00"))],
        totals=Totals(Decimal("1000.00"), Decimal("200.00"), Decimal("1200.00"), Decimal("1200.00")),
        bank_account_id=seed.SUPPLIER_BANK_ACCOUNTS[0][0],
        ej_number="CC-2026-042" if buyer is seed.COMMUNAUTE else "",
    )


def deposit_all(sim, client, count):
    """One deposit per simulated minute: a company's followed invoices were not all deposited at once."""
    ids = {}
    for index in range(count):
        sim.advance(60)
        number = f"BENCH-{index + 1:05d}"
        buyer = seed.COMMUNE if index % 2 else seed.COMMUNAUTE
        result = client.deposits.send(chorus_invoice(number, buyer), supplier_structure_id=seed.SUPPLIER.id,
                                      mode=DepositMode.DATA)
        ids[number] = result.invoice_id
    return ids


def drive_statuses(sim, ids, rng):
    """Various states: most invoices move on, some wait for the supplier (with or without a reason)."""
    sim.advance(3600 * 2.5)  # two steps of the default path for everybody
    decisions = {"SUSPENDUE": "Bon de livraison manquant", "REJETEE": "Montant erroné",
                 "A_RECYCLER": "Service destinataire inconnu"}
    needing_history = 0
    for invoice_id in ids.values():
        roll = rng.random()
        if roll < 0.15:
            status = rng.choice(sorted(decisions))
            with_reason = rng.random() < 0.7
            sim.set_invoice_status(invoice_id, status, decisions[status] if with_reason else "")
            needing_history += 0 if with_reason else 1
    sim.advance(3600 * rng.choice((1, 2)))
    return needing_history


def main():
    args = parse_args()
    ensure_database(args)
    registry, make_env = open_environment(args)
    from odoo import fields  # noqa: TID251  (the benchmark drives the Odoo add-on)

    rng = random.Random(args.seed)
    sim = Simulator()
    with SimulatorServer(sim) as server, registry.cursor() as cr:
        env = make_env(cr)
        company = env.company
        company.write({
            "company_registry": seed.SUPPLIER.siret, "chorus_environment": "simulation",
            "chorus_simulator_url": server.url, "chorus_tech_login": seed.TECH_LOGIN,
            "chorus_tech_password": seed.TECH_PASSWORD, "chorus_piste_client_id": seed.PISTE_CLIENT_ID,
            "chorus_piste_client_secret": seed.PISTE_CLIENT_SECRET,
            "chorus_supplier_structure_identifier": str(seed.SUPPLIER.id), "chorus_auth_failed": False,
        })
        print(f"depositing {args.invoices} invoices on the simulator ({server.url})…", flush=True)
        previous_sync = naive_utc(sim.clock.now())  # the newest status read by an earlier run
        with ChorusProClient(company._chorus_config()) as client:
            ids = deposit_all(sim, client, args.invoices)
        partner = env["res.partner"].create({"name": seed.COMMUNE.name, "company_registry": seed.COMMUNE.siret,
                                             "chorus_client": True, "is_company": True})
        moves = env["account.move"].create([{
            "move_type": "out_invoice", "partner_id": partner.id, "company_id": company.id, "ref": number,
        } for number in ids])
        env["chorus.pro.transmission"].create([{
            "move_id": move.id, "company_id": company.id, "document_number": number, "cadre": "A1",
            "state": "deposited", "queued_by_id": env.uid, "origin": "button", "chorus_invoice_id": str(invoice_id),
            "chorus_number": number, "status": "DEPOSEE", "status_date": previous_sync, "deposit_date": date.today(),
        } for move, (number, invoice_id) in zip(moves, ids.items(), strict=True)])
        company.write({"chorus_last_sync": fields.Datetime.now(), "chorus_status_mark": previous_sync})
        needing_history = drive_statuses(sim, ids, rng)
        env.flush_all()
        cr.execute("SAVEPOINT bench_start")

        clients = []
        original = type(company)._chorus_client

        def counted(self):
            client = original(self)
            clients.append(client)
            return client

        listed = []
        original_search = ChorusProClient.iter_supplier_invoices

        def counted_search(client, **kwargs):
            for summary in original_search(client, **kwargs):
                listed.append(summary.invoice_id)
                yield summary

        sync = env["chorus.pro.sync"]
        with patch.object(type(company), "_chorus_client", counted), \
                patch.object(ChorusProClient, "iter_supplier_invoices", counted_search):
            started = time.perf_counter()
            changed = sync._sync_company(company, sync._followed(company))
            env.flush_all()
            smart_time = time.perf_counter() - started
            smart = clients[-1].stats
            listed_first, listed[:] = len(listed), []
            started = time.perf_counter()
            steady_changed = sync._sync_company(company, sync._followed(company))
            env.flush_all()
            steady_time = time.perf_counter() - started
            steady = clients[-1].stats
            listed_steady = len(listed)
        states = {}
        for move in moves:
            states[move.chorus_state] = states.get(move.chorus_state, 0) + 1

        cr.execute("ROLLBACK TO SAVEPOINT bench_start")
        env.invalidate_all()
        with patch.object(type(company), "_chorus_client", counted):
            started = time.perf_counter()
            client = company._chorus_client()
            naive_changed = sync._sync_by_history(client, sync._followed(company))
            env.flush_all()
            naive_time = time.perf_counter() - started
            client.close()
        naive = clients[-1].stats
        cr.rollback()

    pages = math.ceil(args.invoices / SEARCH_PAGE_SIZE)
    target = pages + needing_history
    smart_calls, naive_calls = operations(smart), operations(naive)
    print()
    print(f"invoices on Chorus Pro: {args.invoices}; changed in this run: {changed} "
          f"(naive run: {naive_changed}); states after the run: {dict(sorted(states.items()))}")
    print(f"changed invoices whose reason was not in the search answer: {needing_history}")
    print(f"status sync : {smart_calls:5d} HTTP calls ({smart.retries} replay/retry, {smart.token_requests} token), "
          f"{smart_time:7.2f} s   by operation: "
          f"{ {op: v['http_requests'] - v['retries'] for op, v in smart.by_operation.items()} }")
    print(f"target      : {target:5d} HTTP calls (⌈{args.invoices}/{SEARCH_PAGE_SIZE}⌉ = {pages} pages "
          f"+ {needing_history} histories) -> {'met' if smart_calls <= target else 'MISSED'}")
    print(f"  invoices listed by the search: {listed_first}")
    print(f"next run, nothing changed: {operations(steady)} HTTP calls (target 1), {steady_changed} changes, "
          f"{listed_steady} invoices listed again (the overlap), {steady_time:.2f} s")
    print(f"naive       : {naive_calls:5d} HTTP calls ({naive.retries} replay/retry, {naive.token_requests} token), "
          f"{naive_time:7.2f} s")
    print(f"ratio naive / sync: {naive_calls / max(smart_calls, 1):.1f}x calls, "
          f"{naive_time / max(smart_time, 1e-9):.1f}x time")


def naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def operations(stats):
    """Operations called: HTTP requests minus the replays (expired token) and retries."""
    return stats.http_requests - stats.retries


if __name__ == "__main__":
    main()
