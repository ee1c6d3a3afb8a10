"""A subcontractor of a market: accepted amount (DC4), direct payment, reverse charge, its own advance."""

from decimal import Decimal

from odoo import fields, models

from ccag_travaux import Subcontractor


class ChorusProMarketSubcontractor(models.Model):
    _name = "chorus.pro.market.subcontractor"
    _description = "Subcontractor of a market"
    _order = "market_id, id"
    _check_company_auto = True

    market_id = fields.Many2one("chorus.pro.market", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="market_id.company_id")
    currency_id = fields.Many2one(related="market_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Subcontractor", required=True, check_company=True)
    accepted_amount = fields.Monetary(string="Accepted amount excl. VAT", required=True,
                                      help="The amount of the subcontract accepted by the buyer (DC4).")
    direct_payment = fields.Boolean(string="Paid directly by the buyer", default=True)
    autoliquidation = fields.Boolean(string="Reverse charge", default=True,
                                     help="Building works: the subcontractor invoices excluding VAT (article "
                                          "283-2 nonies of the CGI).")
    vat_rate = fields.Float(string="VAT (%)", default=20.0, digits=(5, 2))
    advance_amount = fields.Monetary(string="Its advance")
    guarantee_replaces_retention = fields.Boolean(string="Guarantee instead of its retention")

    _partner_unique = models.Constraint("UNIQUE(market_id, partner_id)",
                                        "This subcontractor is already on the market.")

    def _ccag_subcontractor(self):
        self.ensure_one()
        return Subcontractor(
            partner_id=str(self.partner_id.id), name=self.partner_id.display_name,
            accepted_amount_ht=Decimal(str(self.accepted_amount)), direct_payment=self.direct_payment,
            autoliquidation=self.autoliquidation, vat_rate=Decimal(str(self.vat_rate)) / 100,
            advance_amount=Decimal(str(self.advance_amount)),
            retention_replaced_by_guarantee=self.guarantee_replaces_retention)
