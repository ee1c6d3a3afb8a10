"""The simulated Chorus Pro of the ``chorus-pro`` command, kept from one command to the next.

Without ``--simulator-url``, each ``chorus-pro`` command runs the simulator inside its own
process.  Its state lives in a file of the user's cache directory
(``$XDG_CACHE_HOME/chorus-pro/simulator-state.json``, else ``~/.cache/…``): read when a
command starts, written back (atomically) when it ends, so that ``submit`` then ``status``
and ``search`` see the same invoices.  Its clock follows real time, also between commands.
``chorus-pro simulator --reset`` deletes the file: the next command starts from the seed.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from chorus_pro.errors import ConfigurationError

from . import clock
from .core import Simulator

STATE_FILE_NAME = "simulator-state.json"

try:
    import fcntl
except ImportError:  # not POSIX: commands run one at a time anyway
    fcntl = None


def default_state_path(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "chorus-pro" / STATE_FILE_NAME


def load_simulator(path: Path) -> Simulator:
    """The simulator saved in ``path``, its clock moved on by the real time elapsed; a fresh one when
    there is no file.  An unreadable file raises :class:`ConfigurationError` (never silently replaced)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Simulator(realtime=True)
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    try:
        return Simulator.from_dict(json.loads(text), realtime=True, resume_at=clock.wall_clock())
    except ValueError as exc:
        raise _unreadable(path, str(exc)) from None


def save_simulator(simulator: Simulator, path: Path) -> None:
    """Write the state to ``path`` atomically (a reader sees the old file or the new one), owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps(simulator.to_dict(), ensure_ascii=False)
    handle, temporary = tempfile.mkstemp(prefix=".simulator-state-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def reset_simulator(path: Path) -> bool:
    """Delete the saved state; True when there was one."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def kept_simulator(path: Path) -> Iterator[Simulator]:
    """The saved simulator for the length of one command, written back at the end, whatever happened
    (a deposit made before an error is kept).  Two commands at once wait for each other."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        simulator = load_simulator(path)
        try:
            yield simulator
        finally:
            save_simulator(simulator, path)


def _unreadable(path: Path, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"The simulator state file {path} cannot be read ({reason}): run 'chorus-pro simulator --reset' "
        "to start again from the simulator's seed", field="simulator_state")
