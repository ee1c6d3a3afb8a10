#!/usr/bin/env python3
"""Check by hand that the Simulation environment is one platform for a multi-worker Odoo, also after a restart.

Needs a database where l10n_fr_chorus_btp is installed with its demo data (the demo company is on Simulation,
its posted invoices queued), e.g.::

    PYTHONPATH=. python3 /opt/odoo19/odoo-bin -d chorus_sim --db_host 127.0.0.1 --db_user root \\
        --addons-path /opt/odoo19/addons,/opt/odoo19/odoo/addons,. --data-dir /tmp/chorus-sim-data \\
        -i l10n_fr_chorus_btp --with-demo --stop-after-init
    python3 tools/check_simulation_workers.py --db chorus_sim --data-dir /tmp/chorus-sim-data --port 8300

What it does (every step printed, with the process ids of the Odoo log lines that matter):

1. starts Odoo with ``--workers=2`` (HTTP workers) and its cron worker; the cron worker deposits the queued
   demo invoices on the simulated Chorus Pro;
2. over XML-RPC (an HTTP worker), "Update the Chorus status" of those invoices: read from the platform the
   cron worker wrote to;
3. a new invoice, posted and sent by running the sender from an HTTP worker ("Run manually");
4. a third process changes statuses on the platform (the state file); the cron worker's status
   synchronisation applies them;
5. stops Odoo, starts it again: every invoice is still found with its number, and a new one gets the next
   Chorus Pro id (never one already handed out).

Exit status 0 when every check holds.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chorus_pro.simulator import SharedSimulator  # noqa: E402

STATE_FILE = "chorus_pro_simulator.json"


class Odoo:
    def __init__(self, args):
        self.args = args
        self.url = f"http://127.0.0.1:{args.port}"
        self.process = None
        self.uid = None

    def start(self):
        log = open(self.args.log, "a")  # noqa: SIM115 - kept open for the server's lifetime
        command = [sys.executable, self.args.odoo_bin, "-d", self.args.db, "--db-filter", f"^{self.args.db}$",
                   "--db_host", "127.0.0.1", "--db_user", "root", "--data-dir", self.args.data_dir,
                   "--addons-path", f"/opt/odoo19/addons,/opt/odoo19/odoo/addons,{REPO}",
                   "--workers=2", "--max-cron-threads=1", "--http-port", str(self.args.port),
                   # a first PDF (assets generated) on a busy machine takes longer than the default 120 s
                   "--limit-time-real-cron=0", "--limit-time-real=600", "--limit-time-cpu=600"]
        print("$ PYTHONPATH=%s %s" % (REPO, " ".join(command)), flush=True)
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                        env=dict(os.environ, PYTHONPATH=str(REPO)))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                self.uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(
                    self.args.db, self.args.login, self.args.password, {})
                if self.uid:
                    print(f"  Odoo up, master pid {self.process.pid}", flush=True)
                    return
            except (OSError, xmlrpc.client.Error):
                pass
            time.sleep(2)
        raise SystemExit("Odoo did not start: see " + self.args.log)

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=120)
        print(f"  Odoo stopped (pid {self.process.pid})", flush=True)

    def call(self, model, method, *args, **kwargs):
        proxy = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.args.db, self.uid, self.args.password, model, method, list(args), kwargs)

    def xmlid(self, name):
        (row,) = self.call("ir.model.data", "search_read", [("module", "=", "l10n_fr_chorus_btp"),
                                                            ("name", "=", name)], ["res_id"])
        return row["res_id"]

    def transmissions(self):
        return self.call("chorus.pro.transmission", "search_read", [], ["move_id", "document_number", "state",
                                                                        "chorus_invoice_id", "status", "last_error"],
                         order="id")

    def wait_for(self, what, condition, timeout=240):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.transmissions()
            if condition(rows):
                return rows
            time.sleep(3)
        raise SystemExit(f"timed out waiting for {what}: {self.transmissions()}")


def show(rows):
    for row in rows:
        print(f"    {row['document_number']:<16} id {row['chorus_invoice_id'] or '-':<8} {row['state']:<12} "
              f"{row['status'] or '':<22} {row['last_error'] or ''}", flush=True)


def deposited(rows):
    return rows and all(r["chorus_invoice_id"] for r in rows)


def new_invoice(odoo):
    """A copy of a demo invoice, posted today (queued by the automatic transfer)."""
    (template,) = odoo.call("account.move", "search", [("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                                                       ("chorus_transmission_id", "!=", False)], limit=1)
    (move,) = odoo.call("account.move", "copy", [template], {"invoice_date": datetime.now().strftime("%Y-%m-%d")})
    odoo.call("account.move", "action_post", [move])
    return move


def log_lines(path, since, words):
    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[since:]
    return [line for line in lines if any(word in line for word in words)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--odoo-bin", default="/opt/odoo19/odoo-bin")
    parser.add_argument("--log", default="/tmp/check_simulation_workers.log")
    args = parser.parse_args(argv)
    state = Path(args.data_dir) / "filestore" / args.db / STATE_FILE
    odoo = Odoo(args)
    failures = []

    def check(condition, text):
        print(f"  [{'ok' if condition else 'FAILED'}] {text}", flush=True)
        if not condition:
            failures.append(text)

    try:
        return run_checks(args, odoo, state, failures, check)
    finally:
        if odoo.process is not None and odoo.process.poll() is None:
            odoo.stop()


def run_checks(args, odoo, state, failures, check):
    print("1. Odoo with two HTTP workers and a cron worker; the cron worker deposits the queued invoices", flush=True)
    mark = len(Path(args.log).read_text(errors="replace").splitlines()) if Path(args.log).exists() else 0
    odoo.start()
    rows = odoo.wait_for("the cron worker's deposits", deposited)
    show(rows)
    for line in log_lines(args.log, mark, ("Chorus Pro invoice transfer", "Job 'Chorus")):
        print("    log:", line[:160])

    print("2. An HTTP worker reads them: Update the Chorus status", flush=True)
    moves = [r["move_id"][0] for r in rows]
    answer = odoo.call("account.move", "action_chorus_update_status", moves)
    print("    ", answer["params"]["message"], flush=True)
    check(answer["params"]["type"] == "success", "every invoice the cron worker deposited is found by an HTTP worker")

    print("3. A new invoice sent by running the sender from an HTTP worker", flush=True)
    count = len(rows)
    new_invoice(odoo)
    try:
        odoo.call("ir.cron", "method_direct_trigger", [odoo.xmlid("ir_cron_chorus_send")])
    except xmlrpc.client.Fault as fault:  # the cron worker, woken up by the posting, is sending it already
        print("    the sender runs in the cron worker already:", fault.faultString.strip().splitlines()[-1][:120])
    rows = odoo.wait_for("the new deposit", lambda rs: len(rs) == count + 1 and deposited(rs))
    show(rows)
    with SharedSimulator(state).session() as platform:
        numbers = sorted(d.invoice_number for d in platform.deposits)
    check(numbers == sorted(r["document_number"] for r in rows),
          f"the state file {state} holds every deposit, whichever process made it: {numbers}")

    print("4. Another process changes statuses; the cron worker's synchronisation applies them", flush=True)
    with SharedSimulator(state).session() as platform:
        for row in rows:
            platform.set_invoice_status(int(row["chorus_invoice_id"]), "MISE_A_DISPOSITION")
    sync = odoo.xmlid("ir_cron_chorus_sync")
    odoo.call("ir.cron", "write", [sync], {"nextcall": (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime(
        "%Y-%m-%d %H:%M:%S")})
    mark = len(Path(args.log).read_text(errors="replace").splitlines())
    rows = odoo.wait_for("the cron worker's status sync", lambda rs: all(r["status"] == "MISE_A_DISPOSITION"
                                                                          for r in rs), timeout=180)
    show(rows)
    for line in log_lines(args.log, mark, ("Job 'Chorus",)):
        print("    log:", line[:160])
    check(True, "the cron worker saw the statuses set by another process")

    print("5. Restart: the same platform, ids going on", flush=True)
    odoo.stop()
    odoo.start()
    answer = odoo.call("account.move", "action_chorus_update_status", [r["move_id"][0] for r in rows])
    print("    ", answer["params"]["message"], flush=True)
    check(answer["params"]["type"] == "success", "after the restart every invoice is found with its number")
    last = max(int(r["chorus_invoice_id"]) for r in rows)
    count = len(rows)
    new_invoice(odoo)
    rows = odoo.wait_for("the deposit after the restart", lambda rs: len(rs) == count + 1 and deposited(rs))
    show(rows)
    ids = [int(r["chorus_invoice_id"]) for r in rows]
    check(max(ids) == last + 1 and len(set(ids)) == len(ids),
          f"the deposit after the restart got the next id ({max(ids)}), no id twice")
    print("all checks passed" if not failures else f"{len(failures)} check(s) failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
