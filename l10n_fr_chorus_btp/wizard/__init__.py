
from . import (
    account_move_send_batch_wizard,  # noqa: F401
    account_move_send_wizard,  # noqa: F401
    chorus_amount_contest_wizard,  # noqa: F401
    chorus_complete_wizard,  # noqa: F401
    chorus_followup_common,  # noqa: F401
    chorus_recycle_wizard,  # noqa: F401
    chorus_rejection_wizard,  # noqa: F401
    chorus_transfer_confirm_wizard,  # noqa: F401
    chorus_validation_refuse_wizard,  # noqa: F401
    chorus_validator_wizard,  # noqa: F401
    chorus_works_experimental_wizard,  # noqa: F401
    chorus_works_portal_wizard,  # noqa: F401
)
