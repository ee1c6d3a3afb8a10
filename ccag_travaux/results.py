"""Every figure of a projet de décompte / état d'acompte, in the order of the computation.

The PDF, the user interface and the tests read these same numbers; a disputed figure
is traced from its step's dataclass. Step numbers follow the computation:
1 cumulative works at initial prices, 2 period amount, 3 price variation, 4 VAT,
5 avance repayment, 6 retenue de garantie, 7 penalties, 8 direct payments,
9 montant à payer.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .model import PreviousSituation

#: The English text of each notice; the Odoo add-on translates by ``code`` with the same parameters.
NOTICE_MESSAGES = {
    "lines_total_differs": "the bill of quantities totals {lines_total} HT, the market amount is {market_amount} HT",
    "avenant_total_differs": "the lines of avenant {avenant} total {lines_total} HT, the avenant amount is "
                             "{avenant_amount} HT",
    "advance_amount_differs": "the avance received ({received}) differs from rate x base ({expected})",
    "advance_repaid_from_first_payment": "the avance rate {rate} exceeds {threshold}: its repayment starts at the "
                                         "first payment",
    "progress_down": "line {line} goes down from {before} to {quantity} {unit}: the period amount is negative",
    "over_100_percent": "line {line} is at {percent} % of its market quantity ({quantity} / {market_quantity} "
                        "{unit})",
    "provisional_index": "index {index} for {month} is not published: the provisional coefficient {coefficient} "
                         "(with the {value_month} value {value}) applies and will be regularised once the index is "
                         "published",
    "variation_still_provisional": "the variation of situation {situation} ({month}) stays provisional: its index "
                                   "is still not in the table",
    "previous_total_differs": "the previous situation's works, recomputed with today's prices, total {recomputed} HT "
                              "instead of {recorded}: a price changed",
    "advance_repayment_capped": "the avance repayment is limited to the sums due ({available}): {postponed} come off "
                                "the next acomptes",
    "negative_amount_to_pay": "the montant à payer is negative ({amount}): the titulaire owes this sum",
    "advance_balance": "{balance} of the avance is not repaid: it comes off the solde",
    "final_variations_provisional": "{count} provisional variation(s) await their index: the solde will be revised "
                                    "when it is published",
    "no_reception_date": "the reception date is not set: the RG release date is unknown",
}


@dataclass(frozen=True)
class Notice:
    """A warning the user should read: a stable ``code`` and its parameters (plain strings), from which the
    English ``message`` is made and any translation too."""

    code: str
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        return NOTICE_MESSAGES[self.code].format(**self.params)


@dataclass(frozen=True)
class LineFigure:
    code: str
    lot: str
    unit: str
    label: str
    avenant: str | None
    market_quantity: Decimal
    unit_price_ht: Decimal
    vat_rate: Decimal
    cumulative_quantity: Decimal
    cumulative_percent: Decimal | None  # None when the market quantity is 0
    previous_quantity: Decimal
    cumulative_ht: Decimal
    previous_ht: Decimal
    period_ht: Decimal


@dataclass(frozen=True)
class LotFigure:
    lot: str
    market_ht: Decimal
    cumulative_ht: Decimal
    previous_ht: Decimal
    period_ht: Decimal


@dataclass(frozen=True)
class PartFigure:
    kind: str  # approvisionnements, primes, debours
    code: str
    label: str
    vat_rate: Decimal
    cumulative_ht: Decimal
    previous_ht: Decimal
    period_ht: Decimal


@dataclass(frozen=True)
class IndexUse:
    index_name: str
    weight: Decimal
    base_value: Decimal
    month: str  # the month the formula asks for
    value: Decimal  # the value used
    value_month: str  # the month of the value used (earlier than ``month`` when provisional)
    provisional: bool


@dataclass(frozen=True)
class VariationFigure:
    """Step 3: the coefficient and the variation of this month's amount."""

    kind: str  # revision or actualisation
    execution_month: str  # the month whose coefficient applies
    indices: tuple[IndexUse, ...]
    fixed_part: Decimal
    coefficient_unrounded: Decimal
    coefficient: Decimal
    rounding_places: int | None  # the contract's rule; None: unrounded
    rounding_mode: str  # half_up, up or down
    provisional: bool
    base_by_rate: tuple[tuple[Decimal, Decimal], ...]  # (VAT rate, period HT varied)
    amount_by_rate: tuple[tuple[Decimal, Decimal], ...]  # (VAT rate, variation HT)
    amount_ht: Decimal


@dataclass(frozen=True)
class RegularisationFigure:
    """Step 3 bis: an earlier month's provisional variation, settled now that its index is published."""

    situation_number: int
    month: str
    provisional_coefficient: Decimal
    definitive_coefficient: Decimal
    indices: tuple[IndexUse, ...]
    amount_by_rate: tuple[tuple[Decimal, Decimal], ...]
    amount_ht: Decimal


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    base_ht: Decimal
    vat: Decimal


