"""The amount the project manager (MOE) accepted on Chorus Pro, when it differs from the supplier's own.

Since 19 February 2025 the MOE no longer refuses a projet de décompte for a wrong amount: it corrects it, and
the supplier may contest the corrected amount within 30 days of its notification
(:func:`ccag_travaux.payment.contest_deadline`), else it is accepted.  The works sync reads the amount back
(``montantAPayer`` of the MOE's or the MOA's piece) and records it here, once per difference, with an activity;
the accountant then accepts it (a situation proposes its correcting document) or contests it before the deadline.
"""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date

from ccag_travaux.payment import contest_deadline, contest_reminder_date

from .chorus_situation_measure import check_code_only_fields

DIFFERENCE_STATES = [("pending", "Pending"), ("accepted", "Accepted"), ("contested", "Contested")]
ACCOUNTANT_GROUP = "account.group_account_invoice"
AMOUNT_CHANGED_ACTIVITY = "l10n_fr_chorus_btp.mail_activity_type_chorus_amount_changed"
#: Chorus Pro's dates are Paris time: the day of the notification is the Paris day
CHORUS_TZ = ZoneInfo("Europe/Paris")
#: written by the sync and the two actions only (as superuser)
CORRECTION_FIELDS = ("chorus_correction_piece_id", "chorus_own_amount", "chorus_corrected_amount",
                     "chorus_amount_difference", "chorus_correction_date", "chorus_contest_deadline",
                     "chorus_difference_state", "chorus_accepted_amount", "chorus_accepted_date",
                     "chorus_accepted_by_id", "chorus_contest_reason", "chorus_contested_date")


def notification_day(status_date):
    """The Paris day of a status date stored by Odoo (naive UTC)."""
    if not status_date:
        return None
    return status_date.replace(tzinfo=timezone.utc).astimezone(CHORUS_TZ).date() if isinstance(
        status_date, datetime) else status_date


