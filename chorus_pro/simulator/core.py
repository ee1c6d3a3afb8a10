"""The simulated platform: state, clock, credentials, and the controls tests use."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from chorus_pro.cadres import parse_cadre

from . import lifecycle, seed
from .clock import SimulatedClock
from .faults import FaultInjector
from .state import Deposit, Invoice, StatusEvent, Store, from_plain, to_plain

#: APIs a PISTE application can subscribe to
APIS = ("factures", "structures", "transverses", "utilisateurs", "engagementsJuridiques", "facturesTravaux")
#: version of the data of :meth:`Simulator.to_dict`
STATE_FORMAT = 1
#: the settings and credentials of the platform kept by :meth:`Simulator.to_dict` (faults and stats are not)
_OPTIONS = ("step_seconds", "flow_step_seconds", "business_error_status")
_ACCOUNT = ("piste_client_id", "piste_client_secret", "tech_login", "tech_password", "tech_password_expires_at",
            "supplier_id", "unsubscribed", "buyer_scenarios", "known_markets")


@dataclass
class SimulatorStats:
    token_requests: int = 0
    api_requests: int = 0
    #: {"factures/v1/soumettre": n, ...} (known operations only, so bounded)
    by_operation: dict = field(default_factory=dict)


class Simulator:
    """A local Chorus Pro.

    ``step_seconds``: simulated seconds between two automatic status changes of an
    invoice; ``flow_step_seconds``: the same for flows; ``realtime``: the clock also
    follows real time; ``business_error_status``: HTTP status of business errors
    (200 by default; 400 lets a client test the other behaviour the platform may have).
    """

    def __init__(self, seed: bool = True, clock: SimulatedClock | None = None, *, step_seconds: float = 3600,
                 flow_step_seconds: float = 60, realtime: bool = False, business_error_status: int = 200,
                 sleep=time.sleep):
        from .app import SimulatorApp

        self.clock = clock or SimulatedClock(realtime=realtime)
        self.store = Store(with_seed=seed)
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self.stats = SimulatorStats()
        self.step_seconds = float(step_seconds)
        self.flow_step_seconds = float(flow_step_seconds)
        self.business_error_status = int(business_error_status)
        self.sleep = sleep
        self.piste_client_id = _seed().PISTE_CLIENT_ID
        self.piste_client_secret = _seed().PISTE_CLIENT_SECRET
        self.tech_login = _seed().TECH_LOGIN
        self.tech_password = _seed().TECH_PASSWORD
        self.tech_password_expires_at = self.clock.now() + timedelta(days=_seed().TECH_PASSWORD_VALID_DAYS)
        #: the technical account's supplier structure (fournisseur.idFournisseur)
        self.supplier_id = _seed().SUPPLIER.id
        self.unsubscribed: set[str] = set()
        self.buyer_scenarios: dict[int, list[str]] = {}
        #: market numbers a public buyer declared (set_known_markets); a buyer absent here accepts any
        self.known_markets: dict[int, set[str]] = {}
        self.wsgi_app = SimulatorApp(self)

    # -- state -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The platform's state as JSON-ready data: simulated time, settings, credentials, and
        everything deposited (:meth:`Store.to_dict`).  Faults and counters are not kept."""
        with self.lock:
            self.progress()
            return {"format": STATE_FORMAT, "now": to_plain(self.clock.now()),
                    "options": to_plain({name: getattr(self, name) for name in _OPTIONS}),
                    "account": to_plain({name: getattr(self, name) for name in _ACCOUNT}),
                    "store": self.store.to_dict()}

    @classmethod
    def from_dict(cls, data: dict, *, realtime: bool = False, resume_at: datetime | None = None,
                  sleep=time.sleep) -> Simulator:
        """The simulator :meth:`to_dict` described, its clock at the saved instant, or at ``resume_at``
        when that is later (a realtime simulator catching up with the time it spent stored).

        Raises ``ValueError`` when ``data`` is not such a description.
        """
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            found = data.get("format") if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"not a simulator state of format {STATE_FORMAT} (found {found!r})")
        try:
            start = from_plain(data["now"])
            if resume_at is not None and resume_at > start:
                start = resume_at
            simulator = cls(seed=False, clock=SimulatedClock(start, realtime=realtime), sleep=sleep,
                            **from_plain(data["options"]))
            simulator.store = Store.from_dict(data["store"])
            for name, value in from_plain(data["account"]).items():
                if name in _ACCOUNT:
                    setattr(simulator, name, value)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"incomplete simulator state ({type(exc).__name__}: {exc})") from None
        return simulator

    # -- time ------------------------------------------------------------------------------------
    def now(self):
        return self.clock.now()

    def advance(self, seconds: float):
        """Move simulated time forward and apply the status changes that became due."""
        with self.lock:
            self.clock.advance(seconds)
            self.progress()
            return self.clock.now()

    def progress(self) -> None:
        """Apply every status change due at the current simulated time."""
        from .flows import progress_flows

        with self.lock:
            now = self.clock.now()
            progress_flows(self, now)
            step = timedelta(seconds=self.step_seconds)
            for _ in range(10):  # a step may deposit the next piece of a works billing file: move it too
                before = len(self.store.invoices)
                self._progress_invoices(now, step)
                if len(self.store.invoices) == before:
                    break

    def _progress_invoices(self, now, step) -> None:
        with self.lock:
            for invoice_id in sorted(self.store.moving):
                invoice = self.store.invoices.get(invoice_id)
                if invoice is None:
                    continue
                for _ in range(50):  # paths are short: bounded loop
                    following = lifecycle.next_status(invoice, self.supplier_id)
                    due = invoice.status_at + lifecycle.step_before(invoice, self.supplier_id, step)
                    if following is None or due > now:
                        break
                    if invoice.script:
                        invoice.script.pop(0)
                    self.record_status(invoice, following, at=due)
                    if following == "ASSOCIEE" and invoice.next_id is None and invoice.cadre in lifecycle.NEXT_PIECE:
                        self._deposit_next_piece(invoice, due)
                if lifecycle.next_status(invoice, self.supplier_id) is None:
                    self.store.moving.discard(invoice_id)

    def _deposit_next_piece(self, piece: Invoice, at) -> Invoice:
        """The MOE or the MOA deposits the next piece of ``piece``'s billing file (see :mod:`.lifecycle`)."""
        cadre, works_type, depositor, suffix = lifecycle.NEXT_PIECE[piece.cadre]
        amount = piece.accepted_amount if piece.accepted_amount is not None else piece.amount_due
        first = piece
        while first.previous_id is not None and first.previous_id in self.store.invoices:
            first = self.store.invoices[first.previous_id]
        following = replace(piece, id=self.store.next_invoice_id(), number=first.number + suffix,
                            cadre=cadre, works_type=works_type,
                            depositor=depositor, previous_id=piece.id, next_id=None, accepted_amount=None,
                            amount_due=amount, deposited_at=at, invoice_date=at, mode="DEPOT_PDF_PORTAIL",
                            history=[], actions=[], script=None, comment="", lines=[], attachment_ids=[],
                            main_attachment_id=None)
        piece.next_id = following.id
        self.store.invoices[following.id] = following
        self.record_status(following, lifecycle.path_of(following)[0], at=at)
        return following

    def set_accepted_amount(self, invoice_id: int, amount) -> None:
        """The amount the MOE (or the MOA) accepts for this piece: its next piece will carry it."""
        with self.lock:
            self.invoice(invoice_id).accepted_amount = Decimal(str(amount))

    def record_status(self, invoice: Invoice, status: str, *, at=None, comment: str = "") -> None:
        invoice.history.append(StatusEvent(self.store.next_event_id(), status, at or self.clock.now(), comment))
        self.store.moving.add(invoice.id)

    # -- controls for tests and people -----------------------------------------------------------
    def set_invoice_status(self, invoice_id: int, status: str, comment: str = "") -> None:
        """Set a status now (as the buyer or the platform would); statuses off the path stop it."""
        with self.lock:
            self.progress()
            invoice = self.invoice(invoice_id)
            invoice.script = None
            self.record_status(invoice, status, comment=comment)

    def deposit_for_validation(self, supplier, number: str, *, cadre: str = "A9_FACTURE_SOUSTRAITANT",
                               untaxed="1000.00", vat="0.00", market_number: str = "", buyer=None,
                               validator=None, works_type: str = "") -> Invoice:
        """A subcontractor (or co-contractor) ``supplier`` (SIRET or id) deposits a document naming ``validator``
        (default: the technical account's structure) as validator, as it would on the portal; it waits for
        ``factures/v1/traiter/factureAValider`` (status A_VALIDER_1).  A works cadre (A10, A11, A13, A14) makes a
        works document (typeFactureTravaux ``works_type``, by default the one of a projet de décompte mensuel)."""
        with self.lock:
            self.progress()
            depositor = self._structure(supplier)
            checker = self._structure(validator) if validator is not None else self.store.structures[self.supplier_id]
            payer = self._structure(buyer) if buyer is not None else self.store.structures[seed.OPH.id]
            works = cadre not in lifecycle.VALIDATOR_CADRE_CODES
            untaxed, vat = Decimal(str(untaxed)), Decimal(str(vat))
            now = self.clock.now()
            invoice = Invoice(
                id=self.store.next_invoice_id(), number=number, supplier_id=depositor.id,
                kind="FACTURE_TRAVAUX" if works else "FACTURE", cadre=cadre, mode="DEPOT_PDF_PORTAIL",
                invoice_date=now, deposited_at=now, buyer_id=payer.id, market_number=market_number,
                validator_id=checker.id, works_type=(works_type or "PROJET_DECOMPTE_MENSUEL") if works else "",
                moa_id=payer.id if works else None, moe_id=seed.MOE.id if works else None,
                untaxed=untaxed, vat=vat, total=untaxed + vat, amount_due=untaxed + vat)
            self.store.invoices[invoice.id] = invoice
            self.record_status(invoice, "DEPOSEE", at=now)
            self.record_status(invoice, "A_VALIDER_1", at=now)
            return invoice

    def deposit_works_on_portal(self, *, number: str, cadre: str, market_number: str, moe, moa,
                                untaxed, vat, total, amount_due=None) -> Invoice:
        """A person deposits a works document on the portal (a PDF, in "Factures de travaux"): the platform
        then holds it as any works document, found by the works search.  ``moe``/``moa``: structure id or SIRET."""
        with self.lock:
            code = parse_cadre(cadre)
            moe_structure, moa_structure = self._structure(moe), self._structure(moa)
            now = self.clock.now()
            total = Decimal(str(total))
            invoice = Invoice(
                id=self.store.next_invoice_id(), number=number, supplier_id=self.supplier_id,
                kind="FACTURE_TRAVAUX", cadre=code.value, mode="DEPOT_PDF_PORTAIL", invoice_date=now,
                deposited_at=now, buyer_id=moa_structure.id, market_number=market_number,
                moe_id=moe_structure.id, moa_id=moa_structure.id, works_type=code.info.works_type or "",
                untaxed=Decimal(str(untaxed)), vat=Decimal(str(vat)), total=total,
                amount_due=Decimal(str(amount_due)) if amount_due is not None else total,
            )
            self.record_status(invoice, "A_VALIDER_MOE", at=now)
            self.store.invoices[invoice.id] = invoice
            self.add_deposit("portail", invoice, number)
            return invoice

    def set_known_markets(self, buyer, numbers: list[str] | None) -> None:
        """The market numbers ``buyer`` (SIRET or id, the MOA of works documents) is known with; a works
        document naming another one is then refused.  ``None`` (the default) accepts any number: whether and how
        Chorus Pro checks the market number of a works document is not published."""
        with self.lock:
            structure = self._structure(buyer)
            if numbers is None:
                self.known_markets.pop(structure.id, None)
            else:
                self.known_markets[structure.id] = set(numbers)

    def set_buyer_scenario(self, buyer, statuses: list[str] | None) -> None:
        """Statuses that invoices deposited from now on for this buyer (SIRET or id) take after
        their first status, one per step; ``None`` restores the default path."""
        with self.lock:
            structure = self._structure(buyer)
            if statuses is None:
                self.buyer_scenarios.pop(structure.id, None)
            else:
                self.buyer_scenarios[structure.id] = list(statuses)

    def unsubscribe(self, api: str) -> None:
        """The PISTE application is no longer subscribed to ``api``: its calls answer 403."""
        if api not in APIS:
            raise ValueError(f"unknown API {api!r}; choose one of {', '.join(APIS)}")
        self.unsubscribed.add(api)

    def subscribe(self, api: str) -> None:
        self.unsubscribed.discard(api)

    def expire_technical_password(self) -> None:
        """The technical account's password expired: every call is refused (HTTP 403)."""
        with self.lock:
            self.tech_password_expires_at = self.clock.now() - timedelta(days=1)

    def set_technical_password(self, password: str, *, valid_days: int = seed.TECH_PASSWORD_VALID_DAYS) -> None:
        with self.lock:
            self.tech_password = password
            self.tech_password_expires_at = self.clock.now() + timedelta(days=valid_days)

    def set_bank_accounts(self, accounts) -> None:
        """The valid bank accounts of the supplier structure: ``[(id, name), …]``."""
        with self.lock:
            self.store.bank_accounts[self.supplier_id] = [(int(i), str(name)) for i, name in accounts]

    def set_piste_secret(self, secret: str) -> None:
        """Rotate the PISTE client secret: the old one is refused for new tokens
        (tokens already issued stay valid until they expire)."""
        with self.lock:
            self.piste_client_secret = secret

    def revoke_tokens(self) -> None:
        with self.lock:
            self.store.tokens.clear()

    # -- queries ---------------------------------------------------------------------------------
    def invoice(self, invoice_id: int) -> Invoice:
        """The stored invoice (statuses brought up to the simulated time); KeyError when unknown."""
        with self.lock:
            self.progress()
            try:
                return self.store.invoices[int(invoice_id)]
            except (KeyError, ValueError, TypeError):
                raise KeyError(f"no invoice {invoice_id} in the simulator") from None

    def invoices_by_number(self, number: str) -> list[Invoice]:
        with self.lock:
            self.progress()
            return [i for i in self.store.invoices.values() if i.number == number]

    @property
    def deposits(self) -> list[Deposit]:
        with self.lock:
            return list(self.store.deposits)

    def deposit_count(self, invoice_number: str) -> int:
        with self.lock:
            return sum(1 for d in self.store.deposits if d.invoice_number == invoice_number)

    def flow(self, flow_number: str):
        with self.lock:
            self.progress()
            return self.store.flows[flow_number]

    def _structure(self, key):
        if isinstance(key, int) and key in self.store.structures:
            return self.store.structures[key]
        structure = self.store.structure_by_siret(str(key))
        if structure is None:
            raise KeyError(f"no structure {key} in the simulator")
        return structure

    def add_deposit(self, kind: str, invoice: Invoice | None, number: str, *, flow_number: str = "") -> None:
        self.store.deposits.append(Deposit(kind, number, self.supplier_id, self.clock.now(),
                                           invoice.id if invoice else None, flow_number))


def _seed():
    return seed
