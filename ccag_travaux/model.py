"""The inputs of a situation: the contract's terms, one month's measures, the previous month's figures.

Every convention that varies between contracts is a named field of :class:`MarketTerms`
(or of the dataclass it holds), with the common default. Amounts are ``Decimal`` HT
unless the name says otherwise; rates are fractions (``Decimal("0.20")`` for 20 %).

Design of the chain: month N is computed from the terms, month N's measures and
:class:`PreviousSituation` — the figures month N-1 carried forward
(:meth:`ccag_travaux.results.Situation.carry_forward`). Nothing older is needed, so the
caller stores one ``PreviousSituation`` per situation and can recompute any month
from it alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from .rounding import CoefficientRounding

# -- terms -----------------------------------------------------------------------------------------


class PriceBasis(str, Enum):
    FIRM = "firm"  # prix ferme, never varied
    ACTUALISABLE = "actualisable"  # prix ferme actualisable: one coefficient, fixed once
    REVISABLE = "revisable"  # prix révisable: one coefficient per month of execution


class Basis(str, Enum):
    """Whether an amount or a ratio is taken before VAT or VAT included."""

    HT = "ht"
    TTC = "ttc"


class Guarantee(str, Enum):
    """What replaces the retenue de garantie (garantie à première demande or caution)."""

    NONE = "none"  # the RG is withheld on every acompte
    FULL = "full"  # a guarantee covers the whole market: nothing is withheld
    BASE_CONTRACT = "base_contract"  # it covers the base contract: the RG applies to the avenants' works only
    AMOUNT = "amount"  # it covers this much RG: only the RG beyond it is withheld


class RetentionRounding(str, Enum):
    CUMULATIVE = "cumulative"  # RG to date = rate x base to date, rounded; the month takes the difference
    PER_PERIOD = "per_period"  # each month's RG = rate x the month's base, rounded


@dataclass(frozen=True)
class BillLine:
    """One line of the bill of quantities (DPGF / BPU / DQE), of the base contract or of an avenant."""

    code: str
    lot: str
    unit: str
    quantity: Decimal  # market quantity (1 for a lump sum)
    unit_price_ht: Decimal  # initial price
    vat_rate: Decimal
    label: str = ""
    avenant: str | None = None  # the avenant's number, None for the base contract

    @property
    def amount_ht(self) -> Decimal:
        return self.quantity * self.unit_price_ht


@dataclass(frozen=True)
class Avenant:
    number: str
    date: datetime.date
    amount_ht: Decimal
    lines: tuple[BillLine, ...] = ()


@dataclass(frozen=True)
class IndexTerm:
    """One index of the formula: weight x In / I0."""

    index_name: str  # e.g. BT01, TP01
    weight: Decimal
    base_value: Decimal  # I0, the index of the base month


@dataclass(frozen=True)
class PriceVariation:
    """The variation formula Cn = fixed_part + sum(weight x In / I0), for révision or actualisation.

    ``month_lag``: In is the index of the month of execution minus this many months
    (0: the month itself; 3 for the usual actualisation "mois d-3").
    ``actualisation_month``: for an actualisable price, the month (of the start order)
    whose coefficient is applied, once, to every acompte.
    When an index is not published, the last published value of that index stands in
    (a provisional coefficient) and the difference is regularised in the first
    situation whose index table has the value.
    """

    fixed_part: Decimal
    indices: tuple[IndexTerm, ...]
    base_month: str
    month_lag: int = 0
    coefficient_rounding: CoefficientRounding = field(default_factory=CoefficientRounding)
    actualisation_month: str | None = None
    revise_approvisionnements: bool = False  # whether supplies on site are varied like works

    def index_month(self, execution_month: str) -> str:
        from .rounding import shift_month

        return shift_month(execution_month, -self.month_lag)


@dataclass(frozen=True)
class Advance:
    """The avance and its repayment schedule.

    Repaid to date = amount x clamp((p - start) / (end - start), 0, 1) where p is the
    cumulative execution ratio: works executed to date at initial prices over the market
    amount (with its avenants when ``thresholds_include_avenants``), both HT or both TTC
    (``execution_basis``). ``deduction`` says whether the repayment is taken before VAT
    (an HT line that carries VAT at the market's rate) or from the TTC amount.
    An avance whose ``rate`` exceeds ``first_payment_start_above_rate`` (0.30 by
    default, CCP R2191-11 2°) starts being repaid at the first payment: the start
    threshold becomes 0.
    """

    amount: Decimal  # the amount received
    received_date: datetime.date | None = None
    rate: Decimal | None = None  # e.g. 0.05
    base_amount: Decimal | None = None  # what the rate applies to (TTC, or 12 x TTC / months)
    start_threshold: Decimal = Decimal("0.65")
    end_threshold: Decimal = Decimal("0.80")
    execution_basis: Basis = Basis.TTC
    deduction: Basis = Basis.TTC
    first_payment_start_above_rate: Decimal | None = Decimal("0.30")
    thresholds_include_avenants: bool = True
    #: the repayment is taken from the sums due on the acompte (CCP R2191-11: "par précompte"); when they
    #: are smaller, the rest comes off the next acomptes instead of a negative amount to pay
    cap_to_amount_due: bool = True

    @property
    def effective_start(self) -> Decimal:
        above = self.first_payment_start_above_rate
        if above is not None and self.rate is not None and self.rate > above:
            return Decimal("0")
        return self.start_threshold


@dataclass(frozen=True)
class Retention:
    """Retenue de garantie: ``rate`` x the acompte TTC, with or without its price variation."""

    rate: Decimal = Decimal("0.05")
    include_variation: bool = True
    guarantee: Guarantee = Guarantee.NONE
    guarantee_amount: Decimal | None = None  # for Guarantee.AMOUNT: the RG the guarantee stands for
    rounding: RetentionRounding = RetentionRounding.CUMULATIVE
    guarantee_months: int = 12  # garantie de parfait achèvement, from the réception


@dataclass(frozen=True)
class PenaltyRule:
    """A penalty the contract prices per unit (per day of delay, per missed meeting…)."""

    code: str
    label: str
    amount_per_unit: Decimal


@dataclass(frozen=True)
class Subcontractor:
    partner_id: str  # the caller's identifier (an Odoo partner id)
    name: str
    accepted_amount_ht: Decimal
    direct_payment: bool = True
    autoliquidation: bool = True  # CGI art. 283-2 nonies: the subcontractor invoices HT
    vat_rate: Decimal = Decimal("0.20")  # when not under autoliquidation
    advance_amount: Decimal = Decimal("0")
    retention_replaced_by_guarantee: bool = False


@dataclass(frozen=True)
class MarketTerms:
    market_number: str
    amount_ht: Decimal  # the base contract's amount (acte d'engagement)
    vat_rate: Decimal  # the market's main VAT rate
    lines: tuple[BillLine, ...]
    avenants: tuple[Avenant, ...] = ()
    price_basis: PriceBasis = PriceBasis.FIRM
    price_variation: PriceVariation | None = None
    advance: Advance | None = None
    retention: Retention | None = None
    penalty_rules: tuple[PenaltyRule, ...] = ()
    subcontractors: tuple[Subcontractor, ...] = ()
    payment_delay_days: int = 30  # délai global de paiement: 30, 50 (health) or 60 days
    reception_date: datetime.date | None = None
    autoliquidation: bool = False  # the issuer is a subcontractor under reverse charge: HT only
    title: str = ""

    def all_lines(self) -> tuple[BillLine, ...]:
        return self.lines + tuple(line for avenant in self.avenants for line in avenant.lines)

    @property
    def total_amount_ht(self) -> Decimal:
        return self.amount_ht + sum((avenant.amount_ht for avenant in self.avenants), Decimal("0"))


# -- one month's measures --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineProgress:
    """Cumulative progress of one line since the start: a percentage OR a quantity."""

    code: str
    percent: Decimal | None = None  # 0-100, more when the quantity overran
    quantity: Decimal | None = None


@dataclass(frozen=True)
class PartAmount:
    """A cumulative amount of approvisionnements, primes or débours (parts 2-4 of the projet)."""

    code: str
    cumulative_ht: Decimal
    vat_rate: Decimal
    label: str = ""


@dataclass(frozen=True)
class Penalty:
    """A penalty of the month: an ``amount``, or ``units`` of a contract's :class:`PenaltyRule`."""

    reason: str
    amount: Decimal | None = None
    rule: str | None = None
    units: Decimal | None = None


@dataclass(frozen=True)
class DirectPaymentShare:
    """A directly paid subcontractor's share of this month's works, HT at initial prices."""

    partner_id: str
    amount_ht: Decimal


@dataclass(frozen=True)
class MonthMeasures:
    number: int  # the situation's number, 1 for the first
    month: str  # YYYY-MM, the month of execution
    progress: tuple[LineProgress, ...] = ()  # lines absent here keep their previous progress
    approvisionnements: tuple[PartAmount, ...] = ()
    primes: tuple[PartAmount, ...] = ()
    debours: tuple[PartAmount, ...] = ()
    penalties: tuple[Penalty, ...] = ()
    direct_payments: tuple[DirectPaymentShare, ...] = ()
    indices: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)  # name -> month -> value
    submission_date: datetime.date | None = None  # receipt of the projet by the MOE


