"""Benchmark of a monthly situation in Odoo 19: a works market of N lines with 24 previous situations.

For N = 200 and N = 2,000 lines (ten lots, revisable on BT01, advance, retention), the script builds the
market and its 24 previous situations (each validated, invoiced and posted, as in real life), then times
the 25th month and counts its SQL queries:

1. create the situation (number, one progress line per bill line, the previous progress, the figures);
2. save the progress of every line in one write (what the form sends when the site manager saves);
3. validate, create the invoice and post it (settlement entry included).

It prints the wall time and the queries of each step for both sizes and the ratio of the queries
(target: constant in the number of lines, ratio ≤ 1.1), then renders the printed statement of the
2,000-line situation (wkhtmltopdf) and prints its time and size. Everything runs as superuser in a
scratch database, committed month after month (``--install`` creates it).

Usage::

    PYTHONPATH=. python3 benchmarks/bench_odoo_situation.py [--db chorus_bench_situation] [--install]
        [--sizes 200,2000] [--previous 24] [--no-pdf]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from odoo_database import add_database_arguments, ensure_database, odoo_root, open_environment  # noqa: E402

FIRST_MONTH = datetime.date(2024, 1, 1)
LOTS = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser, "chorus_bench_situation")
    parser.add_argument("--sizes", default="200,2000", help="numbers of bill lines, comma-separated")
    parser.add_argument("--previous", type=int, default=24, help="situations before the one measured")
    parser.add_argument("--no-pdf", action="store_true", help="skip rendering the statement")
    return parser.parse_args()


def month_end(index):
    """The last day of the index-th month after FIRST_MONTH."""
    year, month = divmod(FIRST_MONTH.month - 1 + index + 1, 12)
    return datetime.date(FIRST_MONTH.year + year, month + 1, 1) - datetime.timedelta(days=1)


def index_values(env, months):
    bt01 = env.ref("l10n_fr_chorus_btp.price_index_bt01")
    known = set(bt01.value_ids.mapped("month"))
    base = FIRST_MONTH - datetime.timedelta(days=1)
    wanted = [base.strftime("%Y-%m")] + [month_end(i).strftime("%Y-%m") for i in range(months)]
    bt01.value_ids = [(0, 0, {"month": month, "value": 130.0 + 0.3 * number})
                      for number, month in enumerate(wanted) if month not in known]
    return bt01, wanted[0]


def make_market(env, size, bt01, base_month, tag):
    partner = env["res.partner"].search([("name", "=", "OPH BENCHMARK")], limit=1) or env["res.partner"].create(
        {"name": "OPH BENCHMARK", "is_company": True})
    unit_price = 100.0
    market = env["chorus.pro.market"].create({
        "name": f"BENCH-{tag}-{size}", "title": f"{size} lines", "partner_id": partner.id, "kind": "works",
        "role": "titulaire", "amount": size * 50 * unit_price, "price_basis": "revisable",
        "variation_fixed_part": 0.125, "variation_base_month": base_month,
        "variation_index_ids": [(0, 0, {"index_id": bt01.id, "weight": 0.875, "base_value": 130.0})],
        "advance_amount": size * 50 * unit_price * 1.2 * 0.05, "advance_rate": 5.0, "retention_rate": 5.0,
        "line_ids": [(0, 0, {"lot": f"{line % LOTS + 1:02d}", "code": f"{line % LOTS + 1:02d}.{line:04d}",
                             "name": f"Ouvrage {line}", "unit": "m2", "quantity": 50.0, "unit_price": unit_price})
                     for line in range(size)],
    })
    return market


class RowBatches:
    """Counts the INSERT and UPDATE statements of situation lines: Odoo's ORM writes rows 100 per statement
    (``INSERT_BATCH_SIZE``, ``UPDATE_BATCH_SIZE``), so these grow with the lines whatever the add-on does."""

    def __init__(self):
        self.count = 0

    @contextlib.contextmanager
    def watching(self):
        from odoo import sql_db  # noqa: TID251  (drives the Odoo add-on)

        execute = sql_db.Cursor.execute
        watcher = self

        def counting(cursor, query, params=None, log_exceptions=True):
            text = str(getattr(query, "code", query)).lstrip()
            if text.startswith(("INSERT INTO \"chorus_pro_situation_line\"", "UPDATE \"chorus_pro_situation_line\"")):
                watcher.count += 1
            return execute(cursor, query, params, log_exceptions)

        sql_db.Cursor.execute = counting
        try:
            yield
        finally:
            sql_db.Cursor.execute = execute


def measured(env, label, results, function):
    """Runs ``function``; records (wall time, SQL queries, of which row batches of situation lines)."""
    env.flush_all()
    cr = env.cr
    batches = RowBatches()
    queries, started = cr.sql_log_count, time.perf_counter()
    with batches.watching():
        value = function()
        env.flush_all()
    results[label] = (time.perf_counter() - started, cr.sql_log_count - queries, batches.count)
    return value


def progress_of(month, previous_months, line_number):
    """Every line advances a little each month, each by its own quantity (all values differ, as typed)."""
    return round(50.0 * (month + 1) / (previous_months + 2) - (line_number % 997) / 1000, 3)


def month_of_situations(env, market, month, previous_months, results=None):
    Situation = env["chorus.pro.situation"]
    results = {} if results is None else results
    situation = measured(env, "create", results, lambda: Situation.create({
        "market_id": market.id, "period_end": month_end(month), "submission_date": month_end(month)}))
    measured(env, "save progress", results, lambda: situation.write({"line_ids": [
        (1, line.id, {"progress_mode": "quantity", "cumulative_quantity": progress_of(month, previous_months, number)})
        for number, line in enumerate(situation.line_ids)]}))

    def close():
        situation.action_validate()
        situation.action_create_invoice()
        situation.move_id.action_post()
    measured(env, "validate, invoice, post", results, close)
    return situation, results


@contextlib.contextmanager
def report_server(args, env):
    """wkhtmltopdf fetches the report's stylesheets over HTTP: an Odoo server for this database meanwhile."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, f"{odoo_root()}/odoo-bin", "-d", args.db, "--db_host", args.db_host, "--db_user",
         args.db_user, "--addons-path", args.addons_path, "--http-interface", "127.0.0.1", "--http-port", str(port),
         "--db-filter", f"^{args.db}$", "--log-level", "warn"],
        env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(120):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.5)
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        env.cr.commit()
        yield
    finally:
        process.terminate()
        process.wait(30)


