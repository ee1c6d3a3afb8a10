"""A public works market keeps the confirmed quotation its bill of quantities comes from."""

from markupsafe import Markup
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from .sale_order import MARKET_READERS


class ChorusProMarket(models.Model):
    _inherit = "chorus.pro.market"

    sale_order_id = fields.Many2one(
        "sale.order", string="Quotation", readonly=True, copy=False, index="btree_not_null", groups=MARKET_READERS,
        help="The confirmed quotation (DPGF or DQE) the bill of quantities was imported from.")

    @api.model
    def _chorus_check_sale_import_rights(self):
        """Creating a market and its bill is an invoicing user's job; the buttons are hidden to the others,
        this refuses them on the server too (JSON-RPC)."""
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(self.env._(
                "Only the users of the group « Invoicing » (Accounting) may create a public works market from a "
                "quotation."))

    def _chorus_import_sale_order(self, order):
        """Replace the bill of quantities of the base contract with the lines of a confirmed quotation.

        Importing again replaces the same lines instead of adding them twice; it is refused once a situation
        exists, since the situations measure the progress of those lines. Amendment lines are kept.
        """
        self.ensure_one()
        order.ensure_one()
        self._chorus_check_sale_import_rights()
        order._chorus_check_for_market()
        if order.company_id != self.company_id:
            raise UserError(self.env._(
                "Quotation %(order)s belongs to %(order_company)s, market %(market)s to %(market_company)s.",
                order=order.name, order_company=order.company_id.name, market=self.name,
                market_company=self.company_id.name))
        if order.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id:
            raise UserError(self.env._(
                "Quotation %(order)s is addressed to %(order_customer)s, market %(market)s to %(market_customer)s: "
                "choose a quotation of the market's customer.",
                order=order.name, order_customer=order.partner_id.commercial_partner_id.display_name,
                market=self.name, market_customer=self.partner_id.display_name))
        if self.situation_ids:
            raise UserError(self.env._(
                "Market %(market)s has situations already: its bill of quantities can no longer be replaced from "
                "a quotation. Add the new works as an amendment.", market=self.name))
        base_lines = self.line_ids.filtered(lambda line: not line.amendment_id)
        values = order._chorus_market_line_values(reserved_codes=(self.line_ids - base_lines).mapped("code"))
        # removed first: the new lines may take the codes of the old ones
        base_lines.unlink()
        market_values = {
            "kind": "works",
            "amount": order.amount_untaxed,
            "sale_order_id": order.id,
            "line_ids": [Command.create(line_values) for line_values in values],
        }
        tax = order._chorus_main_tax()
        if tax:
            market_values["tax_id"] = tax.id
        self.write(market_values)
        self.message_post(body=Markup(self.env._(
            "Bill of quantities imported from quotation %(order)s: %(count)s lines.")) % {
                "order": order._get_html_link(), "count": len(values)})
        return True

    def action_chorus_import_sale_order(self):
        """Button « Import from a quotation »: choose the confirmed quotation whose lines become the bill."""
        self.ensure_one()
        self._chorus_check_sale_import_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import from a quotation"),
            "res_model": "chorus.pro.market.sale.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_market_id": self.id, "default_sale_order_id": self.sale_order_id.id},
        }
