"""Reading Chorus Pro's answers and writing its paging criteria, shared by the operations of every API."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: results asked per page of a search
SEARCH_PAGE_SIZE = 100


def paging(page: int, size: int = SEARCH_PAGE_SIZE, column: str | None = None, direction: str | None = None) -> dict:
    """The paging criteria of a search (``pageResultatDemandee``, ``nbResultatsParPage``, sort)."""
    criteria = {"pageResultatDemandee": page, "nbResultatsParPage": size}
    if column:
        criteria["triColonne"] = column
    if direction:
        criteria["triSens"] = direction
    return criteria


def page_count(data: dict) -> int | None:
    """``pages`` of ``parametresRetour`` (or at the top level, as some operations do)."""
    paging_data = data.get("parametresRetour")
    source = paging_data if isinstance(paging_data, dict) else data
    return as_int(source.get("pages"))


def as_list(value) -> list[dict]:
    """A list of objects from a list, a single object (``listeStructures`` sometimes) or nothing."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def first(data: dict, *keys):
    """The value of the first of ``keys`` that ``data`` fills, else None."""
    for key in keys:
        if data.get(key) not in (None, ""):
            return data[key]
    return None


def cadre_of(item: dict) -> str:
    """Cadre of a search item: not in the 2020 Swagger items, so every known spelling is read."""
    value = first(item, "cadreFacturation", "codeCadreFacturation", "cadreDeFacturation")
    if isinstance(value, dict):
        value = value.get("codeCadreFacturation")
    return str(value or "")


def _number(value, kind):
    """``kind(value)``, or None when the platform left the field empty or sent something else."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError, InvalidOperation):
        return None


def as_int(value) -> int | None:
    return _number(value, int)


def as_float(value) -> float | None:
    return _number(value, float)


def as_decimal(value) -> Decimal | None:
    """An amount as Decimal, read from its text so that 1234.56 stays 1234.56; None when empty or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    return _number(str(value), Decimal)
