"""Shared set-up: a French company, a public customer (Chorus Pro client) and the products of a small works
quotation priced in m², m³ and forfait."""

from odoo import Command
from odoo.addons.account.tests.common import AccountTestInvoicingCommon

#: the SIRET of a commune, as in the Chorus Pro simulator's directory
COMMUNE_SIRET = "21720001300019"


class ChorusSaleCommon(AccountTestInvoicingCommon):

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.quick_ref("sales_team.group_sale_manager")

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.commune = cls.env["res.partner"].create({
            "name": "Commune de Saint-Vincent", "is_company": True, "company_registry": COMMUNE_SIRET,
            "chorus_client": True,
        })
        cls.square_meter = cls.env.ref("uom.product_uom_square_meter")
        cls.cubic_meter = cls.env.ref("uom.product_uom_cubic_meter")
        cls.lump_sum = cls.env["uom.uom"].create({"name": "forfait"})
        product = cls.env["product.product"]
        cls.site_setup = product.create({"name": "Installation de chantier", "type": "service",
                                         "uom_id": cls.lump_sum.id})
        cls.earthworks = product.create({"name": "Terrassement en pleine masse", "type": "service",
                                         "default_code": "TER-01", "uom_id": cls.cubic_meter.id})
        cls.removal = product.create({"name": "Évacuation des déblais", "type": "service",
                                      "uom_id": cls.cubic_meter.id})
        cls.slab = product.create({"name": "Dallage béton", "type": "service", "uom_id": cls.square_meter.id})
        cls.render = product.create({"name": "Enduit de façade", "type": "service", "uom_id": cls.square_meter.id})

    @classmethod
    def line(cls, product, quantity, price, **values):
        return Command.create({"product_id": product.id, "product_uom_qty": quantity, "price_unit": price,
                               "tax_ids": [Command.set(cls.tax_sale_a.ids)], **values})

    @classmethod
    def section(cls, name):
        return Command.create({"display_type": "line_section", "name": name})

    def quotation(self, lines, partner=None, confirm=True, **values):
        order = self.env["sale.order"].create({
            "partner_id": (partner or self.commune).id,
            "company_id": self.company.id,
            "order_line": lines,
            **values,
        })
        if confirm:
            order.action_confirm()
        return order
