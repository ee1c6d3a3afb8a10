"""A local Chorus Pro: the OAuth endpoint and the Chorus Pro operations at their real paths.

Interface contract:

- ``Simulator(seed=True, clock=None)``: the platform state (directory, invoices, flows,
  deposits) and ``simulator.wsgi_app`` (a WSGI application).
- ``SimulatorServer(simulator, host="127.0.0.1", port=0)``: serves it over real HTTP in a
  thread; ``with SimulatorServer(sim) as server: server.url``.
- ``SimulatorAdapter(simulator)``: a ``requests`` transport adapter (in-process, no socket).
- ``default_simulator()``: the process-wide simulator of the "Simulation" environment (library and
  tests; the ``chorus-pro`` command and the Odoo add-on keep theirs in a file).
- ``SharedSimulator(path)``: one simulator for every process that names the same state file (the Odoo
  add-on's Simulation: all workers of a database, also after a restart), see
  :mod:`chorus_pro.simulator.persistence`.
- ``simulator.faults``: fault injection per operation; ``simulator.advance(seconds)`` moves
  simulated time; ``simulator.set_invoice_status(...)`` drives statuses;
  ``simulator.deposit_count(number)`` counts deposits of a supplier invoice number.

Other controls: ``set_buyer_scenario(siret, statuses)``, ``unsubscribe(api)`` / ``subscribe(api)``,
``expire_technical_password()``, ``set_technical_password(...)``, ``set_piste_secret(...)``,
``invoice(id)``, ``invoices_by_number(number)``, ``flow(number)``, ``deposits``, ``stats``;
``Simulator(step_seconds=3600, flow_step_seconds=60, realtime=False, business_error_status=200)``.
``request_observers``: callables ``(api_path, headers, body)`` called for every API request.
``simulator.to_dict()`` / ``Simulator.from_dict(data)``: the platform's state as JSON-ready data
(the ``chorus-pro`` command keeps it between commands: :mod:`chorus_pro.simulator.persistence`).
Control endpoints over HTTP (``GET /``, ``/_simulator/…``): see :mod:`chorus_pro.simulator.control`.

Choices where the real platform's behaviour is not verified (see the reference, §17):

- authentication failures: see :mod:`chorus_pro.simulator.app` (401 for a bad token or a
  bad ``cpro-account``, 403 for an unsubscribed API or an expired technical password);
- business errors answer HTTP 200 with ``codeRetour`` ≠ 0 and a French ``detail``
  (:mod:`chorus_pro.simulator.messages`);
- ``soumettre`` echoes ``numeroFactureSaisi`` as ``numeroFacture``;
- duplicate supplier invoice numbers are accepted (each deposit is counted);
- ``pieceJointePrincipale`` of ``soumettre`` is accepted as an object or an array;
- null fields are left out of answers; search items carry only the Swagger's fields;
- default page size 10 for every search;
- the engagement juridique travels in ``references.numeroBonCommande``; totals must satisfy
  HT + TVA − ``montantRemiseGlobaleTTC`` = TTC to the cent, and the VAT lines and item lines
  must add up to the totals;
- works documents (``facturesTravaux/v1/soumettre``, an unverified path) are also listed
  by ``factures/v1/rechercher/fournisseur`` with ``typeDemandePaiement`` FACTURE_TRAVAUX.
"""

from __future__ import annotations

import threading

try:
    import werkzeug  # noqa: F401  (the simulator's WSGI toolkit: an extra, not a requirement of the client)
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError("The Chorus Pro simulator needs werkzeug: pip install 'l10n-fr-chorus-btp[simulator]' "
                      "(the Qualification and Production environments do without it)") from exc

from .adapter import SimulatorAdapter
from .app import OPERATIONS, request_observers
from .clock import SimulatedClock
from .core import APIS, Simulator, SimulatorStats
from .faults import (
    DELAY,
    FAULT_KINDS,
    HTTP_429,
    HTTP_500,
    HTTP_503,
    LOST_ANSWER,
    MALFORMED_JSON,
    RESET,
    TOKEN_EXPIRED,
    FaultInjector,
)
from .persistence import SharedSimulator
from .server import SimulatorServer

_default = None
_default_lock = threading.Lock()


def default_simulator() -> Simulator:
    """The process-wide simulator (clock following real time), created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Simulator(realtime=True)
        return _default


__all__ = [
    "APIS", "DELAY", "FAULT_KINDS", "HTTP_429", "HTTP_500", "HTTP_503", "LOST_ANSWER", "MALFORMED_JSON",
    "OPERATIONS", "RESET", "TOKEN_EXPIRED", "FaultInjector", "SimulatedClock", "Simulator", "SimulatorAdapter",
    "SharedSimulator", "SimulatorServer", "SimulatorStats", "default_simulator", "request_observers",
]