@dataclass(frozen=True)
class AdvanceFigure:
    """Step 5: repaid to date = amount x clamp((p - start) / (end - start), 0, 1).

    The repayment is taken from the sums due on this acompte (précompte): when they are smaller,
    ``repaid_to_date`` stays below ``scheduled_to_date`` and the next acomptes catch up.
    """

    amount: Decimal
    execution_basis: str
    executed: Decimal  # works to date at initial prices, on that basis
    market_amount: Decimal  # the denominator, on that basis
    execution_ratio: Decimal  # p
    start_threshold: Decimal
    end_threshold: Decimal
    repaid_to_date: Decimal
    repaid_before: Decimal
    deduction: str  # ht or ttc
    period_repayment: Decimal  # repaid_to_date - repaid_before
    deduction_vat: Decimal  # VAT on the repayment when deducted before VAT, else 0
    period_deduction: Decimal  # what comes off the montant à payer
    remaining: Decimal
    scheduled_to_date: Decimal  # what the schedule asks to date; more than repaid_to_date when capped


@dataclass(frozen=True)
class RetentionFigure:
    """Step 6: RG = rate x base, cumulative or per period."""

    rate: Decimal
    include_variation: bool
    guarantee: str
    period_base: Decimal  # the acompte TTC (with or without variation), less directly paid shares
    period_withheld_base: Decimal  # the part of it not covered by a guarantee
    cumulative_withheld_base: Decimal
    cumulative_retention: Decimal
    previous_retention: Decimal
    period_retention: Decimal
    release_date: datetime.date | None  # réception + garantie de parfait achèvement
    release_deadline: datetime.date | None  # one month later at the latest


@dataclass(frozen=True)
class PenaltyFigure:
    reason: str
    rule: str | None
    units: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class DirectPaymentFigure:
    partner_id: str
    name: str
    amount_ht: Decimal
    autoliquidation: bool
    vat: Decimal
    deducted: Decimal  # off the titulaire's montant à payer (HT under autoliquidation, else TTC)
    share_cumulative_ht: Decimal
    execution_ratio: Decimal  # subcontractor's share to date / accepted amount
    retention: Decimal  # the subcontractor's own RG, withheld from its payment
    advance_repayment: Decimal
    paid_to_subcontractor: Decimal
    mention: str


@dataclass(frozen=True)
class AccountingSplit:
    """What the supplier's books record for this document (common French practice).

    invoice_ttc = receivable_now + retention_receivable + advance_cleared + penalties
                  + settled_by_direct_payment
    """

    invoice_ttc: Decimal
    receivable_now: Decimal  # the customer's balance: the montant à payer
    retention_receivable: Decimal  # 4117 "Clients - retenues de garantie"
    retention_release_date: datetime.date | None
    advance_cleared: Decimal  # clears the avance received (4191)
    penalties: Decimal
    settled_by_direct_payment: Decimal  # paid by the buyer to the subcontractors


@dataclass(frozen=True)
class Situation:
    number: int
    month: str
    market_number: str
    # step 1
    lines: tuple[LineFigure, ...]
    lots: tuple[LotFigure, ...]
    parts: tuple[PartFigure, ...]
    works_cumulative_ht: Decimal
    works_previous_ht: Decimal
    parts_cumulative_ht: Decimal
    initial_prices_cumulative_ht: Decimal
    # step 2
    works_period_ht: Decimal
    parts_period_ht: Decimal
    initial_prices_period_ht: Decimal
    # step 3
    variation: VariationFigure | None  # None for a firm price, or a month with nothing to vary and no index
    regularisations: tuple[RegularisationFigure, ...]
    variation_period_ht: Decimal  # this month's variation plus the regularisations
    total_ht: Decimal  # initial prices + variation, this period
    is_credit_note: bool
    # step 4
    vat_lines: tuple[VatLine, ...]
    total_vat: Decimal
    total_ttc: Decimal
    vat_mention: str
    # steps 5-8
    advance: AdvanceFigure | None
    retention: RetentionFigure | None
    penalties: tuple[PenaltyFigure, ...]
    penalties_total: Decimal
    direct_payments: tuple[DirectPaymentFigure, ...]
    direct_payments_total: Decimal
    # step 9
    amount_to_pay: Decimal
    payment_due_date: datetime.date | None
    accounting: AccountingSplit
    notices: tuple[Notice, ...]
    carry: PreviousSituation

    def carry_forward(self) -> PreviousSituation:
        """What situation N+1 needs from this one: store it with the situation."""
        return self.carry


@dataclass(frozen=True)
class FinalStatement:
    """Projet de décompte final, from the last situation's carried figures."""

    market_number: str
    last_situation: int
    last_month: str
    market_amount_ht: Decimal  # base contract and avenants
    works_ht: Decimal
    parts_ht: Decimal
    initial_prices_ht: Decimal
    variation_ht: Decimal
    total_ttc: Decimal
    penalties: Decimal
    direct_payments: Decimal
    paid_to_date: Decimal  # the montants à payer of all situations
    retention_to_release: Decimal
    release_date: datetime.date | None
    release_deadline: datetime.date | None
    advance_amount: Decimal
    advance_repaid: Decimal
    advance_balance: Decimal  # not yet repaid: comes off the solde
    advance_balance_deduction: Decimal  # what comes off the solde (with VAT when deducted before VAT)
    balance_due: Decimal  # solde excluding the RG: negative when the titulaire owes the avance balance
    pending_variations: int  # provisional variations still awaiting their index
    notices: tuple[Notice, ...]
