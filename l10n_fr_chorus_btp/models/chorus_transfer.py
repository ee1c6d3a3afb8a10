"""The sender: queued invoices → Chorus Pro, outside the posting transaction.

Each invoice goes through two commits: ``sending`` is committed before calling
Chorus Pro, the outcome after.  An invoice found in ``sending`` long after
(the worker died between the deposit and the second commit) or whose answer
was lost is searched on Chorus Pro before any new deposit, so nothing is
deposited twice.
"""

import logging
import time
from datetime import timedelta

from odoo import api, fields, models
from odoo.modules import module as odoo_module

from chorus_pro import (
    AuthenticationError,
    BusinessError,
    ChorusProError,
    ConfigurationError,
    DocumentValidationError,
    OutcomeUnknownError,
)
from chorus_pro.statuses import transmission_state

from .chorus_utils import naive_utc

_logger = logging.getLogger(__name__)

#: a ``sending`` invoice older than this was abandoned by a dead worker
STALE_SENDING = timedelta(minutes=15)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=2)
BACKOFF_MAX = timedelta(hours=6)


class ChorusProTransfer(models.AbstractModel):
    _name = "chorus.pro.transfer"
    _description = "Chorus Pro invoice transfer"

    # -- commits --------------------------------------------------------------------------------------
    def _chorus_commit(self):
        """Commit in production (the cron path only).

        Under a test, the test's own cursor must not commit (Odoo forbids it): changes are flushed
        instead; a cursor opened with ``registry.cursor()`` in registry test mode really commits
        (it releases its savepoint), so tests may exercise the committed path too.
        """
        current_test = odoo_module.current_test
        if current_test and getattr(current_test, "cr", None) is self.env.cr:
            self.env.flush_all()
            return
        self.env.cr.commit()

    # -- cron -----------------------------------------------------------------------------------------
    @api.model
    def _cron_send_queued(self, limit=None, time_budget=None):
        """Send the queued invoices (those queued by a user allowed to transfer).  Returns the sent count."""
        self._recover_stale_sending()
        clients, paused, done = {}, set(), 0
        deadline = time.monotonic() + time_budget if time_budget else None
        try:
            while limit is None or done < limit:
                if deadline and time.monotonic() > deadline:
                    break
                move = self._lock_next_queued(paused)
                if not move:
                    break
                company = move.company_id
                if company.id not in clients:
                    clients[company.id] = company._chorus_client()
                lang = self._log_lang(move)
                outcome = self.with_context(lang=lang)._send_one(move.with_context(lang=lang), clients[company.id])
                if outcome == "auth_failed":
                    paused.add(company.id)
                done += 1
        finally:
            for client in clients.values():
                try:
                    client.close()
                except Exception:  # noqa: BLE001 - never hide the real outcome
                    _logger.debug("closing the Chorus Pro client failed", exc_info=True)
        remaining = self._count_queued(paused)
        if remaining and limit is not None and done >= limit:
            self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_send").sudo()._trigger()
        return done

    def _queued_where(self, paused):
        paused_companies = tuple(paused) or (0,)
        return (
            "m.chorus_state = 'to_send' AND m.chorus_transfer_authorized AND m.state = 'posted'"
            " AND (m.chorus_next_attempt IS NULL OR m.chorus_next_attempt <= %s)"
            " AND m.company_id NOT IN %s"
            " AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.id = m.company_id AND c.chorus_auth_failed)",
            [fields.Datetime.now(), paused_companies],
        )

    def _lock_next_queued(self, paused):
        where, params = self._queued_where(paused)
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT m.id FROM account_move m WHERE {where}"  # noqa: S608 - constant SQL, values are parameters
            " ORDER BY m.chorus_next_attempt NULLS FIRST, m.id LIMIT 1 FOR UPDATE OF m SKIP LOCKED",
            params)
        row = self.env.cr.fetchone()
        return self.env["account.move"].browse(row[0]) if row else self.env["account.move"]

    def _count_queued(self, paused):
        where, params = self._queued_where(paused)
        self.env.cr.execute(f"SELECT COUNT(*) FROM account_move m WHERE {where}", params)  # noqa: S608
        return self.env.cr.fetchone()[0]

    def _recover_stale_sending(self):
        """Invoices left in ``sending`` by a dead worker: search them on Chorus Pro before sending again."""
        limit = fields.Datetime.now() - STALE_SENDING
        stale = self.env["account.move"].search([
            ("chorus_state", "=", "sending"), ("chorus_send_started", "<", limit)])
        if stale:
            _logger.warning("Chorus Pro: %s invoice(s) abandoned while sending; they will be searched on Chorus "
                            "Pro before any new deposit", len(stale))
            stale.write({"chorus_state": "to_send", "chorus_reconcile_needed": True, "chorus_next_attempt": False})
            self._chorus_commit()

    # -- one invoice ----------------------------------------------------------------------------------
    def _send_one(self, move, client):
        move.write({"chorus_state": "sending", "chorus_send_started": fields.Datetime.now()})
        self._chorus_commit()
        try:
            if move.chorus_reconcile_needed and self._reconcile(move, client):
                return "found"
            result = self._deposit(move, client)
        except OutcomeUnknownError as exc:
            _logger.warning("Chorus Pro: answer lost for invoice %s (%s); searching it", move.id, exc.message_en)
            return self._after_lost_answer(move, client, exc)
        except AuthenticationError as exc:
            return self._after_auth_error(move, exc)
        except (BusinessError, DocumentValidationError, ConfigurationError) as exc:
            return self._after_business_error(move, exc)
        except ChorusProError as exc:
            if exc.retryable:
                return self._after_transient_error(move, exc)
            return self._after_business_error(move, exc)
        except Exception:  # noqa: BLE001 - an unexpected bug must not block the queue
            _logger.exception("Chorus Pro: unexpected error while sending invoice %s", move.id)
            if self._can_rollback():
                self.env.cr.rollback()
            move.write({"chorus_state": "error", "chorus_last_error": move.env._(
                "Unexpected error while sending; see the server log.")})
            self._chorus_commit()
            return "error"
        self._record_deposit(move, result)
        self._chorus_commit()
        return "deposited"

    def _log_lang(self, move):
        """Chatter notes and tracked labels in the language of the people who follow the invoice."""
        user = move.invoice_user_id or move.chorus_queued_by_id
        return user.lang or move.company_id.partner_id.lang or self.env.lang

    def _can_rollback(self):
        current_test = odoo_module.current_test
        return not (current_test and getattr(current_test, "cr", None) is self.env.cr)

    def _deposit(self, move, client):
        """Upload the PDF, then ``soumettre`` (A1, A2, A9, A12) or the works deposit (A4, A7, A8…)."""
        structure_id = self._learn_company_ids(move.company_id, client)
        invoice = move._chorus_build_invoice(with_pdf=True)
        return client.send_invoice(invoice, supplier_structure_id=structure_id)

    @api.model
    def _learn_company_ids(self, company, client):
        """The supplier structure id and bank account id on Chorus Pro, learnt once (as the doctor does)."""
        if not company.chorus_supplier_structure_identifier:
            siret = company._chorus_siret()
            structure = next((s for s in client.supplier_structures() if s.identifier == siret), None)
            if structure is None:
                raise ConfigurationError(
                    f"The technical account may not invoice for SIRET {siret}",
                    f"Le compte technique n'est pas rattaché à la structure {siret} sur Chorus Pro : rattachez-la "
                    "(espace « Raccordement EDI/API ») puis cliquez sur « Tester la connexion ».",
                    field="supplier")
            company.sudo().chorus_supplier_structure_identifier = str(structure.id)
        structure_id = int(company.chorus_supplier_structure_identifier)
        if not company.chorus_bank_account_identifier:
            accounts = client.valid_bank_accounts(structure_id)
            if accounts:
                company.sudo().chorus_bank_account_identifier = str(accounts[0].id)
        return structure_id

    def _reconcile(self, move, client):
        """Search the invoice on Chorus Pro; record it when found.  Returns whether it was found."""
        around = (move.chorus_send_started or fields.Datetime.now()).date()
        found = client.find_supplier_invoice(move.name, around=around, include_works=move.chorus_is_works)
        if found is None:
            move.chorus_reconcile_needed = False
            return False
        self._record_found(move, found)
        self._chorus_commit()
        return True

    def _record_deposit(self, move, result):
        state = transmission_state(result.status).value
        move.write({
            "chorus_state": state,
            "chorus_identifier": str(result.invoice_id),
            "chorus_invoice_number": result.invoice_number or move.name,
            "chorus_status": result.status,
            "chorus_status_date": fields.Datetime.now(),
            "chorus_deposit_date": result.deposit_date or fields.Date.context_today(move),
            "chorus_last_error": False,
            "chorus_reconcile_needed": False,
            "chorus_next_attempt": False,
        })
        move._chorus_log(move.env._("Deposited on Chorus Pro: id %(identifier)s, status %(status)s.",
                                    identifier=result.invoice_id, status=move.chorus_status_label))

    def _record_found(self, move, found):
        move.write({
            "chorus_state": transmission_state(found.status).value,
            "chorus_identifier": str(found.invoice_id),
            "chorus_invoice_number": found.invoice_number or move.name,
            "chorus_flow_number": found.flow_number or move.chorus_flow_number,
            "chorus_status": found.status,
            "chorus_status_date": naive_utc(found.status_date) or fields.Datetime.now(),
            "chorus_deposit_date": found.deposit_date or fields.Date.context_today(move),
            "chorus_last_error": False,
            "chorus_reconcile_needed": False,
            "chorus_next_attempt": False,
        })
        move._chorus_log(move.env._(
            "Found on Chorus Pro after a lost answer (id %(identifier)s): it was not deposited a second time.",
            identifier=found.invoice_id))

    # -- outcomes -------------------------------------------------------------------------------------
    def _after_lost_answer(self, move, client, exc):
        move.write({"chorus_reconcile_needed": True, "chorus_last_error": exc.message_fr})
        self._chorus_commit()
        try:
            if self._reconcile(move, client):
                return "found"
            # not found yet: a slow Chorus Pro may still create it; search again before the next deposit
            move.chorus_reconcile_needed = True
        except ChorusProError as search_exc:
            _logger.warning("Chorus Pro: search after a lost answer failed for invoice %s: %s", move.id,
                            search_exc.message_en)
            move.chorus_reconcile_needed = True
        return self._retry_later(move, exc)

    def _after_auth_error(self, move, exc):
        _logger.warning("Chorus Pro: authentication refused for company %s: %s; transfers paused",
                        move.company_id.id, exc.message_en)
        move.company_id._chorus_mark_auth_failed(exc.message_fr)
        move.write({"chorus_state": "to_send", "chorus_last_error": exc.message_fr})
        self._chorus_commit()
        return "auth_failed"

    def _after_business_error(self, move, exc):
        message = getattr(exc, "message_fr", str(exc))
        move.write({"chorus_state": "action_needed", "chorus_last_error": message,
                    "chorus_transfer_authorized": False, "chorus_next_attempt": False})
        move._chorus_log(move.env._("Chorus Pro refused the invoice: %(message)s", message=message))
        move._chorus_schedule_activity(move.env._("Chorus Pro: invoice to correct"), message)
        self._chorus_commit()
        return "action_needed"

    def _after_transient_error(self, move, exc):
        _logger.info("Chorus Pro: temporary failure for invoice %s: %s", move.id, exc.message_en)
        return self._retry_later(move, exc)

    def _retry_later(self, move, exc):
        attempts = move.chorus_send_attempts + 1
        if attempts >= MAX_ATTEMPTS:
            move.write({"chorus_state": "error", "chorus_send_attempts": attempts,
                        "chorus_last_error": exc.message_fr, "chorus_next_attempt": False})
            move._chorus_log(move.env._("Chorus Pro unreachable after %(count)s attempts: %(message)s",
                                        count=attempts, message=exc.message_fr))
            self._chorus_commit()
            return "error"
        delay = min(BACKOFF_BASE * (2 ** (attempts - 1)), BACKOFF_MAX)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            delay = max(delay, timedelta(seconds=retry_after))
        next_attempt = fields.Datetime.now() + delay
        move.write({"chorus_state": "to_send", "chorus_send_attempts": attempts,
                    "chorus_next_attempt": next_attempt, "chorus_last_error": exc.message_fr})
        self._chorus_commit()
        self.env.ref("l10n_fr_chorus_btp.ir_cron_chorus_send").sudo()._trigger(next_attempt)
        return "retry"

    @api.model
    def _move_to_chorus_invoice(self, move):
        return move._chorus_build_invoice(with_pdf=True)
