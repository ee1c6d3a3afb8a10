"""Accounting dashboard: how many invoices of each sales journal need an action on Chorus Pro."""

from odoo import models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _fill_sale_purchase_dashboard_data(self, dashboard_data):
        super()._fill_sale_purchase_dashboard_data(dashboard_data)
        sale_journals = self.filtered(lambda j: j.type == "sale")
        if not sale_journals:
            return
        # one grouped query for every journal of the dashboard
        groups = self.env["account.move"]._read_group(
            [("journal_id", "in", sale_journals.ids), ("chorus_needs_action", "=", True)],
            ["journal_id"], ["__count"],
        )
        counts = {journal.id: count for journal, count in groups}
        for journal in sale_journals:
            dashboard_data[journal.id]["chorus_action_needed"] = counts.get(journal.id, 0)
