"""One record per document sent to Chorus Pro: what is sent, its state machine, attempts, the Chorus Pro
identifiers, its status and history, the buyer's comment and the errors.

Nobody writes a transmission directly (no write access in ``ir.model.access``): every change goes through
the methods below, which check the right "Invoice transfer" where a person acts, then write as superuser.
The invoice shows the state of its latest transmission.

State machine::

    to_send ──> sending ──> deposited ──> in_progress ──> paid
       ▲  │        │  │          │             │
       │  │        │  │          └─────────────┴──> action_needed / rejected
       │  │        │  └──> to_reconcile (answer lost, sender died): searched before any new deposit
       │  │        └──> error (8 attempts) / action_needed (refused before deposit)
       │  └──> cancelled (invoice reset to draft before its deposit)
       └── queued again by a person with the right (from error or a refusal before deposit)

A works document in the assisted portal mode never goes through ``sending``: it waits in ``portal`` while a
person deposits it on the portal, then in ``portal_to_find`` (the person said it is deposited) until the sender
finds it by its number with the works search, and goes on as ``deposited``.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from chorus_pro.statuses import status_label, transmission_state

from .chorus_utils import naive_utc
from .chorus_works_modes import EXPERIMENTAL_MODES, PORTAL, WORKS_DEPOSIT_MODES, works_deposit_mode

TRANSMISSION_STATES = [
    ("to_send", "Queued"),
    ("sending", "Sending"),
    ("to_reconcile", "Searching on Chorus Pro"),
    ("portal", "To deposit on the portal"),
    ("portal_to_find", "Deposited on the portal, to find"),
    ("deposited", "Deposited"),
    ("in_progress", "In progress"),
    ("action_needed", "Action needed"),
    ("paid", "Paid"),
    ("rejected", "Rejected"),
    ("error", "Error"),
    ("cancelled", "Cancelled"),
]
#: a person with the right may queue again a transmission that never reached Chorus Pro
REQUEUABLE_STATES = ("error", "action_needed")
#: on Chorus Pro and still moving: the status synchronisation follows them
FOLLOWED_STATES = ("deposited", "in_progress", "action_needed")
TRANSFER_GROUP = "l10n_fr_chorus_btp.group_chorus_transfer"
SENDER_CRON = "l10n_fr_chorus_btp.ir_cron_chorus_send"


class ChorusProTransmission(models.Model):
    _name = "chorus.pro.transmission"
    _description = "Chorus Pro transmission"
    _order = "id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    # what is sent: an invoice or credit note, or a works document that is not an accounting invoice
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, index="btree_not_null",
                              ondelete="cascade", check_company=True)
    works_document_id = fields.Many2one("chorus.pro.works.document", string="Works document", readonly=True,
                                        index="btree_not_null", ondelete="cascade", check_company=True)
    market_id = fields.Many2one("chorus.pro.market", compute="_compute_market_id", store=True,
                                index="btree_not_null", string="Market")
    partner_id = fields.Many2one("res.partner", compute="_compute_partner_and_amount", string="Public customer")
    is_works = fields.Boolean(string="Is a works document", compute="_compute_is_works")
    document_number = fields.Char(string="Document number", readonly=True,
                                  help="Number of the document on Chorus Pro.")
    cadre = fields.Char(string="Invoicing frame (cadre)", readonly=True)
    amount_total = fields.Monetary(compute="_compute_partner_and_amount", string="Total")
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(TRANSMISSION_STATES, string="State", required=True, default="to_send", readonly=True,
                             index=True)
    queued_by_id = fields.Many2one("res.users", string="Queued by", readonly=True)
    queued_at = fields.Datetime(string="Queued on", readonly=True)
    deposit_mode = fields.Selection(WORKS_DEPOSIT_MODES, string="Deposit mode", readonly=True,
                                    help="How this works document reaches Chorus Pro (empty: an invoice).")
    portal_done_at = fields.Datetime(string="Deposited on the portal on", readonly=True)
    portal_alert_sent = fields.Boolean(string="Not found alert sent", readonly=True)
    origin = fields.Selection([
        ("button", "Transfer button"),
        ("automatic", "Automatic transfer at validation"),
        ("send_and_print", "Send & Print"),
    ], string="Queued from", readonly=True)
    attempts = fields.Integer(string="Sending attempts", readonly=True)
    next_attempt = fields.Datetime(string="Next attempt", readonly=True)
    send_started = fields.Datetime(string="Sending started", readonly=True)
    chorus_invoice_id = fields.Char(string="Chorus Pro id", readonly=True, index="btree_not_null")
    chorus_number = fields.Char(string="Number on Chorus Pro", readonly=True)
    flow_number = fields.Char(string="Flow number", readonly=True)
    status = fields.Char(string="Chorus Pro status code", readonly=True)
    status_label = fields.Char(string="Chorus Pro status", compute="_compute_status_label")
    status_date = fields.Datetime(string="Status date", readonly=True)
    status_comment = fields.Text(string="Buyer's comment", readonly=True)
    deposit_date = fields.Date(string="Deposit date", readonly=True)
    last_error = fields.Text(string="Last error", readonly=True)
    rejection_acknowledged = fields.Boolean(string="Rejection acknowledged", readonly=True)
    event_ids = fields.One2many("chorus.pro.transmission.event", "transmission_id", string="Status history",
                                readonly=True)
    works_piece_ids = fields.One2many("chorus.pro.works.piece", "transmission_id", string="Billing file pieces",
                                      readonly=True)

    _one_live_transmission_per_invoice = models.UniqueIndex(
        "(move_id) WHERE state != 'cancelled'",
        "This invoice already has a transmission to Chorus Pro.")
    _one_live_transmission_per_works_document = models.UniqueIndex(
        "(works_document_id) WHERE state != 'cancelled'",
        "This works document already has a transmission to Chorus Pro.")
    _one_document = models.Constraint(
        "CHECK((move_id IS NULL) != (works_document_id IS NULL))",
        "A transmission sends one document: an invoice or a works document.")

    @api.depends("move_id.chorus_market_id", "works_document_id.market_id")
    def _compute_market_id(self):
        for transmission in self:
            transmission.market_id = transmission.move_id.chorus_market_id or transmission.works_document_id.market_id

    @api.depends("move_id.commercial_partner_id", "move_id.amount_total", "works_document_id.total_ttc")
    def _compute_partner_and_amount(self):
        for transmission in self:
            if transmission.move_id:
                transmission.partner_id = transmission.move_id.commercial_partner_id
                transmission.amount_total = transmission.move_id.amount_total
            else:
                transmission.partner_id = transmission.works_document_id.market_id.partner_id
                transmission.amount_total = transmission.works_document_id.total_ttc

    def _document(self):
        """What this transmission sends: the invoice, or the works document."""
        self.ensure_one()
        return self.move_id or self.works_document_id

    @api.depends("move_id.chorus_is_works", "works_document_id")
    def _compute_is_works(self):
        for transmission in self:
            transmission.is_works = bool(transmission.works_document_id) or transmission.move_id.chorus_is_works

    @api.depends("document_number", "cadre")
    def _compute_display_name(self):
        for transmission in self:
            transmission.display_name = " · ".join(filter(None, (transmission.document_number, transmission.cadre)))

    @api.depends("status")
    def _compute_status_label(self):
        for transmission in self:
            transmission.status_label = status_label(transmission.status)

    # -- queueing: the one function behind the button, the automatic transfer and Send & Print ---------
    @api.model
    def _check_transfer_right(self):
        if not self.env.user.has_group(TRANSFER_GROUP):
            raise AccessError(self.env._(
                "You do not have the right \"Invoice transfer\": only an authorized user may transfer invoices "
                "to Chorus Pro."))

    @api.model
    def _queue_moves(self, moves, origin, preflight=True):
        """Queue ``moves`` for the sender, as the current user; never calls Chorus Pro.

        Raises when the user lacks the right "Invoice transfer" or when an invoice cannot be sent (every
        problem in one message).  The deposit itself is done by the scheduled action after this
        transaction commits.
        """
        return self._queue(moves, origin, preflight=preflight)

    @api.model
    def _queue_works_documents(self, documents, origin):
        """The works documents' counterpart of :meth:`_queue_moves` (same right, same sender)."""
        return self._queue(documents, origin)

    @api.model
    def _queue(self, documents, origin, preflight=True):
        """What both entry points do, for invoices or for works documents."""
        self._check_transfer_right()
        problems = documents._chorus_transfer_problems(preflight=preflight)
        if problems:
            raise UserError("\n".join(dict.fromkeys(problems)))
        self._check_works_modes(documents)
        is_move = documents._name == "account.move"
        values = {"state": "to_send", "queued_by_id": self.env.user.id, "queued_at": fields.Datetime.now(),
                  "origin": origin, "attempts": 0, "next_attempt": False, "last_error": False}
        to_create = []
        for document in documents:
            live = document.chorus_transmission_id.sudo()
            cadre = document.chorus_cadre if is_move else document.cadre
            mode = self._works_mode_values(document)
            if live:
                # refused before its deposit, or in error: the same transmission goes again, unless a sender
                # holds it at this very moment
                if not live.try_lock_for_update(allow_referencing=True):
                    raise UserError(self.env._("%(invoice)s is being sent already.", invoice=document.display_name))
                # a transmission that went out once may have reached Chorus Pro: searched before any deposit
                live.write(dict(values, cadre=cadre, state="to_reconcile" if live.send_started else "to_send") | mode)
            else:
                to_create.append(dict(values, company_id=document.company_id.id, document_number=document.name,
                                      cadre=cadre, **{"move_id" if is_move else "works_document_id": document.id})
                                 | mode)
        if to_create:
            # a transmission cancelled in this transaction (reset to draft, posted again) leaves the unique index
            self.flush_model(["state"])
            self.sudo().create(to_create)
        self._trigger_sender()
        return documents.chorus_transmission_id

    # -- the deposit modes of works documents (chorus_works_modes.py) ------------------------------------
    @api.model
    def _works_mode_of(self, document):
        """The deposit mode of a works document (an invoice or a works document), or False for an invoice."""
        if not document.chorus_is_works:
            return False
        market = document.chorus_market_id if document._name == "account.move" else document.market_id
        return works_deposit_mode(market, document.company_id)

    @api.model
    def _works_mode_values(self, document):
        """The mode of ``document``'s transmission; a portal deposit waits for a person, not for the sender (the
        state it sets wins over the queue's)."""
        mode = self._works_mode_of(document)
        values = {"deposit_mode": mode, "portal_done_at": False, "portal_alert_sent": False}
        if mode == PORTAL:
            values["state"] = "portal"
        return values

    @api.model
    def _unconfirmed_experimental(self, documents):
        """The documents whose experimental mode their company has not confirmed yet."""
        return documents.filtered(lambda d: self._works_mode_of(d) in EXPERIMENTAL_MODES
                                  and not d.company_id.chorus_works_experimental_confirmed)

    @api.model
    def _check_works_modes(self, documents):
        unconfirmed = self._unconfirmed_experimental(documents)
        if unconfirmed:
            raise UserError(self.env._(
                "%(documents)s: the experimental deposit of works documents has not been confirmed for %(company)s "
                "yet. Send them with their Chorus Pro button and confirm, or choose the assisted portal deposit.",
                documents=", ".join(unconfirmed.mapped("display_name")),
                company=", ".join(unconfirmed.company_id.mapped("name"))))

    def _portal_deposited(self):
        """The person says the document is on the portal: the sender searches it by its number (never in this
        transaction)."""
        self._check_transfer_right()
        for transmission in self:
            if transmission.state != "portal":
                raise UserError(self.env._("%(document)s does not wait for a deposit on the portal.",
                                           document=transmission._document().display_name))
        self.sudo().write({"state": "portal_to_find", "portal_done_at": fields.Datetime.now(),
                           "portal_alert_sent": False, "next_attempt": False, "last_error": False})
        for transmission in self:
            transmission._document()._chorus_log(self.env._(
                "Deposited on the Chorus Pro portal by %(user)s: Odoo searches it by its number %(number)s.",
                user=self.env.user.name, number=transmission.document_number))
        self._trigger_sender()

    @api.model
    def _trigger_sender(self, at=None):
        """Wake the sender up: once per transaction is enough, it takes the whole queue."""
        if at is not None:
            self.env.ref(SENDER_CRON).sudo()._trigger(at)
            return
        if not self.env.cr.precommit.data.get("l10n_fr_chorus_btp.sender_triggered"):
            self.env.cr.precommit.data["l10n_fr_chorus_btp.sender_triggered"] = True
            self.env.ref(SENDER_CRON).sudo()._trigger()

    def _cancel_unsent(self):
        """The invoice went back to draft before its deposit: its transmission stops here."""
        unsent = self.filtered(lambda t: t.state in ("to_send", "portal", *REQUEUABLE_STATES)
                                and not t.chorus_invoice_id)
        unsent.sudo().write({"state": "cancelled", "next_attempt": False})
        return unsent

    # -- what the sender and the follow-up record ----------------------------------------------------
    def _record_deposit(self, result):
        """A deposit answered by Chorus Pro."""
        self.ensure_one()
        self.sudo().write({
            "state": transmission_state(result.status).value,
            "chorus_invoice_id": str(result.invoice_id),
            "chorus_number": result.invoice_number or self.document_number,
            "status": result.status,
            "status_date": fields.Datetime.now(),
            "deposit_date": result.deposit_date or fields.Date.context_today(self),
            "last_error": False,
            "next_attempt": False,
        })
        self._add_event(result.status, self.status_date, "")
        self._document()._chorus_log(self.env._("Deposited on Chorus Pro: id %(identifier)s, status %(status)s.",
                                            identifier=result.invoice_id, status=self.status_label))

    def _record_flow_deposit(self, flow):
        """A works document deposited in a flow: the flow is followed until Chorus Pro integrates it."""
        self.ensure_one()
        self.sudo().write({"state": "deposited", "flow_number": flow.flow_number,
                           "deposit_date": flow.deposit_date or fields.Date.context_today(self),
                           "last_error": False, "next_attempt": False})
        self._document()._chorus_log(self.env._("Deposited on Chorus Pro in flow %(flow)s (syntax %(syntax)s).",
                                                flow=flow.flow_number, syntax=flow.syntax))

    def _record_found(self, found):
        """A deposit whose answer was lost (or made on the portal), found by its number on Chorus Pro."""
        self.ensure_one()
        self.sudo().write({
            "state": transmission_state(found.status).value,
            "chorus_invoice_id": str(found.invoice_id),
            "chorus_number": found.invoice_number or self.document_number,
            "flow_number": found.flow_number or self.flow_number,
            "status": found.status,
            "status_date": naive_utc(found.status_date) or fields.Datetime.now(),
            "deposit_date": found.deposit_date or fields.Date.context_today(self),
            "last_error": False,
            "next_attempt": False,
        })
        self._add_event(found.status, self.status_date, "")
        if self.deposit_mode == PORTAL:
            self._document()._chorus_log(self.env._(
                "Found on Chorus Pro after its deposit on the portal: id %(identifier)s, status %(status)s.",
                identifier=found.invoice_id, status=self.status_label))
            return
        self._document()._chorus_log(self.env._(
            "Found on Chorus Pro after a lost answer (id %(identifier)s): it was not deposited a second time.",
            identifier=found.invoice_id))

    def _add_event(self, status, date, comment):
        self.env["chorus.pro.transmission.event"].sudo().create({
            "transmission_id": self.id, "status": status, "date": date or fields.Datetime.now(),
            "comment": comment or False})

    def _set_status(self, status, status_date, comment):
        """A status read from Chorus Pro; returns whether anything changed."""
        self.ensure_one()
        if not status or (status == self.status and (not status_date or status_date == self.status_date)):
            return False
        self.sudo().write({
            "status": status,
            "status_date": status_date or fields.Datetime.now(),
            "status_comment": comment or False,
            "state": transmission_state(status).value,
        })
        self._add_event(status, self.status_date, comment)
        return True

    def _set_error(self, message, state="error"):
        self.sudo().write({"state": state, "last_error": message, "next_attempt": False})
        for transmission in self:
            transmission._document()._chorus_log(message)

    # -- views --------------------------------------------------------------------------------------
    def action_open_document(self):
        self.ensure_one()
        return self._document()._get_records_action()
