"""A works document of a market that is not an accounting invoice: the projet de décompte final (cadres A7,
A11, A14), computed from the last situation, and the décompte général et définitif signed by the main
contractor (DGD, cadre A8) with its amount and reserves. It travels to Chorus Pro through a transmission, like
an invoice."""

import base64
from dataclasses import replace
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError

from ccag_travaux import InputError, compute_final_statement
from ccag_travaux.jsonio import parse_previous, to_jsonable
from chorus_pro import cadres
from chorus_pro.cadres import parse_cadre
from chorus_pro.documents import (
    MAX_ATTACHMENT_NAME,
    Attachment,
    Invoice,
    InvoiceType,
    PaymentMode,
    Totals,
    VatLine,
)
from chorus_pro.siret import compact_siret

from .account_move import chorus_party, int_or_none
from .ccag_messages import error_text
from .chorus_market import derive_cadre
from .chorus_situation_measure import OPEN_STATES

KINDS = [
    (cadres.FINAL, "Final statement draft (projet de décompte final)"),
    (cadres.GENERAL, "Final general statement signed (DGD)"),
]


class ChorusProWorksDocument(models.Model):
    _name = "chorus.pro.works.document"
    _description = "Works document of a market"
    _inherit = ["mail.thread", "mail.activity.mixin", "chorus.pro.amount.correction"]
    _order = "market_id, date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, copy=False,
                       default=lambda self: self.env._("New"))
    kind = fields.Selection(KINDS, string="Document", required=True, default="final")
    # no check_company: the company is the market's
    market_id = fields.Many2one("chorus.pro.market", string="Market", required=True,
                                domain="[('kind', '=', 'works')]", index=True)
    company_id = fields.Many2one(related="market_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="market_id.currency_id")
    partner_id = fields.Many2one(related="market_id.partner_id", string="Public customer")
    date = fields.Date(string="Date", required=True, default=fields.Date.context_today)
    state = fields.Selection([("draft", "Draft"), ("validated", "Validated")], default="draft", required=True,
                             tracking=True)
    cadre = fields.Char(string="Invoicing frame (cadre)", compute="_compute_cadre")
    figures = fields.Json(readonly=True, copy=False)
    total_ht = fields.Monetary(string="Total excl. VAT", tracking=True)
    total_ttc = fields.Monetary(string="Total incl. VAT", tracking=True)
    amount_to_pay = fields.Monetary(string="Balance due", tracking=True)
    retention_to_release = fields.Monetary(string="Retention to release", readonly=True)
    advance_balance = fields.Monetary(string="Advance not repaid", readonly=True)
    reserves = fields.Text(string="Reserves", help="The main contractor's reserves on the décompte général.")
    signed_document = fields.Binary(string="Signed document", attachment=True,
                                    help="The décompte général signed by the main contractor (PDF).")
    signed_document_name = fields.Char()
    transmission_ids = fields.One2many("chorus.pro.transmission", "works_document_id", string="Transmissions")
    chorus_transmission_id = fields.Many2one("chorus.pro.transmission", compute="_compute_chorus_transmission_id",
                                             store=True)
    chorus_state = fields.Selection(related="chorus_transmission_id.state", string="Chorus Pro")
    chorus_is_works = fields.Boolean(default=True, readonly=True)
    invoice_user_id = fields.Many2one("res.users", string="Responsible", default=lambda self: self.env.user)

    @api.depends("kind", "market_id.kind", "market_id.role")
    def _compute_cadre(self):
        for document in self:
            document.cadre = derive_cadre(document.market_id.kind, document.market_id.role, document.kind)

    @api.depends("transmission_ids.state")
    def _compute_chorus_transmission_id(self):
        for document in self:
            document.chorus_transmission_id = document.transmission_ids.filtered(
                lambda t: t.state != "cancelled")[-1:]

    # -- the final statement from the last situation -------------------------------------------------
    @api.model
    def _create_final_statement(self, market):
        last = market.situation_ids.filtered(lambda s: s.state not in OPEN_STATES).sorted("number")[-1:]
        if not last:
            raise UserError(self.env._("The final statement of %(market)s follows its last validated situation: "
                                       "validate one first.", market=market.name))
        try:
            statement = compute_final_statement(market._ccag_terms(), self._paid_as_accepted(market, last))
        except InputError as error:
            raise UserError(self.env._("The final statement cannot be computed: %(problem)s",
                                       problem=error_text(self.env, error))) from None
        total_ht = statement.initial_prices_ht + statement.variation_ht
        return self.create({
            "kind": "final", "market_id": market.id, "name": f"{market.name}-DF",
            "figures": to_jsonable(statement),
            "total_ht": float(total_ht), "total_ttc": float(statement.total_ttc),
            "amount_to_pay": float(max(statement.balance_due, Decimal(0))),
            "retention_to_release": float(statement.retention_to_release),
            "advance_balance": float(statement.advance_balance),
        })

    @api.model
    def _paid_as_accepted(self, market, last):
        """The last situation's carried figures, with the amounts paid as the project manager accepted them.

        Only the final statement reads the sum of the amounts to pay (its "paid to date"); a month's maths never
        does (it works on cumulative progress).  So a correction accepted on a situation adjusts that sum here,
        once, rather than in the frozen carry of each situation (a correction accepted after the next situation
        was validated would be missed there)."""
        carry = parse_previous(last.carry)
        accepted = market.situation_ids.filtered(lambda s: s.chorus_difference_state == "accepted")
        adjustment = sum((Decimal(str(s.chorus_amount_difference)).quantize(Decimal("0.01")) for s in accepted),
                         Decimal(0))
        return replace(carry, paid_cumulative=carry.paid_cumulative + adjustment) if adjustment else carry

    def action_validate(self):
        if not self.env.user.has_group("account.group_account_invoice"):
            raise UserError(self.env._("Only an accountant validates a works document."))
        for document in self:
            if document.kind == "dgd" and not document.signed_document:
                raise UserError(self.env._("Attach the décompte général signed by the main contractor first."))
        self.write({"state": "validated"})

    def action_send_to_chorus(self):
        Transmission = self.env["chorus.pro.transmission"]
        Transmission._check_transfer_right()
        if Transmission._unconfirmed_experimental(self):
            return self.env["chorus.pro.works.experimental.wizard"]._open_for(works_documents=self)
        Transmission._queue_works_documents(self, origin="button")
        on_portal = self.chorus_transmission_id.filtered(lambda t: t.state == "portal")
        if len(self) == 1 and on_portal:
            return self.env["chorus.pro.works.portal.wizard"]._open_for(on_portal)
        return False

    def action_chorus_portal_deposit(self):
        """The steps of the assisted portal deposit of this document."""
        self.ensure_one()
        self.env["chorus.pro.transmission"]._check_transfer_right()
        if self.chorus_transmission_id.state != "portal":
            raise UserError(self.env._("%(document)s does not wait for a deposit on the Chorus Pro portal.",
                                       document=self.display_name))
        return self.env["chorus.pro.works.portal.wizard"]._open_for(self.chorus_transmission_id)

    def _chorus_portal_pdf(self):
        """The plain PDF deposited on the portal: the signed DGD, or the final statement's report."""
        return self._chorus_main_attachment()

    # -- an amount corrected by the project manager (chorus.pro.amount.correction) -----------------------
    def _chorus_own_amount_to_pay(self):
        self.ensure_one()
        return self.amount_to_pay

    def _chorus_responsible(self):
        self.ensure_one()
        user = self.invoice_user_id
        return user if user.active and not user.share else super()._chorus_responsible()

    # -- what a transmission needs ---------------------------------------------------------------------
    def _chorus_log(self, body):
        for document in self:
            document.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    def _chorus_schedule_activity(self, summary, note):
        for document in self:
            document.sudo().activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note,
                                              user_id=document.invoice_user_id.id or self.env.uid)

    def _chorus_transfer_problems(self, preflight=True):
        problems = []
        for document in self:
            transmission = document.chorus_transmission_id
            if document.state != "validated":
                problems.append(self.env._("%(document)s is not validated.", document=document.display_name))
            elif transmission and transmission.state not in ("error", "action_needed"):
                problems.append(self.env._("%(document)s is queued or on Chorus Pro already.",
                                           document=document.display_name))
            problems.extend(document.market_id._works_party_problems())
            if not document.company_id._chorus_is_configured():
                problems.append(self.env._("Chorus Pro is not configured for %(company)s.",
                                           company=document.company_id.name))
        return problems

    def _chorus_build_invoice(self, with_pdf=True):
        """The document as Chorus Pro's works deposit carries it: totals, parties, cadre, its PDF."""
        self.ensure_one()
        market, company = self.market_id, self.company_id
        vat = Decimal(str(self.total_ttc)) - Decimal(str(self.total_ht))
        rate = Decimal(str(market.tax_id.amount)) if market.tax_id else Decimal(20)
        invoice = Invoice(
            number=self.name, invoice_date=self.date,
            supplier=chorus_party(company.partner_id),
            buyer=chorus_party(market.partner_id, market.service_id),
            lines=[],
            vat_lines=[VatLine(rate=rate, base=Decimal(str(self.total_ht)), amount=vat)],
            totals=Totals(untaxed=Decimal(str(self.total_ht)), vat=vat, total=Decimal(str(self.total_ttc)),
                          amount_due=Decimal(str(self.amount_to_pay))),
            invoice_type=InvoiceType.INVOICE, cadre=parse_cadre(self.cadre),
            payment_mode=PaymentMode.TRANSFER,
            bank_account_id=int_or_none(company.chorus_bank_account_identifier),
            ej_number=(market.engagement or "").strip(), market_number=market.name,
            moe=chorus_party(market.moe_partner_id), moa=chorus_party(market.moa_partner_id),
            comment=(self.reserves or "")[:500],
        )
        invoice.supplier.siret = compact_siret(company.company_registry)
        invoice.supplier.structure_id = int_or_none(company.chorus_supplier_structure_identifier)
        if with_pdf:
            invoice.main_pdf = self._chorus_main_attachment()
        return invoice

    def _chorus_main_attachment(self):
        self.ensure_one()
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.name)[:MAX_ATTACHMENT_NAME - 4]
        if self.kind == "dgd" and self.signed_document:
            return Attachment(name=f"{name}.pdf", content=base64.b64decode(self.signed_document))
        content, _type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "l10n_fr_chorus_btp.report_final_statement", self.ids)
        if isinstance(content, str):
            content = content.encode()
        return Attachment(name=f"{name}.pdf", content=content)