def main():
    args = parse_args()
    ensure_database(args)
    registry, make_env = open_environment(args)
    sizes = [int(size) for size in args.sizes.split(",")]
    tag = datetime.datetime.now().strftime("%H%M%S")  # several runs in one database: distinct market numbers
    figures = {}
    last = None
    with registry.cursor() as cr:
        env = make_env(cr)
        env.company.chorus_auto_transfer = False
        bt01, base_month = index_values(env, args.previous + 1)
        cr.commit()
        # warm-up, not measured: the first situation of a process loads the report, the accounts and the caches,
        # which would be counted against whichever size comes first
        warm_up = make_market(env, 10, bt01, base_month, f"{tag}W")
        month_of_situations(env, warm_up, 0, args.previous)
        month_of_situations(env, warm_up, 1, args.previous, {})
        cr.commit()
        for size in sizes:
            market = make_market(env, size, bt01, base_month, tag)
            cr.commit()
            started = time.perf_counter()
            for month in range(args.previous):
                month_of_situations(env, market, month, args.previous)
                cr.commit()
                print(f"  {size} lines: situation {month + 1}/{args.previous} "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
            situation, results = month_of_situations(env, market, args.previous, args.previous)
            cr.commit()
            figures[size] = results
            last = situation
        pdf = None
        if not args.no_pdf and last:
            report = env.ref("l10n_fr_chorus_btp.action_report_situation")
            with report_server(args, env):
                started = time.perf_counter()
                content, _kind = env["ir.actions.report"]._render_qweb_pdf(report.report_name, last.ids)
                pdf = (time.perf_counter() - started, len(content), len(last.line_ids))

    print()
    print(f"situation {args.previous + 1} of a market with {args.previous} previous situations "
          "(wall time, SQL queries):")
    steps = list(next(iter(figures.values())))
    totals = {}
    for size, results in figures.items():
        total_time = sum(time_ for time_, _, _ in results.values())
        total_queries = sum(queries for _, queries, _ in results.values())
        batches = sum(batch for _, _, batch in results.values())
        totals[size] = (total_queries, total_queries - batches)
        detail = "; ".join(f"{step} {results[step][0]:.2f} s / {results[step][1]} q" for step in steps)
        print(f"  {size:>5} lines: {total_time:6.2f} s, {total_queries:5} queries, of which {batches} row batches "
              f"of the ORM  ({detail})")
    if len(figures) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"  queries {large} / {small} lines: ratio {totals[large][0] / totals[small][0]:.3f} (target ≤ 1.1); "
              f"without the ORM's 100-row batches: {totals[large][1]} / {totals[small][1]} = "
              f"{totals[large][1] / totals[small][1]:.3f}")
    if pdf:
        print(f"printed statement of {pdf[2]} lines: {pdf[0]:.2f} s, {pdf[1] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
