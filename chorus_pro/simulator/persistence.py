"""A simulated Chorus Pro kept in a file: the ``chorus-pro`` command's, and the Odoo add-on's.

Without ``--simulator-url``, each ``chorus-pro`` command runs the simulator inside its own
process.  Its state lives in a file of the user's cache directory
(``$XDG_CACHE_HOME/chorus-pro/simulator-state.json``, else ``~/.cache/…``): read when a
command starts, written back (atomically) when it ends, so that ``submit`` then ``status``
and ``search`` see the same invoices.  Its clock follows real time, also between commands.
``chorus-pro simulator --reset`` deletes the file: the next command starts from the seed.

:class:`SharedSimulator` is the same file served request by request: every process (the workers
of an Odoo server, its cron worker) that names the same file sees one platform, which also
outlives restarts.  Each request runs under an exclusive lock of the file (``fcntl.flock``):
the state is read, the request applied, the state written back atomically, the lock released.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from chorus_pro.errors import ConfigurationError

from . import clock
from .clock import SimulatedClock
from .core import Simulator
from .state import from_plain

STATE_FILE_NAME = "simulator-state.json"

try:
    import fcntl
except ImportError:  # not POSIX: commands run one at a time anyway
    fcntl = None


def default_state_path(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "chorus-pro" / STATE_FILE_NAME


def load_simulator(path: Path, now: Callable[[], datetime] | None = None) -> Simulator:
    """The simulator saved in ``path``, its clock moved on by the real time elapsed; a fresh one when
    there is no file.  An unreadable file raises :class:`ConfigurationError` (never silently replaced).

    ``now``: where the clock stands (never before the saved instant) instead of following real time,
    for tests that pin time."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return _fresh_simulator(now)
    except OSError as exc:
        raise _unreadable(path, exc.strerror or str(exc)) from None
    try:
        return Simulator.from_dict(json.loads(text), realtime=now is None, resume_at=(now or clock.wall_clock)())
    except ValueError as exc:
        raise _unreadable(path, str(exc)) from None


def _fresh_simulator(now: Callable[[], datetime] | None) -> Simulator:
    """A seeded platform, its clock following real time, or pinned at ``now()``."""
    return Simulator(realtime=True) if now is None else Simulator(clock=SimulatedClock(now()))


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
    """Delete the saved state (waiting for a request in progress); True when there was one."""
    with _locked(path):
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the exclusive lock of the state file ``path`` (a ``.lock`` file next to it): other processes
    and threads wait.  The lock goes with the process if it dies."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        yield


@contextlib.contextmanager
def kept_simulator(path: Path, now: Callable[[], datetime] | None = None) -> Iterator[Simulator]:
    """The saved simulator for the length of one command, written back at the end, whatever happened
    (a deposit made before an error is kept).  Two commands at once wait for each other."""
    with _locked(path):
        simulator = load_simulator(path, now)
        try:
            yield simulator
        finally:
            save_simulator(simulator, path)


class SharedSimulator:
    """One simulated Chorus Pro for every process that names the same state file.

    It stands where a :class:`Simulator` does for the client (``ChorusProClient(config,
    simulator=SharedSimulator(path))``): ``wsgi_app`` serves each request with the simulator read
    from ``path`` under the file's lock, and writes it back before the next request is served.  A new
    instance (a restarted server) carries on from the file: same deposits, ids going on.

    ``now``: pins the platform's clock (tests); by default it follows real time, also between requests.
    Faults and counters live in one request only: set them through :meth:`session` in tests.
    """

    def __init__(self, path, *, now: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self._now = now
        # flock is per open file: threads of this process wait for each other too; this lock only spares them
        # a second open file each
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def session(self) -> Iterator[Simulator]:
        """The platform as it stands, alone (lock held); what is done to it is kept."""
        with self._threads, kept_simulator(self.path, self._now) as simulator:
            yield simulator

    def wsgi_app(self, environ, start_response):
        with self.session() as simulator:
            # the whole answer is produced under the lock (a fault raises from here, after the state is saved)
            return list(simulator.wsgi_app(environ, start_response))

    def now(self) -> datetime:
        """The platform's current time (read without the lock: the file is always whole)."""
        now = (self._now or clock.wall_clock)()
        try:
            saved = from_plain(json.loads(self.path.read_text(encoding="utf-8"))["now"])
        except (OSError, ValueError, KeyError, TypeError):
            return now
        return max(saved, now)

    def reset(self) -> bool:
        """Start again from the seed: every deposit is forgotten, but the ids go on from where they were, so
        that a Chorus Pro id is never handed out twice from this file.  True when there was a state."""
        with self._threads, _locked(self.path):
            if not self.path.exists():
                return False
            try:
                next_ids = load_simulator(self.path, self._now).store.next_ids
            except ConfigurationError:  # unreadable: nothing to keep
                next_ids = {}
            fresh = _fresh_simulator(self._now)
            fresh.store.next_ids.update({k: max(v, fresh.store.next_ids.get(k, v)) for k, v in next_ids.items()})
            save_simulator(fresh, self.path)
            return True

    def __repr__(self) -> str:
        return f"SharedSimulator({str(self.path)!r})"


def _unreadable(path: Path, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"The simulator state file {path} cannot be read ({reason}): run 'chorus-pro simulator --reset' "
        "to start again from the simulator's seed", field="simulator_state")
