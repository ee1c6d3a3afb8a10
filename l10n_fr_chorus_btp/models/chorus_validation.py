"""A document our company must validate on Chorus Pro: a direct-payment subcontractor's invoice (A9) or works
document (A10, A11), or a co-contractor's (A12, A13, A14), naming our company (titulaire, or mandataire of the
group) as validator.

The rules are :mod:`chorus_pro.validator`'s (15 days, silence is acceptance, the statuses).  Chorus Pro is
called by the scheduled action only, never in the user's transaction: it fetches the documents to validate
for each configured company, and sends the decisions the users queued.  Before sending a decision it reads
the document again: a decision already taken (by us, the answer being lost, or by someone on the portal, or
by silence) is recorded, never sent a second time.
"""

import logging
from datetime import timedelta

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

from chorus_pro.api.factures_travaux import VALIDATOR_ROLE
from chorus_pro.cadres import CADRE_LABELS, parse_cadre
from chorus_pro.errors import ApiNotSubscribedError, AuthenticationError, ChorusProError, OutcomeUnknownError
from chorus_pro.siret import compact_siret
from chorus_pro.statuses import status_label
from chorus_pro.validator import (
    REFUSED_STATUSES,
    TO_VALIDATE_STATUSES,
    ValidationState,
    validation_deadline,
    validation_state,
)

from .chorus_messages import error_text
from .chorus_utils import as_decimal, chorus_commit

_logger = logging.getLogger(__name__)

TRANSFER_GROUP = "l10n_fr_chorus_btp.group_chorus_transfer"
#: the responsible user's to-do falls due this many days before the deadline
REMINDER_DAYS = 3
#: a decision that keeps failing (Chorus Pro unreachable) is given up after this many runs; the user decides again
MAX_DECISION_ATTEMPTS = 8
STATES = [
    ("to_validate", "To validate"),
    ("accepted", "Accepted"),
    ("refused", "Refused"),
    ("silence", "Accepted by silence"),
    ("elsewhere", "Returned to its depositor"),
]
#: the validator's reading of a status (chorus_pro.validator) as a state of the record
STATE_OF = {ValidationState.TO_VALIDATE: "to_validate", ValidationState.ACCEPTED: "accepted",
            ValidationState.REFUSED: "refused", ValidationState.ACCEPTED_BY_SILENCE: "silence",
            ValidationState.ELSEWHERE: "elsewhere"}
ACCEPTED_STATES = ("accepted", "silence")


