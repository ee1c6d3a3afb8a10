"""Deposit of works documents (cadres A4, A7, A8, A10, A11, A13, A14).

NOT VERIFIED.  No public specification describes how a supplier deposits a
works document ("facture de travaux": projet de décompte mensuel, projet de
décompte final, décompte général) through the Chorus Pro API.  Only the
operation name ``soumettreFactureTravaux`` is known (AIFE API annex changelog);
its PISTE path and its body are not published (reference §9.2 and §17.15).

So the whole guess lives in :func:`build_works_request`, and nowhere else:

- path ``/cpro/facturesTravaux/v1/soumettre``, by analogy with
  ``/cpro/factures/v1/soumettre``;
- the body of ``factures/v1/soumettre`` (same field names), plus the fields that
  name the works circuit: ``typeFactureTravaux`` (inferred from the cadre,
  :data:`~chorus_pro.cadres.WORKS_TYPE_OF_CADRE`), the works cadre in
  ``cadreDeFacturation.codeCadreFacturation``, ``numeroMarche`` repeated at the
  top level, ``moe{codeMOE, codeServiceMoe}`` and ``moa{codeMOA, codeServiceMoa}``
  (names of the MOE/MOA fields seen on invoice outputs);
- no invented field for the situation number and the period of the works: they
  travel in ``commentaire`` ("Situation n° 3 - période du 01/10/2026 au
  31/10/2026"), a field every deposit has, and in the PDF itself.  An unknown
  field could make the platform refuse the whole document.

How to confirm it on the qualification platform (PISTE sandbox):

1. in the PISTE catalogue, open the "FacturesTravaux" API of the sandbox and
   read the path and the body definition of ``soumettreFactureTravaux``;
2. deposit a projet de décompte mensuel (A4) on qualification with a test MOE
   and MOA, and check that ``facturesTravaux/v1/rechercher`` finds it with the
   status ``A_VALIDER_MOE``;
3. adjust only :func:`build_works_request` and :func:`parse_works_response`,
   and the simulator's handler of the same path.

Until then the portal (or an EDI flow) is the safe route for works documents;
the answer of this deposit is parsed leniently.
"""

from __future__ import annotations

from datetime import date, datetime

from .cadres import MONTHLY_CADRES, WORKS_TYPE_OF_CADRE
from .documents import DepositMode, Invoice, build_common_body, prune_empty
from .errors import ProtocolError
from .results import SubmitResult
from .siret import compact_siret

WORKS_API = "facturesTravaux"
WORKS_OPERATION = "soumettre"


def build_works_request(invoice: Invoice, *, supplier_structure_id: int, main_attachment_id: int | None,
                        attachment_ids: list[int] | None = None,
                        mode: DepositMode = DepositMode.PDF) -> tuple[str, str, dict]:
    """``(api, operation, body)`` of the works deposit: the single place of every unverified choice.

    Validate first with ``validate_invoice(invoice, operation="works", mode=mode)``.
    """
    if len(attachment_ids or []) != len(invoice.attachments):
        raise ValueError(f"{len(attachment_ids or [])} attachment ids for {len(invoice.attachments)} attachments")
    body = build_common_body(invoice, mode=mode, supplier_structure_id=supplier_structure_id,
                             main_attachment_id=main_attachment_id, attachment_ids=attachment_ids)
    cadre = invoice.cadre
    body["typeFactureTravaux"] = WORKS_TYPE_OF_CADRE.get(cadre)
    body["numeroMarche"] = invoice.market_number
    if invoice.moe is not None:
        body["moe"] = {"codeMOE": compact_siret(invoice.moe.siret), "codeServiceMoe": invoice.moe.service_code}
    if invoice.moa is not None:
        body["moa"] = {"codeMOA": compact_siret(invoice.moa.siret), "codeServiceMoa": invoice.moa.service_code}
    body["commentaire"] = " - ".join(part for part in (works_summary(invoice), invoice.comment) if part)
    return WORKS_API, WORKS_OPERATION, prune_empty(body)


def works_summary(invoice: Invoice) -> str:
    """"Situation n° 3 - période du 01/10/2026 au 31/10/2026": what the MOE needs to place the document."""
    parts = []
    if invoice.cadre in MONTHLY_CADRES and invoice.situation_number:
        parts.append(f"Situation n° {invoice.situation_number}")
    start, end = invoice.period_start, invoice.period_end
    if start and end:
        parts.append(f"période du {start:%d/%m/%Y} au {end:%d/%m/%Y}")
    elif start:
        parts.append(f"période à partir du {start:%d/%m/%Y}")
    elif end:
        parts.append(f"période jusqu'au {end:%d/%m/%Y}")
    return " - ".join(parts)


def parse_works_response(data: dict) -> SubmitResult:
    """The answer of the works deposit: ``idFactureTravaux``, ``numeroFactureTravaux``, ``statut``, ``dateDepot``.

    Also accepts the names of ``factures/v1/soumettre``'s answer, since the real shape is unknown.
    """
    if not isinstance(data, dict):
        raise ProtocolError(code="answer_unreadable",
                            params={"operation": f"{WORKS_API}/v1/{WORKS_OPERATION}", "detail": type(data).__name__})
    raw_id = data.get("idFactureTravaux", data.get("identifiantFactureCPP"))
    try:
        works_id = int(raw_id)
    except (TypeError, ValueError):
        raise ProtocolError(code="answer_unreadable",
                            params={"operation": f"{WORKS_API}/v1/{WORKS_OPERATION}", "detail": "no idFactureTravaux"})
    return SubmitResult(
        invoice_id=works_id,
        invoice_number=str(data.get("numeroFactureTravaux") or data.get("numeroFacture") or ""),
        status=str(data.get("statut") or data.get("statutFactureTravaux") or data.get("statutFacture") or ""),
        deposit_date=_parse_day(data.get("dateDepot")),
        structure_identifier=str(data.get("identifiantStructure") or ""),
    )


def _parse_day(value) -> date | None:
    """``2026-04-03``, ``2026-04-03T10:00:00+02:00`` or ``2026-04-03 10:00``: the day; else None."""
    if not value:
        return None
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None
