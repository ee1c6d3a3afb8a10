"""What one line of a quotation becomes in the bill of quantities of a public works market."""

from odoo import models
from odoo.tools import float_round

#: a fallback unit when a line has none (the market line's own default)
DEFAULT_UNIT = "U"


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _chorus_is_bill_line(self):
        """A priced line of the works; sections, subsections, notes and down payments are not."""
        self.ensure_one()
        return not self.display_type and not self.is_downpayment

    def _chorus_bill_label(self):
        """The description on one line: the bill of quantities shows one line per item, and its code column
        already carries the product's internal reference that Sales puts in front of the name."""
        self.ensure_one()
        label = " – ".join(part.strip() for part in (self.name or "").splitlines() if part.strip())
        reference = self.product_id.default_code
        if reference and label.startswith(f"[{reference}] "):
            label = label[len(reference) + 3:]
        return label or self.product_id.display_name or ""

    def _chorus_bill_unit(self):
        """The unit as the customer reads it on the quotation (units are translated)."""
        self.ensure_one()
        lang = self.order_id.partner_id.lang or self.env.lang
        return self.product_uom_id.with_context(lang=lang).name or DEFAULT_UNIT

    def _chorus_bill_unit_price(self):
        """The unit price excluding VAT, net of the line's discount, to the precision of product prices."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Price")
        return float_round(self.price_unit * (1 - (self.discount or 0.0) / 100), precision_digits=digits)

    def _chorus_bill_tax(self):
        """The line's VAT: its percentage sale tax (an empty record when it has none: the market's VAT applies)."""
        self.ensure_one()
        return self.tax_ids.filtered(lambda tax: tax.amount_type == "percent" and tax.type_tax_use == "sale")[:1]
