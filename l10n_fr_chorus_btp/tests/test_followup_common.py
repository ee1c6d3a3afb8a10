"""Shared set-up of the follow-up tests: a French company pointed at a simulator served over HTTP.

Invoices are posted through the add-on (preflight included) and deposited on the simulator
with the add-on's own mapping (``_chorus_build_invoice``) and the real client, so the
follow-up is tested against what the sender really produces.
"""

from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import requests
from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import common as odoo_test_common

from chorus_pro.documents import Attachment, DepositMode
from chorus_pro.simulator import Simulator, SimulatorServer, seed

IBAN = "FR1420041010050500013M02606"


def loopback_send(session, request, **kwargs):
    """Odoo's test guard stretches short timeouts to 10 s and rejects ``(connect, read)`` tuples;
    the simulator is on 127.0.0.1 only, so keep the guard's rule and the client's own timeouts."""
    if urlsplit(request.url).hostname not in ("127.0.0.1", "localhost"):
        raise odoo_test_common.BlockedRequest(f"External requests verboten (was {request.method} {request.url})")
    return odoo_test_common._super_send(session, request, **kwargs)


class ClientSpy:
    """Every client the add-on creates while active, to count the HTTP calls per operation."""

    def __init__(self):
        self.clients = []

    def __repr__(self):
        return repr([(c.stats.by_operation, c.stats.retries, c.stats.token_requests) for c in self.clients])

    def calls(self, operation=None):
        """Operations called (HTTP requests minus retries and token replays)."""
        if operation is None:
            return sum(c.stats.http_requests - c.stats.retries for c in self.clients)
        return sum(c.stats.by_operation.get(operation, {}).get("http_requests", 0)
                   - c.stats.by_operation.get(operation, {}).get("retries", 0) for c in self.clients)


