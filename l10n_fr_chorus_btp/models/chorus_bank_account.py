"""The valid bank accounts of the company's supplier structure, as read from Chorus Pro.

They are the list the Chorus Pro settings offer when the structure has several: the one chosen is the company's
``chorus_bank_account_identifier`` (chorus_pro.supplier states the policy).
"""

from odoo import fields, models


class ChorusProBankAccount(models.Model):
    _name = "chorus.pro.bank.account"
    _description = "Chorus Pro bank account of the company"
    _order = "company_id, name, id"

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    chorus_identifier = fields.Char(string="Bank account id (Chorus Pro)", required=True)
    name = fields.Char(string="Bank account", required=True)

    _identifier_per_company = models.Constraint("UNIQUE(company_id, chorus_identifier)",
                                                "A Chorus Pro bank account appears once per company.")

    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.name} ({account.chorus_identifier})"