class ChorusProValidation(models.Model):
    _name = "chorus.pro.validation"
    _description = "Document to validate on Chorus Pro"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id"
    _check_company_auto = True
    _rec_name = "number"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    chorus_id = fields.Char(string="Chorus Pro id", required=True, readonly=True)
    number = fields.Char(string="Number", readonly=True)
    cadre = fields.Char(string="Cadre code", readonly=True)
    cadre_label = fields.Char(string="Cadre", compute="_compute_cadre_label")
    kind = fields.Selection([("FACTURE", "Invoice"), ("FACTURE_TRAVAUX", "Works document")], string="Kind",
                            readonly=True)
    market_number = fields.Char(string="Market number on Chorus Pro", readonly=True)
    market_id = fields.Many2one("chorus.pro.market", string="Market", readonly=True, index="btree_not_null",
                                check_company=True)
    supplier_siret = fields.Char(string="Depositor SIRET", readonly=True)
    supplier_name = fields.Char(string="Depositor", readonly=True)
    subcontractor_id = fields.Many2one("chorus.pro.market.subcontractor", string="Subcontractor", readonly=True,
                                       index="btree_not_null")
    unknown_depositor = fields.Boolean(
        string="Unknown depositor", compute="_compute_unknown_depositor", store=True,
        help="No subcontractor of the market has the depositor's SIRET: check the document before accepting it.")
    amount_untaxed = fields.Monetary(string="Amount excl. VAT", readonly=True)
    amount_total = fields.Monetary(string="Amount incl. VAT", readonly=True)
    deposit_date = fields.Date(string="Received on", readonly=True)
    deadline = fields.Date(string="Answer by", compute="_compute_deadline", store=True,
                           help="15 days after the deposit; without an answer, Chorus Pro takes it as accepted.")
    status = fields.Char(string="Chorus Pro status code", readonly=True)
    status_label = fields.Char(string="Chorus Pro status", compute="_compute_status_label")
    state = fields.Selection(STATES, string="State", default="to_validate", required=True, readonly=True,
                             tracking=True, index=True)
    refusal_reason = fields.Text(string="Reason for refusal", readonly=True, tracking=True)
    pending_decision = fields.Selection([("accept", "Accept"), ("refuse", "Refuse")], string="Decision queued",
                                        readonly=True, copy=False, tracking=True,
                                        help="Sent to Chorus Pro by the scheduled action, after it reads the "
                                             "document again.")
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True, copy=False)
    decision_attempts = fields.Integer(string="Decision sending attempts", readonly=True, copy=False)
    last_error = fields.Text(string="Last error", readonly=True, copy=False)
    # -- beside the amount: the subcontract and what was already accepted for it ---------------------------
    subcontract_amount = fields.Monetary(related="subcontractor_id.accepted_amount",
                                         string="Subcontract accepted (DC4), excl. VAT")
    accepted_before = fields.Monetary(string="Already accepted, excl. VAT", compute="_compute_subcontract_use",
                                      help="The other documents of this subcontractor on the market, accepted "
                                           "(by us or by silence).")
    over_subcontract = fields.Boolean(string="Beyond the subcontract", compute="_compute_subcontract_use")
    direct_payment_id = fields.Many2one("chorus.pro.situation.direct.payment", string="Direct payment line",
                                        readonly=True, copy=False, ondelete="set null", index="btree_not_null")
    situation_id = fields.Many2one(related="direct_payment_id.situation_id", string="Deducted in")

    _chorus_id_unique = models.Constraint("UNIQUE(company_id, chorus_id)",
                                          "This Chorus Pro document is already recorded for the company.")

    # -- compute ------------------------------------------------------------------------------------------
    @api.depends("cadre")
    def _compute_cadre_label(self):
        for record in self:
            try:
                record.cadre_label = CADRE_LABELS[parse_cadre(record.cadre)] if record.cadre else False
            except ValueError:
                record.cadre_label = record.cadre

    @api.depends("status")
    def _compute_status_label(self):
        for record in self:
            record.status_label = status_label(record.status) if record.status else False

    @api.depends("deposit_date")
    def _compute_deadline(self):
        for record in self:
            record.deadline = validation_deadline(record.deposit_date) if record.deposit_date else False

    @api.depends("subcontractor_id", "market_id")
    def _compute_unknown_depositor(self):
        for record in self:
            record.unknown_depositor = not record.subcontractor_id

    @api.depends("subcontractor_id", "amount_untaxed", "state")
    def _compute_subcontract_use(self):
        for record in self:
            others = self.search([("subcontractor_id", "=", record.subcontractor_id.id),
                                  ("state", "in", ACCEPTED_STATES), ("id", "!=", record._origin.id or 0)]) \
                if record.subcontractor_id else self.browse()
            record.accepted_before = sum(others.mapped("amount_untaxed"))
            total = as_decimal(record.accepted_before) + as_decimal(record.amount_untaxed)
            record.over_subcontract = bool(record.subcontractor_id) and record.currency_id.compare_amounts(
                float(total), record.subcontract_amount) > 0

    # -- the user's decisions (queued) ----------------------------------------------------------------------
    def _check_may_decide(self):
        if not self.env.user.has_group(TRANSFER_GROUP):
            raise AccessError(self.env._("Only the users allowed to send to Chorus Pro may accept or refuse a "
                                         "document to validate."))
        self.check_access("read")
        for record in self:
            if record.state != "to_validate":
                raise UserError(self.env._("%(number)s is no longer to validate (%(state)s).", number=record.number,
                                           state=dict(record._fields["state"]._description_selection(self.env))
                                           [record.state]))

    def action_accept(self):
        """Queue the acceptance: the scheduled action sends it (« Valider » on Chorus Pro)."""
        self._check_may_decide()
        self._queue("accept", "")
        return True

    def action_open_refuse_wizard(self):
        self._check_may_decide()
        return {"type": "ir.actions.act_window", "res_model": "chorus.pro.validation.refuse.wizard",
                "view_mode": "form", "target": "new", "name": self.env._("Refuse"),
                "context": {"default_validation_ids": self.ids}}

    def _queue_refusal(self, reason):
        self._check_may_decide()
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for refusal (motif du refus): the subcontractor reads it "
                                       "on Chorus Pro."))
        self._queue("refuse", reason.strip())

    def _queue(self, decision, reason):
        self.sudo().write({"pending_decision": decision, "refusal_reason": reason or False,
                           "decided_by_id": self.env.uid, "decision_attempts": 0, "last_error": False})
        for record in self:
            record.sudo().message_post(body=self.env._(
                "Decision queued: %(decision)s. It is sent to Chorus Pro in a moment.",
                decision=dict(self._fields["pending_decision"]._description_selection(self.env))[decision]))
        self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_validations")._trigger()

    # -- the scheduled action -------------------------------------------------------------------------------
    @api.model
    def _cron_sync_validations(self):
        """Every configured company: send the queued decisions, then fetch the documents to validate and read
        again those whose state may have changed elsewhere (portal, silence); committed company by company."""
        companies = self.env["res.company"].sudo().search([("chorus_auth_failed", "=", False)])
        companies = companies.filtered(lambda c: c._chorus_is_configured())
        chorus_commit(self.env, remaining=len(companies))
        for company in companies:
            run = self.sudo().with_company(company).with_context(lang=company.partner_id.lang or "fr_FR")
            try:
                with company._chorus_client() as client:
                    run._send_decisions(client, company)
                    run._fetch(client, company)
            except AuthenticationError as error:
                company._chorus_mark_auth_failed(error_text(run.env, error))
            except ChorusProError as error:
                _logger.warning("Chorus Pro validations of company %s stopped: %s", company.id, error.message_en)
            chorus_commit(self.env, processed=1)

    def _send_decisions(self, client, company):
        queued = self.search([("company_id", "=", company.id), ("pending_decision", "!=", False)])
        for record in queued:
            record._send_decision(client)
            chorus_commit(self.env)

    def _send_decision(self, client):
        """Read the document again, then send the decision only if it still waits for one."""
        self.ensure_one()
        try:
            current = client.factures.get_document_to_validate(int(self.chorus_id))
            if current.status not in TO_VALIDATE_STATUSES:
                self._decided_elsewhere(current.status)
                return
            try:
                if self.pending_decision == "accept":
                    result = client.factures.accept_document(int(self.chorus_id))
                else:
                    result = client.factures.refuse_document(int(self.chorus_id), self.refusal_reason or "")
            except OutcomeUnknownError as lost:
                # the answer was lost: what Chorus Pro did is read back, never sent twice
                _logger.warning("Chorus Pro: answer lost for the decision on %s; reading it again", self.number)
                self.write({"last_error": error_text(self.env, lost)})
                chorus_commit(self.env)
                current = client.factures.get_document_to_validate(int(self.chorus_id))
                if current.status in TO_VALIDATE_STATUSES:
                    return  # not applied: sent again at the next run, after reading it again
                self._decided_elsewhere(current.status)
                return
            self._apply_status(result.status, self.env._("Decision sent to Chorus Pro."))
            self.write({"pending_decision": False, "decision_attempts": 0, "last_error": False})
        except AuthenticationError:
            raise
        except ChorusProError as error:
            attempts = self.decision_attempts + 1
            values = {"decision_attempts": attempts, "last_error": error_text(self.env, error)}
            if not error.retryable or attempts >= MAX_DECISION_ATTEMPTS:
                values["pending_decision"] = False
                self.message_post(body=self.env._("Chorus Pro did not take the decision: %(error)s",
                                                  error=values["last_error"]))
            self.write(values)

    def _decided_elsewhere(self, status):
        """The document no longer waits for a decision: ours arrived (its answer was lost), or someone decided
        on the portal, or the delay ran out.  The queued decision is dropped with a note."""
        queued = self.pending_decision
        ours = (queued == "accept" and validation_state(status) is ValidationState.ACCEPTED) or (
            queued == "refuse" and status in REFUSED_STATUSES)
        if ours:
            note = self.env._("Chorus Pro had taken our decision already (its answer was lost); it was not sent "
                              "again.")
        else:
            note = self.env._("Decided on Chorus Pro before our decision was sent (status %(status)s): the queued "
                              "decision was dropped.", status=status_label(status))
        self.write({"pending_decision": False, "decision_attempts": 0})
        self._apply_status(status, note)

    def _apply_status(self, status, note=""):
        state = STATE_OF[validation_state(status)]
        values = {"status": status}
        if state != self.state:
            values["state"] = state
        if state != "refused" and self.state == "to_validate" and self.refusal_reason and not self.pending_decision:
            values["refusal_reason"] = False
        self.write(values)
        if note:
            self.message_post(body=note)
        if state != "to_validate":
            self.activity_ids.filtered(lambda a: a.activity_type_id == self._activity_type()).action_feedback(
                feedback=status_label(status))

    # -- fetching -------------------------------------------------------------------------------------------
    def _fetch(self, client, company):
        known = {r.chorus_id: r for r in self.search([("company_id", "=", company.id)])}
        listed = set()
        for summary in client.factures.iter_documents_to_validate():
            listed.add(str(summary.invoice_id))
            record = known.get(str(summary.invoice_id))
            if record is None:
                detail = client.factures.get_document_to_validate(summary.invoice_id)
                known[str(summary.invoice_id)] = self._create_from(company, summary, detail)
            elif record.status != summary.status:
                record._apply_status(summary.status)
        self._fetch_works(client, company, known)
        # no longer listed as waiting: decided on the portal, by silence, or by us
        for chorus_id, record in known.items():
            if record.state == "to_validate" and chorus_id not in listed and not record.pending_decision:
                current = client.factures.get_document_to_validate(int(chorus_id))
                if current.status != record.status:
                    record._apply_status(current.status, self.env._(
                        "State read on Chorus Pro: %(status)s.", status=status_label(current.status)))

    def _fetch_works(self, client, company, known):
        """The works documents (A10, A11, A13, A14) naming us as validator, from the verified works search as
        VALIDEUR: whether ``rechercher/aTraiter/valideur`` lists them too is not documented."""
        try:
            found = list(client.factures_travaux.iter_invoices(role=VALIDATOR_ROLE))
        except ApiNotSubscribedError as error:  # the works API is optional: the invoices were fetched
            _logger.info("Chorus Pro works search as validator skipped for company %s: %s", company.id,
                         error.message_en)
            return
        for works in found:
            record = known.get(str(works.works_invoice_id))
            if record is None and works.status in TO_VALIDATE_STATUSES:
                detail = client.factures.get_document_to_validate(works.works_invoice_id)
                known[str(works.works_invoice_id)] = self._create_from(company, detail, detail)
            elif record is not None and works.status and record.status != works.status:
                record._apply_status(works.status)

    def _create_from(self, company, summary, detail):
        market = self.env["chorus.pro.market"].search([("company_id", "=", company.id),
                                                       ("name", "=", summary.market_number or detail.market_number)],
                                                      limit=1) if (summary.market_number or detail.market_number) \
            else self.env["chorus.pro.market"]
        siret = compact_siret(summary.supplier_identifier or detail.supplier_identifier or "")
        subcontractor = market.subcontractor_ids.filtered(
            lambda s: siret and compact_siret(s.partner_id.company_registry or "") == siret)[:1]
        record = self.create({
            "company_id": company.id, "chorus_id": str(summary.invoice_id),
            "number": summary.number or detail.number, "cadre": detail.cadre or summary.cadre,
            "kind": summary.kind if summary.kind in ("FACTURE", "FACTURE_TRAVAUX") else "FACTURE",
            "market_number": summary.market_number or detail.market_number, "market_id": market.id,
            "supplier_siret": siret, "supplier_name": summary.supplier_name or detail.supplier_name,
            "subcontractor_id": subcontractor.id,
            "amount_untaxed": float(summary.amount_untaxed if summary.amount_untaxed is not None
                                    else detail.amount_untaxed or 0),
            "amount_total": float(summary.amount_total if summary.amount_total is not None
                                  else detail.amount_total or 0),
            "deposit_date": summary.deposit_date or detail.deposit_date or fields.Date.context_today(self),
            "status": summary.status,
            "state": STATE_OF[validation_state(summary.status)],
        })
        record.message_post(body=record._arrival_message())
        if record.state == "to_validate":
            record._schedule_reminder()
        return record

    def _arrival_message(self):
        body = Markup("%s <b>%s</b> (%s, %s)") % (self.env._("To validate on Chorus Pro:"), self.number,
                                                 self.cadre_label or self.cadre or "", self.supplier_name or "")
        if self.unknown_depositor:
            body += Markup("<br/>%s") % self.env._(
                "No subcontractor of the market has SIRET %(siret)s: check the document before accepting it.",
                siret=self.supplier_siret or "?")
        elif self.over_subcontract:
            body += Markup("<br/>%s") % self.env._(
                "With this document, %(accepted)s would be accepted for a subcontract of %(subcontract)s.",
                accepted=format_amount(self.env, self.accepted_before + self.amount_untaxed, self.currency_id),
                subcontract=format_amount(self.env, self.subcontract_amount, self.currency_id))
        return body

    def _activity_type(self):
        return self.env.ref("l10n_fr_chorus_btp.mail_activity_type_chorus")

    def _responsible_user(self):
        """Who answers: the people allowed to send to Chorus Pro in the company, an administrator first."""
        admins = self.env.ref("l10n_fr_chorus_btp.group_chorus_admin").sudo().all_user_ids
        senders = self.env.ref(TRANSFER_GROUP).sudo().all_user_ids
        for users in (admins, senders):
            users = users.filtered(lambda u: u.active and not u.share and self.company_id in u.company_ids)
            if users:
                return users.sorted("id")[:1]
        return self.env.ref("base.user_admin")

    def _schedule_reminder(self):
        """A to-do for the responsible user, falling due a few days before the deadline."""
        due = max(self.deadline - timedelta(days=REMINDER_DAYS), fields.Date.context_today(self))
        self.activity_schedule(
            activity_type_id=self._activity_type().id, date_deadline=due, user_id=self._responsible_user().id,
            summary=self.env._("Accept or refuse %(number)s on Chorus Pro by %(deadline)s", number=self.number,
                               deadline=self.deadline),
            note=self.env._("Without an answer by then, Chorus Pro takes it as accepted."))

    # -- direct payments of our situations ----------------------------------------------------------------
    @api.model
    def _unused_accepted_invoices(self, market, period_end):
        """The accepted A9 invoices of ``market``'s directly paid subcontractors received up to ``period_end``
        that no situation deducts yet."""
        return self.search([("market_id", "=", market.id), ("state", "in", ACCEPTED_STATES),
                            ("direct_payment_id", "=", False), ("deposit_date", "<=", period_end),
                            ("subcontractor_id.direct_payment", "=", True),
                            ("cadre", "=", "A9_FACTURE_SOUSTRAITANT")])


class ChorusProMarket(models.Model):
    _inherit = "chorus.pro.market"

    validation_ids = fields.One2many("chorus.pro.validation", "market_id", string="Documents to validate")
    validation_to_do_count = fields.Integer(string="To validate", compute="_compute_validation_to_do_count")

    @api.depends("validation_ids.state")
    def _compute_validation_to_do_count(self):
        for market in self:
            market.validation_to_do_count = len(market.validation_ids.filtered(lambda v: v.state == "to_validate"))

    def action_view_validations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_validations")
        action.update({"domain": [("market_id", "=", self.id)], "context": {"search_default_to_validate": 1}})
        return action
