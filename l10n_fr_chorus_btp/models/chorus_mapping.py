"""account.move → chorus_pro.documents.Invoice (the neutral object the client sends)."""

import logging
import re
from collections import defaultdict
from decimal import Decimal

from odoo import models

from chorus_pro.documents import (
    MAX_ATTACHMENT_NAME,
    Attachment,
    Invoice,
    InvoiceType,
    Line,
    Party,
    PaymentMode,
    Totals,
    VatLine,
)
from chorus_pro.results import ReferenceRequirement
from chorus_pro.siret import compact_siret
from chorus_pro.statuses import parse_cadre

CENT = Decimal("0.01")
_logger = logging.getLogger(__name__)


def _dec(value, quant=CENT):
    return Decimal(str(value or 0)).quantize(quant)


def _int_or_none(value):
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _party(partner, service=None):
    if not partner:
        return None
    commercial = partner.commercial_partner_id
    return Party(
        siret=compact_siret(commercial.company_registry),
        name=commercial.name or "",
        structure_id=_int_or_none(commercial.chorus_structure_identifier),
        service_code=service.code if service else "",
        service_id=_int_or_none(service.chorus_identifier) if service else None,
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    def _chorus_build_invoice(self, with_pdf=True):
        self.ensure_one()
        company, customer, market = self.company_id, self.commercial_partner_id, self.chorus_market_id
        service_code = (self.buyer_reference or "").strip()
        service = customer.with_context(active_test=False).chorus_service_ids.filtered(
            lambda s: s.code == service_code)[:1]
        supplier = Party(siret=compact_siret(company.company_registry), name=company.name or "",
                         structure_id=_int_or_none(company.chorus_supplier_structure_identifier))
        buyer = _party(customer, service)
        if not service and service_code:
            buyer.service_code = service_code
        if customer.chorus_requirement:
            buyer.requirement = ReferenceRequirement(customer.chorus_requirement)
        sign = 1
        lines, bases = [], defaultdict(Decimal)
        product_lines = self.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        for number, line in enumerate(product_lines, start=1):
            rate = _dec(sum(tax.amount for tax in line.tax_ids if tax.amount_type == "percent"))
            quantity = _dec(line.quantity, Decimal("0.0001"))
            unit_price = _dec(line.price_unit, Decimal("0.000001"))
            subtotal = _dec(line.price_subtotal)
            lines.append(Line(
                number=number,
                description=(line.name or line.product_id.display_name or "").strip()[:500] or "-",
                quantity=quantity,
                unit_price=unit_price,
                vat_rate=rate,
                reference=line.product_id.default_code or "",
                unit=line.product_uom_id.name or "",
                discount=(quantity * unit_price - subtotal).quantize(CENT),
            ))
            bases[rate] += subtotal
        amounts = defaultdict(Decimal)
        for tax_line in self.line_ids.filtered(lambda line: line.display_type == "tax"):
            amounts[_dec(tax_line.tax_line_id.amount)] += _dec(abs(tax_line.amount_currency))
        vat_lines = [VatLine(rate=rate, base=base, amount=amounts.get(rate, Decimal("0.00")))
                     for rate, base in sorted(bases.items())]
        total = _dec(self.amount_total) * sign
        totals = Totals(untaxed=_dec(self.amount_untaxed), vat=_dec(self.amount_tax), total=total, amount_due=total)
        is_refund = self.move_type == "out_refund"
        invoice = Invoice(
            number=self.name or "",
            invoice_date=self.invoice_date or self.date,
            supplier=supplier,
            buyer=buyer,
            lines=lines,
            vat_lines=vat_lines,
            totals=totals,
            invoice_type=InvoiceType.CREDIT_NOTE if is_refund else InvoiceType.INVOICE,
            cadre=parse_cadre(self.chorus_cadre or "A1"),
            currency=self.currency_id.name or "EUR",
            payment_mode=None if is_refund else PaymentMode.TRANSFER,
            bank_account_id=None if is_refund else _int_or_none(company.chorus_bank_account_identifier),
            ej_number=(self.purchase_order_reference or "").strip(),
            market_number=(self.contract_reference or "").strip(),
            original_invoice_number=(self.reversed_entry_id.name or self.ref or "").strip() if is_refund else "",
            validator_siret=compact_siret(market.validator_partner_id.commercial_partner_id.company_registry)
            if market.validator_partner_id else "",
            moe=_party(market.moe_partner_id),
            moa=_party(market.moa_partner_id),
            situation_number=self.chorus_situation_number or None,
            comment=(self.ref or "")[:500] if not is_refund else "",
        )
        if with_pdf:
            invoice.main_pdf = self._chorus_main_attachment()
        return invoice

    def _chorus_main_attachment(self):
        """The invoice as printed by Odoo (the stored PDF when there is one, else a fresh rendering).

        In test mode Odoo renders HTML instead of PDF; the file is then sent as ``.html``.
        """
        self.ensure_one()
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.name or "facture").strip("_") or "facture"
        if self.invoice_pdf_report_id:
            content, extension, mime = self.invoice_pdf_report_id.raw, "pdf", "application/pdf"
        else:
            content, report_type = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
                "account.account_invoices", self.ids)
            # Odoo renders HTML instead of PDF only in test mode (no wkhtmltopdf worker there); the
            # rendering is still sent as the main file so that tests exercise the whole deposit
            extension, mime = "pdf", "application/pdf"
            if report_type != "pdf":
                _logger.debug("test mode: invoice %s rendered as %s", self.id, report_type)
        if isinstance(content, str):
            content = content.encode()
        name = f"{base[:MAX_ATTACHMENT_NAME - len(extension) - 1]}.{extension}"
        return Attachment(name=name, content=content, mime_type=mime)
