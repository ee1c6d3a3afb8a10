"""Benchmark of ``ccag_travaux.compute_situation``: one situation of a market of 200 and of 2,000 lines.

Each market is revisable (BT01), with an avance, a 5 % retenue de garantie, approvisionnements,
a directly paid subcontractor and a provisional index every third month (so that
regularisations happen). 24 situations are computed first; the 25th is then timed, repeated,
from the 24th's carried figures: pure computation, no JSON and no printing. The script prints
the median and best wall time of one computation per market size and the ratio 2,000 / 200
(about 10 means the cost grows linearly with the number of lines).

    python3 benchmarks/bench_situation.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ccag_travaux import (  # noqa: E402
    Advance,
    BillLine,
    DirectPaymentShare,
    IndexTerm,
    LineProgress,
    MarketTerms,
    MonthMeasures,
    PartAmount,
    PriceBasis,
    PriceVariation,
    Retention,
    Subcontractor,
    cents,
    compute_situation,
)

PREVIOUS_SITUATIONS = 24


def month_text(number: int) -> str:
    return f"{2024 + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}"


def market(line_count: int, rng: random.Random) -> MarketTerms:
    lines = tuple(BillLine(code=f"{n // 100:02d}.{n % 100:02d}", lot=f"{n % 12:02d}", unit="m2",
                           quantity=D(rng.randint(1, 2000)), unit_price_ht=D(rng.randint(100, 50000)) / 100,
                           vat_rate=D("0.20") if n % 10 else D("0.10"))
                  for n in range(line_count))
    amount = cents(sum((line.amount_ht for line in lines), D(0)))
    return MarketTerms(
        market_number=f"BENCH-{line_count}", amount_ht=amount, vat_rate=D("0.20"), lines=lines,
        price_basis=PriceBasis.REVISABLE,
        price_variation=PriceVariation(fixed_part=D("0.125"), indices=(IndexTerm("BT01", D("0.875"), D("120")),),
                                       base_month="2023-12"),
        advance=Advance(amount=cents(amount * D("0.06")), rate=D("0.05")), retention=Retention(),
        subcontractors=(Subcontractor("7", "Sous-traitant", cents(amount / 10)),))


def months(terms: MarketTerms, count: int, rng: random.Random) -> list[MonthMeasures]:
    done = {line.code: D(0) for line in terms.lines}
    indices: dict[str, D] = {"2023-12": D("120")}
    measures = []
    for number in range(1, count + 1):
        progress = []
        for code in done:  # every line moves forward by up to 8 points a month
            done[code] = min(done[code] + D(rng.randint(0, 8)), D(100))
            progress.append(LineProgress(code, percent=done[code]))
        if number % 3:  # every third month the index is late: provisional, regularised later
            indices[month_text(number)] = D("120") + D(number) / 4
        measures.append(MonthMeasures(
            number, month_text(number), progress=tuple(progress),
            approvisionnements=(PartAmount("APP", D(rng.randint(0, 5000)), D("0.20")),),
            direct_payments=(DirectPaymentShare("7", D(rng.randint(0, 1000))),), indices={"BT01": dict(indices)}))
    return measures


def time_one_situation(line_count: int, repeat: int) -> list[float]:
    rng = random.Random(line_count)
    terms = market(line_count, rng)
    measures = months(terms, PREVIOUS_SITUATIONS + 1, rng)
    previous = None
    for month in measures[:PREVIOUS_SITUATIONS]:
        previous = compute_situation(terms, month, previous).carry_forward()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        compute_situation(terms, measures[-1], previous)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed computations per market size (default 30)")
    args = parser.parse_args()
    medians = {}
    print(f"one situation after {PREVIOUS_SITUATIONS} previous ones, {args.repeat} runs each")
    for line_count in (200, 2000):
        times = time_one_situation(line_count, args.repeat)
        medians[line_count] = statistics.median(times)
        print(f"{line_count:>5} lines: median {medians[line_count] * 1000:8.2f} ms   best {min(times) * 1000:8.2f} ms")
    print(f"ratio 2000 / 200 (medians): {medians[2000] / medians[200]:.2f}")


if __name__ == "__main__":
    main()
