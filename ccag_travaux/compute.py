"""The computation of a situation (projet de décompte mensuel / état d'acompte) and of the final statement.

:func:`compute_situation` is a pure function of the terms, the month's measures and
the previous situation's carried figures; it returns every intermediate figure
(:class:`ccag_travaux.results.Situation`). The steps, in order:

1. cumulative works at initial prices HT, per line and per lot; approvisionnements,
   primes and débours as separate parts;
2. the period amount = cumulative - previous cumulative (negative: a credit note);
3. the price variation of the period amount (révision or actualisation), and the
   regularisation of earlier provisional variations whose index is now published;
4. VAT per rate on the period amount plus its variation (none under autoliquidation);
5. the avance repayment on its cumulative schedule;
6. the retenue de garantie;
7. penalties;
8. the shares paid directly to subcontractors;
9. montant à payer = TTC - RG - avance repayment - penalties - direct-payment shares.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal

from .errors import InputError
from .model import (
    Advance,
    Basis,
    BillLine,
    Guarantee,
    MarketTerms,
    MonthMeasures,
    PartAmount,
    PartCarry,
    PendingVariation,
    PreviousSituation,
    PriceBasis,
    PriceVariation,
    RetentionRounding,
    SubcontractorCarry,
)
from .results import (
    AccountingSplit,
    AdvanceFigure,
    DirectPaymentFigure,
    FinalStatement,
    IndexUse,
    LineFigure,
    LotFigure,
    Notice,
    PartFigure,
    PenaltyFigure,
    RegularisationFigure,
    RetentionFigure,
    Situation,
    VariationFigure,
    VatLine,
)
from .rounding import CENT, ONE, ZERO, add_months, cents, parse_month

#: The mention a subcontractor's invoice carries under reverse charge: "Autoliquidation" is the
#: wording CGI annexe II art. 242 nonies A 13° requires; the article that sets the scheme follows it.
AUTOLIQUIDATION_MENTION = "Autoliquidation - TVA due par le preneur (article 283-2 nonies du CGI)"

PART_KINDS = ("approvisionnements", "primes", "debours")
LEGAL_RETENTION_CAP = Decimal("0.05")  # CCP R2191-32
LONGEST_PAYMENT_DELAY = 60  # days, CCP R2192-10


# -- public helpers --------------------------------------------------------------------------------


def advance_base(market_amount_ttc: Decimal, duration_months: int | None = None) -> Decimal:
    """What the avance rate applies to (CCP R2191-7): the initial amount TTC, or, for a market longer
    than 12 months, 12 x the initial amount TTC / duration in months (not rounded)."""
    if duration_months is not None and duration_months > 12:
        return market_amount_ttc * 12 / Decimal(duration_months)
    return market_amount_ttc


def advance_amount(rate: Decimal, market_amount_ttc: Decimal, duration_months: int | None = None) -> Decimal:
    """The avance of CCP R2191-7: rate x :func:`advance_base`, to the cent."""
    return cents(rate * advance_base(market_amount_ttc, duration_months))


def variation_coefficient(variation: PriceVariation, values: Mapping[str, Decimal]) -> tuple[Decimal, Decimal]:
    """(unrounded, rounded) Cn = fixed_part + sum(weight x In / I0), ``values`` giving In per index name."""
    raw = variation.fixed_part + sum(
        (term.weight * values[term.index_name] / term.base_value for term in variation.indices), ZERO)
    return raw, variation.coefficient_rounding.apply(raw)


def advance_repaid_to_date(amount: Decimal, ratio: Decimal, start: Decimal, end: Decimal) -> Decimal:
    """amount x clamp((ratio - start) / (end - start), 0, 1), to the cent: never more than the amount."""
    fraction = min(max((ratio - start) / (end - start), ZERO), ONE)
    return amount if fraction == ONE else cents(amount * fraction)


# -- validation of the terms -----------------------------------------------------------------------


def _require(condition: bool, field: str, message: str, code: str = "", **params: object) -> None:
    if not condition:
        raise InputError(field, message, code, {key: str(value) for key, value in params.items()})


def _is_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


def check_terms(terms: MarketTerms) -> list[Notice]:
    """Reject terms that cannot be computed; return notices for those that look wrong but may be right."""
    notices: list[Notice] = []
    _require(terms.amount_ht > 0, "terms.amount_ht", "the market amount HT must be positive")
    _require(ZERO <= terms.vat_rate < ONE, "terms.vat_rate", "a VAT rate is a fraction, e.g. 0.20 for 20 %")
    _require(0 < terms.payment_delay_days <= LONGEST_PAYMENT_DELAY, "terms.payment_delay_days",
             "the délai de paiement is at most 60 days (30 for most buyers, 50 for public health establishments)",
             "payment_delay", days=terms.payment_delay_days)
    seen: set[str] = set()
    for index, line in enumerate(terms.all_lines()):
        where = f"terms.lines[{index}]" if line.avenant is None else f"terms.avenants[{line.avenant}].lines"
        _require(bool(line.code), f"{where}.code", "every line needs a code")
        _require(line.code not in seen, f"{where}.code", f"line code '{line.code}' appears twice: codes must be unique")
        seen.add(line.code)
        _require(line.quantity >= 0, f"{where}.quantity", f"line {line.code}: the market quantity cannot be negative")
        _require(ZERO <= line.vat_rate < ONE, f"{where}.vat_rate", f"line {line.code}: write the rate as a fraction, e.g. 0.20")
    lines_total = cents(sum((line.amount_ht for line in terms.lines), ZERO))
    if terms.lines and lines_total != terms.amount_ht:
        notices.append(Notice("lines_total_differs", {"lines_total": str(lines_total),
                                                      "market_amount": str(terms.amount_ht)}))
    for avenant in terms.avenants:
        total = cents(sum((line.amount_ht for line in avenant.lines), ZERO))
        if avenant.lines and total != avenant.amount_ht:
            notices.append(Notice("avenant_total_differs", {"avenant": str(avenant.number), "lines_total": str(total),
                                                            "avenant_amount": str(avenant.amount_ht)}))
    _check_variation(terms)
    if terms.advance is not None:
        notices.extend(_check_advance(terms.advance, terms))
    if terms.retention is not None:
        retention = terms.retention
        _require(ZERO <= retention.rate <= LEGAL_RETENTION_CAP, "terms.retention.rate",
                 "the retenue de garantie is at most 5 % (0.05) of the acompte (CCP R2191-32)", "retention_rate")
        if retention.guarantee is Guarantee.AMOUNT:
            _require(retention.guarantee_amount is not None and retention.guarantee_amount >= 0,
                     "terms.retention.guarantee_amount", "give the RG amount the guarantee stands for",
                     "retention_guarantee_amount")
            _require(retention.rounding is RetentionRounding.CUMULATIVE, "terms.retention.rounding",
                     "a guarantee of an amount needs the cumulative rounding (per_period cannot cap it)")
        _require(retention.guarantee_months >= 0, "terms.retention.guarantee_months", "cannot be negative")
    partner_ids: set[str] = set()
    for index, sub in enumerate(terms.subcontractors):
        where = f"terms.subcontractors[{index}]"
        _require(sub.partner_id not in partner_ids, f"{where}.partner_id", f"'{sub.partner_id}' appears twice")
        partner_ids.add(sub.partner_id)
        _require(sub.accepted_amount_ht > 0, f"{where}.accepted_amount_ht", "the accepted amount must be positive",
                 "subcontractor_amount", subcontractor=sub.name)
        _require(sub.advance_amount >= 0 and _is_cents(sub.advance_amount), f"{where}.advance_amount",
                 "an amount in euros and cents, not negative")
    rule_codes = [rule.code for rule in terms.penalty_rules]
    _require(len(rule_codes) == len(set(rule_codes)), "terms.penalty_rules", "each rule needs its own code")
    return notices


def _check_variation(terms: MarketTerms) -> None:
    variation = terms.price_variation
    if terms.price_basis is PriceBasis.FIRM:
        _require(variation is None, "terms.price_variation",
                 "a firm price has no variation formula: remove it or set price_basis to revisable or actualisable")
        return
    _require(variation is not None, "terms.price_variation",
             f"a {terms.price_basis.value} price needs its formula (fixed_part, index, base month and value)")
    _require(ZERO <= variation.fixed_part < ONE, "terms.price_variation.fixed_part",
             "the fixed part is a fraction, e.g. 0.125", "variation_fixed_part")
    _require(bool(variation.indices), "terms.price_variation.indices", "name at least one index, e.g. BT01",
             "variation_no_index")
    for index, term in enumerate(variation.indices):
        _require(term.base_value > 0, f"terms.price_variation.indices[{index}].base_value",
                 f"the base value of index {term.index_name} must be positive", "variation_base_value",
                 index=term.index_name)
    total = variation.fixed_part + sum((term.weight for term in variation.indices), ZERO)
    _require(total == ONE, "terms.price_variation", f"the fixed part and the index weights add up to {total}, not 1",
             "variation_weights", total=total)
    _require(variation.month_lag >= 0, "terms.price_variation.month_lag", "the lag is a number of months back, >= 0")
    parse_month(variation.base_month, "terms.price_variation.base_month")
    if terms.price_basis is PriceBasis.ACTUALISABLE:
        _require(variation.actualisation_month is not None, "terms.price_variation.actualisation_month",
                 "an actualisable price needs the month of the start order (YYYY-MM)", "actualisation_month")
        parse_month(variation.actualisation_month, "terms.price_variation.actualisation_month")


def _check_advance(advance: Advance, terms: MarketTerms) -> list[Notice]:
    _require(advance.amount >= 0 and _is_cents(advance.amount), "terms.advance.amount",
             "the avance received, in euros and cents")
    _require(ZERO <= advance.start_threshold < advance.end_threshold <= ONE, "terms.advance",
             "thresholds must satisfy 0 <= start_threshold < end_threshold <= 1 (e.g. 0.65 and 0.80)",
             "advance_thresholds")
    notices = []
    if advance.rate is not None and advance.base_amount is not None:
        expected = cents(advance.rate * advance.base_amount)
        if expected != advance.amount:
            notices.append(Notice("advance_amount_differs", {"received": str(advance.amount),
                                                             "expected": str(expected)}))
    if advance.rate is not None and advance.effective_start != advance.start_threshold:
        notices.append(Notice("advance_repaid_from_first_payment", {
            "rate": str(advance.rate), "threshold": str(advance.first_payment_start_above_rate)}))
    return notices


# -- step 1 and 2: works and parts at initial prices ------------------------------------------------


def _progress_quantities(terms: MarketTerms, measures: MonthMeasures, previous: PreviousSituation,
                         notices: list[Notice]) -> dict[str, Decimal]:
    by_code = {line.code: line for line in terms.all_lines()}
    for code in previous.line_quantities:
        _require(code in by_code, f"previous.line_quantities.{code}",
                 f"line {code} of the previous situation is not in the terms")
    quantities = {code: Decimal(quantity) for code, quantity in previous.line_quantities.items()}
    seen: set[str] = set()
    for index, entry in enumerate(measures.progress):
        where = f"measures.progress[{index}]"
        line = by_code.get(entry.code)
        _require(line is not None, f"{where}.code", f"no line '{entry.code}' in the bill of quantities")
        _require(entry.code not in seen, f"{where}.code", f"line {entry.code} is measured twice")
        seen.add(entry.code)
        _require((entry.percent is None) != (entry.quantity is None), where,
                 f"line {entry.code}: give either percent or quantity, not both and not neither")
        if entry.percent is not None:
            _require(entry.percent >= 0, f"{where}.percent", f"line {entry.code}: progress cannot be negative",
                     "negative_progress", line=entry.code)
            _require(line.quantity > 0, f"{where}.percent",
                     f"line {entry.code} has no market quantity: give its progress as a quantity",
                     "percent_without_quantity", line=entry.code)
            quantity = line.quantity * entry.percent / 100
        else:
            _require(entry.quantity >= 0, f"{where}.quantity", f"line {entry.code}: progress cannot be negative",
                     "negative_progress", line=entry.code)
            quantity = entry.quantity
        before = quantities.get(entry.code, ZERO)
        if quantity < before:
            notices.append(Notice("progress_down", {"line": entry.code, "before": _plain(before),
                                                    "quantity": _plain(quantity), "unit": line.unit}))
        quantities[entry.code] = quantity
    for line in terms.all_lines():
        quantity = quantities.get(line.code, ZERO)
        if line.quantity > 0 and quantity > line.quantity:
            notices.append(Notice("over_100_percent", {
                "line": line.code, "percent": str(_percent(quantity, line)), "quantity": _plain(quantity),
                "market_quantity": _plain(line.quantity), "unit": line.unit}))
    return quantities


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _percent(quantity: Decimal, line: BillLine) -> Decimal:
    return (quantity * 100 / line.quantity).quantize(Decimal("0.01"))


def _line_figures(terms: MarketTerms, quantities: Mapping[str, Decimal], previous: PreviousSituation):
    figures = []
    for line in terms.all_lines():
        cumulative_quantity = quantities.get(line.code, ZERO)
        previous_quantity = Decimal(previous.line_quantities.get(line.code, ZERO))
        cumulative = cents(cumulative_quantity * line.unit_price_ht)
        before = cents(previous_quantity * line.unit_price_ht)
        figures.append(LineFigure(
            code=line.code, lot=line.lot, unit=line.unit, label=line.label, avenant=line.avenant,
            market_quantity=line.quantity, unit_price_ht=line.unit_price_ht, vat_rate=line.vat_rate,
            cumulative_quantity=cumulative_quantity,
            cumulative_percent=_percent(cumulative_quantity, line) if line.quantity > 0 else None,
            previous_quantity=previous_quantity, cumulative_ht=cumulative, previous_ht=before,
            period_ht=cumulative - before))
    return tuple(figures)


def _lot_figures(terms: MarketTerms, lines: Iterable[LineFigure]) -> tuple[LotFigure, ...]:
    market: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in terms.all_lines():
        market[line.lot] += line.amount_ht
    totals: dict[str, list[Decimal]] = {}
    for line in lines:
        row = totals.setdefault(line.lot, [ZERO, ZERO])
        row[0] += line.cumulative_ht
        row[1] += line.previous_ht
    return tuple(LotFigure(lot=lot, market_ht=cents(market[lot]), cumulative_ht=cumulative, previous_ht=before,
                           period_ht=cumulative - before) for lot, (cumulative, before) in totals.items())


def _part_figures(measures: MonthMeasures, previous: PreviousSituation) -> tuple[PartFigure, ...]:
    carried = {(part.kind, part.code): part for part in previous.parts}
    figures = []
    for kind in PART_KINDS:
        measured: tuple[PartAmount, ...] = getattr(measures, kind)
        codes: set[str] = set()
        for index, item in enumerate(measured):
            where = f"measures.{kind}[{index}]"
            _require(bool(item.code), f"{where}.code", "every item needs a code")
            _require(item.code not in codes, f"{where}.code", f"'{item.code}' appears twice", "part_code_twice",
                     item=item.code)
            _require(ZERO <= item.vat_rate < ONE, f"{where}.vat_rate", "write the rate as a fraction, e.g. 0.20")
            _require(_is_cents(item.cumulative_ht), f"{where}.cumulative_ht", "an amount in euros and cents")
            codes.add(item.code)
            before = carried[(kind, item.code)].cumulative_ht if (kind, item.code) in carried else ZERO
            figures.append(PartFigure(kind, item.code, item.label, item.vat_rate, item.cumulative_ht, before,
                                      item.cumulative_ht - before))
        for part in previous.parts:  # not measured this month: unchanged
            if part.kind == kind and part.code not in codes:
                figures.append(PartFigure(kind, part.code, part.label, part.vat_rate, part.cumulative_ht,
                                          part.cumulative_ht, ZERO))
    return tuple(figures)


# -- step 3: price variation -----------------------------------------------------------------------


def _index_value(name: str, month: str, indices: Mapping[str, Mapping[str, Decimal]]) -> tuple[Decimal, str] | None:
    """The value of ``name`` for ``month``, else the last published before it: (value, its month)."""
    table = indices.get(name, {})
    if month in table:
        return Decimal(table[month]), month
    earlier = [known for known in table if known < month]
    if not earlier:
        return None
    latest = max(earlier)
    return Decimal(table[latest]), latest


def _coefficient(variation: PriceVariation, execution_month: str, indices, *, provisional_allowed: bool):
    uses = []
    for term in variation.indices:
        month = variation.index_month(execution_month)
        found = _index_value(term.index_name, month, indices)
        if found is None or (found[1] != month and not provisional_allowed):
            return None
        value, value_month = found
        uses.append(IndexUse(term.index_name, term.weight, term.base_value, month, value, value_month,
                             provisional=value_month != month))
    raw, rounded = variation_coefficient(variation, {use.index_name: use.value for use in uses})
    return raw, rounded, tuple(uses)


def _variation_month(terms: MarketTerms, measures: MonthMeasures) -> str:
    variation = terms.price_variation
    return variation.actualisation_month if terms.price_basis is PriceBasis.ACTUALISABLE else measures.month


def _by_rate(amounts: Mapping[Decimal, Decimal]) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple(sorted((rate, amount) for rate, amount in amounts.items() if amount))


def _variation(terms: MarketTerms, measures: MonthMeasures, base: Mapping[Decimal, Decimal], notices: list[Notice]):
    variation = terms.price_variation
    month = _variation_month(terms, measures)
    found = _coefficient(variation, month, measures.indices, provisional_allowed=True)
    if found is None and not any(base.values()):
        return None, None  # nothing to vary: the index is not needed this month
    if found is None:
        term = next(t for t in variation.indices if _index_value(t.index_name, variation.index_month(month),
                                                                 measures.indices) is None)
        needed = variation.index_month(month)
        raise InputError(f"measures.indices.{term.index_name}",
                         f"index {term.index_name} for {needed} is not published and no earlier value is given: "
                         f"add its value (or the last published one) to the index table",
                         "index_missing", {"index": term.index_name, "month": needed})
    raw, coefficient, uses = found
    provisional = any(use.provisional for use in uses)
    for use in uses:
        if use.provisional:
            notices.append(Notice("provisional_index", {
                "index": use.index_name, "month": use.month, "coefficient": str(coefficient),
                "value_month": use.value_month, "value": str(use.value)}))
    amounts = {rate: cents(amount * (coefficient - ONE)) for rate, amount in base.items() if amount}
    kind = "actualisation" if terms.price_basis is PriceBasis.ACTUALISABLE else "revision"
    figure = VariationFigure(kind=kind, execution_month=month, indices=uses, fixed_part=variation.fixed_part,
                             coefficient_unrounded=raw, coefficient=coefficient,
                             rounding_places=variation.coefficient_rounding.places,
                             rounding_mode=variation.coefficient_rounding.mode, provisional=provisional,
                             base_by_rate=_by_rate(base), amount_by_rate=_by_rate(amounts),
                             amount_ht=sum(amounts.values(), ZERO))
    pending = None
    if provisional and amounts:
        pending = PendingVariation(situation_number=measures.number, month=month,
                                   index_months=tuple((use.index_name, use.month) for use in uses),
                                   base_by_rate=_by_rate(base), provisional_coefficient=coefficient,
                                   provisional_by_rate=_by_rate(amounts))
    return figure, pending


def _regularisations(terms: MarketTerms, measures: MonthMeasures, previous: PreviousSituation,
                     notices: list[Notice]):
    settled, still_pending = [], []
    for pending in previous.pending_variations:
        found = None
        if terms.price_variation is not None:
            found = _coefficient(terms.price_variation, pending.month, measures.indices, provisional_allowed=False)
        if found is None:
            still_pending.append(pending)
            notices.append(Notice("variation_still_provisional", {"situation": str(pending.situation_number),
                                                                  "month": pending.month}))
            continue
        _, coefficient, uses = found
        provisional = dict(pending.provisional_by_rate)
        amounts = {rate: cents(base * (coefficient - ONE)) - provisional.get(rate, ZERO)
                   for rate, base in pending.base_by_rate}
        settled.append(RegularisationFigure(
            situation_number=pending.situation_number, month=pending.month,
            provisional_coefficient=pending.provisional_coefficient, definitive_coefficient=coefficient,
            indices=uses, amount_by_rate=_by_rate(amounts), amount_ht=sum(amounts.values(), ZERO)))
    return tuple(settled), still_pending


# -- step 5: avance --------------------------------------------------------------------------------


def _ttc(amounts_by_rate: Mapping[Decimal, Decimal], autoliquidation: bool) -> Decimal:
    return sum((amount + (ZERO if autoliquidation else cents(amount * rate))
                for rate, amount in amounts_by_rate.items()), ZERO)


def _advance(terms: MarketTerms, lines: Iterable[LineFigure], previous: PreviousSituation) -> AdvanceFigure:
    advance = terms.advance
    counted = [line for line in lines if advance.thresholds_include_avenants or line.avenant is None]
    market_ht = terms.total_amount_ht if advance.thresholds_include_avenants else terms.amount_ht
    if advance.execution_basis is Basis.HT:
        executed = sum((line.cumulative_ht for line in counted), ZERO)
        market = market_ht
    else:
        by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        for line in counted:
            by_rate[line.vat_rate] += line.cumulative_ht
        executed = _ttc(by_rate, terms.autoliquidation)
        market = _ttc({terms.vat_rate: market_ht}, terms.autoliquidation)
    ratio = executed / market
    start, end = advance.effective_start, advance.end_threshold
    repaid = advance_repaid_to_date(advance.amount, ratio, start, end)
    repayment = repaid - previous.advance_repaid
    vat = ZERO
    if advance.deduction is Basis.HT and not terms.autoliquidation:
        vat = cents(repayment * terms.vat_rate)
    return AdvanceFigure(amount=advance.amount, execution_basis=advance.execution_basis.value, executed=executed,
                         market_amount=market, execution_ratio=ratio, start_threshold=start, end_threshold=end,
                         repaid_to_date=repaid, repaid_before=previous.advance_repaid,
                         deduction=advance.deduction.value, period_repayment=repayment, deduction_vat=vat,
                         period_deduction=repayment + vat, remaining=advance.amount - repaid,
                         scheduled_to_date=repaid)


def _capped_advance(figure: AdvanceFigure, available: Decimal, terms: MarketTerms) -> AdvanceFigure:
    """The repayment limited to ``available``, the sums due on this acompte (its VAT included when the
    repayment is deducted before VAT)."""
    with_vat = terms.advance.deduction is Basis.HT and not terms.autoliquidation
    repayment = cents(available / (ONE + terms.vat_rate)) if with_vat else available
    vat = cents(repayment * terms.vat_rate) if with_vat else ZERO
    while repayment + vat > available:  # a cent of rounding at most
        repayment -= CENT
        vat = cents(repayment * terms.vat_rate) if with_vat else ZERO
    repaid = figure.repaid_before + repayment
    return replace(figure, repaid_to_date=repaid, period_repayment=repayment, deduction_vat=vat,
                   period_deduction=repayment + vat, remaining=figure.amount - repaid)


# -- step 8: direct payments (before the RG, which excludes the subcontractors' shares) ----------


def _direct_payments(terms: MarketTerms, measures: MonthMeasures, previous: PreviousSituation):
    by_id = {sub.partner_id: sub for sub in terms.subcontractors}
    carried = {carry.partner_id: carry for carry in previous.subcontractors}
    schedule = terms.advance or Advance(amount=ZERO)
    retention = terms.retention
    figures, carries, seen = [], dict(carried), set()
    for index, share in enumerate(measures.direct_payments):
        where = f"measures.direct_payments[{index}]"
        sub = by_id.get(share.partner_id)
        _require(sub is not None, f"{where}.partner_id", f"no subcontractor '{share.partner_id}' in the terms")
        _require(sub.direct_payment, f"{where}.partner_id",
                 f"subcontractor {sub.name} is not paid directly: its share stays in the titulaire's payment",
                 "not_direct_payment", subcontractor=sub.name)
        _require(share.partner_id not in seen, f"{where}.partner_id", f"'{share.partner_id}' appears twice")
        _require(_is_cents(share.amount_ht), f"{where}.amount_ht", "an amount in euros and cents")
        seen.add(share.partner_id)
        before = carried.get(share.partner_id, SubcontractorCarry(share.partner_id))
        vat = ZERO if sub.autoliquidation else cents(share.amount_ht * sub.vat_rate)
        deducted = share.amount_ht + vat
        share_cumulative = before.share_cumulative_ht + share.amount_ht
        ratio = share_cumulative / sub.accepted_amount_ht
        advance_repaid = before.advance_repaid
        if sub.advance_amount:
            advance_repaid = advance_repaid_to_date(sub.advance_amount, ratio, schedule.start_threshold,
                                                    schedule.end_threshold)
        retention_base = before.retention_base_cumulative
        retained = before.retention_cumulative
        if retention is not None and not sub.retention_replaced_by_guarantee:
            retention_base += deducted
            if retention.rounding is RetentionRounding.CUMULATIVE:
                retained = cents(retention.rate * retention_base)
            else:
                retained += cents(retention.rate * deducted)
        period_retention = retained - before.retention_cumulative
        repayment = advance_repaid - before.advance_repaid
        figures.append(DirectPaymentFigure(
            partner_id=sub.partner_id, name=sub.name, amount_ht=share.amount_ht, autoliquidation=sub.autoliquidation,
            vat=vat, deducted=deducted, share_cumulative_ht=share_cumulative, execution_ratio=ratio,
            retention=period_retention, advance_repayment=repayment,
            paid_to_subcontractor=deducted - period_retention - repayment,
            mention=AUTOLIQUIDATION_MENTION if sub.autoliquidation else ""))
        carries[sub.partner_id] = SubcontractorCarry(
            partner_id=sub.partner_id, share_cumulative_ht=share_cumulative,
            deducted_cumulative=before.deducted_cumulative + deducted, retention_base_cumulative=retention_base,
            retention_cumulative=retained, advance_repaid=advance_repaid)
    return tuple(figures), tuple(carries[key] for key in sorted(carries))


# -- step 6: retenue de garantie -------------------------------------------------------------------


def _retention(terms: MarketTerms, period_base: Decimal, avenant_base: Decimal, previous: PreviousSituation):
    retention = terms.retention
    withheld = {Guarantee.NONE: period_base, Guarantee.AMOUNT: period_base,
                Guarantee.BASE_CONTRACT: avenant_base, Guarantee.FULL: ZERO}[retention.guarantee]
    cumulative_base = previous.retention_base_cumulative + withheld
    if retention.rounding is RetentionRounding.CUMULATIVE:
        cumulative = cents(retention.rate * cumulative_base)
        if retention.guarantee is Guarantee.AMOUNT:
            cumulative = max(ZERO, cumulative - retention.guarantee_amount)
    else:
        cumulative = previous.retention_cumulative + cents(retention.rate * withheld)
    release = None if terms.reception_date is None else add_months(terms.reception_date, retention.guarantee_months)
    return RetentionFigure(
        rate=retention.rate, include_variation=retention.include_variation, guarantee=retention.guarantee.value,
        period_base=period_base, period_withheld_base=withheld, cumulative_withheld_base=cumulative_base,
        cumulative_retention=cumulative, previous_retention=previous.retention_cumulative,
        period_retention=cumulative - previous.retention_cumulative, release_date=release,
        release_deadline=None if release is None else add_months(release, 1))


# -- step 7: penalties -----------------------------------------------------------------------------


def _penalties(terms: MarketTerms, measures: MonthMeasures) -> tuple[PenaltyFigure, ...]:
    rules = {rule.code: rule for rule in terms.penalty_rules}
    figures = []
    for index, penalty in enumerate(measures.penalties):
        where = f"measures.penalties[{index}]"
        _require(bool(penalty.reason), f"{where}.reason", "say why the penalty applies", "penalty_reason")
        if penalty.rule is not None:
            rule = rules.get(penalty.rule)
            _require(rule is not None, f"{where}.rule", f"no penalty rule '{penalty.rule}' in the terms")
            _require(penalty.amount is None and penalty.units is not None and penalty.units >= 0, where,
                     "with a rule, give the number of units (days, meetings…) and no amount")
            amount = cents(rule.amount_per_unit * penalty.units)
        else:
            _require(penalty.amount is not None and penalty.amount >= 0 and _is_cents(penalty.amount),
                     f"{where}.amount", "give the amount in euros and cents, or a rule and its units")
            amount = penalty.amount
        figures.append(PenaltyFigure(penalty.reason, penalty.rule, penalty.units, amount))
    return tuple(figures)


# -- the situation ---------------------------------------------------------------------------------


def _check_sequence(measures: MonthMeasures, previous: PreviousSituation) -> None:
    parse_month(measures.month, "measures.month")
    _require(measures.number == previous.number + 1, "measures.number",
             f"situation {measures.number} cannot follow situation {previous.number}: "
             f"number it {previous.number + 1} or give the previous situation it follows")
    if previous.month:
        _require(measures.month > previous.month, "measures.month",
                 f"{measures.month} is not after the previous situation's month {previous.month}",
                 "month_order", month=measures.month, previous=previous.month)


def compute_situation(terms: MarketTerms, measures: MonthMeasures,
                      previous: PreviousSituation | None = None) -> Situation:
    """Every figure of situation N from the terms, month N's measures and situation N-1's carried figures."""
    previous = previous or PreviousSituation.start()
    notices = check_terms(terms)
    _check_sequence(measures, previous)
    autoliquidation = terms.autoliquidation

    # 1-2. works and parts at initial prices
    quantities = _progress_quantities(terms, measures, previous, notices)
    lines = _line_figures(terms, quantities, previous)
    works_cumulative = sum((line.cumulative_ht for line in lines), ZERO)
    works_previous = sum((line.previous_ht for line in lines), ZERO)
    if previous.number and works_previous != previous.works_cumulative_ht:
        notices.append(Notice("previous_total_differs", {"recomputed": str(works_previous),
                                                         "recorded": str(previous.works_cumulative_ht)}))
    parts = _part_figures(measures, previous)
    works_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    avenant_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        works_by_rate[line.vat_rate] += line.period_ht
        if line.avenant is not None:
            avenant_by_rate[line.vat_rate] += line.period_ht
    parts_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    varied_by_rate = dict(works_by_rate)
    for part in parts:
        parts_by_rate[part.vat_rate] += part.period_ht
        if part.kind == "approvisionnements" and terms.price_variation is not None \
                and terms.price_variation.revise_approvisionnements:
            varied_by_rate[part.vat_rate] = varied_by_rate.get(part.vat_rate, ZERO) + part.period_ht
    parts_cumulative = sum((part.cumulative_ht for part in parts), ZERO)
    parts_period = sum((part.period_ht for part in parts), ZERO)
    works_period = works_cumulative - works_previous
    initial_period = works_period + parts_period

    # 3. price variation of the period amount, and regularisations
    variation, pending = None, list(previous.pending_variations)
    regularisations: tuple[RegularisationFigure, ...] = ()
    if terms.price_basis is not PriceBasis.FIRM:
        regularisations, pending = _regularisations(terms, measures, previous, notices)
        variation, new_pending = _variation(terms, measures, varied_by_rate, notices)
        if new_pending is not None:
            pending.append(new_pending)
    variation_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for rate, amount in (variation.amount_by_rate if variation else ()):
        variation_by_rate[rate] += amount
    for regularisation in regularisations:
        for rate, amount in regularisation.amount_by_rate:
            variation_by_rate[rate] += amount
    variation_period = sum(variation_by_rate.values(), ZERO)
    total_ht = initial_period + variation_period

    # 4. VAT per rate
    bases: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for source in (works_by_rate, parts_by_rate, variation_by_rate):
        for rate, amount in source.items():
            bases[rate] += amount
    vat_lines = tuple(VatLine(rate, base, ZERO if autoliquidation else cents(base * rate))
                      for rate, base in sorted(bases.items()) if base or rate == terms.vat_rate)
    total_vat = sum((line.vat for line in vat_lines), ZERO)
    total_ttc = total_ht + total_vat

    # 5. avance
    advance = _advance(terms, lines, previous) if terms.advance is not None else None

    # 8 (first, for the RG base). direct payments
    direct_payments, subcontractor_carries = _direct_payments(terms, measures, previous)
    direct_total = sum((payment.deducted for payment in direct_payments), ZERO)

    # 6. retenue de garantie
    retention = None
    if terms.retention is not None:
        if terms.retention.include_variation:
            period_base = total_ttc
        else:
            unvaried = defaultdict(lambda: ZERO, works_by_rate)
            for rate, amount in parts_by_rate.items():
                unvaried[rate] += amount
            period_base = _ttc(unvaried, autoliquidation)
        period_base -= direct_total
        coefficient = variation.coefficient if variation is not None and terms.retention.include_variation else ONE
        avenant_base = _ttc({rate: amount + cents(amount * (coefficient - ONE))
                             for rate, amount in avenant_by_rate.items()}, autoliquidation)
        retention = _retention(terms, period_base, avenant_base, previous)

    # 7. penalties
    penalties = _penalties(terms, measures)
    penalties_total = sum((penalty.amount for penalty in penalties), ZERO)

    # 5 bis. the repayment never takes more than the sums due on this acompte
    retention_amount = retention.period_retention if retention else ZERO
    if advance is not None and terms.advance.cap_to_amount_due and advance.period_deduction > 0:
        available = max(total_ttc - retention_amount - penalties_total - direct_total, ZERO)
        if advance.period_deduction > available:
            advance = _capped_advance(advance, available, terms)
            notices.append(Notice("advance_repayment_capped", {
                "available": str(available), "postponed": str(advance.scheduled_to_date - advance.repaid_to_date)}))

    # 9. montant à payer
    advance_deduction = advance.period_deduction if advance else ZERO
    amount_to_pay = total_ttc - retention_amount - advance_deduction - penalties_total - direct_total
    if amount_to_pay < 0:
        notices.append(Notice("negative_amount_to_pay", {"amount": str(amount_to_pay)}))
    due = None
    if measures.submission_date is not None:
        due = measures.submission_date + datetime.timedelta(days=terms.payment_delay_days)
    accounting = AccountingSplit(
        invoice_ttc=total_ttc, receivable_now=amount_to_pay, retention_receivable=retention_amount,
        retention_release_date=retention.release_date if retention else None, advance_cleared=advance_deduction,
        penalties=penalties_total, settled_by_direct_payment=direct_total)

    carry = PreviousSituation(
        number=measures.number, month=measures.month,
        line_quantities={code: quantity for code, quantity in quantities.items() if quantity},
        parts=tuple(PartCarry(part.kind, part.code, part.label, part.vat_rate, part.cumulative_ht) for part in parts),
        works_cumulative_ht=works_cumulative,
        initial_prices_cumulative_ht=works_cumulative + parts_cumulative,
        variation_cumulative_ht=previous.variation_cumulative_ht + variation_period,
        ttc_cumulative=previous.ttc_cumulative + total_ttc,
        retention_base_cumulative=retention.cumulative_withheld_base if retention else ZERO,
        retention_cumulative=retention.cumulative_retention if retention else ZERO,
        advance_repaid=advance.repaid_to_date if advance else ZERO,
        advance_deducted_cumulative=previous.advance_deducted_cumulative + advance_deduction,
        penalties_cumulative=previous.penalties_cumulative + penalties_total,
        direct_payments_cumulative=previous.direct_payments_cumulative + direct_total,
        paid_cumulative=previous.paid_cumulative + amount_to_pay,
        subcontractors=subcontractor_carries, pending_variations=tuple(pending))

    return Situation(
        number=measures.number, month=measures.month, market_number=terms.market_number,
        lines=lines, lots=_lot_figures(terms, lines), parts=parts,
        works_cumulative_ht=works_cumulative, works_previous_ht=works_previous,
        parts_cumulative_ht=parts_cumulative, initial_prices_cumulative_ht=works_cumulative + parts_cumulative,
        works_period_ht=works_period, parts_period_ht=parts_period, initial_prices_period_ht=initial_period,
        variation=variation, regularisations=regularisations, variation_period_ht=variation_period,
        total_ht=total_ht, is_credit_note=total_ht < 0,
        vat_lines=vat_lines, total_vat=total_vat, total_ttc=total_ttc,
        vat_mention=AUTOLIQUIDATION_MENTION if autoliquidation else "",
        advance=advance, retention=retention, penalties=penalties, penalties_total=penalties_total,
        direct_payments=direct_payments, direct_payments_total=direct_total,
        amount_to_pay=amount_to_pay, payment_due_date=due, accounting=accounting,
        notices=tuple(notices), carry=carry)


# -- end of the market -----------------------------------------------------------------------------


def compute_final_statement(terms: MarketTerms, last: PreviousSituation) -> FinalStatement:
    """The projet de décompte final's figures from the last situation's carried figures.

    The avance not yet repaid comes off the solde (with its VAT when the contract deducts
    it before VAT); the RG is released separately, at the end of the garantie de parfait
    achèvement.
    """
    notices = check_terms(terms)
    _require(last.number > 0, "previous", "the final statement follows at least one situation")
    advance = terms.advance
    advance_amount_received = advance.amount if advance else ZERO
    balance = advance_amount_received - last.advance_repaid
    deduction = balance
    if advance is not None and advance.deduction is Basis.HT and not terms.autoliquidation:
        deduction += cents(balance * terms.vat_rate)
    if balance:
        notices.append(Notice("advance_balance", {"balance": str(balance)}))
    if last.pending_variations:
        notices.append(Notice("final_variations_provisional", {"count": str(len(last.pending_variations))}))
    release = deadline = None
    if terms.reception_date is not None and terms.retention is not None:
        release = add_months(terms.reception_date, terms.retention.guarantee_months)
        deadline = add_months(release, 1)
    elif terms.retention is not None and last.retention_cumulative:
        notices.append(Notice("no_reception_date"))
    parts = sum((part.cumulative_ht for part in last.parts), ZERO)
    return FinalStatement(
        market_number=terms.market_number, last_situation=last.number, last_month=last.month,
        market_amount_ht=terms.total_amount_ht, works_ht=last.works_cumulative_ht, parts_ht=parts,
        initial_prices_ht=last.initial_prices_cumulative_ht, variation_ht=last.variation_cumulative_ht,
        total_ttc=last.ttc_cumulative, penalties=last.penalties_cumulative,
        direct_payments=last.direct_payments_cumulative, paid_to_date=last.paid_cumulative,
        retention_to_release=last.retention_cumulative, release_date=release, release_deadline=deadline,
        advance_amount=advance_amount_received, advance_repaid=last.advance_repaid, advance_balance=balance,
        advance_balance_deduction=deduction, balance_due=-deduction,
        pending_variations=len(last.pending_variations), notices=tuple(notices))
