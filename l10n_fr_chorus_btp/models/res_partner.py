import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from chorus_pro import ChorusProError
from chorus_pro.siret import compact_siret, siret_problem

from .chorus_messages import siret_problem_text, user_error
from .chorus_utils import chorus_commit

_logger = logging.getLogger(__name__)

REQUIREMENTS = [
    ("none", "Nothing required"),
    ("service", "Service code"),
    ("ej", "Legal commitment (EJ)"),
    ("service_or_ej", "Service code or legal commitment (EJ)"),
    ("service_and_ej", "Service code and legal commitment (EJ)"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_sending_method = fields.Selection(selection_add=[("chorus_pro", "by Chorus Pro")])
    chorus_client = fields.Boolean(string="Chorus Pro client", tracking=True,
                                   help="Public customer invoiced through Chorus Pro.")
    chorus_structure_identifier = fields.Char(string="Structure id (Chorus Pro)", copy=False)
    chorus_structure_name = fields.Char(string="Name on Chorus Pro", copy=False)
    chorus_requirement = fields.Selection(REQUIREMENTS, string="Required references", copy=False,
                                          help="What Chorus Pro requires on the invoices of this customer.")
    chorus_service_ids = fields.One2many("chorus.pro.service", "partner_id", string="Chorus Pro services",
                                         context={"active_test": False})
    chorus_checked_date = fields.Datetime(string="Checked in the directory on", copy=False)

    @api.constrains("chorus_client", "company_registry")
    def _check_chorus_client_siret(self):
        for partner in self:
            if not partner.chorus_client:
                continue
            problem = siret_problem(partner.company_registry)
            if problem:
                raise ValidationError(self.env._(
                    "%(partner)s is a Chorus Pro client: its SIRET %(problem)s. Enter the 14-digit SIRET of the "
                    "public entity (field SIRET), as published in the Chorus Pro directory.",
                    partner=partner.display_name, problem=siret_problem_text(self.env, problem)))

    def _chorus_siret(self):
        self.ensure_one()
        return compact_siret(self.commercial_partner_id.company_registry)

    def _chorus_selectable_services(self):
        return self.commercial_partner_id.chorus_service_ids.filtered("selectable")

    # -- directory -----------------------------------------------------------------------------------
    def action_chorus_check_directory(self):
        """Button "Check in the Chorus Pro directory"."""
        company = self.env.company
        if not company._chorus_is_configured():
            raise UserError(self.env._(
                "Chorus Pro is not configured for %(company)s: fill in the SIRET and the connection settings "
                "(Accounting › Configuration › Settings › Chorus Pro).", company=company.name))
        client = company._chorus_client()
        try:
            for partner in self:
                partner._chorus_refresh_from_directory(client, raise_errors=True)
        finally:
            client.close()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro directory"),
                "message": self.env._("Directory information updated."),
                "type": "success",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _chorus_refresh_from_directory(self, client, raise_errors=False):
        """Read the structure, its requirement and its services from Chorus Pro."""
        self.ensure_one()
        problem = siret_problem(self.company_registry)
        if problem:
            raise UserError(self.env._("The SIRET of %(partner)s %(problem)s.", partner=self.display_name,
                                       problem=siret_problem_text(self.env, problem)))
        try:
            structure = client.structures.find(compact_siret(self.company_registry))
            details = client.structures.get(structure.id)
            services = client.structures.list_services(structure.id)
            detailed = []
            for service in services:
                if service.active and service.ej_required is None:
                    service = client.structures.get_service(structure.id, service.id)
                detailed.append(service)
        except ChorusProError as exc:
            if raise_errors:
                raise user_error(self.env, exc) from None
            _logger.warning("Chorus Pro directory refresh failed for partner %s: %s", self.id, exc.message_en)
            return False
        requirement = getattr(details.requirement, "value", details.requirement) or "none"
        self._chorus_store_services(detailed)
        self.write({
            "chorus_structure_identifier": str(structure.id),
            "chorus_structure_name": details.name or structure.name,
            "chorus_requirement": requirement,
            "chorus_checked_date": fields.Datetime.now(),
        })
        return True

    def _chorus_store_services(self, services):
        existing = {s.code: s for s in self.with_context(active_test=False).chorus_service_ids}
        seen = set()
        for service in services:
            vals = {
                "code": service.code,
                "name": service.name,
                "chorus_identifier": str(service.id),
                "active": bool(service.active),
                "ej_required": bool(service.ej_required),
            }
            seen.add(service.code)
            if service.code in existing:
                existing[service.code].write(vals)
            else:
                self.env["chorus.pro.service"].create(dict(vals, partner_id=self.id))
        # services that disappeared from Chorus Pro can no longer be chosen
        gone = self.env["chorus.pro.service"].browse([s.id for c, s in existing.items() if c not in seen])
        gone.write({"active": False})

    @api.model
    def _cron_chorus_refresh_directory(self, limit=500):
        """Weekly: refresh the directory data of every Chorus Pro client (oldest check first), one committed
        partner at a time."""
        companies = self.env["res.company"].search([]).filtered(lambda c: c._chorus_is_configured()
                                                                and not c.chorus_auth_failed)
        batches = []
        for company in companies:
            partners = self.search([("chorus_client", "=", True), ("company_id", "in", [False, company.id])],
                                   order="chorus_checked_date asc nulls first, id", limit=limit)
            if partners:
                batches.append((company, partners))
        chorus_commit(self.env, remaining=sum(len(partners) for _company, partners in batches))
        for company, partners in batches:
            client = company._chorus_client()
            try:
                for partner in partners:
                    partner.with_company(company)._chorus_refresh_from_directory(client)
                    if not chorus_commit(self.env, processed=1):
                        return  # the cron's time is up: the oldest checks come first next time
            finally:
                client.close()
