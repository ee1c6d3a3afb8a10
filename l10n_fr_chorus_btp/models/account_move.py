import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from chorus_pro.statuses import status_label

from .chorus_market import ALLOWED_CADRES, WORKS_DOCUMENT_TYPES, derive_cadre

_logger = logging.getLogger(__name__)

CADRES = [
    ("A1", "A1 - Supplier invoice"),
    ("A2", "A2 - Supplier invoice already paid"),
    ("A4", "A4 - Supplier monthly statement draft (situation)"),
    ("A7", "A7 - Supplier final statement draft"),
    ("A8", "A8 - Supplier final general statement (DGD)"),
    ("A9", "A9 - Sub-contractor invoice"),
    ("A10", "A10 - Sub-contractor monthly statement draft"),
    ("A11", "A11 - Sub-contractor final statement draft"),
    ("A12", "A12 - Co-contractor invoice"),
    ("A13", "A13 - Co-contractor monthly statement draft"),
    ("A14", "A14 - Co-contractor final statement draft"),
]
WORKS_CADRES = {"A4", "A7", "A8", "A10", "A11", "A13", "A14"}
CHORUS_STATES = [
    ("not_concerned", "Not concerned"),
    ("to_send", "To transfer"),
    ("sending", "Sending"),
    ("deposited", "Deposited"),
    ("in_progress", "In progress"),
    ("action_needed", "Action needed"),
    ("paid", "Paid"),
    ("rejected", "Rejected"),
    ("error", "Error"),
]
#: states from which a person may (re)queue an invoice that is not on Chorus Pro yet
TRANSFERABLE_STATES = ("to_send", "error", "action_needed")
CHORUS_MOVE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    # Odoo's own Chorus Pro references, filled from the market (kept editable)
    buyer_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                  precompute=True)
    contract_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                     precompute=True)
    purchase_order_reference = fields.Char(compute="_compute_chorus_references", store=True, readonly=False,
                                           precompute=True)

    chorus_client = fields.Boolean(related="commercial_partner_id.chorus_client", string="Client - Chorus Pro")
    chorus_market_id = fields.Many2one(
        "chorus.pro.market", string="Market", index="btree_not_null", check_company=True, tracking=True,
        domain="[('partner_id', '=', commercial_partner_id), ('company_id', '=', company_id)]")
    chorus_market_kind = fields.Selection(related="chorus_market_id.kind", string="Market kind")
    chorus_works_document_type = fields.Selection(
        WORKS_DOCUMENT_TYPES, string="Type de document de travaux", compute="_compute_chorus_works_document_type",
        store=True, readonly=False, precompute=True)
    chorus_cadre = fields.Selection(CADRES, string="Cadre de facturation", compute="_compute_chorus_cadre",
                                    store=True, readonly=False, precompute=True, tracking=True)
    chorus_allowed_cadres = fields.Char(compute="_compute_chorus_cadre_allowed")
    chorus_is_works = fields.Boolean(compute="_compute_chorus_is_works", string="Works document")
    chorus_situation_number = fields.Integer(string="Situation number", copy=False,
                                             help="Number of the monthly statement within the market.")
    chorus_identifier = fields.Char(string="Chorus Pro invoice id", copy=False, tracking=True, index="btree_not_null")
    chorus_invoice_number = fields.Char(string="Number on Chorus Pro", copy=False)
    chorus_flow_number = fields.Char(string="Flow number", copy=False)
    chorus_status = fields.Char(string="Chorus Pro status code", copy=False, tracking=True)
    chorus_status_label = fields.Char(string="Chorus Pro status", compute="_compute_chorus_status_label")
    chorus_status_date = fields.Datetime(string="Status date", copy=False)
    chorus_status_comment = fields.Text(string="Status comment", copy=False)
    chorus_last_error = fields.Text(string="Last error", copy=False)
    chorus_state = fields.Selection(CHORUS_STATES, string="Chorus Pro transmission", default="not_concerned",
                                    required=True, copy=False, tracking=True, index=True)
    chorus_transfer_authorized = fields.Boolean(
        string="Queued by an authorized user", copy=False,
        help="Set when a user holding the right \"Transfert facture\" queued the invoice; only those invoices "
             "are sent by the scheduled action.")
    chorus_queued_by_id = fields.Many2one("res.users", string="Queued by", copy=False)
    chorus_send_attempts = fields.Integer(string="Sending attempts", copy=False)
    chorus_next_attempt = fields.Datetime(string="Next attempt", copy=False)
    chorus_send_started = fields.Datetime(string="Sending started", copy=False)
    chorus_reconcile_needed = fields.Boolean(
        string="Search on Chorus Pro before sending", copy=False,
        help="The answer of a deposit was lost: the invoice is searched on Chorus Pro before any new deposit.")
    chorus_deposit_date = fields.Date(string="Deposit date", copy=False)
    chorus_rejection_acknowledged = fields.Boolean(string="Rejection acknowledged", copy=False)

    # -- computes ----------------------------------------------------------------------------------------
    @api.depends("chorus_market_id")
    def _compute_chorus_references(self):
        for move in self:
            market = move.chorus_market_id
            if market:
                move.contract_reference = market.name
                move.buyer_reference = market.service_id.code or move.buyer_reference
                move.purchase_order_reference = market.engagement or move.purchase_order_reference
            else:
                move.contract_reference = move.contract_reference
                move.buyer_reference = move.buyer_reference
                move.purchase_order_reference = move.purchase_order_reference

    @api.depends("chorus_market_id.kind")
    def _compute_chorus_works_document_type(self):
        for move in self:
            if move.chorus_market_id.kind == "works":
                move.chorus_works_document_type = move.chorus_works_document_type or "monthly"
            else:
                move.chorus_works_document_type = False

    @api.depends("chorus_market_id.kind", "chorus_market_id.role", "chorus_works_document_type")
    def _compute_chorus_cadre(self):
        for move in self:
            market = move.chorus_market_id
            if market:
                move.chorus_cadre = derive_cadre(market.kind, market.role, move.chorus_works_document_type)
            else:
                move.chorus_cadre = move.chorus_cadre or "A1"

    @api.depends("chorus_market_id.kind", "chorus_market_id.role")
    def _compute_chorus_cadre_allowed(self):
        for move in self:
            market = move.chorus_market_id
            allowed = ALLOWED_CADRES[(market.kind, market.role)] if market else ("A1", "A2")
            move.chorus_allowed_cadres = ",".join(allowed)

    @api.depends("chorus_cadre")
    def _compute_chorus_is_works(self):
        for move in self:
            move.chorus_is_works = move.chorus_cadre in WORKS_CADRES

    @api.depends("chorus_status")
    def _compute_chorus_status_label(self):
        for move in self:
            move.chorus_status_label = status_label(move.chorus_status)

    # -- who is concerned -----------------------------------------------------------------------------
    def _chorus_is_concerned(self):
        """Customer invoice or credit note of a Chorus Pro client, outside markets that opted out."""
        self.ensure_one()
        return (self.move_type in CHORUS_MOVE_TYPES and self.commercial_partner_id.chorus_client
                and (not self.chorus_market_id or self.chorus_market_id.chorus_circuit))

    def _chorus_can_auto_queue(self):
        """All conditions of the automatic transfer at posting time."""
        self.ensure_one()
        company = self.company_id
        return (company.chorus_auto_transfer
                and (not company.chorus_start_date or (self.invoice_date or self.date) >= company.chorus_start_date)
                and self.env.user.has_group("l10n_fr_chorus_btp.group_chorus_transfer")
                and company._chorus_is_configured())

    # -- posting -------------------------------------------------------------------------------------------
    def _post(self, soft=True):
        chorus_moves = self.filtered(lambda m: m._chorus_is_concerned())
        if chorus_moves:
            chorus_moves._chorus_check_cadre()
            chorus_moves._chorus_assign_situation_numbers()
            chorus_moves._chorus_raise_preflight()
        posted = super()._post(soft=soft)
        posted_chorus = posted & chorus_moves
        if posted_chorus:
            posted_chorus._chorus_after_post()
        return posted

    def _chorus_check_cadre(self):
        for move in self.filtered("chorus_market_id"):
            allowed = move.chorus_allowed_cadres.split(",")
            if move.chorus_cadre not in allowed:
                raise UserError(self.env._(
                    "Invoice %(invoice)s: the cadre de facturation %(cadre)s does not fit the market %(market)s; "
                    "choose one of: %(allowed)s.", invoice=move.display_name, cadre=move.chorus_cadre,
                    market=move.chorus_market_id.name, allowed=", ".join(allowed)))

    def _chorus_assign_situation_numbers(self):
        """Number the monthly statements of each market (1, 2, 3…) in posting order."""
        monthly = self.filtered(lambda m: m.chorus_market_id and m.chorus_works_document_type == "monthly"
                                and not m.chorus_situation_number)
        for market in monthly.chorus_market_id:
            # lock the market row: two users posting situations of one market get distinct numbers
            self.env.cr.execute("SELECT id FROM chorus_pro_market WHERE id = %s FOR UPDATE", [market.id])
            self.env.cr.execute(
                "SELECT COALESCE(MAX(chorus_situation_number), 0) FROM account_move WHERE chorus_market_id = %s",
                [market.id])
            last = self.env.cr.fetchone()[0]
            for move in monthly.filtered(lambda m, market=market: m.chorus_market_id == market).sorted("id"):
                last += 1
                move.chorus_situation_number = last

    def _chorus_after_post(self):
        auto = self.filtered(lambda m: m._chorus_can_auto_queue())
        waiting = self - auto
        if waiting:
            waiting.write({"chorus_state": "to_send", "chorus_transfer_authorized": False})
        if auto:
            auto._chorus_queue()

    def _chorus_queue(self):
        """Queue for the sender (never sends here: the scheduled action does it after this commit)."""
        self.write({
            "chorus_state": "to_send",
            "chorus_transfer_authorized": True,
            "chorus_queued_by_id": self.env.user.id,
            "chorus_send_attempts": 0,
            "chorus_next_attempt": False,
            "chorus_last_error": False,
        })
        # one trigger per transaction is enough: the sender takes the whole queue
        if not self.env.cr.precommit.data.get("l10n_fr_chorus_btp.sender_triggered"):
            self.env.cr.precommit.data["l10n_fr_chorus_btp.sender_triggered"] = True
            self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_send").sudo()._trigger()

    # -- manual transfer -------------------------------------------------------------------------------------
    def action_chorus_transfer(self):
        """Button and list action "Transférer vers Chorus Pro" (right "Transfert facture" checked here too)."""
        if not self.env.user.has_group("l10n_fr_chorus_btp.group_chorus_transfer"):
            raise AccessError(self.env._(
                "You do not have the right \"Transfert facture\": only an authorized user may transfer invoices "
                "to Chorus Pro."))
        problems = []
        for move in self:
            if move.move_type not in CHORUS_MOVE_TYPES or move.state != "posted":
                problems.append(self.env._("%(invoice)s: only posted customer invoices and credit notes can be "
                                           "transferred.", invoice=move.display_name))
            elif not move._chorus_is_concerned():
                problems.append(self.env._(
                    "%(invoice)s: the customer is not a Chorus Pro client, or the market is outside the Chorus "
                    "Pro circuit.", invoice=move.display_name))
            elif move.chorus_identifier:
                problems.append(self.env._("%(invoice)s is already on Chorus Pro (id %(identifier)s).",
                                           invoice=move.display_name, identifier=move.chorus_identifier))
            elif move.chorus_state not in TRANSFERABLE_STATES:
                problems.append(self.env._("%(invoice)s is being sent already.", invoice=move.display_name))
            else:
                issues = move._chorus_preflight_issues()
                if issues:
                    problems.append(move._chorus_format_issues(issues))
            if not move.company_id._chorus_is_configured():
                problems.append(self.env._(
                    "%(invoice)s: Chorus Pro is not configured for %(company)s (SIRET and connection settings).",
                    invoice=move.display_name, company=move.company_id.name))
        if problems:
            raise UserError("\n".join(dict.fromkeys(problems)))
        self._chorus_queue()
        self._chorus_log(self.env._("Queued for Chorus Pro by %(user)s.", user=self.env.user.name))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro"),
                "message": self.env._("%(count)s invoice(s) queued for Chorus Pro.", count=len(self)),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_chorus_update_status(self):
        return self.env["chorus.pro.sync"]._sync_moves(self)

    # -- chatter -----------------------------------------------------------------------------------------
    def _chorus_log(self, body):
        """A note in the chatter of each invoice.  Callers never pass secrets (messages are built from codes)."""
        for move in self:
            move.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _chorus_schedule_activity(self, summary, note):
        for move in self:
            user = move.invoice_user_id or move.chorus_queued_by_id or move.create_uid
            move.activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note,
                                   user_id=user.id or self.env.uid)

    def button_draft(self):
        on_chorus = self.filtered(lambda m: m.chorus_identifier or m.chorus_state == "sending")
        if on_chorus:
            raise UserError(self.env._(
                "%(invoices)s is on Chorus Pro (or being sent): it cannot be reset to draft. Issue a credit note "
                "instead.", invoices=", ".join(on_chorus.mapped("display_name"))))
        res = super().button_draft()
        self.filtered(lambda m: m.chorus_state in TRANSFERABLE_STATES).write({
            "chorus_state": "not_concerned", "chorus_transfer_authorized": False, "chorus_last_error": False})
        return res
