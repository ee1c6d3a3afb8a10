"""The status history of a transmission, as read from Chorus Pro."""

from odoo import api, fields, models

from chorus_pro.statuses import status_label


class ChorusProTransmissionEvent(models.Model):
    _name = "chorus.pro.transmission.event"
    _description = "Chorus Pro status change"
    _order = "date desc, id desc"

    transmission_id = fields.Many2one("chorus.pro.transmission", required=True, readonly=True, index=True,
                                      ondelete="cascade")
    company_id = fields.Many2one(related="transmission_id.company_id", store=True, index=True)
    date = fields.Datetime(string="Date", required=True, readonly=True)
    status = fields.Char(string="Status code", required=True, readonly=True)
    status_label = fields.Char(string="Status", compute="_compute_status_label")
    comment = fields.Text(string="Comment", readonly=True)

    @api.depends("status")
    def _compute_status_label(self):
        for event in self:
            event.status_label = status_label(event.status)
