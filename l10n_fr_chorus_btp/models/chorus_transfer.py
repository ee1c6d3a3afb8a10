"""The sender: queued transmissions → Chorus Pro, outside the transaction of the person who queued them.

Each transmission goes through two commits: ``sending`` is committed before calling Chorus Pro, the
outcome after.  While a deposit is in flight, a second database connection of the sender holds a lock on
the transmission row; a transmission found in ``sending`` whose row nobody holds lost its sender (the worker
died), and like a deposit whose answer was lost it is searched on Chorus Pro before any new deposit: nothing
is deposited twice.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from chorus_pro import (
    AuthenticationError,
    BusinessError,
    ChorusProError,
    ConfigurationError,
    DocumentValidationError,
    OutcomeUnknownError,
)
from chorus_pro.documents import validate_invoice
from chorus_pro.errors import DuplicateInvoiceError
from chorus_pro.results import FlowDeposit
from chorus_pro.supplier import resolve_supplier
from chorus_pro.works_flow import build_works_cii, works_flow_file_name, works_flow_syntax

from .chorus_messages import error_text
from .chorus_utils import can_rollback, chorus_commit, cursors_share_a_test_transaction
from .chorus_works_modes import API, FLUX, PORTAL

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: a document deposited on the portal is searched this often, and signalled when not found after a day
PORTAL_SEARCH_INTERVAL = timedelta(hours=1)
PORTAL_FIND_DELAY = timedelta(days=1)
#: taken by a live sender, from a second connection, for as long as the deposit of a transmission is in flight
SENDER_LOCK_SQL = "SELECT id FROM chorus_pro_transmission WHERE id = %s FOR KEY SHARE"
BACKOFF_BASE = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=6)


class ChorusProTransfer(models.AbstractModel):
    _name = "chorus.pro.transfer"
    _description = "Chorus Pro invoice transfer"

    # -- cron -----------------------------------------------------------------------------------------
    @api.model
    def _cron_send_queued(self, limit=None):
        """Send the queued transmissions, one committed unit each.  Returns how many were handled."""
        self._recover_abandoned()
        clients, paused, done = {}, set(), 0
        chorus_commit(self.env, remaining=self._count_due(paused))
        try:
            while limit is None or done < limit:
                transmission = self._lock_next_due(paused)
                if not transmission:
                    break
                company = transmission.company_id
                if company.id not in clients:
                    clients[company.id] = company._chorus_client()
                lang = self._log_lang(transmission)
                if transmission.state == "portal_to_find":
                    # deposited by a person on the portal: only searched, never deposited by the sender
                    outcome = self.with_context(lang=lang)._find_on_portal(transmission.with_context(lang=lang),
                                                                           clients[company.id])
                else:
                    with self._sender_alive(transmission):
                        outcome = self.with_context(lang=lang)._send_one(transmission.with_context(lang=lang),
                                                                         clients[company.id])
                if outcome == "auth_failed":
                    paused.add(company.id)
                done += 1
                if not chorus_commit(self.env, processed=1):
                    break  # the cron's time is up: it runs again for what remains
        finally:
            for client in clients.values():
                try:
                    client.close()
                except Exception:  # noqa: BLE001 - never hide the real outcome
                    _logger.debug("closing the Chorus Pro client failed", exc_info=True)
        remaining = self._count_due(paused)
        chorus_commit(self.env, remaining=remaining)
        return done

    def _due_where(self, paused):
        return (
            "t.state IN ('to_send', 'to_reconcile', 'portal_to_find') AND (m.state = 'posted' OR w.state = 'validated')"
            " AND (t.next_attempt IS NULL OR t.next_attempt <= %s)"
            " AND t.company_id NOT IN %s AND NOT c.chorus_auth_failed",
            [fields.Datetime.now(), tuple(paused) or (0,)],
        )

    _DUE_FROM = (" FROM chorus_pro_transmission t LEFT JOIN account_move m ON m.id = t.move_id"
                 " LEFT JOIN chorus_pro_works_document w ON w.id = t.works_document_id"
                 " JOIN res_company c ON c.id = t.company_id")

    def _lock_next_due(self, paused):
        """The next due transmission, locked so that no other sender takes it (others may still reference it)."""
        where, params = self._due_where(paused)
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT t.id{self._DUE_FROM} WHERE {where}"  # noqa: S608 - constant SQL, values are parameters
            " ORDER BY t.next_attempt NULLS FIRST, t.id LIMIT 1 FOR NO KEY UPDATE OF t SKIP LOCKED",
            params)
        row = self.env.cr.fetchone()
        return self.env["chorus.pro.transmission"].sudo().browse(row[0] if row else [])

    def _count_due(self, paused):
        where, params = self._due_where(paused)
        self.env.cr.execute(f"SELECT COUNT(*){self._DUE_FROM} WHERE {where}", params)  # noqa: S608
        return self.env.cr.fetchone()[0]

    @contextmanager
    def _sender_alive(self, transmission):
        """Hold a lock on the transmission row from a second connection while its deposit is in flight.

        ``FOR KEY SHARE`` lets this sender update the row, and makes the ``FOR UPDATE SKIP LOCKED`` of
        :meth:`_recover_abandoned` pass it by.  When the worker dies, its connections close and the lock goes.
        In registry test mode every cursor shares the test's transaction: no second connection exists there,
        and any ``sending`` found at the start of a run is abandoned (runs do not overlap in a test).
        """
        if cursors_share_a_test_transaction(self.env):
            yield
            return
        with self.env.registry.cursor() as lock_cr:
            lock_cr.execute(SENDER_LOCK_SQL, [transmission.id])
            yield
            lock_cr.rollback()

    def _recover_abandoned(self):
        """Transmissions left in ``sending`` by a dead worker: searched on Chorus Pro before any new deposit."""
        self.env.flush_all()
        self.env.cr.execute("SELECT id FROM chorus_pro_transmission WHERE state = 'sending'"
                            " FOR UPDATE SKIP LOCKED")
        abandoned = self.env["chorus.pro.transmission"].sudo().browse([row[0] for row in self.env.cr.fetchall()])
        if abandoned:
            _logger.warning("Chorus Pro: %s transmission(s) abandoned while sending; they will be searched on "
                            "Chorus Pro before any new deposit", len(abandoned))
            abandoned.write({"state": "to_reconcile", "next_attempt": False})
            chorus_commit(self.env)

    # -- one transmission -----------------------------------------------------------------------------
    def _send_one(self, transmission, client):
        reconcile_first = transmission.state == "to_reconcile"
        transmission.write({"state": "sending", "send_started": fields.Datetime.now()})
        chorus_commit(self.env)
        try:
            if reconcile_first and self._reconcile(transmission, client):
                return "found"
            if reconcile_first and transmission.deposit_mode == FLUX and not transmission.flow_number:
                # a flow whose answer was lost is integrated later: its document may still appear, so it is never
                # sent again by the sender (after the last search, a person checks on Chorus Pro).  A flow whose
                # report said rejected (its number is known) created nothing: it may go again.
                return self._retry_later(transmission, OutcomeUnknownError(
                    "factures/v1/deposer/flux", transmission.document_number, "not found yet"), state="to_reconcile")
            result = self._deposit(transmission, client)
        except OutcomeUnknownError as exc:
            _logger.warning("Chorus Pro: answer lost for transmission %s (%s); searching it", transmission.id,
                            exc.message_en)
            return self._after_lost_answer(transmission, client, exc)
        except AuthenticationError as exc:
            return self._after_auth_error(transmission, exc)
        except (BusinessError, DocumentValidationError, ConfigurationError, UserError) as exc:
            return self._after_business_error(transmission, exc)
        except ChorusProError as exc:
            if exc.retryable:
                return self._after_transient_error(transmission, exc)
            return self._after_business_error(transmission, exc)
        except Exception:  # noqa: BLE001 - an unexpected bug must not block the queue
            _logger.exception("Chorus Pro: unexpected error while sending transmission %s", transmission.id)
            if can_rollback(self.env):
                self.env.cr.rollback()
            transmission.write({"state": "error", "last_error": transmission.env._(
                "Unexpected error while sending; see the server log.")})
            chorus_commit(self.env)
            return "error"
        if isinstance(result, FlowDeposit):
            transmission._record_flow_deposit(result)
        else:
            transmission._record_deposit(result)
        chorus_commit(self.env)
        return "deposited"

    def _log_lang(self, transmission):
        """Chatter notes and tracked labels in the language of the people who follow the document."""
        user = transmission._document().invoice_user_id or transmission.queued_by_id
        return user.lang or transmission.company_id.partner_id.lang or self.env.lang

    def _error_text(self, transmission, exc):
        """What went wrong, in the language of the people who follow the document (stored on the transmission)."""
        return error_text(self.with_context(lang=self._log_lang(transmission)).env, exc)

    def _deposit(self, transmission, client):
        """Upload the PDF, then ``soumettre`` (A1, A2, A9, A12) or the works deposit (A4, A7, A8…)."""
        document = transmission._document()
        # a credit note is not paid: it needs no bank account
        paid = not (document._name == "account.move" and document.move_type == "out_refund")
        structure_id = self._learn_company_ids(transmission.company_id, client, needs_bank_account=paid)
        if document._name == "account.move":
            # the report renders in the customer's language and may write on the invoice: the tracking of this
            # transaction is opened first here, so that the chatter shows the states in its readers' language
            document._track_prepare(["chorus_state"])
        invoice = document._chorus_build_invoice(with_pdf=True)
        transmission.write({"document_number": invoice.number, "cadre": invoice.cadre.short})
        if transmission.deposit_mode == PORTAL:
            # a person deposits it on the portal: the sender never does (a state machine bug if reached)
            raise UserError(transmission.env._("This works document is deposited on the Chorus Pro portal, not "
                                               "by Odoo."))
        if transmission.deposit_mode == FLUX:
            # a new flow: the number of a rejected one no longer describes it (a lost answer leaves it empty)
            transmission.write({"flow_number": False})
            return self._deposit_works_flow(invoice, client)
        # a works document sent by the experimental API: a number already on Chorus Pro is refused first
        return client.deposits.send(invoice, supplier_structure_id=structure_id,
                                    refuse_duplicate=transmission.deposit_mode == API)

    def _deposit_works_flow(self, invoice, client):
        """The flux deposit of a works document: validated, refused when its number is already on Chorus Pro,
        then one structured CII flow (chorus_pro.works_flow: the unverified choices are there)."""
        validate_invoice(invoice, operation="works")
        existing = client.deposits.find(invoice.number, include_works=True)
        if existing is not None:
            raise DuplicateInvoiceError(existing.invoice_number, existing.invoice_id, existing.status)
        return client.factures.deposit_flow(build_works_cii(invoice), works_flow_file_name(invoice),
                                            works_flow_syntax())

    @api.model
    def _learn_company_ids(self, company, client, needs_bank_account=True):
        """The supplier structure id and the bank account of the deposits, by chorus_pro.supplier's policy (the
        chosen account, else the only valid one; several or none: refused); what was learnt is kept."""
        known, chosen = company.chorus_supplier_structure_identifier, company.chorus_bank_account_identifier
        supplier = resolve_supplier(
            client, company._chorus_siret(), int(chosen) if (chosen or "").isdigit() else None,
            structure_id=int(known) if (known or "").isdigit() else None, needs_bank_account=needs_bank_account)
        vals = {}
        if str(supplier.structure_id) != known:
            vals["chorus_supplier_structure_identifier"] = str(supplier.structure_id)
        if supplier.bank_account_id and str(supplier.bank_account_id) != chosen:
            vals["chorus_bank_account_identifier"] = str(supplier.bank_account_id)
        if vals:
            company.sudo().write(vals)
        return supplier.structure_id

    def _reconcile(self, transmission, client):
        """Search the document on Chorus Pro; record it when found.  Returns whether it was found."""
        around = (transmission.send_started or fields.Datetime.now()).date()
        found = client.deposits.find(transmission.document_number, around=around,
                                     include_works=transmission.is_works)
        if found is None:
            return False
        transmission._record_found(found)
        chorus_commit(self.env)
        return True

    def _find_on_portal(self, transmission, client):
        """A document a person deposited on the portal: searched by its number (verified works search).

        Not found a day after the person said it was deposited: an activity on the document says what to check.
        """
        try:
            if self._reconcile(transmission, client):
                return "found"
        except AuthenticationError as exc:
            transmission.company_id._chorus_mark_auth_failed(self._error_text(transmission, exc))
            chorus_commit(self.env)
            return "auth_failed"
        except ChorusProError as exc:
            _logger.info("Chorus Pro: search of portal deposit %s failed: %s", transmission.id, exc.message_en)
        now = fields.Datetime.now()
        if not transmission.portal_alert_sent and transmission.portal_done_at \
                and now - transmission.portal_done_at >= PORTAL_FIND_DELAY:
            document = transmission._document()
            document._chorus_schedule_activity(
                document.env._("Chorus Pro: works document not found"),
                document.env._(
                    "%(number)s was declared deposited on the Chorus Pro portal on %(date)s, but the works search "
                    "does not find it. Check on the portal, in \"Factures de travaux\", that the deposit was "
                    "submitted (not left as a draft), that its number is exactly %(number)s, and that it was "
                    "deposited for the structure of SIRET %(siret)s.",
                    number=transmission.document_number, date=transmission.portal_done_at,
                    siret=transmission.company_id.company_registry or ""))
            transmission.write({"portal_alert_sent": True})
        next_attempt = now + PORTAL_SEARCH_INTERVAL
        transmission.write({"next_attempt": next_attempt})
        chorus_commit(self.env)
        transmission._trigger_sender(next_attempt)
        return "retry"

    # -- outcomes -------------------------------------------------------------------------------------
    def _after_lost_answer(self, transmission, client, exc):
        transmission.write({"state": "to_reconcile", "last_error": self._error_text(transmission, exc)})
        chorus_commit(self.env)
        try:
            if self._reconcile(transmission, client):
                return "found"
        except ChorusProError as search_exc:
            _logger.warning("Chorus Pro: search after a lost answer failed for transmission %s: %s",
                            transmission.id, search_exc.message_en)
        # not found yet: a slow Chorus Pro may still create it; it is searched again before the next deposit
        return self._retry_later(transmission, exc, state="to_reconcile")

    def _after_auth_error(self, transmission, exc):
        _logger.warning("Chorus Pro: authentication refused for company %s: %s; transfers paused",
                        transmission.company_id.id, exc.message_en)
        message = self._error_text(transmission, exc)
        transmission.company_id._chorus_mark_auth_failed(message)
        transmission.write({"state": "to_send", "last_error": message})
        chorus_commit(self.env)
        return "auth_failed"

    def _after_business_error(self, transmission, exc):
        message = self._error_text(transmission, exc)
        transmission.write({"state": "action_needed", "last_error": message, "next_attempt": False})
        document = transmission._document()
        document._chorus_log(document.env._("Chorus Pro refused the invoice: %(message)s", message=message))
        document._chorus_schedule_activity(document.env._("Chorus Pro: invoice to correct"), message)
        chorus_commit(self.env)
        return "action_needed"

    def _after_transient_error(self, transmission, exc):
        _logger.info("Chorus Pro: temporary failure for transmission %s: %s", transmission.id, exc.message_en)
        return self._retry_later(transmission, exc)

    def _retry_later(self, transmission, exc, state="to_send"):
        message = self._error_text(transmission, exc)
        attempts = transmission.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            transmission.write({"state": "error", "attempts": attempts,
                                "last_error": message, "next_attempt": False})
            document = transmission._document()
            document._chorus_log(document.env._("Chorus Pro unreachable after %(count)s attempts: %(message)s",
                                                count=attempts, message=message))
            chorus_commit(self.env)
            return "error"
        delay = min(BACKOFF_BASE * (2 ** (attempts - 1)), BACKOFF_MAX)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        next_attempt = fields.Datetime.now() + delay
        transmission.write({"state": state, "attempts": attempts, "next_attempt": next_attempt,
                            "last_error": message})
        chorus_commit(self.env)
        transmission._trigger_sender(next_attempt)
        return "retry"
