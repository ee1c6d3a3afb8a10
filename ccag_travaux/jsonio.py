"""JSON in and out: terms, measures and previous figures from a document; every figure back to JSON.

Amounts are written as strings or numbers ("1234.56" or 1234.56; numbers are read as
``Decimal``, never as binary floats). Unknown keys are refused, so a misspelt field
is named instead of silently ignored. The ``carry_forward`` object of a computed
situation is the ``previous`` object of the next one.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum

from .errors import InputError
from .model import (
    Advance,
    Avenant,
    Basis,
    BillLine,
    DirectPaymentShare,
    Guarantee,
    IndexTerm,
    LineProgress,
    MarketTerms,
    MonthMeasures,
    PartAmount,
    PartCarry,
    Penalty,
    PenaltyRule,
    PendingVariation,
    PreviousSituation,
    PriceBasis,
    PriceVariation,
    Retention,
    RetentionRounding,
    Subcontractor,
    SubcontractorCarry,
)
from .results import Notice
from .rounding import COEFFICIENT_ROUNDING_PRESETS, CoefficientRounding, parse_month

_MISSING = object()


class _Reader:
    """Reads one JSON object, naming the path of any wrong value."""

    def __init__(self, data, path: str):
        if not isinstance(data, Mapping):
            raise InputError(path, "expected an object ({...})")
        self.data, self.path, self.used = data, path, set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key, default):
        self.used.add(key)
        if key in self.data and self.data[key] is not None:
            return self.data[key]
        if default is _MISSING:
            raise InputError(self.at(key), "is required")
        return default

    def decimal(self, key, default=_MISSING):
        value = self._get(key, default)
        return value if value is default else to_decimal(value, self.at(key))

    def text(self, key, default=_MISSING):
        value = self._get(key, default)
        if value is not default and not isinstance(value, str):
            raise InputError(self.at(key), "expected a string")
        return value

    def integer(self, key, default=_MISSING):
        value = self._get(key, default)
        if value is not default and (isinstance(value, bool) or not isinstance(value, int)):
            raise InputError(self.at(key), "expected a whole number")
        return value

    def boolean(self, key, default=_MISSING):
        value = self._get(key, default)
        if value is not default and not isinstance(value, bool):
            raise InputError(self.at(key), "expected true or false")
        return value

    def date(self, key, default=_MISSING):
        value = self._get(key, default)
        if value is default:
            return value
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InputError(self.at(key), f"'{value}' is not a date: write it YYYY-MM-DD")

    def month(self, key, default=_MISSING):
        value = self.text(key, default)
        if value is not default:
            parse_month(value, self.at(key))
        return value

    def choice(self, key, enum, default=_MISSING):
        value = self._get(key, default)
        if value is default or isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            raise InputError(self.at(key), f"'{value}' is not one of {', '.join(item.value for item in enum)}")

    def objects(self, key, parse):
        items = self._get(key, [])
        if not isinstance(items, list):
            raise InputError(self.at(key), "expected a list ([...])")
        return tuple(parse(_Reader(item, f"{self.at(key)}[{index}]")) for index, item in enumerate(items))

    def child(self, key):
        value = self._get(key, None)
        return None if value is None else _Reader(value, self.at(key))

    def done(self):
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise InputError(self.at(unknown[0]), "unknown field: check its spelling against the documented format")


def to_decimal(value, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise InputError(field, f"'{value}' is not an amount: write it as a number or a string such as \"1234.56\"")
    try:
        number = Decimal(value.strip().replace(" ", "") if isinstance(value, str) else value)
    except InvalidOperation:
        raise InputError(field, f"'{value}' is not a number: use a dot for decimals, e.g. \"1234.56\"")
    if not number.is_finite():
        raise InputError(field, f"'{value}' is not a finite number")
    return number


def _finish(reader: _Reader, value):
    reader.done()
    return value


# -- terms -----------------------------------------------------------------------------------------


def _bill_line(r: _Reader, avenant: str | None = None) -> BillLine:
    return _finish(r, BillLine(code=r.text("code"), lot=r.text("lot", ""), unit=r.text("unit", ""),
                               quantity=r.decimal("quantity"), unit_price_ht=r.decimal("unit_price_ht"),
                               vat_rate=r.decimal("vat_rate"), label=r.text("label", ""), avenant=avenant))


def _avenant(r: _Reader) -> Avenant:
    number = r.text("number")
    return _finish(r, Avenant(number=number, date=r.date("date"), amount_ht=r.decimal("amount_ht"),
                              lines=r.objects("lines", lambda line: _bill_line(line, number))))


def _coefficient_rounding(r: _Reader, key: str) -> CoefficientRounding:
    value = r._get(key, "6_half_up")
    if isinstance(value, str):
        if value not in COEFFICIENT_ROUNDING_PRESETS:
            raise InputError(r.at(key), f"'{value}' is not one of {', '.join(COEFFICIENT_ROUNDING_PRESETS)}, "
                                        "or an object {\"places\": 3, \"mode\": \"up\"}")
        return COEFFICIENT_ROUNDING_PRESETS[value]
    inner = _Reader(value, r.at(key))
    places = inner._get("places", None)
    if places is not None and (isinstance(places, bool) or not isinstance(places, int)):
        raise InputError(inner.at("places"), "expected a whole number of decimals, or null")
    try:
        rule = CoefficientRounding(places=places, mode=inner.text("mode", "half_up"))
    except InputError as error:
        raise InputError(r.at(error.field), error.message)
    return _finish(inner, rule)


def _index_term(r: _Reader) -> IndexTerm:
    return _finish(r, IndexTerm(index_name=r.text("index_name"), weight=r.decimal("weight"),
                                base_value=r.decimal("base_value")))


def _price_variation(r: _Reader) -> PriceVariation:
    fixed_part = r.decimal("fixed_part")
    if "indices" in r.data:
        indices = r.objects("indices", _index_term)
    else:  # one index: its weight is what the fixed part leaves
        indices = (IndexTerm(index_name=r.text("index_name"), weight=1 - fixed_part,
                             base_value=r.decimal("base_value")),)
    return _finish(r, PriceVariation(
        fixed_part=fixed_part, indices=indices, base_month=r.month("base_month"),
        month_lag=r.integer("month_lag", 0), coefficient_rounding=_coefficient_rounding(r, "coefficient_rounding"),
        actualisation_month=r.month("actualisation_month", None),
        revise_approvisionnements=r.boolean("revise_approvisionnements", False)))


def _advance(r: _Reader) -> Advance:
    defaults = Advance(amount=Decimal(0))
    return _finish(r, Advance(
        amount=r.decimal("amount"), received_date=r.date("received_date", None), rate=r.decimal("rate", None),
        base_amount=r.decimal("base_amount", None),
        start_threshold=r.decimal("start_threshold", defaults.start_threshold),
        end_threshold=r.decimal("end_threshold", defaults.end_threshold),
        execution_basis=r.choice("execution_basis", Basis, defaults.execution_basis),
        deduction=r.choice("deduction", Basis, defaults.deduction),
        first_payment_start_above_rate=r.decimal("first_payment_start_above_rate",
                                                 defaults.first_payment_start_above_rate),
        thresholds_include_avenants=r.boolean("thresholds_include_avenants", True),
        cap_to_amount_due=r.boolean("cap_to_amount_due", True)))


def _retention(r: _Reader) -> Retention:
    defaults = Retention()
    return _finish(r, Retention(
        rate=r.decimal("rate", defaults.rate), include_variation=r.boolean("include_variation", True),
        guarantee=r.choice("guarantee", Guarantee, Guarantee.NONE),
        guarantee_amount=r.decimal("guarantee_amount", None),
        rounding=r.choice("rounding", RetentionRounding, RetentionRounding.CUMULATIVE),
        guarantee_months=r.integer("guarantee_months", defaults.guarantee_months)))


def _penalty_rule(r: _Reader) -> PenaltyRule:
    return _finish(r, PenaltyRule(code=r.text("code"), label=r.text("label", ""),
                                  amount_per_unit=r.decimal("amount_per_unit")))


def _subcontractor(r: _Reader) -> Subcontractor:
    defaults = Subcontractor(partner_id="", name="", accepted_amount_ht=Decimal(0))
    partner_id = r._get("partner_id", _MISSING)
    return _finish(r, Subcontractor(
        partner_id=str(partner_id), name=r.text("name", ""), accepted_amount_ht=r.decimal("accepted_amount_ht"),
        direct_payment=r.boolean("direct_payment", True), autoliquidation=r.boolean("autoliquidation", True),
        vat_rate=r.decimal("vat_rate", defaults.vat_rate), advance_amount=r.decimal("advance_amount", Decimal(0)),
        retention_replaced_by_guarantee=r.boolean("retention_replaced_by_guarantee", False)))


def parse_terms(data, path: str = "terms") -> MarketTerms:
    r = _Reader(data, path)
    variation = r.child("price_variation")
    advance = r.child("advance")
    retention = r.child("retention")
    return _finish(r, MarketTerms(
        market_number=r.text("market_number"), title=r.text("title", ""), amount_ht=r.decimal("amount_ht"),
        vat_rate=r.decimal("vat_rate"), lines=r.objects("lines", _bill_line), avenants=r.objects("avenants", _avenant),
        price_basis=r.choice("price_basis", PriceBasis, PriceBasis.FIRM),
        price_variation=_price_variation(variation) if variation else None,
        advance=_advance(advance) if advance else None, retention=_retention(retention) if retention else None,
        penalty_rules=r.objects("penalty_rules", _penalty_rule), subcontractors=r.objects("subcontractors", _subcontractor),
        payment_delay_days=r.integer("payment_delay_days", 30), reception_date=r.date("reception_date", None),
        autoliquidation=r.boolean("autoliquidation", False)))


# -- measures --------------------------------------------------------------------------------------


def _progress(r: _Reader) -> LineProgress:
    return _finish(r, LineProgress(code=r.text("code"), percent=r.decimal("percent", None),
                                   quantity=r.decimal("quantity", None)))


def _part(r: _Reader) -> PartAmount:
    return _finish(r, PartAmount(code=r.text("code"), label=r.text("label", ""),
                                 cumulative_ht=r.decimal("cumulative_ht"), vat_rate=r.decimal("vat_rate")))


def _penalty(r: _Reader) -> Penalty:
    return _finish(r, Penalty(reason=r.text("reason"), amount=r.decimal("amount", None), rule=r.text("rule", None),
                              units=r.decimal("units", None)))


def _share(r: _Reader) -> DirectPaymentShare:
    return _finish(r, DirectPaymentShare(partner_id=str(r._get("partner_id", _MISSING)),
                                         amount_ht=r.decimal("amount_ht")))


def _indices(r: _Reader | None) -> dict[str, dict[str, Decimal]]:
    if r is None:
        return {}
    table = {}
    for name in r.data:
        months = _Reader(r.data[name], r.at(name))
        for month in months.data:
            parse_month(month, months.at(month))
        table[name] = {month: months.decimal(month) for month in months.data}
        r.used.add(name)
    return table


def parse_measures(data, path: str = "measures") -> MonthMeasures:
    r = _Reader(data, path)
    return _finish(r, MonthMeasures(
        number=r.integer("number"), month=r.month("month"), progress=r.objects("progress", _progress),
        approvisionnements=r.objects("approvisionnements", _part), primes=r.objects("primes", _part),
        debours=r.objects("debours", _part), penalties=r.objects("penalties", _penalty),
        direct_payments=r.objects("direct_payments", _share), indices=_indices(r.child("indices")),
        submission_date=r.date("submission_date", None)))


# -- previous figures ------------------------------------------------------------------------------


def _pairs(r: _Reader, key: str) -> tuple[tuple[Decimal, Decimal], ...]:
    pairs = r._get(key, [])
    if not isinstance(pairs, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
        raise InputError(r.at(key), "expected a list of [VAT rate, amount] pairs")
    return tuple((to_decimal(rate, r.at(key)), to_decimal(amount, r.at(key))) for rate, amount in pairs)


def _pending(r: _Reader) -> PendingVariation:
    months = r._get("index_months", [])
    if not isinstance(months, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in months):
        raise InputError(r.at("index_months"), "expected a list of [index name, month] pairs")
    return _finish(r, PendingVariation(
        situation_number=r.integer("situation_number"), month=r.month("month"),
        index_months=tuple((str(name), str(month)) for name, month in months), base_by_rate=_pairs(r, "base_by_rate"),
        provisional_coefficient=r.decimal("provisional_coefficient"),
        provisional_by_rate=_pairs(r, "provisional_by_rate")))


def _part_carry(r: _Reader) -> PartCarry:
    return _finish(r, PartCarry(kind=r.text("kind"), code=r.text("code"), label=r.text("label", ""),
                                vat_rate=r.decimal("vat_rate"), cumulative_ht=r.decimal("cumulative_ht")))


def _subcontractor_carry(r: _Reader) -> SubcontractorCarry:
    zero = Decimal(0)
    return _finish(r, SubcontractorCarry(
        partner_id=str(r._get("partner_id", _MISSING)),
        share_cumulative_ht=r.decimal("share_cumulative_ht", zero),
        deducted_cumulative=r.decimal("deducted_cumulative", zero),
        retention_base_cumulative=r.decimal("retention_base_cumulative", zero),
        retention_cumulative=r.decimal("retention_cumulative", zero), advance_repaid=r.decimal("advance_repaid", zero)))


def parse_previous(data, path: str = "previous") -> PreviousSituation:
    r = _Reader(data, path)
    zero = Decimal(0)
    quantities = r.child("line_quantities")
    line_quantities = {}
    if quantities is not None:
        line_quantities = {code: quantities.decimal(code) for code in quantities.data}
    amounts = {name: r.decimal(name, zero) for name in (
        "works_cumulative_ht", "initial_prices_cumulative_ht", "variation_cumulative_ht", "ttc_cumulative",
        "retention_base_cumulative", "retention_cumulative", "advance_repaid", "advance_deducted_cumulative",
        "penalties_cumulative", "direct_payments_cumulative", "paid_cumulative")}
    return _finish(r, PreviousSituation(
        number=r.integer("number"), month=r.text("month", ""), line_quantities=line_quantities,
        parts=r.objects("parts", _part_carry), subcontractors=r.objects("subcontractors", _subcontractor_carry),
        pending_variations=r.objects("pending_variations", _pending), **amounts))


def parse_document(data) -> tuple[MarketTerms, MonthMeasures, PreviousSituation | None]:
    """A situation file: ``{"terms": …, "measures": …, "previous": … or null}``."""
    r = _Reader(data, "")
    previous = r.child("previous")
    return _finish(r, (parse_terms(r._get("terms", _MISSING)), parse_measures(r._get("measures", _MISSING)),
                       parse_previous(previous.data) if previous else None))


def parse_final_document(data) -> tuple[MarketTerms, PreviousSituation]:
    """A final-statement file: ``{"terms": …, "previous": …}`` (the last situation's carry_forward)."""
    r = _Reader(data, "")
    return _finish(r, (parse_terms(r._get("terms", _MISSING)), parse_previous(r._get("previous", _MISSING))))


def load_json(text: str):
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InputError(f"line {error.lineno} column {error.colno}", f"not valid JSON: {error.msg}")


# -- figures out -----------------------------------------------------------------------------------


def to_jsonable(value):
    """Dataclasses, Decimals, dates and enums as plain JSON values (amounts as strings)."""
    if isinstance(value, Notice):
        return {"code": value.code, "params": dict(value.params), "message": value.message}
    if dataclasses.is_dataclass(value):
        return {item.name: to_jsonable(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return value
