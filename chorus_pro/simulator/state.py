"""What the simulated platform knows: directory, attachments, invoices, flows, deposits, tokens.

:meth:`Store.to_dict` and :meth:`Store.from_dict` turn it into JSON-ready data and back, so
that a simulated platform can outlive a process (the ``chorus-pro`` command keeps one in a file).
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from . import seed
from .seed import Service, Structure


@dataclass
class StoredFile:
    """An uploaded attachment: only its metadata is kept (not the content)."""

    id: int
    name: str
    extension: str
    mime_type: str
    size: int
    uploaded_at: datetime


@dataclass
class StatusEvent:
    id: int
    status: str
    at: datetime
    comment: str = ""


@dataclass
class Invoice:
    """A "demande de paiement": an invoice deposited by soumettre or a flow, or a works document."""

    id: int
    number: str
    supplier_id: int
    kind: str  # "FACTURE" or "FACTURE_TRAVAUX" (typeDemandePaiement)
    cadre: str
    mode: str
    invoice_type: str = "FACTURE"
    invoice_date: datetime | None = None
    deposited_at: datetime | None = None
    buyer_id: int | None = None
    service_id: int | None = None
    ej_number: str = ""
    market_number: str = ""
    original_number: str = ""
    payment_mode: str = ""
    vat_type: str = ""
    currency: str = "EUR"
    bank_account_id: int | None = None
    validator_id: int | None = None
    validator_service_code: str = ""
    moe_id: int | None = None
    moe_service_code: str = ""
    moa_id: int | None = None
    moa_service_code: str = ""
    works_type: str = ""
    #: works billing file: who deposited this piece (FOURNISSEUR, MOE, MOA) and its neighbours
    depositor: str = "FOURNISSEUR"
    previous_id: int | None = None
    next_id: int | None = None
    #: the amount the next piece (the MOE's or the MOA's) will carry, when they correct it
    accepted_amount: Decimal | None = None
    flow_number: str = ""
    untaxed: Decimal = Decimal("0")
    vat: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    amount_due: Decimal = Decimal("0")
    lines: list = field(default_factory=list)
    vat_lines: list = field(default_factory=list)
    main_attachment_id: int | None = None
    attachment_ids: list[int] = field(default_factory=list)
    comment: str = ""
    rejection_handled: bool = False
    history: list[StatusEvent] = field(default_factory=list)
    #: supplier actions (``TRAITEMENT_REJET``...), as events whose ``status`` is the action code
    actions: list[StatusEvent] = field(default_factory=list)
    #: remaining scripted statuses (per-buyer scenario), None: the default path
    script: list[str] | None = None

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def status_at(self) -> datetime:
        return self.history[-1].at

    @property
    def status_comment(self) -> str:
        return self.history[-1].comment


@dataclass
class FlowDocument:
    """One invoice read from a flow file."""

    number: str
    data: dict


@dataclass
class Flow:
    number: str
    file_name: str
    syntax: str
    deposited_at: datetime
    supplier_id: int
    documents: list[FlowDocument]
    history: list[tuple[str, datetime]] = field(default_factory=list)
    invoice_ids: list[int] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    technical_errors: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.history[-1][0]

    @property
    def status_at(self) -> datetime:
        return self.history[-1][1]


@dataclass(frozen=True)
class Deposit:
    """One accepted deposit (soumettre, works deposit or flow)."""

    kind: str  # "soumettre", "travaux" or "flux"
    invoice_number: str
    supplier_id: int
    at: datetime
    invoice_id: int | None = None
    flow_number: str = ""


@dataclass
class Token:
    value: str
    client_id: str
    expires_at: datetime


#: upper bound of live tokens kept (old ones are dropped first)
MAX_TOKENS = 1000


#: first value of each id sequence of a fresh platform
FIRST_IDS = {"file": 880001, "invoice": 1000001, "event": 1, "flow": 1}


class Store:
    def __init__(self, with_seed: bool = True):
        self.structures: dict[int, Structure] = {}
        self.files: dict[int, StoredFile] = {}
        self.invoices: dict[int, Invoice] = {}
        self.flows: dict[str, Flow] = {}
        self.deposits: list[Deposit] = []
        self.tokens: OrderedDict[str, Token] = OrderedDict()
        self.bank_accounts: dict[int, list[tuple[int, str]]] = {}
        #: invoices whose status may still change by itself, flows not yet processed: progress() looks
        #: only at these, so its cost does not grow with the number of finished invoices
        self.moving: set[int] = set()
        self.open_flows: set[str] = set()
        #: the next value of each id sequence
        self.next_ids = dict(FIRST_IDS)
        self._ids_lock = threading.Lock()
        if with_seed:
            for structure in seed.ALL_STRUCTURES + seed.EXTRA_STRUCTURES:
                self.add_structure(structure)
            for structure_id, engagements in seed.EXTRA_ENGAGEMENTS.items():
                self.structures[structure_id].engagements.update(engagements)
            self.bank_accounts[seed.SUPPLIER.id] = list(seed.SUPPLIER_BANK_ACCOUNTS)
        else:  # the technical account always has its supplier structure
            self.add_structure(seed.SUPPLIER)

    def add_structure(self, spec) -> Structure:
        # a copy: what the platform changes (engagements, services) must never alter the seed
        structure = copy.deepcopy(spec)
        self.structures[structure.id] = structure
        return structure

    def structure_by_siret(self, siret: str) -> Structure | None:
        siret = (siret or "").replace(" ", "")
        return next((s for s in self.structures.values() if s.siret == siret), None)

    def _take(self, sequence: str) -> int:
        with self._ids_lock:
            value = self.next_ids[sequence]
            self.next_ids[sequence] = value + 1
            return value

    def next_file_id(self) -> int:
        return self._take("file")

    def next_invoice_id(self) -> int:
        return self._take("invoice")

    def next_event_id(self) -> int:
        return self._take("event")

    def next_flow_number(self) -> str:
        # like CPP0011110000000000001557: "CPP" and 22 digits
        return "CPP001111" + "%016d" % self._take("flow")

    # -- serialisation ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Everything the platform knows, as JSON-ready data (:func:`to_plain`)."""
        return to_plain({
            "structures": list(self.structures.values()),
            "files": list(self.files.values()),
            "invoices": list(self.invoices.values()),
            "flows": list(self.flows.values()),
            "deposits": self.deposits,
            "tokens": list(self.tokens.values()),  # oldest first, as they are dropped
            "bank_accounts": self.bank_accounts,
            "moving": self.moving,
            "open_flows": self.open_flows,
            "next_ids": self.next_ids,
        })

    @classmethod
    def from_dict(cls, data: dict) -> Store:
        """The store :meth:`to_dict` described."""
        values = from_plain(data)
        store = cls(with_seed=False)
        store.structures = {s.id: s for s in values["structures"]}
        store.files = {f.id: f for f in values["files"]}
        store.invoices = {i.id: i for i in values["invoices"]}
        store.flows = {f.number: f for f in values["flows"]}
        store.deposits = list(values["deposits"])
        store.tokens = OrderedDict((t.value, t) for t in values["tokens"])
        store.bank_accounts = dict(values["bank_accounts"])
        store.moving = set(values["moving"])
        store.open_flows = set(values["open_flows"])
        store.next_ids = {**FIRST_IDS, **values["next_ids"]}
        return store


