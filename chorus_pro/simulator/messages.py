"""Answer envelopes and the simulator's error codes.

What is known of the platform (reference §14): success is ``codeRetour`` 0 with
``GCU_MSG_01_000`` (writes) or ``TRA_MSG_00.000`` (reads); empty searches of
``facturesTravaux/v1/rechercher`` answer 20007 / ``GFT_MSG_01.075``; an
attachment over 10 MB answers 20003; a flow file too large 20001 /
``GDP_MSG_11.022``.  The platform's full table of business codes is not public,
so every other code below is the simulator's own numbering (UNVERIFIED): clients
must key errors on ``codeRetour != 0`` and show ``detail``, never rely on these
numbers.

Envelope of an error answered by the simulator::

    {"codeRetour": 20110, "libelle": "GDP_MSG_20.110", "detail": "<French text naming the field>"}

``detail`` (a readable French explanation) is a simulator choice: the real
platform's free-text field, if any, is UNVERIFIED.
"""

from __future__ import annotations

OK_WRITE = "GCU_MSG_01_000"
OK_READ = "TRA_MSG_00.000"


class Failure(Exception):
    """A refused request: HTTP status, ``codeRetour``, ``libelle`` and French detail."""

    def __init__(self, code: int, libelle: str, detail: str, *, http_status: int | None = None,
                 field: str | None = None):
        super().__init__(detail)
        self.code = code
        self.libelle = libelle
        self.detail = detail
        #: None: the simulator's configured status for business errors (200 by default)
        self.http_status = http_status
        self.field = field

    def body(self) -> dict:
        body = {"codeRetour": self.code, "libelle": self.libelle, "detail": self.detail}
        if self.field:
            body["champ"] = self.field
        return body


def business(code: int, detail: str, *, prefix: str = "GDP", field: str | None = None) -> Failure:
    """A business rule refused the request (HTTP 200 by default, see ``Simulator``)."""
    return Failure(code, f"{prefix}_MSG_{code // 1000:02d}.{code % 1000:03d}", detail, field=field)


def bad_request(detail: str, *, field: str | None = None, code: int = 400) -> Failure:
    """Malformed JSON, wrong type, unknown field, bad enum value: always HTTP 400."""
    return Failure(code, "GCU_MSG_00_400", detail, http_status=400, field=field)


# -- codes (simulator numbering unless said otherwise) ---------------------------------------------
EMPTY_WORKS_SEARCH = (20007, "GFT_MSG_01.075")          # Pastell
ATTACHMENT_TOO_LARGE = 20003                            # go-choruspro, facture-electronique
FLOW_TOO_LARGE = (20001, "GDP_MSG_11.022")              # omnibill fixture

UNKNOWN_OBJECT = 20100             # unknown structure, service, invoice, flow...
CADRE_REFUSED = 20101
MODE_DEPOT = 20102
MISSING_FIELD = 20103
SUPPLIER_MISMATCH = 20104
BUYER_UNKNOWN = 20105
BUYER_INACTIVE = 20106
SERVICE_REQUIRED = 20107
SERVICE_INVALID = 20108
EJ_REQUIRED = 20109
EJ_INVALID = 20110
VALIDATOR = 20111
CREDIT_NOTE_PAYMENT = 20112
TOTALS = 20113
ATTACHMENT_UNKNOWN = 20114
BANK_ACCOUNT = 20115
STATUS_FORBIDS = 20116
ATTACHMENT_INVALID = 20117
VAT = 20118
WORKS_PARTY = 20119
FLOW_INVALID = 20120
MARKET_UNKNOWN = 20121
