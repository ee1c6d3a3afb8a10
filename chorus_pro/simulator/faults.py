"""Fault injection: make the next calls of an operation fail the way networks and servers fail.

Operations are named by their path tail, e.g. ``"factures/v1/soumettre"``
(``"/cpro/"`` and a leading slash are ignored), ``"*"`` for every Chorus Pro
operation, or ``"oauth/token"`` for the token endpoint (never matched by
``"*"``).  Each fault fires ``count`` times, then disappears.
"""

from __future__ import annotations

import random as _random
import threading
from dataclasses import dataclass

HTTP_500 = "http_500"
HTTP_503 = "http_503"
HTTP_429 = "http_429"            # with a Retry-After header
DELAY = "delay"                  # sleep before processing (client read timeouts)
RESET = "reset"                  # connection closed without an answer, request NOT processed
LOST_ANSWER = "lost_answer"      # request processed (invoice created), then the connection is dropped
TOKEN_EXPIRED = "token_expired"  # the presented Bearer token is invalidated: 401
MALFORMED_JSON = "malformed_json"  # request processed, answer body is broken JSON

FAULT_KINDS = (HTTP_500, HTTP_503, HTTP_429, DELAY, RESET, LOST_ANSWER, TOKEN_EXPIRED, MALFORMED_JSON)
RANDOM_DEFAULT_KINDS = tuple(k for k in FAULT_KINDS if k != DELAY)
TOKEN_OPERATION = "oauth/token"


def normalize_operation(operation: str) -> str:
    operation = (operation or "*").strip()
    if operation.startswith("/"):
        operation = operation[1:]
    if operation.startswith("cpro/"):
        operation = operation[5:]
    if operation.startswith("api/oauth/token"):
        operation = TOKEN_OPERATION
    return operation


@dataclass
class Fault:
    kind: str
    operation: str = "*"
    count: int = 1
    #: seconds: Retry-After of HTTP_429, sleep of DELAY
    seconds: float = 0.0

    def matches(self, operation: str) -> bool:
        if self.operation == "*":
            return operation != TOKEN_OPERATION
        return self.operation == operation


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._random: tuple | None = None
        #: how many faults fired: {"total": n, kind: n}
        self.injected: dict[str, int] = {"total": 0}

    def add(self, kind: str, operation: str = "*", *, count: int = 1, seconds: float | None = None) -> Fault:
        """Fail the next ``count`` calls of ``operation`` with ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if seconds is None:
            seconds = {HTTP_429: 2.0, DELAY: 5.0}.get(kind, 0.0)
        fault = Fault(kind, normalize_operation(operation), int(count), float(seconds))
        with self._lock:
            self._faults.append(fault)
        return fault

    def random(self, rate: float, kinds=RANDOM_DEFAULT_KINDS, operations=None, seed: int = 0,
               seconds: float | None = None) -> None:
        """Fail a fraction ``rate`` of the calls (of ``operations``, default all), reproducibly.

        ``kinds`` defaults to every kind but DELAY (delays slow a run down: name it to get it;
        ``seconds`` then sets the delay, 1 s by default).
        """
        kinds = tuple(kinds)
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        if unknown or not kinds:
            raise ValueError(f"unknown fault kind(s) {unknown}")
        if not 0 <= rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        ops = None if operations is None else {normalize_operation(o) for o in operations}
        with self._lock:
            self._random = (float(rate), kinds, ops, _random.Random(seed), seconds)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random = None

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(f.kind, f.operation, f.count, f.seconds) for f in self._faults]

    def take(self, operation: str) -> Fault | None:
        """The fault to apply to this call of ``operation`` (consumed), or None."""
        operation = normalize_operation(operation)
        with self._lock:
            for fault in self._faults:
                if fault.matches(operation):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return self._fired(Fault(fault.kind, operation, 1, fault.seconds))
            if self._random is not None and operation != TOKEN_OPERATION:
                rate, kinds, ops, rng, seconds = self._random
                if ops is None or operation in ops:
                    if rng.random() < rate:
                        kind = rng.choice(kinds)
                        if seconds is None:
                            seconds = {HTTP_429: 1.0, DELAY: 1.0}.get(kind, 0.0)
                        return self._fired(Fault(kind, operation, 1, seconds))
        return None

    def _fired(self, fault: Fault) -> Fault:
        self.injected["total"] = self.injected.get("total", 0) + 1
        self.injected[fault.kind] = self.injected.get(fault.kind, 0) + 1
        return fault
