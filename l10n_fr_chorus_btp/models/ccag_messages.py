"""What ccag_travaux says, in the user's language: one translatable text per notice or error code, with the
parameters the computation gives (amounts shown in the company's currency). An error without a code (one the
forms cannot provoke) keeps the package's English text after the path of the wrong value."""

from odoo.tools.misc import formatLang
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

NOTICE_TEXTS = {
    "lines_total_differs": _lt("The bill of quantities totals %(lines_total)s excl. VAT; the market amount is "
                               "%(market_amount)s excl. VAT."),
    "avenant_total_differs": _lt("The lines of amendment %(avenant)s total %(lines_total)s excl. VAT; the amendment "
                                 "amount is %(avenant_amount)s excl. VAT."),
    "advance_amount_differs": _lt("The advance received (%(received)s) differs from its rate times its base "
                                  "(%(expected)s)."),
    "advance_repaid_from_first_payment": _lt("The advance rate %(rate)s exceeds %(threshold)s: its repayment starts "
                                             "with the first payment."),
    "progress_down": _lt("Line %(line)s goes down from %(before)s to %(quantity)s %(unit)s: the amount of the month "
                         "is negative."),
    "over_100_percent": _lt("Line %(line)s is at %(percent)s %% of its market quantity (%(quantity)s / "
                            "%(market_quantity)s %(unit)s)."),
    "provisional_index": _lt("Index %(index)s of %(month)s is not published: the provisional coefficient "
                             "%(coefficient)s (with the %(value_month)s value, %(value)s) applies; it will be "
                             "regularised once the index is published."),
    "variation_still_provisional": _lt("The price variation of situation %(situation)s (%(month)s) stays "
                                       "provisional: its index is still not in the table."),
    "previous_total_differs": _lt("The previous situation's works, recomputed with today's prices, total "
                                  "%(recomputed)s excl. VAT instead of %(recorded)s: a price has changed."),
    "advance_repayment_capped": _lt("The advance repayment is limited to the sums due (%(available)s): "
                                    "%(postponed)s come off the next progress payments."),
    "negative_amount_to_pay": _lt("The amount to pay is negative (%(amount)s): the contractor owes this sum."),
    "advance_balance": _lt("%(balance)s of the advance is not repaid: it comes off the final balance."),
    "final_variations_provisional": _lt("%(count)s provisional price variation(s) await their index: the final "
                                        "balance will be revised when it is published."),
    "no_reception_date": _lt("The acceptance date is not set: the release date of the retention is unknown."),
}

#: parameters that are amounts in the market's currency, and other numbers (written with the language's decimal
#: separator; line codes such as 01.1 stay as they are)
AMOUNT_PARAMS = frozenset({"lines_total", "market_amount", "avenant_amount", "received", "expected", "recomputed",
                           "recorded", "available", "postponed", "amount", "balance"})
NUMBER_PARAMS = frozenset({"coefficient", "value", "percent", "before", "quantity", "market_quantity", "rate",
                           "threshold", "total"})


def _params(env, params, currency=None):
    decimal_point = env["res.lang"]._get_data(code=env.lang or "en_US").decimal_point or "."
    shown = {}
    for key, value in params.items():
        if key in AMOUNT_PARAMS and currency:
            value = formatLang(env, float(value), currency_obj=currency)
        elif key in NUMBER_PARAMS:
            value = value.replace(".", decimal_point)
        shown[key] = value
    return shown


#: errors a form can provoke; the parameters are those ccag_travaux gives with the code
ERROR_TEXTS = {
    "payment_delay": _lt("The payment period is at most 60 days (30 for most public buyers, 50 for public health "
                         "establishments), not %(days)s."),
    "retention_rate": _lt("The retention is at most 5 %% of each progress payment (article R2191-32 of the public "
                          "procurement code)."),
    "retention_guarantee_amount": _lt("Give the amount of retention the guarantee stands for."),
    "subcontractor_amount": _lt("The amount accepted for subcontractor %(subcontractor)s must be positive."),
    "variation_fixed_part": _lt("The fixed part of the price variation formula is a fraction below 1, e.g. 0.125."),
    "variation_no_index": _lt("A revisable or adjustable price needs at least one index in its formula, e.g. BT01."),
    "variation_base_value": _lt("The base value of index %(index)s must be positive."),
    "variation_weights": _lt("The fixed part and the index weights of the formula add up to %(total)s: they must add "
                             "up to 1."),
    "actualisation_month": _lt("An adjustable price needs the month of the start order."),
    "advance_thresholds": _lt("The advance repayment starts and ends at percentages of the market such that 0 ≤ start "
                              "< end ≤ 100, e.g. 65 and 80."),
    "negative_progress": _lt("Line %(line)s: the progress cannot be negative."),
    "percent_without_quantity": _lt("Line %(line)s has no market quantity: enter its progress as a quantity."),
    "part_code_twice": _lt("%(item)s appears twice among the supplies, bonuses or expenses of the month."),
    "not_direct_payment": _lt("Subcontractor %(subcontractor)s is not paid directly: their share stays in the "
                              "contractor's payment."),
    "penalty_reason": _lt("Say why the penalty applies."),
    "month_order": _lt("The situation of %(month)s does not come after the previous one (%(previous)s): situations "
                       "follow one another month by month."),
    "index_missing": _lt("Index %(index)s has no value for %(month)s nor any earlier month: enter it in the price "
                         "index table."),
    "not_a_month": _lt("%(value)s is not a month: write it YYYY-MM, e.g. 2026-03."),
}


def error_text(env, error):
    """The text of a ccag_travaux ``InputError`` in ``env``'s language."""
    template = ERROR_TEXTS.get(error.code)
    if template is None:
        return f"{error.field}: {error.message}"
    return env._(template) % _params(env, error.params)


def notice_text(env, notice, currency):
    """The text of a stored notice (``{"code", "params", "message"}``) in ``env``'s language."""
    template = NOTICE_TEXTS.get(notice.get("code"))
    if template is None or "params" not in notice:
        return notice.get("message", "")
    return env._(template) % _params(env, notice["params"], currency)
