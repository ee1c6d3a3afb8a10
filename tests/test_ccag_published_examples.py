"""Published worked examples, reproduced to the cent.

Each test names its source, what the example shows and how we checked its arithmetic.
Where the published figure is wrong, the test says so and asserts the correct one.
Index values are those of the examples (some are not BT/TP indices: the formula is the same).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ccag_builders import chain, lump_sum_market, month

from ccag_travaux import (
    COEFFICIENT_ROUNDING_PRESETS,
    Advance,
    CoefficientRounding,
    IndexTerm,
    PriceBasis,
    PriceVariation,
    Retention,
    advance_amount,
    advance_repaid_to_date,
    cents,
    compute_situation,
    variation_coefficient,
)


def one_index(fixed_part, base_value, rounding, name="I", base_month="2021-08", **changes) -> PriceVariation:
    return PriceVariation(fixed_part=D(fixed_part), indices=(IndexTerm(name, 1 - D(fixed_part), D(base_value)),),
                          base_month=base_month, coefficient_rounding=rounding, **changes)


# -- 1. révision, fixed part 0.15, coefficient to 6 decimals -------------------------------------------------
# Source: forum question "formule de révision 0.15 + 0.85 In/Io", http://www.forumterritorial.org/forum/viewtopic.php?t=40302
# Shows: Pn = 1 x (0.15 + 0.85 x 130.5 / 121.2) = 1.065223 (index of August 2023 over August 2021).
# Our check: 130.5 / 121.2 = 1.0767326732…; x 0.85 = 0.9152227722…; + 0.15 = 1.0652227722… -> 1.065223 at
# 6 decimals half up. The asker then says "rounded up to the thousandth" would give 6.5 %: that is a slip, the
# thousandth rounded UP is 1.066 (+6.6 %); 1.065 is the NEAREST thousandth.

FORUM_FORMULA = dict(fixed_part="0.15", base_value="121.2")


def test_forum_revision_coefficient_six_decimals():
    variation = one_index(rounding=COEFFICIENT_ROUNDING_PRESETS["6_half_up"], **FORUM_FORMULA)
    raw, coefficient = variation_coefficient(variation, {"I": D("130.5")})
    assert coefficient == D("1.065223")
    assert raw.quantize(D("1e-10")) == D("1.0652227723")


def test_forum_revision_thousandth_up_is_1_066_not_1_065():
    up = one_index(rounding=COEFFICIENT_ROUNDING_PRESETS["thousandth_up"], **FORUM_FORMULA)
    nearest = one_index(rounding=COEFFICIENT_ROUNDING_PRESETS["3_half_up"], **FORUM_FORMULA)
    assert variation_coefficient(up, {"I": D("130.5")})[1] == D("1.066")
    assert variation_coefficient(nearest, {"I": D("130.5")})[1] == D("1.065")


def test_forum_revision_in_a_situation():
    # The same formula on a 10 000.00 HT lump sum executed in August 2023: variation = 10 000 x 0.065223.
    terms = lump_sum_market("10000.00", price_basis=PriceBasis.REVISABLE, price_variation=one_index(
        rounding=COEFFICIENT_ROUNDING_PRESETS["6_half_up"], **FORUM_FORMULA))
    situation = compute_situation(terms, month(1, 100, year=2023, indices={"I": {"2023-01": D("130.5")}}))
    assert situation.variation.coefficient == D("1.065223")
    assert situation.variation.amount_ht == D("652.23")
    assert situation.total_ht == D("10652.23")


# -- 2. révision, fixed part 0.30, coefficient truncated to 6 decimals -----------------------------------------
# Source: "Calcul révision de prix", http://experts-univers.com/calcul-revision-de-prix.html
# Shows: P = P0 x (0.3 + 0.7 x I / I0) with P0 = 9, I0 = 9 (hourly SMIC at signature), I = 9.22; the first
# answer prints P = 9.18; a later answer says each coefficient keeps its first six decimals (R = 1.017111).
# Our check: 9.22 / 9 = 1.0244444…; x 0.7 = 0.7171111…; + 0.3 = 1.0171111… -> 1.017111 truncated;
# 9 x 1.017111 = 9.153999 -> 9.15. The published 9.18 is an arithmetic slip (it rounds 0.7 x 1.0244 to 0.72).


def test_experts_univers_revision_is_9_15_not_9_18():
    variation = one_index("0.3", "9", COEFFICIENT_ROUNDING_PRESETS["6_down"])
    raw, coefficient = variation_coefficient(variation, {"I": D("9.22")})
    assert coefficient == D("1.017111")
    revised = cents(D(9) * coefficient)
    assert revised == D("9.15")
    assert revised != D("9.18")  # the published figure


def test_experts_univers_revision_in_a_situation():
    terms = lump_sum_market("9.00", price_basis=PriceBasis.REVISABLE,
                            price_variation=one_index("0.3", "9", COEFFICIENT_ROUNDING_PRESETS["6_down"]))
    situation = compute_situation(terms, month(1, 100, year=2012, indices={"I": {"2012-01": D("9.22")}}))
    assert situation.variation.amount_ht == D("0.15")  # 9 x 0.017111 = 0.153999
    assert situation.total_ht == D("9.15")


# -- 3. actualisation (no fixed part), coefficient to 4 decimals -----------------------------------------------
# Source: "Simulateur révision de prix marché public",
# https://macalculatriceenligne.com/finance/simulateur-calcul-revision-prix-marche-public
# Shows: P0 = 100 000 €, I0 = 120.3, I = 132.8, coefficient 132.8 / 120.3 = 1.1039, P = 110 390 €; and a short
# example P0 = 1 000 €, I0 = 115.6, I = 129.3 "≈ 1 118.98 €".
# Our check: 132.8 / 120.3 = 1.10390689… -> 1.1039 -> 110 390.00 (right). 129.3 / 115.6 = 1.11851211… so the
# second example gives 1 118.51 unrounded, 1 118.50 with the 4-decimal coefficient: 1 118.98 is a slip.

ACTUALISATION = dict(fixed_part="0", base_value="120.3", rounding=COEFFICIENT_ROUNDING_PRESETS["4_half_up"],
                     base_month="2025-01")


def test_calculator_actualisation_110_390():
    variation = one_index(**ACTUALISATION)
    assert variation_coefficient(variation, {"I": D("132.8")})[1] == D("1.1039")


def test_calculator_actualisation_applies_once_to_every_acompte():
    variation = one_index(**ACTUALISATION, actualisation_month="2025-06")
    terms = lump_sum_market("100000.00", price_basis=PriceBasis.ACTUALISABLE, price_variation=variation)
    indices = {"I": {"2025-06": D("132.8"), "2026-01": D("150"), "2026-02": D("160")}}
    first, second = chain(terms, [month(1, 40, indices=indices), month(2, 100, indices=indices)])
    # the June 2025 coefficient applies to both months, whatever the later index values
    assert first.variation.coefficient == second.variation.coefficient == D("1.1039")
    assert first.total_ht + second.total_ht == D("110390.00")
    assert (first.variation.amount_ht, second.variation.amount_ht) == (D("4156.00"), D("6234.00"))


def test_calculator_second_example_is_1118_50_not_1118_98():
    variation = PriceVariation(fixed_part=D(0), indices=(IndexTerm("I", D(1), D("115.6")),), base_month="2025-01",
                               coefficient_rounding=CoefficientRounding(4, "half_up"))
    unrounded, coefficient = variation_coefficient(variation, {"I": D("129.3")})
    assert cents(1000 * unrounded) == D("1118.51")
    assert cents(1000 * coefficient) == D("1118.50")
    assert D("1118.98") not in (cents(1000 * unrounded), cents(1000 * coefficient))


# -- 4. the avance of a market longer than 12 months -------------------------------------------------------------
# Source: Service-public.fr fiche F23386 "Avance dans un marché public", as republished on
# https://thuir.fr/pratique/toutes-les-demarches-professionnels/?xml=F23386
# Shows: a 4-year market of 1 200 000 € TTC with a 5 % avance; for markets over 12 months the avance is a rate of
# 12 x the initial amount TTC / the duration in months (CCP R2191-7). The stored copy is cut before the result
# line; the figure follows from its data: 5 % x (12 x 1 200 000 / 48) = 5 % x 300 000 = 15 000.00.


def test_service_public_avance_over_twelve_months():
    assert advance_amount(D("0.05"), D("1200000"), duration_months=48) == D("15000.00")
    assert advance_amount(D("0.05"), D("1200000"), duration_months=12) == D("60000.00")  # 12 months: plain rate


# -- 5. retenue de garantie 5 % --------------------------------------------------------------------------------
# Sources: "BTP : qu'est-ce qu'une retenue de garantie ?", https://comptarial.fr/blog/btp-quest-ce-quune-retenue-de-garantie
# (300 000 € TTC x 5 % = 15 000 €) and "Retenue de garantie dans le BTP : 10 choses à savoir",
# https://graneet.com/fr/article/retenue-de-garantie (200 000 € TTC x 5 % = 10 000 €). Both are right.


@pytest.mark.parametrize("amount_ht, expected", [("250000.00", "15000.00"), ("166666.67", "10000.00")])
def test_retention_five_percent_of_ttc(amount_ht, expected):
    terms = lump_sum_market(amount_ht, retention=Retention(rate=D("0.05")))
    situation = compute_situation(terms, month(1, 100))
    assert situation.total_ttc == {"250000.00": D("300000.00"), "166666.67": D("200000.00")}[amount_ht]
    assert situation.retention.period_retention == D(expected)
    assert situation.amount_to_pay == situation.total_ttc - D(expected)


# -- 6. the avance repayment between 65 % and 80 % ---------------------------------------------------------------
# Rule sources: Code des marchés publics art. 87-III (repository etalab/codes-juridiques-francais, path
# codes-non-en-vigueur/code-des-marches-publics/titre-iv/chapitre-ier/section-1/sous-section-1/article-87.md):
# repayment starts when the services executed reach 65 % of the market amount TTC and must be complete at 80 %;
# CCP R2191-11 (https://french-business-law.com/rench-legislation-art/article-r2191-11-of-the-french-public-procurement-code):
# an avance above 30 % is repaid from the first payment request. No public source we found works the schedule
# through in figures, so these are our own, checked by hand: avance 6 000 on a 120 000 TTC market.


@pytest.mark.parametrize("executed_percent, repaid", [
    (60, "0.00"), (65, "0.00"), (70, "2000.00"), (75, "4000.00"), (78, "5200.00"), (80, "6000.00"), (95, "6000.00")])
def test_avance_linear_between_65_and_80(executed_percent, repaid):
    assert advance_repaid_to_date(D("6000.00"), D(executed_percent) / 100, D("0.65"), D("0.80")) == D(repaid)


def test_avance_schedule_over_five_situations():
    terms = lump_sum_market("100000.00", advance=Advance(amount=D("6000.00"), rate=D("0.05")))
    situations = chain(terms, [month(n, p) for n, p in enumerate([20, 45, 70, 78, 100], start=1)])
    assert [s.advance.period_repayment for s in situations] == [D(x) for x in
                                                                ("0.00", "0.00", "2000.00", "3200.00", "800.00")]
    assert situations[-1].advance.remaining == 0


def test_avance_above_30_percent_from_the_first_payment():
    # 40 % avance of 120 000 TTC = 48 000, repaid linearly from 0 % to 80 % of execution
    terms = lump_sum_market("100000.00", advance=Advance(amount=D("48000.00"), rate=D("0.40")))
    first, second = chain(terms, [month(1, 20), month(2, 60)])
    assert first.advance.start_threshold == 0
    assert first.advance.period_repayment == D("12000.00")  # 48 000 x 20 / 80
    assert second.advance.repaid_to_date == D("36000.00")  # 48 000 x 60 / 80
