"""Shared set-up: a French company configured on a Chorus Pro simulator served over real HTTP (127.0.0.1)."""

from datetime import timedelta
from xmlrpc.client import Fault

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user

from chorus_pro.simulator import Simulator, SimulatorServer
from chorus_pro.simulator import seed as sim_seed

IBAN = "FR7630006000011234567890189"


class ClientTimeouts:
    """For an Odoo test case: Odoo's guard on outgoing requests compares the timeout with a number; the client
    gives (connect, read)."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        timeout = kw.get("timeout")
        if isinstance(timeout, tuple):
            kw["timeout"] = max(t for t in timeout if t)
        return super()._request_handler(s, r, **kw)


class ChorusCommon(ClientTimeouts, AccountTestInvoicingCommon):
    """Company = the simulator's seeded supplier; public customers = the seeded buyers."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        fr = env["res.lang"]._activate_lang("fr_FR")
        env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_btp"], [fr.code])
        cls.company = cls.company_data["company"]
        cls.company.write({
            "company_registry": sim_seed.SUPPLIER.siret,
            "chorus_environment": "simulation",
            "chorus_auto_transfer": True,
            "chorus_start_date": fields.Date.from_string("2020-01-01"),
        })
        # these tests follow works documents through the sender's API deposit (confirmed once, as a person with
        # the transfer right would); the portal and flux modes are tested in test_works_deposit_modes.py
        cls.company.sudo().write({"chorus_works_deposit_mode": "api", "chorus_works_experimental_confirmed": True})
        cls.bank_account = env["res.partner.bank"].create({
            "acc_number": IBAN,
            "partner_id": cls.company.partner_id.id,
            "allow_out_payment": True,
        })
        cls.group_transfer = env.ref("l10n_fr_chorus_btp.group_chorus_transfer")
        cls.group_admin = env.ref("l10n_fr_chorus_btp.group_chorus_admin")
        # the user running the tests may transfer invoices
        env.user.group_ids = [Command.link(cls.group_transfer.id)]
        env.user.lang = "fr_FR"
        cls.env = env(context=dict(env.context, lang="fr_FR"))
        cls.clerk = new_test_user(
            cls.env, login="chorus_clerk", name="Invoicing clerk without transfer right",
            groups="account.group_account_invoice", company_id=cls.company.id, lang="fr_FR", password="chorus_clerk")
        cls.commune = cls._chorus_partner(sim_seed.COMMUNE, requirement="service")
        cls.departement = cls._chorus_partner(sim_seed.DEPARTEMENT, requirement="ej")
        cls.hopital = cls._chorus_partner(sim_seed.HOPITAL, requirement="service_and_ej")
        cls.oph = cls._chorus_partner(sim_seed.OPH)
        cls.moe = cls.env["res.partner"].create({"name": sim_seed.MOE.name, "is_company": True,
                                                 "company_registry": sim_seed.MOE.siret})
        cls.private_customer = cls.env["res.partner"].create({"name": "SARL Particulier", "is_company": True})
        cls.serv_tech = cls.commune.chorus_service_ids.filtered(lambda s: s.code == "SERV-TECH")

    @classmethod
    def _chorus_partner(cls, structure, requirement="none"):
        """A Chorus Pro client as the directory check would store it (no call needed)."""
        return cls.env["res.partner"].create({
            "name": structure.name,
            "is_company": True,
            "company_registry": structure.siret,
            "chorus_client": True,
            "chorus_structure_identifier": str(structure.id),
            "chorus_requirement": requirement,
            "chorus_service_ids": [Command.create({
                "code": service.code, "name": service.name, "chorus_identifier": str(service.id),
                "active": service.active, "ej_required": service.ej_required,
            }) for service in structure.services],
        })

    def setUp(self):
        super().setUp()
        # one simulator per test: invoice numbers restart in every test (rolled back)
        self.sim = Simulator()
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.close)
        self.company.chorus_simulator_url = self.server.url

    # -- helpers ---------------------------------------------------------------------------------
    def make_invoice(self, partner=None, post=False, user=None, market=None, amount=1000.0, move_type="out_invoice",
                     invoice_date="2026-03-15", **vals):
        partner = partner or self.commune
        values = {
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "partner_bank_id": self.bank_account.id if move_type == "out_invoice" else False,
            "invoice_line_ids": [Command.create({
                "name": "Travaux de voirie",
                "quantity": 1,
                "price_unit": amount,
                "tax_ids": [Command.set(self.tax_sale_a.ids)],
            })],
        }
        if market:
            values["chorus_market_id"] = market.id
        if partner == self.commune and not market and "buyer_reference" not in vals:
            values["buyer_reference"] = "SERV-TECH"
        values.update(vals)
        env = self.env(user=user) if user else self.env
        move = env["account.move"].with_company(self.company).create(values)
        if post:
            move.action_post()
        return move

    def make_market(self, **vals):
        values = {
            "name": "2026-SRV-001",
            "title": "Entretien des bâtiments communaux",
            "partner_id": self.commune.id,
            "service_id": self.serv_tech.id,
            "kind": "services",
            "role": "titulaire",
            "company_id": self.company.id,
        }
        values.update(vals)
        return self.env["chorus.pro.market"].create(values)

    def run_sender(self, **kwargs):
        return self.env["chorus.pro.transfer"]._cron_send_queued(**kwargs)

    def make_due(self, moves):
        """The backoff delays elapse (minutes in real life): queued transmissions are due now."""
        moves.chorus_transmission_id.filtered(lambda t: t.next_attempt).sudo().write(
            {"next_attempt": fields.Datetime.now() - timedelta(seconds=1)})


class AdminInTheCompany:
    """Browser tours log in as ``admin``: make him a Chorus Pro administrator working in the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        admin.write({"company_id": cls.company.id, "company_ids": [Command.link(cls.company.id)],
                     "group_ids": [Command.link(cls.env.ref("l10n_fr_chorus_btp.group_chorus_admin").id)]})


class RpcCalls:
    """The two RPC flavours, for an HttpCase: a user who logs in with his login as password calls a method;
    the test's own records are flushed before and read afresh after."""

    def json_call(self, login, model, method, *args, **kwargs):
        """JSON-RPC as the web client sends it; returns the result or the error's exception name."""
        self.authenticate(login, login)
        self.env.flush_all()
        response = self.url_open(f"/web/dataset/call_kw/{model}/{method}", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        })
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        if "error" in answer:
            return answer["error"]["data"]["name"].rsplit(".", 1)[-1]
        return answer.get("result")  # a method that returns None: no "result" key

    def xml_call(self, login, model, method, *args, **kwargs):
        """XML-RPC as an external script calls Odoo; returns the result or the Fault's text."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, login, {})
        self.assertTrue(uid, f"{login} logs in")
        self.env.flush_all()
        try:
            return self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, login, model, method, list(args), kwargs)
        except Fault as fault:
            # Odoo's XML-RPC fault codes: 4 access error, 3 access denied, 2 user error, 1 anything else
            kind = {4: "AccessError", 3: "AccessDenied", 2: "UserError"}.get(fault.faultCode, "")
            return f"{kind}: {fault.faultString}"
        finally:
            self.env.invalidate_all()

    def assertRefused(self, answer, kind="AccessError"):
        self.assertIsInstance(answer, str, f"expected a refusal, got {answer!r}")
        self.assertIn(kind, answer)

