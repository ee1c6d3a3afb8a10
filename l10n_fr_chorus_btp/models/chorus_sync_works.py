"""Works status synchronisation: follow each works billing file through ``facturesTravaux/v1/rechercher``.

The rule lives in :func:`chorus_pro.works_sync.sync_works` (one search call per page, a detail call only for a
piece followed by a new one); here each billing file is followed by its latest piece, the pieces are recorded
in order on the transmission (so on the market), and the transmission takes the latest piece's status.
"""

import logging

from markupsafe import Markup
from odoo import api, models
from odoo.tools import format_amount

from chorus_pro.siret import compact_siret
from chorus_pro.statuses import StatusUpdate, status_update
from chorus_pro.works_sync import FollowedWorksPiece, sync_works

from .chorus_sync import to_odoo_datetime
from .chorus_works_piece import depositor_of

_logger = logging.getLogger(__name__)


class ChorusProSyncWorks(models.AbstractModel):
    _inherit = "chorus.pro.sync"

    @api.model
    def _followed_works_piece(self, transmission):
        """The piece of the billing file that is followed now: the latest one known, else the document sent."""
        latest = transmission.works_piece_ids.sorted("sequence")[-1:]
        if latest:
            return FollowedWorksPiece(int(latest.chorus_id), latest.number or "", latest.status or "",
                                      latest.status_date or None)
        return FollowedWorksPiece(int(transmission.chorus_invoice_id),
                                  transmission.chorus_number or transmission.document_number or "",
                                  transmission.status or "", transmission.status_date or None)

    def _sync_works(self, client, company, transmissions, since):
        """Update the works ``transmissions`` of ``company`` from the works search; return the number of changes."""
        by_piece = {}
        for transmission in transmissions:
            by_piece[self._followed_works_piece(transmission).works_invoice_id] = transmission
        structure_id = int(company.chorus_supplier_structure_identifier or 0) or None
        result = sync_works(client, [self._followed_works_piece(t) for t in transmissions], since=since,
                            supplier_structure_id=structure_id,
                            supplier_identifier=compact_siret(company.company_registry or ""))
        changed = 0
        for change in result.changes:
            transmission = by_piece[change.followed.works_invoice_id]
            if change.problem:
                # another document answered for this one: applying it would show a false status
                _logger.warning("Chorus Pro works sync of transmission %s: %s", transmission.id, change.problem)
                continue
            self._record_works_pieces(transmission, change.pieces)
            latest = change.latest
            if self._apply_status(transmission, latest.status, latest.status_date, latest.status_comment):
                changed += 1
        return changed

    def _record_works_pieces(self, transmission, pieces):
        """The billing file of ``transmission``, in order: the document sent first, then the MOE's and MOA's."""
        Piece = self.env["chorus.pro.works.piece"].sudo()
        known = {p.chorus_id: p for p in transmission.works_piece_ids}
        if not known:
            first = Piece.create({"transmission_id": transmission.id, "sequence": 1,
                                  "chorus_id": transmission.chorus_invoice_id,
                                  "number": transmission.chorus_number or transmission.document_number,
                                  "cadre": transmission.cadre, "depositor": "supplier",
                                  "status": transmission.status, "status_date": transmission.status_date})
            known[first.chorus_id] = first
        sequence = max(p.sequence for p in known.values())
        for piece in pieces:
            status_date = to_odoo_datetime(piece.status_date) or False
            values = {"status": piece.status, "status_date": status_date}
            if piece.amount_to_pay is not None:
                values["amount_to_pay"] = float(piece.amount_to_pay)
            record = known.get(str(piece.works_invoice_id))
            if record:
                if status_update(record.status, record.status_date or None, piece.status,
                                 status_date or None) is StatusUpdate.IGNORE:
                    continue  # the same reading again, or an older one: what is known stays
                if piece.cadre:
                    values["cadre"] = piece.cadre  # the full code, where the add-on knew "A4"
                record.write(values)
                self._record_corrected_amount(transmission, record)
                continue
            sequence += 1
            record = Piece.create(dict(values, transmission_id=transmission.id, sequence=sequence,
                                       chorus_id=str(piece.works_invoice_id), number=piece.number,
                                       cadre=piece.cadre, works_type=piece.works_type,
                                       depositor=depositor_of(piece.cadre)))
            previous = max((p for p in known.values() if p.sequence < record.sequence), key=lambda p: p.sequence)
            known[record.chorus_id] = record
            transmission._document()._chorus_log(self._new_piece_message(record, previous))
            self._record_corrected_amount(transmission, record)

    def _record_corrected_amount(self, transmission, piece):
        """The MOE's or the MOA's piece carries the amount it accepted: a difference with ours goes to the
        situation (or the works document) for the accountant to accept or contest."""
        if piece.depositor == "supplier" or not piece.amount_to_pay:
            return
        owner = transmission.move_id.chorus_situation_id or transmission.works_document_id
        if owner:
            owner._chorus_record_corrected_amount(piece)

    def _new_piece_message(self, piece, previous):
        who = dict(piece._fields["depositor"]._description_selection(self.env)).get(piece.depositor, "")
        body = Markup("%s <b>%s</b> (%s, %s)") % (
            self.env._("New piece of the billing file on Chorus Pro:"), piece.number, piece.cadre, who)
        if piece.amount_to_pay:
            body += Markup("<br/>%s %s") % (self.env._("Amount to pay:"),
                                            format_amount(self.env, piece.amount_to_pay, piece.currency_id))
        asked = previous.amount_to_pay
        if piece.amount_to_pay and asked and piece.currency_id.compare_amounts(piece.amount_to_pay, asked):
            # the MOE corrects the amount rather than refusing the projet: the supplier must see the difference
            body += Markup("<br/>%s") % self.env._(
                "The amount accepted differs from the amount of %(number)s (%(asked)s): difference %(difference)s.",
                number=previous.number, asked=format_amount(self.env, asked, piece.currency_id),
                difference=format_amount(self.env, piece.amount_to_pay - asked, piece.currency_id))
        return body
