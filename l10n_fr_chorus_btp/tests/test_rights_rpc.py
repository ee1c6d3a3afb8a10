"""Rights over real RPC (JSON-RPC and XML-RPC), as the web client and scripts call Odoo.

A user of the invoicing group without the right "Invoice transfer" tries every path that could lead to a
deposit; a user of another company tries to read, queue or send what is not his; a user who is not a
Settings administrator tries to read the secrets.  Every attempt is refused, and nothing reaches Chorus Pro.
"""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ChorusCommon, RpcCalls

SECRET_PASSWORD = "Tr3s-Secret-Passw0rd!"
SECRET_PISTE = "piste-secret-0f1e2d3c"


@tagged("post_install", "-at_install", "chorus_pro")
class TestRightsOverRpc(RpcCalls, ChorusCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env, login="chorus_accountant_rpc", password="chorus_accountant_rpc",
            name="Accounting manager (not a Settings administrator)",
            groups="account.group_account_manager,base.group_allow_export",
            company_id=cls.company.id)
        other = cls.setup_other_company(name="AUTRE ENTREPRISE BTP")["company"]
        cls.other_company = other
        cls.outsider = new_test_user(
            cls.env, login="chorus_outsider", password="chorus_outsider",
            name="Accountant of another company (holds the transfer right there)",
            groups="account.group_account_manager,l10n_fr_chorus_btp.group_chorus_transfer",
            company_id=other.id, company_ids=[Command.set(other.ids)])

    def assertNothingSent(self, *moves):
        self.assertEqual(self.run_sender(), 0)
        for move in moves:
            self.assertEqual(self.sim.deposit_count(move.name), 0, move.name)

    def clerks_invoice(self):
        self.company.chorus_auto_transfer = True
        move = self.make_invoice(user=self.clerk)
        move.with_user(self.clerk).action_post()
        self.assertEqual(move.chorus_state, "to_transfer", "posted by a user without the right: it waits")
        return move

    # -- the right "Invoice transfer" -------------------------------------------------------------------
    def test_clerk_cannot_queue_by_writing_fields(self):
        move = self.clerks_invoice()
        for values in ({"chorus_state": "to_send"}, {"chorus_identifier": "123"},
                       {"chorus_queued_by_id": self.env.user.id}, {"chorus_send_attempts": 0}):
            self.assertRefused(self.json_call("chorus_clerk", "account.move", "write", move.ids, values))
            self.assertRefused(self.xml_call("chorus_clerk", "account.move", "write", move.ids, values))
        # a fresh invoice carrying the sender's fields from the start
        self.assertRefused(self.json_call("chorus_clerk", "account.move", "create", {
            "move_type": "out_invoice", "partner_id": self.commune.id, "chorus_state": "to_send"}))
        self.assertRefused(self.json_call("chorus_clerk", "chorus.pro.transmission", "create",
                                          {"move_id": move.id, "company_id": self.company.id}))
        self.assertRefused(self.xml_call("chorus_clerk", "chorus.pro.transmission", "create",
                                         {"move_id": move.id, "company_id": self.company.id}))
        move.invalidate_recordset()
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertNothingSent(move)

    def test_clerk_cannot_transfer_by_any_action(self):
        move = self.clerks_invoice()
        self.assertRefused(self.json_call("chorus_clerk", "account.move", "action_chorus_transfer", move.ids))
        self.assertRefused(self.xml_call("chorus_clerk", "account.move", "action_chorus_transfer", move.ids))
        # the queueing function itself is private: never callable over RPC
        self.assertRefused(self.xml_call("chorus_clerk", "chorus.pro.transmission", "_queue_moves", [], move.ids,
                                         "button"), kind="Private methods")
        # the list action (a server action restricted to the right)
        action = self.env.ref("l10n_fr_chorus_btp.action_server_chorus_transfer")
        self.assertRefused(self.json_call("chorus_clerk", "ir.actions.server", "run", action.ids,
                                          context={"active_model": "account.move", "active_ids": move.ids}))
        # the confirmation wizard of invoices dated before the start date
        self.assertRefused(self.json_call("chorus_clerk", "chorus.pro.transfer.confirm.wizard", "create",
                                          {"move_ids": [Command.set(move.ids)]}))
        # the follow-up wizards
        for wizard in ("chorus.pro.complete.wizard", "chorus.pro.recycle.wizard", "chorus.pro.validator.wizard",
                       "chorus.pro.rejection.wizard"):
            self.assertRefused(self.json_call("chorus_clerk", wizard, "create", {"move_id": move.id}))
        self.assertNothingSent(move)

    def test_clerk_cannot_send_through_send_and_print(self):
        move = self.clerks_invoice()
        # the single-invoice wizard, with Chorus Pro ticked by hand: refused when sending
        wizard_id = self.json_call("chorus_clerk", "account.move.send.wizard", "create", {
            "move_id": move.id, "sending_method_checkboxes": {"chorus_pro": {"checked": True}}},
            context={"active_model": "account.move", "active_ids": move.ids})
        self.assertIsInstance(wizard_id, int)
        self.assertRefused(self.json_call("chorus_clerk", "account.move.send.wizard", "action_send_and_print",
                                          [wizard_id]), kind="UserError")
        # the background batch: sent by Odoo's scheduled action in the clerk's name, so without Chorus Pro
        other = self.make_invoice(user=self.clerk, amount=250.0)
        other.with_user(self.clerk).action_post()
        batch_id = self.json_call("chorus_clerk", "account.move.send.batch.wizard", "create", {},
                                  context={"active_model": "account.move", "active_ids": (move + other).ids})
        self.assertIsInstance(batch_id, int)
        self.json_call("chorus_clerk", "account.move.send.batch.wizard", "action_send_and_print", [batch_id])
        self.env["account.move.send"].sudo()._generate_and_send_invoices(move + other, from_cron=True)
        self.assertEqual((move + other).mapped("chorus_state"), ["to_transfer", "to_transfer"])
        self.assertNothingSent(move, other)

    def test_clerk_cannot_send_in_the_name_of_a_user_with_the_right(self):
        move = self.clerks_invoice()
        # Send & Print's background sending acts as the author written on the invoice
        forged = {"author_user_id": self.env.user.id, "author_partner_id": self.env.user.partner_id.id,
                  "sending_methods": ["chorus_pro"]}
        self.assertRefused(self.json_call("chorus_clerk", "account.move", "write", move.ids,
                                          {"sending_data": forged}))
        self.assertRefused(self.xml_call("chorus_clerk", "account.move", "write", move.ids,
                                         {"sending_data": forged}))
        self.assertFalse(move.sending_data)
        # his own name is accepted, and then Chorus Pro is refused to him when the batch is sent
        own = {"author_user_id": self.clerk.id, "author_partner_id": self.clerk.partner_id.id,
               "sending_methods": ["chorus_pro"]}
        self.assertTrue(self.json_call("chorus_clerk", "account.move", "write", move.ids, {"sending_data": own}))
        self.env["account.move.send"].sudo()._generate_and_send_invoices(move, from_cron=True)
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertNothingSent(move)

    def test_clerk_cannot_requeue_an_error_nor_touch_a_transmission(self):
        move = self.make_invoice(post=True)
        transmission = move.chorus_transmission_id
        transmission.sudo().write({"state": "error", "last_error": "Chorus Pro injoignable"})
        self.assertRefused(self.json_call("chorus_clerk", "account.move", "action_chorus_transfer", move.ids))
        for values in ({"state": "to_send"}, {"next_attempt": False}, {"queued_by_id": self.clerk.id}):
            self.assertRefused(self.json_call("chorus_clerk", "chorus.pro.transmission", "write", transmission.ids,
                                              values))
            self.assertRefused(self.xml_call("chorus_clerk", "chorus.pro.transmission", "write", transmission.ids,
                                             values))
        self.assertRefused(self.json_call("chorus_clerk", "chorus.pro.transmission", "unlink", transmission.ids))
        # he still sees where it stands
        read = self.json_call("chorus_clerk", "chorus.pro.transmission", "read", transmission.ids, ["state"])
        self.assertEqual(read[0]["state"], "error")
        self.assertEqual(transmission.state, "error")
        self.assertNothingSent(move)

    def test_import_and_copy_do_not_queue(self):
        move = self.clerks_invoice()
        answer = self.json_call("chorus_clerk", "account.move", "load", [".id", "chorus_state"],
                                [[str(move.id), "to_send"]])
        self.assertTrue(isinstance(answer, str) or answer["messages"], answer)
        self.assertIn("AccessError" if isinstance(answer, str) else "Odoo", str(answer))
        # a copy of an invoice deposited by an authorized user starts from nothing
        deposited = self.make_invoice(post=True)
        self.run_sender()
        self.assertEqual(deposited.chorus_state, "deposited")
        copy_id = self.json_call("chorus_clerk", "account.move", "copy", deposited.ids)
        copy_id = copy_id[0] if isinstance(copy_id, list) else copy_id
        copy = self.env["account.move"].browse(copy_id)
        self.assertFalse(copy.chorus_transmission_ids)
        self.assertEqual(copy.chorus_state, "not_concerned")
        move.invalidate_recordset()
        self.assertEqual(move.chorus_state, "to_transfer")
        self.assertNothingSent(move)

    # -- companies --------------------------------------------------------------------------------------
    def test_user_of_another_company_sees_and_sends_nothing(self):
        move = self.clerks_invoice()
        market = self.make_market()
        deposited = self.make_invoice(post=True)
        self.run_sender()
        transmission = deposited.chorus_transmission_id
        for model, ids in (("account.move", move.ids), ("chorus.pro.market", market.ids),
                           ("chorus.pro.transmission", transmission.ids)):
            self.assertRefused(self.json_call("chorus_outsider", model, "read", ids, ["display_name"]))
            self.assertRefused(self.xml_call("chorus_outsider", model, "read", ids, ["display_name"]))
        self.assertRefused(self.json_call("chorus_outsider", "account.move", "action_chorus_transfer", move.ids))
        self.assertRefused(self.json_call("chorus_outsider", "res.company", "read", self.company.ids,
                                          ["chorus_tech_login", "chorus_environment"]))
        self.assertEqual(self.json_call("chorus_outsider", "chorus.pro.transmission", "search_count", []), 0)
        self.assertNothingSent(move)

    # -- secrets ----------------------------------------------------------------------------------------
    def test_secrets_never_readable_by_a_non_administrator(self):
        self.company.sudo().write({"chorus_tech_password": SECRET_PASSWORD, "chorus_piste_client_secret": SECRET_PISTE})
        login = "chorus_accountant_rpc"
        for field in ("chorus_tech_password", "chorus_piste_client_secret"):
            for call in (self.json_call, self.xml_call):
                for method, args in (("read", [self.company.ids, [field]]),
                                     ("search_read", [[("id", "=", self.company.id)], [field]]),
                                     ("export_data", [self.company.ids, [field]]),
                                     ("read_group", [[], [field], [field]]),
                                     ("search", [[(field, "=", SECRET_PASSWORD)]])):
                    answer = call(login, "res.company", method, *args)
                    self.assertRefused(answer)
            self.assertNotIn(field, self.json_call(login, "res.company", "fields_get", [], ["string"]))
        # a plain read of the company gives no secret either
        plain = self.json_call(login, "res.company", "read", self.company.ids)
        self.assertNotIn(SECRET_PASSWORD, str(plain))
        self.assertNotIn(SECRET_PISTE, str(plain))
