"""Checks run before posting an invoice for a Chorus Pro client: one message listing every problem."""

import logging

from odoo import models
from odoo.exceptions import UserError

from chorus_pro.documents import MAX_EJ_LENGTH, validate_invoice
from chorus_pro.errors import DocumentValidationError
from chorus_pro.siret import PROBLEMS, siret_problem

_logger = logging.getLogger(__name__)

#: fields of chorus_pro's own validation that the Odoo checks explain in Odoo's words, or that are only
#: known when sending (invoice number before posting, Chorus Pro bank account id, the PDF)
COVERED_FIELDS = frozenset({
    "supplier.siret", "buyer.siret", "buyer.service_code", "ej_number", "market_number", "currency", "lines",
    "original_invoice_number", "payment_mode", "bank_account_id", "number",
})
NOT_YET_KNOWN_PREFIXES = ("main_pdf", "attachments")


class AccountMove(models.Model):
    _inherit = "account.move"

    def _chorus_raise_preflight(self):
        messages = []
        for move in self:
            issues = move._chorus_preflight_issues()
            if issues:
                messages.append(move._chorus_format_issues(issues))
        if messages:
            raise UserError("\n\n".join(messages))

    def _chorus_format_issues(self, issues):
        self.ensure_one()
        title = self.env._("The invoice %(invoice)s cannot be sent to Chorus Pro (customer %(customer)s):",
                           invoice=self.name if self.name and self.name != "/" else self.env._("draft"),
                           customer=self.commercial_partner_id.display_name)
        return "\n".join([title, *(f"- {issue}" for issue in issues)])

    def _chorus_preflight_issues(self):
        """Everything that would make Chorus Pro refuse this invoice, in the user's language."""
        self.ensure_one()
        _ = self.env._
        issues = []
        company, customer = self.company_id, self.commercial_partner_id
        market = self.chorus_market_id
        service_code = (self.buyer_reference or "").strip()
        ej = (self.purchase_order_reference or "").strip()

        problem = siret_problem(company.company_registry)
        if problem:
            issues.append(_("The SIRET of your company %(problem)s: enter it in Accounting › Configuration › "
                            "Settings › Chorus Pro.", problem=PROBLEMS[problem][0]))
        problem = siret_problem(customer.company_registry)
        if problem:
            issues.append(_("The SIRET of the customer %(problem)s: enter the 14 digits on the customer's form.",
                            problem=PROBLEMS[problem][0]))

        requirement = customer.chorus_requirement or "none"
        if requirement in ("service", "service_and_ej") and not service_code:
            issues.append(_("The customer requires a service code: fill in \"Service code\" in the Chorus Pro tab, "
                            "or choose the market's service."))
        if requirement in ("ej", "service_and_ej") and not ej:
            issues.append(_("The customer requires an engagement juridique (EJ, purchase order number): fill in "
                            "\"Engagement juridique\" in the Chorus Pro tab."))
        if requirement == "service_or_ej" and not (service_code or ej):
            issues.append(_("The customer requires a service code or an engagement juridique: fill in one of "
                            "them."))
        if service_code:
            services = customer.with_context(active_test=False).chorus_service_ids
            service = services.filtered(lambda s: s.code == service_code)[:1]
            if services and (not service or not service.selectable):
                choices = ", ".join(services.filtered("selectable").mapped("code")) or _("none")
                issues.append(_("The service code %(code)s is not one of the customer's active services on Chorus "
                                "Pro (choose one of: %(choices)s).", code=service_code, choices=choices))
            elif service.ej_required and not ej:
                issues.append(_("The service %(code)s requires an engagement juridique (EJ): fill in \"Engagement "
                                "juridique\" in the Chorus Pro tab.", code=service_code))
        if len(ej) > MAX_EJ_LENGTH:
            issues.append(_("The engagement juridique has more than %(max)s characters.", max=MAX_EJ_LENGTH))
        if market and market._needs_market_number() and not (self.contract_reference or "").strip():
            issues.append(_("The market number is required by the market %(market)s.",
                            market=market.name))
        if self.chorus_cadre in ("A4", "A7", "A8", "A10", "A11", "A13", "A14"):
            if not (self.contract_reference or "").strip() and not (market and market._needs_market_number()):
                issues.append(_("A works document needs the market number."))
            if not market:
                issues.append(_("A works document must be linked to its public works market."))
        if self.chorus_cadre in ("A9", "A12"):
            validator = market.validator_partner_id
            if not validator or siret_problem(validator.company_registry):
                issues.append(_("The cadre %(cadre)s needs the valideur (titulaire or mandataire) with a valid "
                                "SIRET on the market.", cadre=self.chorus_cadre))
        if self.move_type == "out_invoice":
            bank = self.partner_bank_id
            if not bank:
                issues.append(_("Choose the recipient bank account (your IBAN) of the invoice: Chorus Pro needs it "
                                "for a payment by transfer."))
            elif bank.acc_type != "iban":
                issues.append(_("The bank account %(account)s is not an IBAN: Chorus Pro only accepts IBAN for a "
                                "payment by transfer.", account=bank.display_name))
        if self.move_type == "out_refund" and not (self.reversed_entry_id or (self.ref or "").strip()):
            issues.append(_("A credit note must mention the invoice it cancels (reversed invoice or reference)."))
        if self.currency_id.name != "EUR":
            issues.append(_("Chorus Pro accepts invoices in euros only (currency: %(currency)s).",
                            currency=self.currency_id.name))
        if not self.invoice_line_ids.filtered(lambda line: line.display_type == "product"):
            issues.append(_("The invoice has no line."))
        issues.extend(self._chorus_library_issues())
        return list(dict.fromkeys(issues))

    def _chorus_library_issues(self):
        """The checks of :func:`chorus_pro.documents.validate_invoice` the Odoo checks do not cover."""
        invoice = self._chorus_build_invoice(with_pdf=False)
        try:
            validate_invoice(invoice, operation="works" if self.chorus_is_works else "soumettre")
        except DocumentValidationError as exc:
            return [issue.message_fr for issue in exc.issues
                    if issue.field not in COVERED_FIELDS and not (issue.field or "").startswith(NOT_YET_KNOWN_PREFIXES)]
        return []
