"""« Import from a quotation »: the confirmed quotation whose lines become a market's bill of quantities."""

from odoo import api, fields, models


class ChorusProMarketSaleImport(models.TransientModel):
    _name = "chorus.pro.market.sale.import"
    _description = "Import a bill of quantities from a quotation"

    market_id = fields.Many2one("chorus.pro.market", string="Market", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="market_id.partner_id")
    company_id = fields.Many2one(related="market_id.company_id")
    sale_order_id = fields.Many2one(
        "sale.order", string="Quotation", required=True,
        domain="[('state', '=', 'sale'), ('company_id', '=', company_id), ('partner_id', 'child_of', partner_id)]",
        help="A confirmed quotation of the market's customer.")
    replaced_line_count = fields.Integer(string="Lines replaced", compute="_compute_replaced_line_count")

    @api.depends("market_id")
    def _compute_replaced_line_count(self):
        for wizard in self:
            wizard.replaced_line_count = len(wizard.market_id.line_ids.filtered(lambda line: not line.amendment_id))

    def action_import(self):
        self.ensure_one()
        self.market_id._chorus_import_sale_order(self.sale_order_id)
        return {"type": "ir.actions.act_window_close"}