# -- what month N-1 hands to month N ---------------------------------------------------------------


@dataclass(frozen=True)
class PendingVariation:
    """A month whose variation used a provisional coefficient, awaiting its index."""

    situation_number: int
    month: str
    index_months: tuple[tuple[str, str], ...]  # (index name, month) needed for the definitive coefficient
    base_by_rate: tuple[tuple[Decimal, Decimal], ...]  # (VAT rate, amount HT the coefficient applied to)
    provisional_coefficient: Decimal
    provisional_by_rate: tuple[tuple[Decimal, Decimal], ...]  # (VAT rate, variation HT already invoiced)


@dataclass(frozen=True)
class PartCarry:
    kind: str  # approvisionnements, primes, debours
    code: str
    label: str
    vat_rate: Decimal
    cumulative_ht: Decimal


@dataclass(frozen=True)
class SubcontractorCarry:
    partner_id: str
    share_cumulative_ht: Decimal = Decimal("0")
    deducted_cumulative: Decimal = Decimal("0")
    retention_base_cumulative: Decimal = Decimal("0")
    retention_cumulative: Decimal = Decimal("0")
    advance_repaid: Decimal = Decimal("0")


@dataclass(frozen=True)
class PreviousSituation:
    """The figures of situation N-1 that situation N needs (all cumulative since the start)."""

    number: int
    month: str
    line_quantities: Mapping[str, Decimal]
    parts: tuple[PartCarry, ...] = ()
    works_cumulative_ht: Decimal = Decimal("0")
    initial_prices_cumulative_ht: Decimal = Decimal("0")
    variation_cumulative_ht: Decimal = Decimal("0")
    ttc_cumulative: Decimal = Decimal("0")
    retention_base_cumulative: Decimal = Decimal("0")
    retention_cumulative: Decimal = Decimal("0")
    advance_repaid: Decimal = Decimal("0")
    advance_deducted_cumulative: Decimal = Decimal("0")
    penalties_cumulative: Decimal = Decimal("0")
    direct_payments_cumulative: Decimal = Decimal("0")
    paid_cumulative: Decimal = Decimal("0")  # sum of the montants à payer
    subcontractors: tuple[SubcontractorCarry, ...] = ()
    pending_variations: tuple[PendingVariation, ...] = ()

    @classmethod
    def start(cls) -> PreviousSituation:
        """Before the first situation: nothing executed, nothing paid."""
        return cls(number=0, month="", line_quantities={})
