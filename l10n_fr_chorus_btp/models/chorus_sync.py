"""Status synchronisation: follow every invoice on Chorus Pro until a final status.

Cost per company and run: one paginated ``rechercher/fournisseur`` over the
statuses changed since the newest status already read (Chorus Pro's own clock,
with a short overlap): one call when nothing changed; one paginated works search
when works documents are followed (chorus_sync_works.py), one ``consulterCRDetaille`` per pending flow, and
one ``consulter/historique`` only for an invoice whose new status needs a
reason that the search did not carry (suspension, rejection, recycling).

Every answer is checked to be about the invoice before its status is applied: same number, same supplier
(:mod:`chorus_pro.identity`).  A mismatch is never applied: the cron records it as the transmission's error,
a manual update refuses with the reason.
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from chorus_pro.errors import AuthenticationError, ChorusProError
from chorus_pro.identity import DocumentIdentity, Mismatch, identity_mismatch
from chorus_pro.siret import compact_siret
from chorus_pro.statuses import (
    ACTION_NEEDED_STATUSES,
    COMPLETE_STATUSES,
    FINAL_STATUSES,
    FLOW_INTEGRATED_STATUSES,
    FLOW_TERMINAL_STATUSES,
    PAYMENT_STATUS,
    RECYCLE_STATUSES,
    REJECTED_STATUSES,
    VALIDATOR_ERROR_STATUSES,
    StatusUpdate,
    status_label,
    status_update,
)

from .chorus_messages import error_text, user_error
from .chorus_transmission import FOLLOWED_STATES
from .chorus_utils import chorus_commit

_logger = logging.getLogger(__name__)

#: re-read this much before the newest status date already read, for a status written on Chorus Pro just
#: before that one but listed by its search only after our read (unverified: see README, _window_start)
SYNC_OVERLAP = timedelta(minutes=5)
#: a company synced before the status mark existed: its last run (Odoo's clock) minus this margin
LAST_SYNC_OVERLAP = timedelta(hours=1)
#: first run of a company without any deposit date: look back this far
FIRST_SYNC_LOOKBACK = timedelta(days=400)
#: a manual refresh of at most this many invoices reads each of them by its id (exact: its details, for the
#: number and the supplier, and its history, for the status with its date and reason; 2 calls each)
MANUAL_HISTORY_LIMIT = 20
#: statuses whose reason (buyer's comment) the user needs
REASON_STATUSES = ACTION_NEEDED_STATUSES | REJECTED_STATUSES


def to_odoo_datetime(value):
    """Chorus Pro dates are often Paris time with an offset; Odoo stores naive UTC."""
    if not value:
        return False
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0)
    return datetime(value.year, value.month, value.day)


class ChorusProSync(models.AbstractModel):
    _name = "chorus.pro.sync"
    _description = "Chorus Pro status synchronisation"

    # -- entry points -----------------------------------------------------------------------
    @api.model
    def _cron_sync(self):
        """Scheduled action: every configured company, a few searches each, committed company by company."""
        companies = self.env["res.company"].sudo().search([("chorus_auth_failed", "=", False)])
        companies = companies.filtered(lambda c: c._chorus_is_configured())
        chorus_commit(self.env, remaining=len(companies))
        for company in companies:
            transmissions = self._followed(company)
            if transmissions:
                sync = self.sudo().with_company(company).with_context(lang=company.partner_id.lang or "fr_FR")
                try:
                    # chatter notes and tracked values in the company's language
                    sync._sync_company(company, transmissions.with_env(sync.env))
                except AuthenticationError as error:
                    # statuses already applied stay: they are true whatever happens next
                    sync._record_auth_failure(company, error)
                except ChorusProError as error:
                    _logger.warning("Chorus Pro status sync of company %s stopped: %s", company.id, error)
            chorus_commit(self.env, processed=1)

    @api.model
    def _sync_moves(self, moves):
        """Manual refresh ("Update the Chorus status") of the given invoices."""
        transmissions = moves.chorus_transmission_id.filtered(lambda t: t.chorus_invoice_id or t.flow_number)
        if not transmissions:
            raise UserError(self.env._("None of the selected invoices has been deposited on Chorus Pro yet."))
        changed = 0
        for company in transmissions.company_id:
            company_transmissions = transmissions.filtered(lambda t, c=company: t.company_id == c)
            if not company._chorus_is_configured():
                raise UserError(self.env._("Chorus Pro is not configured for the company %s.", company.name))
            try:
                # a manual update refuses an answer about another document instead of recording it
                sync = self.with_company(company).with_context(chorus_sync_refuse_mismatch=True)
                changed += sync._sync_company(company, company_transmissions.sudo(), manual=True)
            except ChorusProError as error:
                raise user_error(self.env, error) from None
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Chorus Pro"),
                "message": self.env._("%(checked)s invoice(s) checked, %(changed)s status change(s).",
                                      checked=len(transmissions), changed=changed),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # -- one company --------------------------------------------------------------------------
    @api.model
    def _followed(self, company):
        return self.env["chorus.pro.transmission"].sudo().search([
            ("company_id", "=", company.id),
            ("state", "in", FOLLOWED_STATES),
            # abandoned, deleted, associated works pieces… will not change any more
            ("status", "not in", sorted(FINAL_STATUSES)),
            "|", ("chorus_invoice_id", "!=", False), ("flow_number", "!=", False),
        ])

    def _sync_company(self, company, transmissions, manual=False):
        """Update ``transmissions`` (all of one company) from Chorus Pro; return the number of changes."""
        started = fields.Datetime.now()
        client = company._chorus_client()
        newest = None
        try:
            changed = self._sync_flows(client, transmissions.filtered(lambda t: t.flow_number
                                                                      and not t.chorus_invoice_id))
            tracked = transmissions.filtered("chorus_invoice_id")
            works = tracked.filtered("is_works")
            if manual and len(tracked - works) <= MANUAL_HISTORY_LIMIT:
                changed += self._sync_by_history(client, tracked - works)
            elif tracked - works:
                since = self._window_start(company, tracked - works, manual)
                searched, newest = self._sync_by_search(client, tracked - works, since)
                changed += searched
            if works:
                # the verified works search (chorus_sync_works.py)
                changed += self._sync_works(client, company, works, self._window_start(company, works, manual))
        finally:
            client.close()
        if not manual:
            values = {"chorus_last_sync": started}
            if newest and (not company.chorus_status_mark or newest > company.chorus_status_mark):
                values["chorus_status_mark"] = newest
            company.sudo().write(values)
        return changed

    def _window_start(self, company, transmissions, manual):
        """Where the search of changed statuses starts (``periodeDateHeureEtatCourantDu``).

        On Chorus Pro's own clock: the newest status date read by the last complete run, minus
        :data:`SYNC_OVERLAP` (whether Chorus Pro's search may list a status later than its date says is not
        documented; this overlap is the one place to widen if a status is ever missed).
        """
        if not manual and company.chorus_status_mark:
            return company.chorus_status_mark - SYNC_OVERLAP
        if not manual and company.chorus_last_sync:
            return company.chorus_last_sync - LAST_SYNC_OVERLAP
        deposits = [d for d in transmissions.mapped("deposit_date") if d]
        if deposits:
            # a deposit date is a Paris date: a day earlier covers its midnight in any time zone
            return datetime.combine(min(deposits), datetime.min.time()) - timedelta(days=1)
        return fields.Datetime.now() - FIRST_SYNC_LOOKBACK

    def _sync_by_search(self, client, transmissions, since):
        """Returns the number of changes and the newest status date listed (naive UTC, or None)."""
        by_id = _by_chorus_id(transmissions)
        changed, newest = 0, None
        for summary in client.factures.iter_supplier_invoices(status_changed_from=since):
            status_date = to_odoo_datetime(summary.status_date)
            if status_date and (newest is None or status_date > newest):
                newest = status_date
            found = DocumentIdentity(summary.invoice_number, summary.supplier_identifier)
            for transmission in by_id.get(str(summary.invoice_id), ()):
                if self._is_same_document(transmission, found) and self._apply_summary(
                        client, transmission, summary.status, summary.status_date, summary.status_comment):
                    changed += 1
        return changed, newest

    def _sync_by_history(self, client, transmissions):
        changed = 0
        for transmission in transmissions:
            details = client.factures.get_supplier_invoice(int(transmission.chorus_invoice_id))
            if not self._is_same_document(transmission, DocumentIdentity(
                    details.invoice_number, details.supplier_identifier, details.supplier_structure_id)):
                continue
            history = client.factures.get_history(int(transmission.chorus_invoice_id))
            if not self._is_same_document(transmission, DocumentIdentity(history.invoice_number)):
                continue
            if not history.current_status:
                continue
            event = next((e for e in history.events if e.status == history.current_status), None)
            if self._apply_status(transmission, history.current_status, event.date if event else None,
                                  history.last_comment):
                changed += 1
        return changed

    def _sync_flows(self, client, transmissions):
        """Flows deposited with ``deposer/flux``: wait for integration, then learn the invoice ids."""
        by_flow = defaultdict(lambda: self.env["chorus.pro.transmission"].sudo())
        for transmission in transmissions:
            by_flow[transmission.flow_number] |= transmission
        changed = 0
        for flow_number, flow_transmissions in by_flow.items():
            report = client.transverses.get_flow_report(flow_number)
            errors = {e.invoice_number: e.message for e in report.invoice_errors}
            for transmission in flow_transmissions:
                number = transmission.chorus_number or transmission.document_number
                if number in errors:
                    transmission._set_error(self.env._("Chorus Pro refused the invoice in flow %(flow)s: %(reason)s",
                                                       flow=flow_number, reason=errors[number]))
                    changed += 1
            waiting = flow_transmissions.filtered(lambda t: t.state != "error")
            if report.status in FLOW_INTEGRATED_STATUSES and waiting:
                by_number = {t.chorus_number or t.document_number: t for t in waiting}
                for summary in client.factures.iter_supplier_invoices(flow_number=flow_number):
                    transmission = by_number.get(summary.invoice_number)
                    if not transmission or transmission.chorus_invoice_id or not self._is_same_document(
                            transmission, DocumentIdentity(summary.invoice_number, summary.supplier_identifier)):
                        continue
                    transmission.write({"chorus_invoice_id": str(summary.invoice_id),
                                        "chorus_number": summary.invoice_number})
                    self._apply_summary(client, transmission, summary.status, summary.status_date,
                                        summary.status_comment)
                    changed += 1
            elif report.status in FLOW_TERMINAL_STATUSES and waiting:
                reason = "; ".join(report.technical_errors) or status_label(report.status)
                for transmission in waiting:
                    transmission._set_error(self.env._(
                        "Chorus Pro did not integrate flow %(flow)s (%(reason)s). Correct the invoice and send it "
                        "again.", flow=flow_number, reason=reason))
                    changed += 1
        return changed

    # -- applying a status --------------------------------------------------------------------
    def _apply_summary(self, client, transmission, status, status_date, comment):
        """A search line: read the history only when the reason (or the date) is needed and missing."""
        if not self._is_change(transmission, status, status_date):
            return False
        if (status in REASON_STATUSES and not comment) or not status_date:
            try:
                history = client.factures.get_history(int(transmission.chorus_invoice_id))
            except ChorusProError as error:
                if transmission.is_works and not isinstance(error, AuthenticationError):
                    history = None  # history of works documents is not verified: the status alone will do
                else:
                    raise
            # the search line was checked already; a works document's history may not carry its number (unverified)
            if history is not None and (history.invoice_number or not transmission.is_works) and not (
                    self._is_same_document(transmission, DocumentIdentity(history.invoice_number))):
                return False
            if history is not None:
                comment = history.last_comment
                event = next((e for e in history.events if e.status == status), None)
                status_date = status_date or (event.date if event else None)
        return self._apply_status(transmission, status, status_date, comment)

    # -- is the answer about this document? --------------------------------------------------------
    def _is_same_document(self, transmission, found):
        """Whether ``found`` (:class:`DocumentIdentity` of an answer) is the transmission's document.  When it
        is not, nothing is applied: the error is recorded on the transmission, or refused to the person who
        asked for the update."""
        company = transmission.company_id
        expected = DocumentIdentity(
            transmission.chorus_number or transmission.document_number or "", company._chorus_siret() or "",
            int(company.chorus_supplier_structure_identifier or 0) or None)
        mismatch = identity_mismatch(expected, found)
        if mismatch is None:
            return True
        message = self._mismatch_message(transmission, mismatch, expected, found)
        _logger.warning("Chorus Pro id %s of transmission %s answered about another document (%s): not applied",
                        transmission.chorus_invoice_id, transmission.id, mismatch.value)
        if self.env.context.get("chorus_sync_refuse_mismatch"):
            raise UserError(message)
        if transmission.last_error != message or transmission.state != "error":
            transmission._set_error(message)
        return False

    def _mismatch_message(self, transmission, mismatch, expected, found):
        values = {"document": transmission.document_number or transmission._document().display_name,
                  "identifier": transmission.chorus_invoice_id}
        if mismatch is Mismatch.NUMBER:
            return self.env._(
                "Chorus Pro answered about another document for %(document)s (Chorus Pro id %(identifier)s): "
                "its number is %(found)s, not %(expected)s. Its status was not applied. Check on Chorus Pro "
                "which document has this id; the invoice may have to be sent again.",
                found=found.number or "?", expected=expected.number, **values)
        return self.env._(
            "Chorus Pro answered about a document of another supplier for %(document)s (Chorus Pro id "
            "%(identifier)s): supplier %(found)s, not %(expected)s. Its status was not applied. Check the "
            "company's SIRET and, on Chorus Pro, the structure the document was deposited for.",
            **values, **_supplier_values(expected, found))

    @api.model
    def _is_change(self, transmission, status, status_date):
        return self._status_update(transmission, status, status_date) is not StatusUpdate.IGNORE

    def _status_update(self, transmission, status, status_date):
        """chorus_pro.statuses.status_update decides: an older reading is ignored, a newer earlier step reported."""
        return status_update(transmission.status, transmission.status_date or None, status,
                             to_odoo_datetime(status_date) or None)

    def _apply_status(self, transmission, status, status_date, comment):
        """Record a status read from Chorus Pro; log it, act on it. Return whether it changed."""
        update = self._status_update(transmission, status, status_date)
        if update is StatusUpdate.IGNORE:
            return False
        previous = transmission.status
        transmission._set_status(status, to_odoo_datetime(status_date) or fields.Datetime.now(), comment)
        if status != previous:
            document = transmission._document()
            body = self._status_message(transmission, status, comment)
            if update is StatusUpdate.BACKWARDS:
                _logger.warning("Chorus Pro status of transmission %s went back from %s to %s",
                                transmission.id, previous, status)
                body += Markup("<br/>%s") % self.env._(
                    "Chorus Pro shows an earlier step than before (%(previous)s): check the document on Chorus "
                    "Pro, and with the buyer if it was paid already.", previous=status_label(previous))
            document._chorus_log(body)
            self._follow_up_activity(document, status, comment)
        return True

    def _status_message(self, transmission, status, comment):
        when = transmission.status_date
        # the reader's date format and clock (stored datetimes are UTC); Chorus Pro lives on Paris time
        tz = self.env.user.tz or transmission.company_id.partner_id.tz or "Europe/Paris"
        body = Markup("%s <b>%s</b> (%s)") % (
            self.env._("Chorus Pro status:"), status_label(status),
            format_datetime(self.env, when, tz=tz, dt_format="short") if when else "")
        if status == PAYMENT_STATUS:
            body += Markup("<br/>%s") % self.env._(
                "The buyer has put the invoice into payment; reconcile the bank payment as usual.")
        if comment:
            body += Markup("<br/>%s %s") % (self.env._("Buyer's comment:"), comment)
        return body

    # -- activities ----------------------------------------------------------------------------
    def _activity_summary(self, status):
        if status in COMPLETE_STATUSES:
            return self.env._("Complete the invoice on Chorus Pro")
        if status in RECYCLE_STATUSES:
            return self.env._("Recycle the invoice on Chorus Pro")
        if status in VALIDATOR_ERROR_STATUSES:
            return self.env._("Correct the validator on Chorus Pro")
        if status in REJECTED_STATUSES:
            return self.env._("Invoice rejected on Chorus Pro: issue a credit note and a new invoice")
        return self.env._("Action needed on Chorus Pro")

    def _responsible_user(self, move):
        user = move.invoice_user_id
        if user and user.active and not user.share:
            return user
        admins = self.env.ref("l10n_fr_chorus_btp.group_chorus_admin").sudo().all_user_ids.filtered(
            lambda u: u.active and move.company_id in u.company_ids)
        return admins[:1] or self.env.ref("base.user_admin")

    def _follow_up_activity(self, move, status, comment):
        """Close the previous Chorus Pro to-do of the invoice; open one when the supplier must act."""
        activity_type = self.env.ref("l10n_fr_chorus_btp.mail_activity_type_chorus")
        open_ones = move.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
        if open_ones:
            open_ones.action_feedback(feedback=self.env._("Chorus Pro status is now %s.", status_label(status)))
        if status not in REASON_STATUSES:
            return
        move.sudo().activity_schedule(
            activity_type_id=activity_type.id,
            summary=self._activity_summary(status),
            note=comment or status_label(status),
            user_id=self._responsible_user(move).id,
        )

    # -- failures ------------------------------------------------------------------------------
    def _record_auth_failure(self, company, error):
        """Pause the company's Chorus Pro traffic (transfers and syncs) until its settings are fixed."""
        _logger.warning("Chorus Pro refused the credentials of company %s: %s; sync paused",
                        company.id, error.message_en)
        company._chorus_mark_auth_failed(error_text(self.env, error))


def _by_chorus_id(transmissions):
    """Transmissions by Chorus Pro id: a list each, as two may carry the same id (then one at most is right)."""
    by_id = defaultdict(list)
    for transmission in transmissions:
        by_id[transmission.chorus_invoice_id].append(transmission)
    return by_id


def _supplier_values(expected, found):
    """The two suppliers as the answer names them: SIRETs when they differ, else structure ids."""
    if compact_siret(expected.supplier_siret) != compact_siret(found.supplier_siret or expected.supplier_siret):
        return {"found": found.supplier_siret, "expected": expected.supplier_siret}
    return {"found": found.supplier_structure_id, "expected": expected.supplier_structure_id}
