from odoo import models
from odoo.addons.l10n_fr_chorus_btp.models.account_move_send import CHECKED_BY_WIZARD


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = "account.move.send.batch.wizard"

    def action_send_and_print(self, *args, **kwargs):
        # its alerts have just run the Chorus Pro pre-flight, and refuse to go on with any problem: not run twice
        return super(AccountMoveSendBatchWizard, self.with_context(**{CHECKED_BY_WIZARD: True})).action_send_and_print(*args, **kwargs)
