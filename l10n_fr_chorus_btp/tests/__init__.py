from . import (
    test_bad_inputs,  # noqa: F401
    test_concurrency,  # noqa: F401
    test_faults,  # noqa: F401
    test_followup_actions,  # noqa: F401
    test_followup_common,  # noqa: F401
    test_followup_http,  # noqa: F401
    test_followup_reminders,  # noqa: F401
    test_http,  # noqa: F401
    test_market,  # noqa: F401
    test_partner,  # noqa: F401
    test_preflight,  # noqa: F401
    test_rights_rpc,  # noqa: F401
    test_settings,  # noqa: F401
    test_sync,  # noqa: F401
    test_sync_works_flows,  # noqa: F401
    test_transfer,  # noqa: F401
)