class ChorusProAmountCorrection(models.AbstractModel):
    _name = "chorus.pro.amount.correction"
    _description = "Amount corrected by the project manager on Chorus Pro"

    currency_id = fields.Many2one("res.currency")  # each record names its own (the market's)
    chorus_correction_piece_id = fields.Many2one("chorus.pro.works.piece", string="Piece with the corrected amount",
                                                 readonly=True, copy=False)
    chorus_own_amount = fields.Monetary(string="Our amount to pay", readonly=True, copy=False)
    chorus_corrected_amount = fields.Monetary(string="Amount accepted by the project manager", readonly=True,
                                              copy=False)
    chorus_amount_difference = fields.Monetary(string="Difference", readonly=True, copy=False,
                                               help="The amount accepted by the project manager minus ours.")
    chorus_correction_date = fields.Date(string="Corrected on", readonly=True, copy=False,
                                         help="The date of the project manager's piece on Chorus Pro.")
    chorus_contest_deadline = fields.Date(string="Contest before", readonly=True, copy=False,
                                          help="30 days from the project manager's correction; without a contest "
                                               "by then, the corrected amount is accepted.")
    chorus_difference_state = fields.Selection(DIFFERENCE_STATES, string="Amount difference", readonly=True,
                                               copy=False)
    chorus_accepted_amount = fields.Monetary(string="Accepted amount", readonly=True, copy=False)
    chorus_accepted_date = fields.Date(string="Accepted on", readonly=True, copy=False)
    chorus_accepted_by_id = fields.Many2one("res.users", string="Accepted by", readonly=True, copy=False)
    chorus_contest_reason = fields.Text(string="Reason of the contest", readonly=True, copy=False)
    chorus_contested_date = fields.Date(string="Contested on", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        check_code_only_fields(self, vals_list, CORRECTION_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_code_only_fields(self, [vals], CORRECTION_FIELDS)
        return super().write(vals)

    # -- what the sync records ------------------------------------------------------------------------
    def _chorus_own_amount_to_pay(self):
        """Our amount to pay, as deposited on Chorus Pro."""
        raise NotImplementedError

    def _chorus_responsible(self):
        self.ensure_one()
        return self.env.user

    def _chorus_record_corrected_amount(self, piece):
        """``piece`` (the MOE's or the MOA's) carries an amount to pay: record it when it differs from ours.

        Once per difference: the same piece read again, or the MOA's piece carrying the amount of the MOE's,
        adds nothing.  Returns whether a new difference was recorded."""
        self.ensure_one()
        currency = self.currency_id
        corrected = piece.amount_to_pay
        if self.chorus_correction_piece_id == piece or (
                self.chorus_difference_state and not currency.compare_amounts(corrected,
                                                                              self.chorus_corrected_amount)):
            return False
        own = self._chorus_own_amount_to_pay()
        if not currency.compare_amounts(corrected, own):
            return False
        corrected_on = notification_day(piece.status_date) or fields.Date.context_today(self)
        deadline = contest_deadline(corrected_on)
        self._chorus_close_amount_activity(self.env._("The project manager changed the amount again."))
        self.sudo().write({
            "chorus_correction_piece_id": piece.id, "chorus_own_amount": own, "chorus_corrected_amount": corrected,
            "chorus_amount_difference": currency.round(corrected - own), "chorus_correction_date": corrected_on,
            "chorus_contest_deadline": deadline, "chorus_difference_state": "pending",
            "chorus_accepted_amount": False, "chorus_accepted_date": False, "chorus_accepted_by_id": False,
            "chorus_contest_reason": False, "chorus_contested_date": False,
        })
        responsible = self._chorus_responsible()
        # written for the person who answers it, in that person's language (the sync runs as anyone)
        record = self.with_context(lang=responsible.lang or self.env.lang)
        record.sudo().activity_schedule(
            AMOUNT_CHANGED_ACTIVITY, date_deadline=deadline, user_id=responsible.id,
            summary=record.env._("Amount changed by the project manager (MOE)"),
            note=record._chorus_difference_note(piece))
        return True

    def _chorus_difference_note(self, piece):
        money = self._chorus_money
        return Markup("%s<br/>%s<br/>%s<br/>%s") % (
            self.env._("The project manager's piece %(number)s carries %(corrected)s; we asked %(own)s.",
                       number=piece.number, corrected=money(self.chorus_corrected_amount),
                       own=money(self.chorus_own_amount)),
            self.env._("Difference: %(difference)s.", difference=money(self.chorus_amount_difference)),
            self.env._("Contest before %(deadline)s; without a contest, the corrected amount is accepted.",
                       deadline=format_date(self.env, self.chorus_contest_deadline)),
            self.env._("Accept it (the correcting document is proposed) or contest it from %(record)s.",
                       record=self.display_name))

    def _chorus_money(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _chorus_close_amount_activity(self, feedback):
        activity_type = self.env.ref(AMOUNT_CHANGED_ACTIVITY)
        for record in self:
            open_ones = record.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
            if open_ones:
                open_ones.action_feedback(feedback=feedback)

    # -- the accountant's two answers ------------------------------------------------------------------
    def _chorus_check_pending(self):
        if not self.env.user.has_group(ACCOUNTANT_GROUP):
            raise AccessError(self.env._("Only an accountant may accept or contest an amount corrected by the "
                                         "project manager."))
        for record in self:
            if record.chorus_difference_state != "pending":
                raise UserError(self.env._("%(record)s has no corrected amount waiting for an answer.",
                                           record=record.display_name))

    def action_chorus_accept_amount(self):
        """Accept the corrected amount: it becomes the accepted figure; the correcting document, where the
        record has one, is proposed as a draft (never posted nor sent here)."""
        self._chorus_check_pending()
        documents = self.env["account.move"]
        for record in self:
            document = record._chorus_correcting_document()
            documents |= document
            record.sudo().write({"chorus_difference_state": "accepted",
                                 "chorus_accepted_amount": record.chorus_corrected_amount,
                                 "chorus_accepted_date": fields.Date.context_today(record),
                                 "chorus_accepted_by_id": self.env.user.id})
            body = self.env._("Amount corrected by the project manager accepted by %(user)s: %(amount)s "
                              "(difference %(difference)s).", user=self.env.user.name,
                              amount=record._chorus_money(record.chorus_corrected_amount),
                              difference=record._chorus_money(record.chorus_amount_difference))
            if document:
                body += " " + self.env._("Correcting document proposed as a draft: %(document)s.",
                                         document=document.display_name)
            record.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
            record._chorus_close_amount_activity(self.env._("Corrected amount accepted."))
        if len(documents) == 1:
            return documents._get_records_action()
        return True

    def _chorus_correcting_document(self):
        """The draft that brings the books to the accepted amount; none where the record is no invoice."""
        return self.env["account.move"]

    def action_chorus_contest_amount(self):
        self._chorus_check_pending()
        self.ensure_one()
        self._chorus_check_contest_in_time()
        return {
            "type": "ir.actions.act_window", "res_model": "chorus.pro.amount.contest.wizard", "view_mode": "form",
            "target": "new", "name": self.env._("Contest the corrected amount"),
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def _chorus_check_contest_in_time(self):
        today = fields.Date.context_today(self)
        if contest_reminder_date(self.chorus_contest_deadline, today) is None:
            raise UserError(self.env._(
                "The deadline to contest the amount of %(record)s was %(deadline)s: it has passed, the corrected "
                "amount is accepted. Accept it to record the correcting document.",
                record=self.display_name, deadline=format_date(self.env, self.chorus_contest_deadline)))
        return today

    def _chorus_contest(self, reason):
        """Record the contest (what was sent to the project manager, and why) and remind before the deadline."""
        self._chorus_check_pending()
        self.ensure_one()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason of the contest: the project manager must be told why."))
        today = self._chorus_check_contest_in_time()
        reminder = contest_reminder_date(self.chorus_contest_deadline, today)
        self.sudo().write({"chorus_difference_state": "contested", "chorus_contest_reason": reason,
                           "chorus_contested_date": today})
        self.sudo().message_post(subtype_xmlid="mail.mt_note", body=Markup("%s<br/>%s") % (
            self.env._("Corrected amount %(amount)s contested by %(user)s (deadline %(deadline)s). Reason:",
                       amount=self._chorus_money(self.chorus_corrected_amount), user=self.env.user.name,
                       deadline=format_date(self.env, self.chorus_contest_deadline)), reason))
        self._chorus_close_amount_activity(self.env._("Corrected amount contested."))
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo", date_deadline=reminder, user_id=self.env.user.id,
            summary=self.env._("Send the contest to the project manager before %(deadline)s",
                               deadline=format_date(self.env, self.chorus_contest_deadline)),
            note=reason)
