"""The Simulation environment behaves like one platform, and a status is applied only to its own document.

- Without a simulator URL, the simulated Chorus Pro of a database lives in a file of its filestore
  (``SharedSimulator``): every worker reads the same one, it survives a restart, a Settings administrator
  resets it.
- A status read whose document has another number or another supplier than the invoice is never applied:
  the cron records the error on the transmission, a manual update refuses with the reason.
"""

import tempfile
from datetime import datetime
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

import requests
from odoo import Command
from odoo.addons.l10n_fr_chorus_btp.models import res_company
from odoo.exceptions import AccessError, UserError
from odoo.tests import common as odoo_test_common
from odoo.tests import new_test_user, tagged
from odoo.tools import config as odoo_config

from chorus_pro.config import SIMULATION_BASE_URL
from chorus_pro.simulator import SharedSimulator, seed
from chorus_pro.simulator import clock as simulator_clock

from .test_followup_common import ChorusFollowupCase

DETAILS = "factures/v1/consulter/fournisseur"
HISTORY = "factures/v1/consulter/historique"
#: the simulated platform's clock in these tests
PINNED = datetime(2026, 11, 16, 10, 0, tzinfo=simulator_clock.PARIS)


@tagged("post_install", "-at_install")
class TestStatusOfAnotherDocument(ChorusFollowupCase):
    """An id that designates another document (e.g. handed out again by a simulator started from scratch)."""

    def setUp(self):
        super().setUp()
        self.older, self.newer = self.new_invoice(1000), self.new_invoice(2000)
        self.deposit(self.older | self.newer)
        self.sim.set_invoice_status(int(self.newer.chorus_identifier), "MISE_EN_PAIEMENT")
        # the older invoice's Chorus Pro id now designates the newer invoice
        self.older.chorus_transmission_id.sudo().chorus_invoice_id = self.newer.chorus_identifier

    def test_manual_update_refuses_the_status_of_another_number(self):
        events = len(self.older.chorus_transmission_id.event_ids)
        with self.spy_clients() as spy, self.assertRaises(UserError) as caught:
            self.older.action_chorus_update_status()
        message = str(caught.exception)
        self.assertIn(self.newer.name, message)
        self.assertIn(self.older.name, message)
        self.assertEqual(spy.calls(DETAILS), 1, "read by its id: number and supplier first")
        self.assertEqual(spy.calls(HISTORY), 0, "nothing more is read about another document")
        self.assertEqual(self.older.chorus_status, "DEPOSEE", "never the other invoice's status")
        self.assertEqual(len(self.older.chorus_transmission_id.event_ids), events)
        # its own id again: the update goes through (number and supplier are the invoice's)
        self.newer.action_chorus_update_status()
        self.assertEqual(self.newer.chorus_status, "MISE_EN_PAIEMENT")

    def test_cron_records_the_mismatch_and_updates_the_right_invoice(self):
        self.env["chorus.pro.sync"]._cron_sync()
        older = self.older.chorus_transmission_id
        self.assertEqual(self.newer.chorus_status, "MISE_EN_PAIEMENT", "the document's own invoice is updated")
        self.assertEqual(older.status, "DEPOSEE", "the other one keeps its status")
        self.assertEqual(older.state, "error")
        self.assertIn(self.newer.name, older.last_error)
        self.assertIn(older.last_error, self.chatter_text(self.older).replace("&#39;", "'"))
        messages = len(self.older.message_ids)
        with self.spy_clients() as spy:
            self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(len(self.older.message_ids), messages, "reported once: no longer followed")
        self.assertEqual(spy.calls(), 0, "nothing else to follow")


@tagged("post_install", "-at_install")
class TestStatusOfAnotherSupplier(ChorusFollowupCase):

    def test_a_document_of_another_supplier_is_refused(self):
        move = self.new_invoice(1000)
        self.deposit(move)
        self.sim.set_invoice_status(int(move.chorus_identifier), "SUSPENDUE", "PV manquant")
        # the company's SIRET is no longer the one the document was deposited for (e.g. a database copied
        # for another establishment)
        self.company.company_registry = seed.MOE.siret
        with self.assertRaises(UserError) as caught:
            move.action_chorus_update_status()
        message = str(caught.exception)
        self.assertIn(seed.SUPPLIER.siret, message)
        self.assertIn(seed.MOE.siret, message)
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.env["chorus.pro.sync"]._cron_sync()
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertEqual(move.chorus_transmission_id.state, "error")
        self.assertIn(seed.SUPPLIER.siret, move.chorus_transmission_id.last_error)
        self.assertFalse(self.chorus_activities(move), "no to-do for a suspension that is not this invoice's")


