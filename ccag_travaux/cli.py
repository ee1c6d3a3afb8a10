"""The ``ccag-travaux`` command: compute a situation or the final statement from a JSON file.

    ccag-travaux situation FILE.json [--json]
    ccag-travaux final FILE.json [--json]

A situation file is ``{"terms": …, "measures": …, "previous": … or null}``; a final
file is ``{"terms": …, "previous": …}`` with the last situation's ``carry_forward``.
The figures are printed as French tables, or as JSON with ``--json`` (its
``carry_forward`` object is the next month's ``previous``).

Exit codes: 0 computed; 2 bad input (an ``error:`` line names the field).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from .compute import compute_final_statement, compute_situation
from .errors import InputError
from .jsonio import load_json, parse_document, parse_final_document, to_jsonable
from .results import FinalStatement, Situation

EXIT_OK, EXIT_INPUT = 0, 2

ROUNDING_LABELS = {"half_up": "au plus proche", "up": "par excès", "down": "par défaut"}
GUARANTEE_LABELS = {"none": "aucune", "full": "couvre tout le marché", "base_contract": "couvre le marché de base",
                    "amount": "couvre un montant de retenue"}


# -- French formatting -----------------------------------------------------------------------------


def euros(value: Decimal) -> str:
    """1234567.8 -> '1 234 567,80 €'."""
    sign = "-" if value < 0 else ""
    units, _, decimals = f"{abs(value):.2f}".partition(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{' '.join(groups)},{decimals} €"


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text.replace(".", ",")


def percent(rate: Decimal) -> str:
    return number((rate * 100).normalize()) + " %"


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    cells = [headers] + rows
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def render(row):
        return "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                         for i, cell in enumerate(row)).rstrip()
    return "\n".join([render(headers), render(["-" * width for width in widths])] + [render(row) for row in rows])


def fields(pairs: list[tuple[str, str]]) -> str:
    width = max(len(label) for label, _ in pairs) + 1
    return "\n".join(f"  {(label + ' :').ljust(width + 2)} {value}" for label, value in pairs)


def _rounding(v) -> str:
    if v.rounding_places is None:
        return "non arrondi"
    return f"{v.rounding_places} décimales, {ROUNDING_LABELS[v.rounding_mode]}"


def format_situation(s: Situation) -> str:
    out = [f"Projet de décompte n° {s.number} — marché {s.market_number} — mois {s.month}", ""]
    out.append("1. Travaux cumulés aux prix initiaux (HT)")
    rows = [[line.code, line.lot, line.unit, number(line.market_quantity), euros(line.unit_price_ht),
             number(line.cumulative_quantity), "" if line.cumulative_percent is None else number(line.cumulative_percent),
             euros(line.cumulative_ht), euros(line.previous_ht), euros(line.period_ht)] for line in s.lines]
    out.append(table(["Code", "Lot", "Unité", "Qté marché", "PU HT", "Qté cumulée", "%", "Cumul HT",
                      "Précédent HT", "Mois HT"], rows, right=set(range(3, 10))))
    out.append("")
    out.append(table(["Lot", "Marché HT", "Cumul HT", "Précédent HT", "Mois HT"],
                     [[lot.lot, euros(lot.market_ht), euros(lot.cumulative_ht), euros(lot.previous_ht),
                       euros(lot.period_ht)] for lot in s.lots], right={1, 2, 3, 4}))
    if s.parts:
        out.append("")
        out.append(table(["Partie", "Code", "Libellé", "TVA", "Cumul HT", "Précédent HT", "Mois HT"],
                         [[part.kind, part.code, part.label, percent(part.vat_rate), euros(part.cumulative_ht),
                           euros(part.previous_ht), euros(part.period_ht)] for part in s.parts], right={3, 4, 5, 6}))
    out += ["", "2. Montant de la période (HT, prix initiaux)", fields([
        ("Travaux cumulés", euros(s.works_cumulative_ht)), ("Travaux précédents", euros(s.works_previous_ht)),
        ("Travaux du mois", euros(s.works_period_ht)),
        ("Approvisionnements, primes, débours du mois", euros(s.parts_period_ht)),
        ("Total du mois aux prix initiaux", euros(s.initial_prices_period_ht))])]
    out += ["", "3. Variation de prix"]
    if s.variation is None:
        out.append("  Prix ferme : aucune variation.")
    else:
        v = s.variation
        terms = " + ".join(f"{number(use.weight)} × {use.index_name} {use.value_month} {number(use.value)} / "
                           f"{number(use.base_value)}" + (" (provisoire)" if use.provisional else "")
                           for use in v.indices)
        out.append(fields([
            ("Nature", "révision" if v.kind == "revision" else "actualisation"),
            ("Mois", v.execution_month),
            ("Coefficient", f"{number(v.fixed_part)} + {terms}"),
            ("Coefficient non arrondi", number(v.coefficient_unrounded.quantize(Decimal("1e-9")))),
            ("Coefficient appliqué", f"{number(v.coefficient)} ({_rounding(v)})" + (" — provisoire" if v.provisional
                                                                                     else "")),
            ("Variation du mois HT", euros(v.amount_ht))]))
    out.append(fields([(f"Régularisation de la situation n° {reg.situation_number} ({reg.month})",
                        f"coefficient {number(reg.provisional_coefficient)} → {number(reg.definitive_coefficient)} : "
                        f"{euros(reg.amount_ht)}") for reg in s.regularisations]
                      + [("Variation totale HT", euros(s.variation_period_ht)),
                         ("Total HT de la période", euros(s.total_ht) + ("  (avoir)" if s.is_credit_note else ""))]))
    out += ["", "4. TVA", table(["Taux", "Base HT", "TVA"], [[percent(line.rate), euros(line.base_ht), euros(line.vat)]
                                                           for line in s.vat_lines], right={1, 2})]
    out.append(fields([("Total HT", euros(s.total_ht)), ("Total TVA", euros(s.total_vat)),
                       ("Total TTC", euros(s.total_ttc))]))
    if s.vat_mention:
        out.append(f"  Mention : {s.vat_mention}")
    out += ["", "5. Remboursement de l'avance"]
    if s.advance is None:
        out.append("  Pas d'avance.")
    else:
        a = s.advance
        out.append(fields([
            ("Avance", euros(a.amount)),
            (f"Exécuté / marché ({a.execution_basis.upper()})", f"{euros(a.executed)} / {euros(a.market_amount)} = "
                                                               f"{percent(a.execution_ratio.quantize(Decimal('1e-6')))}"),
            ("Seuils", f"{percent(a.start_threshold)} → {percent(a.end_threshold)}"),
            ("Remboursé à ce jour", euros(a.repaid_to_date)), ("Remboursé avant", euros(a.repaid_before)),
            (f"Précompte du mois ({a.deduction.upper()})", euros(a.period_repayment)),
            ("TVA sur le précompte", euros(a.deduction_vat)), ("Reste à rembourser", euros(a.remaining))]))
    out += ["", "6. Retenue de garantie"]
    if s.retention is None:
        out.append("  Pas de retenue de garantie.")
    else:
        rg = s.retention
        out.append(fields([
            ("Taux", percent(rg.rate) + (" (base avec variation)" if rg.include_variation else " (base hors variation)")),
            ("Garantie à première demande / caution", GUARANTEE_LABELS[rg.guarantee]),
            ("Base du mois", euros(rg.period_base)), ("Base retenue du mois", euros(rg.period_withheld_base)),
            ("Retenue cumulée", euros(rg.cumulative_retention)), ("Retenue du mois", euros(rg.period_retention)),
            ("Restitution", rg.release_date.isoformat() if rg.release_date else "date de réception inconnue")]))
    out += ["", "7. Pénalités"]
    out.append(table(["Motif", "Montant"], [[p.reason, euros(p.amount)] for p in s.penalties], right={1})
               if s.penalties else "  Aucune.")
    out += ["", "8. Paiement direct des sous-traitants"]
    out.append(table(["Sous-traitant", "HT", "TVA", "Déduit", "RG", "Avance", "Payé au sous-traitant"],
                     [[p.name or p.partner_id, euros(p.amount_ht), euros(p.vat), euros(p.deducted), euros(p.retention),
                       euros(p.advance_repayment), euros(p.paid_to_subcontractor)] for p in s.direct_payments],
                     right=set(range(1, 7))) if s.direct_payments else "  Aucun.")
    out += ["", "9. Montant à payer", fields([
        ("Total TTC", euros(s.total_ttc)),
        ("− retenue de garantie", euros(s.retention.period_retention if s.retention else Decimal(0))),
        ("− remboursement de l'avance", euros(s.advance.period_deduction if s.advance else Decimal(0))),
        ("− pénalités", euros(s.penalties_total)), ("− paiements directs", euros(s.direct_payments_total)),
        ("= Montant à payer", euros(s.amount_to_pay)),
        ("Échéance", s.payment_due_date.isoformat() if s.payment_due_date else "date de réception inconnue")])]
    if s.notices:
        out += ["", "Avertissements"] + [f"  - {notice.message}" for notice in s.notices]
    return "\n".join(out)


def format_final(f: FinalStatement) -> str:
    out = [f"Projet de décompte final — marché {f.market_number} — après la situation n° {f.last_situation} "
           f"({f.last_month})", fields([
               ("Montant du marché HT (avec avenants)", euros(f.market_amount_ht)),
               ("Travaux HT aux prix initiaux", euros(f.works_ht)),
               ("Approvisionnements, primes, débours HT", euros(f.parts_ht)),
               ("Variation de prix HT", euros(f.variation_ht)), ("Total TTC", euros(f.total_ttc)),
               ("Pénalités", euros(f.penalties)), ("Paiements directs", euros(f.direct_payments)),
               ("Payé au titulaire à ce jour", euros(f.paid_to_date)),
               ("Retenue de garantie à restituer", euros(f.retention_to_release)),
               ("Restitution au plus tard", f.release_deadline.isoformat() if f.release_deadline else "inconnue"),
               ("Avance versée / remboursée", f"{euros(f.advance_amount)} / {euros(f.advance_repaid)}"),
               ("Avance restant à déduire du solde", euros(f.advance_balance_deduction)),
               ("Solde hors retenue de garantie", euros(f.balance_due))])]
    if f.notices:
        out += ["Avertissements"] + [f"  - {notice.message}" for notice in f.notices]
    return "\n".join(out)


# -- commands --------------------------------------------------------------------------------------


def _read(path: str):
    try:
        return load_json(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(path, f"cannot read the file: {error.strerror}")


def cmd_situation(args) -> int:
    terms, measures, previous = parse_document(_read(args.file))
    situation = compute_situation(terms, measures, previous)
    if args.json:
        document = to_jsonable(situation)
        document["carry_forward"] = document.pop("carry")
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(format_situation(situation))
    return EXIT_OK


def cmd_final(args) -> int:
    terms, last = parse_final_document(_read(args.file))
    statement = compute_final_statement(terms, last)
    print(json.dumps(to_jsonable(statement), ensure_ascii=False, indent=2) if args.json else format_final(statement))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccag-travaux", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    situation = commands.add_parser("situation", help="compute a monthly situation from a JSON file")
    situation.add_argument("file", help="JSON file: terms, measures and previous (or null)")
    situation.add_argument("--json", action="store_true", help="print every figure as JSON")
    situation.set_defaults(handler=cmd_situation)
    final = commands.add_parser("final", help="compute the projet de décompte final from the last situation")
    final.add_argument("file", help="JSON file: terms and previous (the last situation's carry_forward)")
    final.add_argument("--json", action="store_true", help="print every figure as JSON")
    final.set_defaults(handler=cmd_final)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except InputError as error:
        print(f"error: {error.field}: {error.message}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
