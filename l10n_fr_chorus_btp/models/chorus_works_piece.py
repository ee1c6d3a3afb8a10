"""One piece of a works billing file on Chorus Pro: the supplier's projet de décompte, then the pieces the
MOE and the MOA deposit after it (état d'acompte, état d'acompte validé…), in their order. Written by the
works status synchronisation only."""

from odoo import api, fields, models

from chorus_pro.statuses import status_label

DEPOSITORS = [("supplier", "Supplier"), ("moe", "Project manager (MOE)"), ("moa", "Contracting authority (MOA)")]
#: cadres deposited by the MOE and by the MOA (reference §10)
MOE_CADRES = ("A15_", "A16_", "A17_", "A18_", "A24_", "A25_")
MOA_CADRES = ("A19_", "A20_")


def depositor_of(cadre):
    cadre = cadre or ""
    if cadre.startswith(MOE_CADRES):
        return "moe"
    if cadre.startswith(MOA_CADRES):
        return "moa"
    return "supplier"


class ChorusProWorksPiece(models.Model):
    _name = "chorus.pro.works.piece"
    _description = "Piece of a works billing file on Chorus Pro"
    _order = "market_id, transmission_id, sequence, id"

    transmission_id = fields.Many2one("chorus.pro.transmission", required=True, readonly=True, index=True,
                                      ondelete="cascade")
    market_id = fields.Many2one(related="transmission_id.market_id", store=True, index="btree_not_null")
    company_id = fields.Many2one(related="transmission_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sequence = fields.Integer(string="Order", readonly=True)
    chorus_id = fields.Char(string="Chorus Pro id", readonly=True, index=True)
    number = fields.Char(string="Number", readonly=True)
    cadre = fields.Char(string="Invoicing frame (cadre)", readonly=True)
    works_type = fields.Char(string="Works document type", readonly=True)
    depositor = fields.Selection(DEPOSITORS, string="Deposited by", readonly=True)
    status = fields.Char(string="Chorus Pro status code", readonly=True)
    status_label = fields.Char(string="Chorus Pro status", compute="_compute_status_label")
    status_date = fields.Datetime(string="Status date", readonly=True)
    amount_to_pay = fields.Monetary(string="Amount to pay", readonly=True,
                                    help="The amount to pay this piece carries on Chorus Pro: on the MOE's and the "
                                         "MOA's pieces, the amount they accepted.")

    @api.depends("status")
    def _compute_status_label(self):
        for piece in self:
            piece.status_label = status_label(piece.status)
