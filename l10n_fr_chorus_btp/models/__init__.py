from . import (
    account_journal,  # noqa: F401
    account_move,  # noqa: F401
    account_move_send,  # noqa: F401
    chorus_credential_reminder,  # noqa: F401
    chorus_market,  # noqa: F401
    chorus_service,  # noqa: F401
    chorus_sync,  # noqa: F401
    chorus_transfer,  # noqa: F401
    chorus_transmission,  # noqa: F401
    chorus_transmission_event,  # noqa: F401
    res_company,  # noqa: F401
    res_config_settings,  # noqa: F401
    res_partner,  # noqa: F401
)
