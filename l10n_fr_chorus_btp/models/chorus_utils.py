"""Small conversions between chorus_pro values and Odoo field values, and the add-on's one commit point."""

from datetime import datetime, timezone
from decimal import Decimal

from odoo.modules import module as odoo_module

CENT = Decimal("0.01")


def as_decimal(value):
    """A float of the ORM as the exact decimal it shows (through its shortest repr), 0 for empty."""
    return Decimal(str(value or 0))


def as_cents(value):
    """An amount of the books as an exact decimal, to the cent."""
    return as_decimal(value).quantize(CENT)


def naive_utc(value):
    """Odoo stores naive UTC datetimes; chorus_pro returns aware ones (or dates, or None)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def in_test_transaction(env):
    """Whether ``env`` works on the cursor of a running test, which Odoo forbids to commit or roll back."""
    current_test = odoo_module.current_test
    return bool(current_test) and getattr(current_test, "cr", None) is env.cr


def cursors_share_a_test_transaction(env):
    """Whether new cursors of the registry would wrap a test's transaction (registry test mode): no second
    database connection exists then."""
    current_test = odoo_module.current_test
    return bool(current_test) and getattr(type(current_test), "_registry_patched", False)


def chorus_commit(env, processed=0, remaining=None):
    """The one place where the add-on commits its work on Chorus Pro, unit by unit.

    In a scheduled action the commit also records the cron's progress (shown in the list of scheduled
    actions); elsewhere it is a plain commit.  Inside a test's own transaction the changes are flushed
    instead; a cursor opened with ``registry.cursor()`` in registry test mode really commits (it releases its
    savepoint), so tests exercise the committed path too.  Returns the time left to the cron run (seconds).
    """
    # recomputations (and the chatter's tracked values) happen here, in env's language, not the cursor's default
    env.flush_all()
    if in_test_transaction(env):
        return float("inf")
    if env.context.get("ir_cron_progress_id"):
        return env["ir.cron"]._commit_progress(processed, remaining=remaining)
    env.cr.commit()
    return float("inf")


def can_rollback(env):
    return not in_test_transaction(env)
