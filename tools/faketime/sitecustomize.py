"""Make ``time.sleep`` usable under Debian's ``faketime`` (libfaketime 0.9.10), for ``.ci/run``.

``.ci/run`` runs the pure suite under ``faketime`` with ``FAKETIME_DONT_FAKE_MONOTONIC=1``: only the
wall clock is faked, so that lock and socket timeouts keep their real length.  That version of
libfaketime still shifts the absolute ``CLOCK_MONOTONIC`` deadline that ``time.sleep`` hands to
``clock_nanosleep``, and the kernel refuses it (``OSError: [Errno 22]``).  Relative waits are not
affected, so when that failure shows, ``time.sleep`` waits through ``select`` instead, in short
slices: libfaketime's ``select`` resumes after a signal instead of returning, and Python runs a
signal handler (Ctrl-C, SIGTERM) only once the call returns.

This file is put on ``PYTHONPATH`` by ``.ci/run`` for those runs only; it changes nothing when
``time.sleep`` works.
"""

import errno
import select
import time


def _sleep_is_refused() -> bool:
    try:
        time.sleep(1e-6)
    except OSError as error:
        return error.errno == errno.EINVAL
    return False


#: longest single wait, so that a signal is handled at most this late
SLICE_SECONDS = 0.05

if _sleep_is_refused():
    def _relative_sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        remaining = seconds
        while remaining > 0:
            select.select([], [], [], min(remaining, SLICE_SECONDS))
            remaining = deadline - time.monotonic()

    time.sleep = _relative_sleep
