"""« Recycle »: correct the routing (buyer, service, legal commitment) of an invoice to recycle."""

from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError

from chorus_pro.documents import MAX_EJ_LENGTH
from chorus_pro.results import PUBLIC_INVOICES_SERVICE, is_selectable_service
from chorus_pro.siret import compact_siret, siret_problem
from chorus_pro.statuses import FOLLOW_UP_STATUSES, FollowUpAction

from . import chorus_followup_common  # noqa: F401  (the mixin must be loaded first)


class ChorusProRecycleWizard(models.TransientModel):
    _name = "chorus.pro.recycle.wizard"
    _inherit = "chorus.pro.followup.wizard.mixin"
    _description = "Recycle an invoice on Chorus Pro"

    buyer_siret = fields.Char("Buyer SIRET", required=True)
    service_code = fields.Char("Service code")
    engagement = fields.Char("Legal commitment (EJ)")
    market_number = fields.Char("Market number")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id"))
        if move:
            values.setdefault("buyer_siret", move.commercial_partner_id.company_registry or "")
            values.setdefault("service_code", move.buyer_reference or "")
            values.setdefault("engagement", move.purchase_order_reference or "")
            values.setdefault("market_number", move.contract_reference or "")
        return values

    def _check_values(self):
        siret = compact_siret(self.buyer_siret or "")
        if siret_problem(siret):
            raise UserError(self.env._("The buyer SIRET \"%s\" is not valid: it has 14 digits and passes the "
                                       "SIRET checksum.", self.buyer_siret or ""))
        if not is_selectable_service(self.service_code):
            raise UserError(self.env._("The service %(service)s is reserved to invoices between public "
                                       "entities: choose the buyer's service.", service=PUBLIC_INVOICES_SERVICE))
        if len((self.engagement or "").strip()) > MAX_EJ_LENGTH:
            raise UserError(self.env._("The legal commitment (EJ) has more than %s characters.", MAX_EJ_LENGTH))
        return siret

    def action_recycle(self):
        self.ensure_one()
        if self.move_id.chorus_status not in FOLLOW_UP_STATUSES[FollowUpAction.RECYCLE]:
            raise UserError(self.env._("The invoice %s is not waiting to be recycled on Chorus Pro.",
                                       self.move_id.display_name))
        siret = self._check_values()
        service, engagement, market = ((v or "").strip() for v in (self.service_code, self.engagement,
                                                                   self.market_number))
        self._call_chorus(lambda client: client.factures.recycle(
            int(self.move_id.chorus_identifier), buyer_siret=siret, service_code=service, ej_number=engagement,
            market_number=market, comment=self.comment or ""))
        # keep the invoice's references in line with what Chorus Pro now holds
        self.move_id.sudo().write({"buyer_reference": service or False,
                                   "purchase_order_reference": engagement or False,
                                   "contract_reference": market or False})
        self.move_id._chorus_log(Markup("%s<br/>%s %s, %s %s, %s %s, %s %s") % (
            self.env._("Invoice recycled on Chorus Pro."),
            self.env._("Buyer:"), siret, self.env._("service:"), service or "-",
            self.env._("EJ:"), engagement or "-", self.env._("market:"), market or "-"))
        self._refresh_status()
        return {"type": "ir.actions.act_window_close"}
