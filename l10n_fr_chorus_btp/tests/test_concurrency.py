"""Two workers and a user clicking « Transfer to Chorus Pro » at the same time: one deposit per invoice.

Real concurrency needs real transactions: the set-up is committed through separate cursors
(a data set of its own: a French company, a public customer, invoices), three threads each
open their own cursor on the test database, and everything created is removed at the end.
"""

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from unittest.mock import patch

import psycopg2
import requests
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.addons.l10n_fr_chorus_btp.models.chorus_transfer import SENDER_LOCK_SQL
from odoo.orm.environments import Transaction
from odoo.sql_db import connection_info_for
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from chorus_pro.simulator import Simulator, SimulatorServer, seed

from .test_followup_common import IBAN, loopback_send

_logger = logging.getLogger(__name__)

INVOICES = 12
#: a sender process reduced to its lock: it connects, takes the lock a live sender holds, says so, and waits
LOCK_HOLDER = """
import json, sys, time, psycopg2
dsn, sql, transmission_id = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = psycopg2.connect(**dsn)
cursor = connection.cursor()
cursor.execute(sql, [transmission_id])
cursor.execute("SELECT pg_backend_pid()")
print(cursor.fetchone()[0], flush=True)
time.sleep(600)
"""
RETRYABLE = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


@tagged("post_install", "-at_install")
class TestConcurrentTransfers(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(requests.sessions.Session, "send", loopback_send))

    def in_new_transaction(self, func, attempts=8):
        """Run ``func(env)`` in its own committed transaction, retried on serialization failures."""
        for attempt in range(attempts):
            with self.registry.cursor() as cr:
                # the registry is known: looking it up by name would wait for the lock the test runner holds
                cr.transaction = Transaction(self.registry)
                env = api.Environment(cr, SUPERUSER_ID, {})
                try:
                    result = func(env)
                    cr.commit()
                    return result
                except psycopg2.errors.OperationalError as error:
                    cr.rollback()
                    if error.pgcode not in RETRYABLE or attempt == attempts - 1:
                        raise
        return None

    def setUp(self):
        super().setUp()
        self.sim = Simulator()
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.close)
        self.created = self.in_new_transaction(self.create_data)
        self.addCleanup(self.in_new_transaction, self.remove_data)

    # -- committed data set -------------------------------------------------------------------------
    def create_data(self, env):
        eur = env.ref("base.EUR")
        eur.active = True
        company = env["res.company"].create({"name": f"BATI OUEST (concurrence {uuid.uuid4().hex[:8]})",
                                             "currency_id": eur.id,
                                             "country_id": env.ref("base.fr").id})
        env["account.chart.template"].try_loading("fr", company, install_demo=False)
        company.write({
            "company_registry": seed.SUPPLIER.siret, "chorus_environment": "simulation",
            "chorus_simulator_url": self.server.url, "chorus_tech_login": seed.TECH_LOGIN,
            "chorus_tech_password": seed.TECH_PASSWORD, "chorus_piste_client_id": seed.PISTE_CLIENT_ID,
            "chorus_piste_client_secret": seed.PISTE_CLIENT_SECRET,
            "chorus_supplier_structure_identifier": str(seed.SUPPLIER.id),
            "chorus_bank_account_identifier": str(seed.SUPPLIER_BANK_ACCOUNTS[0][0]),
        })
        admin = env.ref("base.user_admin")
        transfer_group = env.ref("l10n_fr_chorus_btp.group_chorus_transfer")
        had_group = transfer_group in admin.group_ids
        admin.write({"company_ids": [Command.link(company.id)], "group_ids": [Command.link(transfer_group.id)]})
        bank = env["res.partner.bank"].create({"acc_number": IBAN, "partner_id": company.partner_id.id,
                                               "company_id": company.id})
        buyer = env["res.partner"].create({
            "name": seed.COMMUNE.name + " (concurrence)", "is_company": True, "company_id": company.id,
            "company_registry": seed.COMMUNE.siret, "chorus_client": True, "chorus_requirement": "service",
        })
        tax = env["account.tax"].search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"),
                                         ("amount", "=", 20), ("amount_type", "=", "percent")], limit=1)
        moves = env["account.move"].with_company(company).create([{
            "move_type": "out_invoice", "company_id": company.id, "partner_id": buyer.id,
            "invoice_date": fields.Date.today(), "partner_bank_id": bank.id, "buyer_reference": "SERV-TECH",
            "invoice_line_ids": [Command.create({"name": "Travaux de voirie", "quantity": 1,
                                                 "price_unit": 1000 + index, "tax_ids": [Command.set(tax.ids)]})],
        } for index in range(INVOICES)])
        moves.action_post()
        moves.with_user(admin).with_company(company).action_chorus_transfer()
        return {"company": company.id, "moves": moves.ids, "partners": (buyer | company.partner_id).ids,
                "names": moves.mapped("name"), "had_group": had_group}

    def remove_data(self, env):
        ids = self.created
        moves = env["account.move"].browse(ids["moves"])
        cr = env.cr
        cr.execute("DELETE FROM mail_message WHERE model = 'account.move' AND res_id = ANY(%s)", [ids["moves"]])
        cr.execute("DELETE FROM mail_activity WHERE res_model = 'account.move' AND res_id = ANY(%s)", [ids["moves"]])
        cr.execute("DELETE FROM ir_attachment WHERE res_model = 'account.move' AND res_id = ANY(%s)", [ids["moves"]])
        cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [moves.ids])
        company = env["res.company"].browse(ids["company"])
        admin = env.ref("base.user_admin")
        admin.write({"company_ids": [Command.unlink(company.id)]})
        # the company stays (its chart cannot be removed) but is no longer a Chorus Pro sender
        company.write({"company_registry": False, "chorus_supplier_structure_identifier": False,
                       "chorus_simulator_url": False, "chorus_tech_login": False})
        if not ids["had_group"]:
            admin.write({"group_ids": [Command.unlink(env.ref("l10n_fr_chorus_btp.group_chorus_transfer").id)]})

    # -- the race ---------------------------------------------------------------------------------------
    def test_two_workers_and_a_user_deposit_each_invoice_once(self):
        ids = self.created
        start = threading.Barrier(3)
        outcomes = {"worker": [], "user": [], "errors": []}

        def worker():
            start.wait(timeout=30)
            for _round in range(6):  # bounded: a few cron runs each
                sent = self.in_new_transaction(lambda env: env["chorus.pro.transfer"]._cron_send_queued())
                outcomes["worker"].append(sent)

        def user():
            start.wait(timeout=30)
            for _round in range(4):
                def click(env):
                    admin = env.ref("base.user_admin")
                    moves = env["account.move"].browse(ids["moves"]).with_user(admin).with_company(ids["company"])
                    try:
                        moves.action_chorus_transfer()
                        return "queued"
                    except Exception as error:  # noqa: BLE001 - the user reads the message
                        if isinstance(error, psycopg2.errors.OperationalError):
                            raise
                        return type(error).__name__
                outcomes["user"].append(self.in_new_transaction(click))

        def guarded(target):
            def run():
                try:
                    target()
                except Exception as error:  # noqa: BLE001 - reported by the main thread
                    _logger.exception("concurrency test thread failed")
                    outcomes["errors"].append(repr(error))
            return run

        threads = [threading.Thread(target=guarded(t)) for t in (worker, worker, user)]
        # serialization failures are expected here, and retried: keep them out of the error log
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
        self.assertFalse(any(t.is_alive() for t in threads), "threads ended")
        self.assertEqual(outcomes["errors"], [])

        # whatever the user's clicks left queued is sent by one more run
        self.in_new_transaction(lambda env: env["chorus.pro.transfer"]._cron_send_queued())
        counts = {name: self.sim.deposit_count(name) for name in ids["names"]}
        summary = (f"concurrency: {INVOICES} invoices, workers sent {outcomes['worker']}, user clicks "
                   f"{outcomes['user']}, deposits per invoice {sorted(set(counts.values()))}")
        _logger.info(summary)
        print(summary)  # noqa: T201
        self.assertEqual(set(counts.values()), {1}, counts)

        def states(env):
            return {m.name: (m.chorus_state, m.chorus_identifier) for m in env["account.move"].browse(ids["moves"])}
        final = self.in_new_transaction(states)
        for name, (state, identifier) in final.items():
            self.assertEqual(state, "deposited", name)
            self.assertEqual(identifier, str(self.sim.invoices_by_number(name)[0].id), name)

    # -- a live sender, a dead sender -------------------------------------------------------------------
    def test_live_sender_is_left_alone_and_dead_sender_recognised_at_once(self):
        """While a deposit is in flight its transmission is never taken over; once its worker dies, the next
        run searches it on Chorus Pro at once (no waiting period) and never deposits it twice."""
        ids = self.created
        transfer_class = type(self.env["chorus.pro.transfer"])
        real_deposit = transfer_class._deposit
        in_flight, release = threading.Event(), threading.Event()
        outcome = {}

        class WorkerKilled(BaseException):
            """The process died: nothing in the add-on catches it."""

        def slow_then_dying_deposit(transfer, transmission, client):
            real_deposit(transfer, transmission, client)  # Chorus Pro has it
            in_flight.set()
            release.wait(timeout=30)
            raise WorkerKilled()  # ... and the worker dies before recording it

        def worker():
            try:
                self.in_new_transaction(lambda env: env["chorus.pro.transfer"]._cron_send_queued(limit=1))
            except WorkerKilled:
                outcome["killed"] = True

        with patch.object(transfer_class, "_deposit", slow_then_dying_deposit):
            thread = threading.Thread(target=worker)
            thread.start()
            self.assertTrue(in_flight.wait(timeout=60), "the deposit started")

            def recover(env):
                env["chorus.pro.transfer"]._recover_abandoned()
                sending = env["chorus.pro.transmission"].search([("move_id", "in", ids["moves"]),
                                                                 ("state", "=", "sending")])
                return sending.move_id.mapped("name")
            # the sender is alive: its transmission stays where it is
            in_flight_names = self.in_new_transaction(recover)
            self.assertEqual(len(in_flight_names), 1)
            release.set()
            thread.join(timeout=60)
        self.assertTrue(outcome.get("killed"))
        name = in_flight_names[0]
        self.assertEqual(self.sim.deposit_count(name), 1)
        # the worker is gone: the very next run searches the transmission and records it, without a deposit
        self.in_new_transaction(lambda env: env["chorus.pro.transfer"]._cron_send_queued())

        def state_of(env):
            move = env["account.move"].search([("id", "in", ids["moves"]), ("name", "=", name)])
            return move.chorus_state, move.chorus_identifier
        state, identifier = self.in_new_transaction(state_of)
        self.assertEqual(state, "deposited")
        self.assertEqual(identifier, str(self.sim.invoices_by_number(name)[0].id))
        self.assertEqual({self.sim.deposit_count(n) for n in ids["names"]}, {1})

    def test_killed_sender_process_is_recognised_at_the_next_run(self):
        """A real process holds the sender's lock while "its" deposit is in flight, and is killed (SIGKILL): the
        next run finds the transmission at once on Chorus Pro, records it, and deposits nothing again."""
        ids = self.created
        name = ids["names"][0]

        def deposit_without_recording(env):
            transmission = env["account.move"].browse(ids["moves"][0]).chorus_transmission_id
            transmission.write({"state": "sending", "send_started": fields.Datetime.now()})
            with transmission.company_id._chorus_client() as client:
                env["chorus.pro.transfer"]._deposit(transmission, client)  # Chorus Pro has it, Odoo not yet
            return transmission.id
        transmission_id = self.in_new_transaction(deposit_without_recording)
        self.assertEqual(self.sim.deposit_count(name), 1)

        _database, dsn = connection_info_for(self.env.cr.dbname)
        holder = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-c", LOCK_HOLDER, json.dumps(dsn), SENDER_LOCK_SQL, str(transmission_id)],
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: holder.poll() is not None or holder.kill())
        backend_pid = int(holder.stdout.readline())

        def run_and_read(env):
            env["chorus.pro.transfer"]._cron_send_queued()
            return env["chorus.pro.transmission"].browse(transmission_id).state
        self.assertEqual(self.in_new_transaction(run_and_read), "sending",
                         "a live sender's transmission is left alone")

        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        # PostgreSQL ends the dead process's session as soon as it sees the connection closed
        for _attempt in range(100):
            if not self.in_new_transaction(lambda env: env.cr.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]) or env.cr.fetchone()):
                break
            time.sleep(0.1)
        self.assertEqual(self.in_new_transaction(run_and_read), "deposited",
                         "the very next run recognises the dead sender, with no waiting period")
        self.assertEqual(self.sim.deposit_count(name), 1, "found on Chorus Pro, not deposited twice")
