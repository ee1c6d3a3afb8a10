"""CCAG-Travaux maths: the monthly situation of a public works market, step by step.

Pure Python (no odoo, no chorus_pro), ``Decimal`` throughout. One function computes
a situation from the contract's terms, the month's measures and the previous
situation's carried figures, and returns every intermediate figure::

    from ccag_travaux import compute_situation
    situation = compute_situation(terms, measures, previous)
    situation.amount_to_pay, situation.carry_forward()

See :mod:`ccag_travaux.model` for the inputs, :mod:`ccag_travaux.results` for the figures.
"""

from .compute import (
    AUTOLIQUIDATION_MENTION,
    advance_amount,
    advance_base,
    advance_repaid_to_date,
    check_terms,
    compute_final_statement,
    compute_situation,
    variation_coefficient,
)
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
    Penalty,
    PenaltyRule,
    PreviousSituation,
    PriceBasis,
    PriceVariation,
    Retention,
    RetentionRounding,
    Subcontractor,
)
from .results import FinalStatement, Situation
from .rounding import COEFFICIENT_ROUNDING_PRESETS, CoefficientRounding, cents

__all__ = [
    "AUTOLIQUIDATION_MENTION", "COEFFICIENT_ROUNDING_PRESETS", "Advance", "Avenant", "Basis", "BillLine",
    "CoefficientRounding", "DirectPaymentShare", "FinalStatement", "Guarantee", "IndexTerm", "InputError",
    "LineProgress", "MarketTerms", "MonthMeasures", "PartAmount", "Penalty", "PenaltyRule", "PreviousSituation",
    "PriceBasis", "PriceVariation", "Retention", "RetentionRounding", "Situation", "Subcontractor",
    "advance_amount", "advance_base", "advance_repaid_to_date", "cents", "check_terms", "compute_final_statement",
    "compute_situation", "variation_coefficient",
]