class ChorusFollowupCase(AccountTestInvoicingCommon):
    #: extra arguments of the simulator
    simulator_options = {}

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(patch.object(requests.sessions.Session, "send", loopback_send))
        cls.company = cls.company_data["company"]
        cls.company.write({
            "company_registry": seed.SUPPLIER.siret,
            "chorus_environment": "simulation",
            "chorus_tech_login": seed.TECH_LOGIN,
            "chorus_tech_password": seed.TECH_PASSWORD,
            "chorus_piste_client_id": seed.PISTE_CLIENT_ID,
            "chorus_piste_client_secret": seed.PISTE_CLIENT_SECRET,
            "chorus_supplier_structure_identifier": str(seed.SUPPLIER.id),
            "chorus_bank_account_identifier": str(seed.SUPPLIER_BANK_ACCOUNTS[0][0]),
            "chorus_referent_email": "referent@bati-ouest.example",
        })
        cls.env.user.group_ids = [Command.link(cls.env.ref("l10n_fr_chorus_btp.group_chorus_admin").id)]
        cls.bank = cls.env["res.partner.bank"].create({
            "acc_number": IBAN, "partner_id": cls.company.partner_id.id, "company_id": cls.company.id,
        })
        cls.buyer = cls.env["res.partner"].create({
            "name": seed.COMMUNE.name, "is_company": True, "company_registry": seed.COMMUNE.siret,
            "country_id": cls.env.ref("base.fr").id, "chorus_client": True,
            "chorus_structure_identifier": str(seed.COMMUNE.id), "chorus_requirement": "service",
        })
        cls.journal = cls.company_data["default_journal_sale"]

    def setUp(self):
        super().setUp()
        # a simulator per test: invoice numbers start again in every test (its transaction is rolled back)
        self.sim = Simulator(**self.simulator_options)
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.close)
        self.company.chorus_simulator_url = self.server.url

    # -- invoices --------------------------------------------------------------------------------
    def new_invoice(self, amount=1000.0, partner=None, post=True, **values):
        move = self.env["account.move"].create({
            "move_type": "out_invoice",
            "company_id": self.company.id,
            "partner_id": (partner or self.buyer).id,
            "invoice_date": fields.Date.today(),
            "partner_bank_id": self.bank.id,
            "buyer_reference": "SERV-TECH",
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "price_unit": amount,
                                                 "tax_ids": [Command.set(self.tax_sale_a.ids)]})],
            **values,
        })
        if post:
            move.action_post()
        return move

    def deposit(self, moves):
        """Deposit each posted invoice on the simulator as the sender would, and record it."""
        ids = []
        with self.company._chorus_client() as client:
            for move in moves:
                invoice = move._chorus_build_invoice(with_pdf=False)
                # a tiny PDF instead of the rendered report: the follow-up does not look at it
                invoice.main_pdf = Attachment(f"{move.name.replace('/', '-')}.pdf", b"%PDF-1.4\n% test\n")
                result = client.deposits.send(invoice, supplier_structure_id=seed.SUPPLIER.id,
                                              mode=DepositMode.PDF)
                self.record_deposit(move, result)
                ids.append(result.invoice_id)
        return ids

    def record_deposit(self, move, result):
        """Record a deposit on the invoice's transmission exactly as the sender does."""
        transmission = move.chorus_transmission_id or self.env["chorus.pro.transmission"].sudo().create({
            "move_id": move.id, "company_id": move.company_id.id, "document_number": move.name,
            "cadre": move.chorus_cadre, "state": "sending", "queued_by_id": self.env.uid})
        transmission._record_deposit(result)
        return transmission

    def make_due(self, moves):
        """The backoff delays elapse (minutes in real life): queued transmissions are due now."""
        moves.chorus_transmission_id.filtered(lambda t: t.next_attempt).sudo().write(
            {"next_attempt": fields.Datetime.now() - timedelta(seconds=1)})

    def sim_status(self, move):
        return self.sim.invoice(int(move.chorus_identifier)).status

    # -- observation -------------------------------------------------------------------------------
    @contextmanager
    def spy_clients(self):
        spy = ClientSpy()
        company_class = type(self.env["res.company"])
        original = company_class._chorus_client

        def spied(company):
            client = original(company)
            if company == self.company:  # other companies of the database are not under test
                spy.clients.append(client)
            return client
        with patch.object(company_class, "_chorus_client", spied):
            yield spy

    @contextmanager
    def fast_client(self, read_timeout=0.3, max_attempts=3):
        """Short timeouts and backoff: the fault tests stay quick (same client, smaller knobs)."""
        company_class = type(self.env["res.company"])
        original = company_class._chorus_config

        def quick(company):
            return replace(original(company), connect_timeout=1.0, read_timeout=read_timeout,
                           max_attempts=max_attempts, backoff_base=0.01, backoff_max=0.05)
        with patch.object(company_class, "_chorus_config", quick):
            yield

    def chatter_text(self, move):
        return "\n".join(move.message_ids.mapped("body"))

    def chorus_activities(self, record):
        activity_type = self.env.ref("l10n_fr_chorus_btp.mail_activity_type_chorus")
        return record.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)


class WorksFollowupCase(ChorusFollowupCase):
    """A public works market of the simulator's OPH (titulaire; the simulator's MOE as project manager)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.oph = Partner.create({
            "name": seed.OPH.name, "is_company": True, "company_registry": seed.OPH.siret, "chorus_client": True,
            "chorus_structure_identifier": str(seed.OPH.id), "chorus_requirement": "none",
            "country_id": cls.env.ref("base.fr").id,
        })
        cls.moe = Partner.create({"name": seed.MOE.name, "is_company": True, "company_registry": seed.MOE.siret,
                                  "country_id": cls.env.ref("base.fr").id})
        cls.market = cls.env["chorus.pro.market"].create({
            "name": "2026-TX-017", "title": "Réhabilitation de 24 logements", "partner_id": cls.oph.id,
            "company_id": cls.company.id, "kind": "works", "role": "titulaire",
            "moe_partner_id": cls.moe.id, "moa_partner_id": cls.oph.id,
        })
