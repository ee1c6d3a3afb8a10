"""What the simulated platform knows: directory, attachments, invoices, flows, deposits, tokens."""

from __future__ import annotations

import copy
import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from . import seed
from .seed import Structure


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
        self._file_ids = itertools.count(880001)
        self._invoice_ids = itertools.count(1000001)
        self._event_ids = itertools.count(1)
        self._flow_seq = itertools.count(1)
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

    def next_file_id(self) -> int:
        return next(self._file_ids)

    def next_invoice_id(self) -> int:
        return next(self._invoice_ids)

    def next_event_id(self) -> int:
        return next(self._event_ids)

    def next_flow_number(self) -> str:
        # like CPP0011110000000000001557: "CPP" and 22 digits
        return "CPP001111" + "%016d" % next(self._flow_seq)
