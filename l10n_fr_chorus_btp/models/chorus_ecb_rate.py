"""The ECB main refinancing rate of each half-year, base of the moratory interest of public contracts.

The rows come from the table shipped with ``ccag_travaux`` (the single source, loaded at each install and
update: new half-years are added, rows a user corrected are kept) and can be edited or completed here.
"""

from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ccag_travaux.payment import (
    LATE_INTEREST_MARGIN,
    EcbRates,
    half_year_start,
    parse_rate_rows,
    shipped_rates_text,
)


class ChorusProEcbRate(models.Model):
    _name = "chorus.pro.ecb.rate"
    _description = "ECB main refinancing rate of a half-year"
    _order = "half_year_start desc"
    _rec_name = "half_year_start"

    half_year_start = fields.Date(string="Half-year starting", required=True,
                                  help="1 January or 1 July: the moratory interest that starts to run in this "
                                       "half-year uses the rate in force on that day.")
    ecb_rate = fields.Float(string="ECB rate (%)", digits=(5, 2), required=True,
                            help="Rate of the ECB's main refinancing operations in force on the first day of the "
                                 "half-year.")
    in_force_since = fields.Date(string="In force since", help="Date of effect of that rate in the ECB's table.")
    late_rate = fields.Float(string="Moratory interest rate (%)", digits=(5, 2), compute="_compute_late_rate",
                             help="The ECB rate plus 8 points (article R2192-31 of the public procurement code).")

    _half_year_unique = models.Constraint("UNIQUE(half_year_start)", "Each half-year has one rate.")

    @api.depends("ecb_rate")
    def _compute_late_rate(self):
        for rate in self:
            rate.late_rate = float(Decimal(str(rate.ecb_rate)) + LATE_INTEREST_MARGIN)

    @api.constrains("half_year_start")
    def _check_half_year_start(self):
        for rate in self:
            if rate.half_year_start != half_year_start(rate.half_year_start):
                raise ValidationError(self.env._(
                    "%(date)s is not the first day of a half-year: give the rate in force on 1 January or 1 July.",
                    date=rate.half_year_start))

    @api.model
    def _load_shipped_rates(self):
        """Add the half-years of the shipped table that are missing; never overwrite a row already here."""
        known = set(self.sudo().search([]).mapped("half_year_start"))
        self.sudo().create([{
            "half_year_start": row.half_year_start, "ecb_rate": float(row.ecb_rate),
            "in_force_since": row.in_force_since or False,
        } for row in parse_rate_rows(shipped_rates_text()) if row.half_year_start not in known])

    @api.model
    def _ecb_rates(self):
        """The rates as the maths reads them (exact decimals of the two digits entered)."""
        return EcbRates({rate.half_year_start: Decimal(str(rate.ecb_rate)).quantize(Decimal("0.01"))
                         for rate in self.sudo().search([])})