def in_process_send(session, request, **kwargs):
    """The test guard, also letting through the in-process simulator's requests (no socket at all)."""
    if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost", urlsplit(SIMULATION_BASE_URL).hostname):
        raise odoo_test_common.BlockedRequest(f"External requests verboten (was {request.method} {request.url})")
    return odoo_test_common._super_send(session, request, **kwargs)


@tagged("post_install", "-at_install")
class TestDatabasePlatform(ChorusFollowupCase):
    """Simulation without a simulator URL: the simulated Chorus Pro of the database, in a file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(requests.sessions.Session, "send", in_process_send))
        cls.accountant = new_test_user(
            cls.env, login="chorus_accountant_sim", name="Accounting manager (not Settings admin)",
            groups="account.group_account_manager", company_id=cls.company.id)

    def setUp(self):
        super().setUp()
        self.company.chorus_simulator_url = False
        self.startPatcher(patch.object(simulator_clock, "wall_clock", lambda: PINNED))
        folder = Path(tempfile.mkdtemp(prefix="chorus-sim-"))
        self.path = str(folder / res_company.SIMULATOR_STATE_FILE)
        company_class = type(self.env["res.company"])
        self.real_path = company_class._chorus_simulator_path
        self.startPatcher(patch.object(company_class, "_chorus_simulator_path", lambda company: self.path))
        self.startPatcher(patch.dict(res_company._SIMULATORS, clear=True))

    def restart(self):
        """What an Odoo restart (or another worker) does: a new process, no simulator in memory."""
        res_company._SIMULATORS.clear()

    def test_the_platform_is_a_file_of_the_database_one_instance_per_process(self):
        path = self.real_path(self.env["res.company"])
        self.assertEqual(path, f"{odoo_config.filestore(self.env.cr.dbname)}/{res_company.SIMULATOR_STATE_FILE}")
        self.assertIs(self.company._chorus_simulator(), self.company._chorus_simulator())
        self.assertEqual(str(self.company._chorus_simulator().path), self.path)
        self.assertTrue(self.company._chorus_config().in_process)

    def test_qualification_and_production_never_reach_the_simulator(self):
        company_class = type(self.env["res.company"])
        refuse = AssertionError("the simulator on the path of a real platform")
        with patch.object(company_class, "_chorus_simulator", side_effect=refuse):
            for environment in ("qualification", "production"):
                self.company.chorus_environment = environment
                with self.company._chorus_client() as client:
                    self.assertNotIn(SIMULATION_BASE_URL, client.session.adapters)
                    self.assertTrue(client.config.api_base_url.startswith("https://"))

    def test_every_worker_sees_the_same_deposits_also_after_a_restart(self):
        first = self.new_invoice(1000)
        self.deposit(first)
        # another worker (another process: another instance on the same file) sees it
        other_worker = SharedSimulator(self.path)
        with other_worker.session() as platform:
            self.assertEqual(platform.deposit_count(first.name), 1)
            self.assertEqual(platform.invoice(int(first.chorus_identifier)).number, first.name)
            platform.set_invoice_status(int(first.chorus_identifier), "MISE_A_DISPOSITION")
        self.restart()
        second = self.new_invoice(2000)
        self.deposit(second)
        self.assertEqual(int(second.chorus_identifier), int(first.chorus_identifier) + 1,
                         "after a restart the ids go on: never the same Chorus Pro id twice")
        first.action_chorus_update_status()
        self.assertEqual(first.chorus_status, "MISE_A_DISPOSITION", "the status another worker saw")
        with SharedSimulator(self.path).session() as platform:
            self.assertEqual(sorted(d.invoice_number for d in platform.deposits), sorted([first.name, second.name]))

    def test_reset_from_the_settings(self):
        move = self.new_invoice(1000)
        self.deposit(move)
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        with self.assertRaises(AccessError):
            settings.with_user(self.accountant).action_chorus_reset_simulator()
        with SharedSimulator(self.path).session() as platform:
            self.assertEqual(platform.deposit_count(move.name), 1)
        self.env.user.group_ids = [Command.link(self.env.ref("base.group_system").id)]
        action = settings.action_chorus_reset_simulator()
        self.assertEqual(action["params"]["type"], "success")
        with SharedSimulator(self.path).session() as platform:
            self.assertEqual(platform.deposits, [], "the platform starts again from its test data")
        # an invoice sent before the reset: its status update says so, nothing is applied
        with self.assertRaises(UserError):
            move.action_chorus_update_status()
        self.assertEqual(move.chorus_status, "DEPOSEE")
        # a simulator served over HTTP is not this database's
        self.company.chorus_simulator_url = self.server.url
        with self.assertRaises(UserError):
            settings.action_chorus_reset_simulator()
