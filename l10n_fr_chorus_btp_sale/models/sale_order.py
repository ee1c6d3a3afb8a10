"""A confirmed quotation (the DPGF or DQE priced in Sales) turned into the bill of quantities of a public works
market."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

#: who may see the markets of an order: the groups that may read markets and sale orders
MARKET_READERS = "account.group_account_invoice,account.group_account_readonly"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    chorus_market_ids = fields.One2many("chorus.pro.market", "sale_order_id", string="Public works markets",
                                        groups=MARKET_READERS)
    chorus_market_count = fields.Integer(string="Public works market count", compute="_compute_chorus_market_count",
                                         groups=MARKET_READERS)

    @api.depends("chorus_market_ids")
    def _compute_chorus_market_count(self):
        for order in self:
            order.chorus_market_count = len(order.chorus_market_ids)

    def _chorus_bill_lines(self):
        return self.order_line.filtered(lambda line: line._chorus_is_bill_line())

    def _chorus_check_for_market(self):
        """Refuse an order that cannot be a market's bill of quantities, saying what to change."""
        self.ensure_one()
        if self.state != "sale":
            raise UserError(self.env._(
                "Confirm quotation %(order)s before turning it into the bill of quantities of a public works "
                "market.", order=self.name))
        customer = self.partner_id.commercial_partner_id
        if not customer.chorus_client:
            raise UserError(self.env._(
                "%(customer)s is not a Chorus Pro client: tick « Chorus Pro client » on the customer (tab Sales & "
                "Purchase), then create the public works market again.", customer=customer.display_name))
        lines = self._chorus_bill_lines()
        if not lines:
            raise UserError(self.env._(
                "Quotation %(order)s has no priced line to put in the bill of quantities.", order=self.name))
        # the bill's unit prices are contractual prices excluding VAT: a price including a tax would have to be
        # divided, giving unit prices that no longer make the quoted amounts
        included = lines.filtered(lambda line: line.tax_ids.filtered("price_include"))
        if included:
            raise UserError(self.env._(
                "The unit prices of a bill of quantities exclude VAT, but these lines of quotation %(order)s have "
                "prices including a tax: %(lines)s. Use taxes excluded from the price on the quotation.",
                order=self.name, lines=", ".join(line._chorus_bill_label() for line in included)))
        negative = lines.filtered(lambda line: line.product_uom_qty < 0 or line._chorus_bill_unit_price() < 0)
        if negative:
            raise UserError(self.env._(
                "A bill of quantities has no negative line, but quotation %(order)s has: %(lines)s. Spread the "
                "discount over the unit prices.",
                order=self.name, lines=", ".join(line._chorus_bill_label() for line in negative)))

    def _chorus_market_line_values(self, reserved_codes=()):
        """The bill of quantities of this order, as values of ``chorus.pro.market.line``.

        Each section holding a priced line is a lot, numbered 1, 2, 3… in order (the lines before the first
        section form lot 1). A line's code is its product's internal reference, else its number within the
        lot (2.1, 2.2…); a code already taken (``reserved_codes``, or an earlier line) gives way to the number.
        """
        self.ensure_one()
        used = set(reserved_codes)
        values = []
        lot = position = 0
        new_section = False
        for line in self.order_line:
            if line.display_type == "line_section" and not line.is_downpayment:
                new_section = True
            if not line._chorus_is_bill_line():
                continue
            if new_section or not lot:
                lot, position, new_section = lot + 1, 0, False
            position += 1
            number = f"{lot}.{position}"
            reference = (line.product_id.default_code or "").strip()
            code = reference if reference and reference not in used else number
            suffix = 1
            while code in used:
                suffix += 1
                code = f"{number}-{suffix}"
            used.add(code)
            values.append({
                "sequence": len(values) + 1,
                "lot": str(lot),
                "code": code,
                "name": line._chorus_bill_label(),
                "unit": line._chorus_bill_unit(),
                "quantity": line.product_uom_qty,
                "unit_price": line._chorus_bill_unit_price(),
                "tax_id": line._chorus_bill_tax().id,
            })
        return values

    def _chorus_main_tax(self):
        """The VAT of the works: the percentage sale tax applied to the largest untaxed amount."""
        self.ensure_one()
        bases = defaultdict(float)
        for line in self._chorus_bill_lines():
            for tax in line.tax_ids.filtered(lambda t: t.amount_type == "percent" and t.type_tax_use == "sale"):
                bases[tax] += line.price_subtotal
        return max(bases, key=bases.get) if bases else self.env["account.tax"]

    def action_chorus_create_market(self):
        """Button « Create the public works market »: a works market whose bill of quantities is this order."""
        self.ensure_one()
        markets = self.env["chorus.pro.market"]
        markets._chorus_check_sale_import_rights()
        if self.chorus_market_ids:
            raise UserError(self.env._(
                "Quotation %(order)s already has its public works market %(market)s: open it with the Markets "
                "button to import the quotation again.",
                order=self.name, market=self.chorus_market_ids[0].display_name))
        self._chorus_check_for_market()
        customer = self.partner_id.commercial_partner_id
        # the customer's reference on a public order is most often the market number; it can be corrected later
        number = self.client_order_ref or self.name
        existing = markets.with_context(active_test=False).search([
            ("name", "=", number), ("partner_id", "=", customer.id), ("company_id", "=", self.company_id.id)],
            limit=1)
        if existing:
            raise UserError(self.env._(
                "Market %(market)s of %(customer)s exists already: open it and use « Import from a quotation ».",
                market=number, customer=customer.display_name))
        market = markets.with_company(self.company_id).create({
            "name": number,
            "partner_id": customer.id,
            "company_id": self.company_id.id,
            "kind": "works",
        })
        market._chorus_import_sale_order(self)
        return market._get_records_action()

    def action_view_chorus_markets(self):
        """Smart button: the public works markets made from this order."""
        self.ensure_one()
        if len(self.chorus_market_ids) == 1:
            return self.chorus_market_ids._get_records_action()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_btp.action_chorus_pro_market")
        action["domain"] = [("sale_order_id", "=", self.id)]
        return action
