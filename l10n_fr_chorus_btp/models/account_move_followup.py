"""Invoice side of the follow-up: what needs an action, and the actions on a buyer's decision."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .chorus_sync import COMPLETE_STATUSES, VALIDATOR_ERROR_STATUSES


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_needs_action = fields.Boolean(
        "Chorus Pro: action needed", compute="_compute_chorus_needs_action", search="_search_chorus_needs_action",
        help="The buyer suspended the invoice, asked to recycle it or to correct its validator, rejected it "
             "(a credit note and a new invoice are needed) or the transfer failed.")

    @api.depends("chorus_state", "payment_state")
    def _compute_chorus_needs_action(self):
        for move in self:
            move.chorus_needs_action = move.chorus_state in ("action_needed", "error") or (
                move.chorus_state == "rejected" and move.payment_state != "reversed")

    def _search_chorus_needs_action(self, operator, value):
        if operator != "in":
            return NotImplemented
        assert list(value) == [True]
        return ["|", ("chorus_state", "in", ("action_needed", "error")),
                "&", ("chorus_state", "=", "rejected"), ("payment_state", "!=", "reversed")]

    def _chorus_is_concerned(self):
        """The credit note of an invoice rejected on Chorus Pro only cancels it in the books: the rejected
        invoice no longer exists for the buyer, so the credit note is not sent."""
        if self.move_type == "out_refund" and self.reversed_entry_id.chorus_state == "rejected":
            return False
        return super()._chorus_is_concerned()

    # -- buttons of the Chorus Pro tab -------------------------------------------------------------
    def _chorus_open_wizard(self, model, statuses, title):
        wrong = self.filtered(lambda m: m.chorus_status not in statuses or not m.chorus_identifier)
        if wrong:
            raise UserError(self.env._(
                "This action is possible only for an invoice whose Chorus Pro status is %(statuses)s "
                "(invoice %(name)s).", statuses=", ".join(sorted(statuses)), name=wrong[0].display_name))
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids, "active_id": self[:1].id},
        }

    def action_chorus_complete(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.complete.wizard", COMPLETE_STATUSES,
                                        self.env._("Compléter sur Chorus Pro"))

    def action_chorus_recycle(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.recycle.wizard", {"A_RECYCLER"}, self.env._("Recycler"))

    def action_chorus_correct_validator(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.validator.wizard", VALIDATOR_ERROR_STATUSES,
                                        self.env._("Corriger le valideur"))

    def action_chorus_acknowledge_rejection(self):
        moves = self.filtered(lambda m: m.chorus_state == "rejected" and not m.chorus_rejection_acknowledged)
        if not moves:
            raise UserError(self.env._("No selected invoice is rejected on Chorus Pro with a rejection "
                                       "still to acknowledge."))
        return moves._chorus_open_wizard("chorus.pro.rejection.wizard", {m.chorus_status for m in moves},
                                         self.env._("Traiter le rejet"))

    def action_chorus_credit_note(self):
        """The rejected invoice is dead on Chorus Pro: cancel it in the books with a credit note."""
        self.ensure_one()
        return self.action_reverse()
