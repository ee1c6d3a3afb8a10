"""Status synchronisation of works billing files, through the verified ``facturesTravaux/v1/rechercher``.

Cost of one run: one search call per page of the works documents whose status changed since ``since``
(as FOURNISSEUR), plus one detail call (``client.factures_travaux.get_document``) for each followed piece
that became ``ASSOCIEE``: the detail names its next piece (the MOE's état d'acompte, then the MOA's piece),
which the same search listed.  A line whose number or supplier differs from what is
followed is reported, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from .api.reading import SEARCH_PAGE_SIZE
from .identity import DocumentIdentity, Mismatch, identity_mismatch
from .siret import compact_siret
from .statuses import WORKS_FOLLOWED_BY_NEXT_PIECE

#: bound of the pieces walked after one followed piece in one run (a billing file has three or four)
MAX_CHAIN = 10


@dataclass(frozen=True)
class FollowedWorksPiece:
    """The last known piece of one billing file, as the ERP stores it."""

    works_invoice_id: int
    number: str
    status: str = ""
    #: naive UTC, or aware
    status_date: datetime | None = None


@dataclass(frozen=True)
class WorksPiece:
    """One piece of a billing file as Chorus Pro shows it now."""

    works_invoice_id: int
    number: str
    status: str
    cadre: str = ""
    works_type: str = ""
    status_date: datetime | None = None
    status_comment: str = ""
    amount_to_pay: Decimal | None = None
    total: Decimal | None = None
    previous_id: int | None = None


@dataclass
class WorksChange:
    """What changed for one followed piece: its new state, then the pieces that followed it, in order."""

    followed: FollowedWorksPiece
    pieces: list[WorksPiece] = field(default_factory=list)
    #: the line found does not belong to this piece (number or supplier differ): nothing to apply
    problem: str = ""

    @property
    def latest(self) -> WorksPiece:
        return self.pieces[-1]


@dataclass
class WorksSyncResult:
    changes: list[WorksChange] = field(default_factory=list)
    listed: int = 0
    detail_calls: int = 0


def naive_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _piece(summary, previous_id=None) -> WorksPiece:
    return WorksPiece(summary.works_invoice_id, summary.number, summary.status, summary.cadre, summary.works_type,
                      summary.status_date, summary.status_comment, summary.amount_to_pay, summary.total, previous_id)


def _mismatch(summary, wanted_number: str, supplier_structure_id: int | None, supplier_identifier: str) -> str:
    """Why the line found is not the piece followed (chorus_pro.identity decides), or ""."""
    expected = DocumentIdentity(wanted_number or summary.number, supplier_identifier, supplier_structure_id)
    found = DocumentIdentity(summary.number, summary.supplier_identifier, summary.supplier_structure_id)
    mismatch = identity_mismatch(expected, found)
    if mismatch is Mismatch.NUMBER:
        return (f"Chorus Pro document {summary.works_invoice_id} is numbered {summary.number!r}, "
                f"not {wanted_number!r}")
    if mismatch is Mismatch.SUPPLIER:
        if compact_siret(summary.supplier_identifier) != compact_siret(supplier_identifier):
            return (f"Chorus Pro document {summary.works_invoice_id} belongs to SIRET "
                    f"{summary.supplier_identifier}, not {supplier_identifier}")
        return (f"Chorus Pro document {summary.works_invoice_id} belongs to supplier structure "
                f"{summary.supplier_structure_id}, not {supplier_structure_id}")
    return ""


def _changed(followed: FollowedWorksPiece, summary) -> bool:
    if not summary.status:
        return False
    if summary.status != followed.status:
        return True
    new_date = naive_utc(summary.status_date)
    return bool(new_date) and new_date != naive_utc(followed.status_date)


def sync_works(client, followed: list[FollowedWorksPiece], *, since: datetime | None,
               supplier_structure_id: int | None = None, supplier_identifier: str = "",
               page_size: int = SEARCH_PAGE_SIZE) -> WorksSyncResult:
    """The changes of the ``followed`` pieces since ``since`` (None: every works document of the supplier)."""
    result = WorksSyncResult()
    wanted = {f.works_invoice_id: f for f in followed}
    if not wanted:
        return result
    listed = {}
    for summary in client.factures_travaux.iter_invoices(supplier_structure_id=supplier_structure_id,
                                                         status_changed_from=since, page_size=page_size):
        listed[summary.works_invoice_id] = summary
    result.listed = len(listed)
    for works_id, piece in wanted.items():
        summary = listed.get(works_id)
        if summary is None:
            continue  # unchanged since the last run
        problem = _mismatch(summary, piece.number, supplier_structure_id, supplier_identifier)
        if problem:
            result.changes.append(WorksChange(piece, [_piece(summary)], problem))
            continue
        if not _changed(piece, summary):
            continue
        change = WorksChange(piece, [_piece(summary)])
        result.changes.append(change)
        _follow_chain(client, change, listed, result, supplier_structure_id, supplier_identifier)
    return result


def _follow_chain(client, change, listed, result, supplier_structure_id, supplier_identifier) -> None:
    """A piece followed by its next one: one detail call names it; the search (or its own detail) gives its state."""
    for _ in range(MAX_CHAIN):
        current = change.latest
        if current.status not in WORKS_FOLLOWED_BY_NEXT_PIECE:
            return
        detail = client.factures_travaux.get_document(current.works_invoice_id)
        result.detail_calls += 1
        link = detail.next
        if link is None:
            return
        summary = listed.get(link.works_invoice_id)
        if summary is None:  # deposited before ``since`` and unchanged: its own detail
            following = client.factures_travaux.get_document(link.works_invoice_id)
            result.detail_calls += 1
            piece = WorksPiece(following.works_invoice_id, following.number, following.status, following.cadre,
                               following.works_type, None, "", following.amount_to_pay, None,
                               current.works_invoice_id)
        else:
            problem = _mismatch(summary, link.number, supplier_structure_id, supplier_identifier)
            if problem:
                change.problem = problem
                return
            piece = _piece(summary, current.works_invoice_id)
        change.pieces.append(piece)