# -- JSON-ready data ------------------------------------------------------------------------------
#: the records a store holds, by class name (the only classes :func:`from_plain` builds)
RECORD_CLASSES = {cls.__name__: cls for cls in (StoredFile, StatusEvent, Invoice, FlowDocument, Flow, Deposit,
                                                 Token, Structure, Service)}
_TAGS = ("__record__", "__datetime__", "__date__", "__decimal__", "__tuple__", "__set__", "__items__")


def to_plain(value):
    """``value`` as JSON-ready data; records, dates, decimals, tuples, sets and dicts whose keys are
    not plain strings are tagged so that :func:`from_plain` restores them exactly."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if dataclasses.is_dataclass(value) and type(value).__name__ in RECORD_CLASSES:
        return {"__record__": type(value).__name__,
                "fields": {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [to_plain(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"__set__": [to_plain(v) for v in sorted(value)]}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and k not in _TAGS for k in value):
            return {k: to_plain(v) for k, v in value.items()}
        return {"__items__": [[to_plain(k), to_plain(v)] for k, v in value.items()]}
    raise TypeError(f"the simulator state cannot hold a {type(value).__name__}")


def from_plain(value):
    """The value :func:`to_plain` turned into ``value``."""
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__record__" in value:
        record = RECORD_CLASSES[value["__record__"]]
        return record(**{k: from_plain(v) for k, v in value["fields"].items()})
    if "__datetime__" in value:
        return datetime.fromisoformat(value["__datetime__"])
    if "__date__" in value:
        return date.fromisoformat(value["__date__"])
    if "__decimal__" in value:
        return Decimal(value["__decimal__"])
    if "__tuple__" in value:
        return tuple(from_plain(v) for v in value["__tuple__"])
    if "__set__" in value:
        return {from_plain(v) for v in value["__set__"]}
    if "__items__" in value:
        return {from_plain(k): from_plain(v) for k, v in value["__items__"]}
    return {k: from_plain(v) for k, v in value.items()}
