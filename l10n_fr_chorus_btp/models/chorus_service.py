from odoo import api, fields, models

from chorus_pro.results import is_selectable_service


class ChorusProService(models.Model):
    _name = "chorus.pro.service"
    _description = "Chorus Pro service of a public customer"
    _order = "partner_id, code"
    _rec_names_search = ["code", "name"]

    partner_id = fields.Many2one("res.partner", string="Public customer", required=True, ondelete="cascade",
                                 index=True)
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True)
    code = fields.Char(string="Service code", required=True)
    name = fields.Char(string="Service name")
    chorus_identifier = fields.Char(string="Service id (Chorus Pro)")
    active = fields.Boolean(default=True)
    ej_required = fields.Boolean(string="EJ required",
                                 help="Chorus Pro refuses invoices to this service without a legal commitment (EJ).")
    selectable = fields.Boolean(compute="_compute_selectable", store=True,
                                help="Active and not reserved to invoicing between public entities.")

    _code_per_partner = models.Constraint("UNIQUE(partner_id, code)",
                                          "A service code appears once per customer.")

    @api.depends("code", "active")
    def _compute_selectable(self):
        for service in self:
            service.selectable = is_selectable_service(service.code, service.active)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for service in self:
            service.display_name = f"{service.code} - {service.name}" if service.name else (service.code or "")
