"""Read an invoice described in a JSON file (``chorus-pro submit FILE.json``).

The keys are the field names of :class:`chorus_pro.documents.Invoice`; see
``examples/invoice-example.json`` and the README ("Invoice JSON format").

- ``number``, ``invoice_date``, ``supplier``, ``buyer`` and ``lines`` are required.
- Amounts and rates are strings (``"1250.00"``) or numbers; rates are percentages (``"20"``).
- ``lines[].number`` defaults to the position of the line (1, 2, …).
- ``vat_lines`` and ``totals`` are computed from the lines when absent.
- ``invoice_type`` (``FACTURE``/``AVOIR``), ``cadre`` (``A1`` or ``A1_FACTURE_FOURNISSEUR``),
  ``payment_mode``, ``vat_regime`` take the Chorus Pro codes.
- ``pdf`` (main PDF) and ``attachments`` (supporting files) are paths relative to the JSON file.
"""

from __future__ import annotations

import json
import mimetypes
import os
from dataclasses import fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .cadres import parse_cadre
from .documents import (
    Attachment,
    Invoice,
    InvoiceType,
    Line,
    Party,
    PaymentMode,
    Totals,
    VatLine,
    VatRegime,
)
from .errors import ChorusProError

CENT = Decimal("0.01")
_FILE_KEYS = {"pdf", "attachments"}
_PARTY_KEYS = {f.name for f in fields(Party)}
_LINE_KEYS = {f.name for f in fields(Line)}
_TOTALS_KEYS = {f.name for f in fields(Totals)}
_INVOICE_KEYS = {f.name for f in fields(Invoice)} - {"main_pdf"}


class InvoiceFileError(ChorusProError):
    """The invoice file cannot be read or does not describe an invoice; nothing was sent."""


def _error(where: str, problem: str) -> InvoiceFileError:
    return InvoiceFileError(f"{where}: {problem}", field=where)


def _check_keys(where: str, data, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(data, dict):
        raise _error(where, "expected a JSON object")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _error(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    for key in required:
        if data.get(key) in (None, "", []):
            raise _error(f"{where}.{key}" if where != "invoice" else key, "is required")
    return data


def _decimal(where: str, value) -> Decimal:
    if isinstance(value, bool):
        raise _error(where, "expected a number")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _error(where, f"{value!r} is not a number (write it like \"1250.00\")")
    if not number.is_finite():
        raise _error(where, f"{value!r} is not a number")
    return number


def _date(where: str, value) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _error(where, f"{value!r} is not a date (write it YYYY-MM-DD)")


def _enum(where: str, enum_class, value):
    try:
        return enum_class(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(member.value for member in enum_class)
        raise _error(where, f"{value!r} is not one of {choices}")


def _party(where: str, data) -> Party:
    data = _check_keys(where, data, _PARTY_KEYS, ("siret",))
    values = dict(data)
    for key in ("structure_id", "service_id"):
        if values.get(key) is not None and not isinstance(values[key], int):
            raise _error(f"{where}.{key}", "expected an integer")
    values["siret"] = str(values["siret"])
    return Party(**values)


def _line(index: int, data) -> Line:
    where = f"lines[{index}]"
    data = _check_keys(where, data, _LINE_KEYS, ("description", "quantity", "unit_price", "vat_rate"))
    quantity = _decimal(f"{where}.quantity", data["quantity"])
    if quantity < 0:
        raise _error(f"{where}.quantity", f"{quantity} is negative: an invoice does not take amounts back; to "
                                          "cancel or reduce one, send a credit note (invoice_type: AVOIR) with "
                                          "positive quantities")
    return Line(
        number=int(data.get("number") or index + 1),
        description=str(data["description"]),
        quantity=quantity,
        unit_price=_decimal(f"{where}.unit_price", data["unit_price"]),
        vat_rate=_decimal(f"{where}.vat_rate", data["vat_rate"]),
        reference=str(data.get("reference") or ""),
        unit=str(data.get("unit") or ""),
        discount=_decimal(f"{where}.discount", data.get("discount") or 0),
    )


def _vat_line(index: int, data) -> VatLine:
    where = f"vat_lines[{index}]"
    data = _check_keys(where, data, {"rate", "base", "amount"}, ("rate", "base", "amount"))
    return VatLine(_decimal(f"{where}.rate", data["rate"]), _decimal(f"{where}.base", data["base"]),
                   _decimal(f"{where}.amount", data["amount"]))


def compute_vat_lines(lines: list[Line]) -> list[VatLine]:
    """One VAT line per rate: base = sum of the lines, amount rounded half-up to the cent."""
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal("0")) + line.amount_untaxed
    return [VatLine(rate, base, (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP))
            for rate, base in sorted(bases.items())]


def compute_totals(vat_lines: list[VatLine]) -> Totals:
    untaxed = sum((v.base for v in vat_lines), Decimal("0"))
    vat = sum((v.amount for v in vat_lines), Decimal("0"))
    return Totals(untaxed=untaxed, vat=vat, total=untaxed + vat, amount_due=untaxed + vat)


#: the first bytes of every PDF file
PDF_SIGNATURE = b"%PDF-"


def _read_file(base_dir: str, where: str, path, mime_type: str | None = None) -> Attachment:
    """The file ``path``; one given as the invoice's PDF (``mime_type`` application/pdf) must be one."""
    if not isinstance(path, str) or not path:
        raise _error(where, "expected a file path")
    full = path if os.path.isabs(path) else os.path.join(base_dir, path)
    try:
        with open(full, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise _error(where, f"cannot read {path}: {exc.strerror}")
    if mime_type == "application/pdf" and not content.startswith(PDF_SIGNATURE):
        raise _error(where, f"{path} is not a PDF (a PDF file starts with {PDF_SIGNATURE.decode()}): give the "
                            "invoice's PDF")
    guessed = mime_type or mimetypes.guess_type(full)[0] or "application/octet-stream"
    return Attachment(name=os.path.basename(full), content=content, mime_type=guessed)


def invoice_from_dict(data, base_dir: str = ".") -> Invoice:
    """Build an :class:`Invoice` from the decoded JSON; errors name the key and the fix."""
    data = _check_keys("invoice", data, _INVOICE_KEYS | _FILE_KEYS,
                       ("number", "invoice_date", "supplier", "buyer", "lines"))
    if not isinstance(data["lines"], list):
        raise _error("lines", "expected a list of lines")
    lines = [_line(index, line) for index, line in enumerate(data["lines"])]
    if data.get("vat_lines"):
        vat_lines = [_vat_line(index, raw) for index, raw in enumerate(data["vat_lines"])]
    else:
        vat_lines = compute_vat_lines(lines)
    if data.get("totals"):
        raw = _check_keys("totals", data["totals"], _TOTALS_KEYS, ("untaxed", "vat", "total"))
        totals = Totals(
            untaxed=_decimal("totals.untaxed", raw["untaxed"]), vat=_decimal("totals.vat", raw["vat"]),
            total=_decimal("totals.total", raw["total"]),
            amount_due=_decimal("totals.amount_due", raw.get("amount_due", raw["total"])),
            global_discount=_decimal("totals.global_discount", raw.get("global_discount") or 0),
            global_discount_reason=str(raw.get("global_discount_reason") or ""))
    else:
        totals = compute_totals(vat_lines)
    optional = {}
    for key in ("currency", "vat_exemption_reason", "ej_number", "market_number", "original_invoice_number",
                "validator_siret", "validator_service_code", "comment"):
        if data.get(key) is not None:
            optional[key] = str(data[key])
    for key in ("moe", "moa"):
        if data.get(key):
            optional[key] = _party(key, data[key])
    for key in ("period_start", "period_end"):
        if data.get(key):
            optional[key] = _date(key, data[key])
    for key in ("situation_number", "bank_account_id"):
        if data.get(key) is not None:
            if isinstance(data[key], bool) or not isinstance(data[key], int):
                raise _error(key, "expected an integer")
            optional[key] = data[key]
    if data.get("invoice_type"):
        optional["invoice_type"] = _enum("invoice_type", InvoiceType, data["invoice_type"])
    if data.get("vat_regime"):
        optional["vat_regime"] = _enum("vat_regime", VatRegime, data["vat_regime"])
    if "payment_mode" in data:
        optional["payment_mode"] = (_enum("payment_mode", PaymentMode, data["payment_mode"])
                                    if data["payment_mode"] else None)
    if data.get("cadre"):
        try:
            optional["cadre"] = parse_cadre(data["cadre"])
        except ValueError as exc:
            raise _error("cadre", str(exc))
    if data.get("pdf"):
        optional["main_pdf"] = _read_file(base_dir, "pdf", data["pdf"], "application/pdf")
    if data.get("attachments"):
        if not isinstance(data["attachments"], list):
            raise _error("attachments", "expected a list of file paths")
        optional["attachments"] = [_read_file(base_dir, f"attachments[{i}]", path)
                                   for i, path in enumerate(data["attachments"])]
    return Invoice(
        number=str(data["number"]), invoice_date=_date("invoice_date", data["invoice_date"]),
        supplier=_party("supplier", data["supplier"]), buyer=_party("buyer", data["buyer"]),
        lines=lines, vat_lines=vat_lines, totals=totals, **optional)


def load_invoice(path: str) -> Invoice:
    """Read ``path`` (UTF-8 JSON) into an :class:`Invoice`."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise InvoiceFileError(f"Cannot read invoice file {path}: {exc.strerror}", field="file")
    except ValueError as exc:
        raise InvoiceFileError(f"Invoice file {path} is not valid JSON: {exc}", field="file")
    return invoice_from_dict(data, os.path.dirname(os.path.abspath(path)))


def read_attachment(path: str, mime_type: str | None = None, *, option: str = "--attach") -> Attachment:
    """A file given on the command line (``--pdf``, ``--attach``); errors name the option."""
    return _read_file(os.getcwd(), option, path, mime_type)
