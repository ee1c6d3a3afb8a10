"""Control endpoints for people and the command line (not part of Chorus Pro).

- ``GET /``: a small HTML page (credentials, structures, invoices, flows);
- ``GET /_simulator/state``: invoices, flows and the simulated time as JSON;
- ``POST /_simulator/advance`` ``{"seconds": 3600}``;
- ``POST /_simulator/invoices/<id>/status`` ``{"status": "SUSPENDUE", "comment": "…"}``;
- ``GET /_simulator/deposits``; ``GET /_simulator/stats``;
- ``GET|POST|DELETE /_simulator/faults`` (POST ``{"kind", "operation", "count", "seconds"}``);
- ``POST /_simulator/subscriptions`` ``{"api": "facturesTravaux", "subscribed": false}``;
- ``POST /_simulator/technical-password/expire``;
- ``POST /_simulator/validations`` ``{"supplier": "53210987000016", "number": "ST-001", "cadre":
  "A9_FACTURE_SOUSTRAITANT", "untaxed": "4200.00", "vat": "0.00", "market_number": "2026-TX-017"}``: a
  subcontractor deposits a document for the technical account's structure to validate;
- ``POST /_simulator/bank-accounts`` ``{"accounts": [[5151, "Compte principal"], [5252, "Compte travaux"]]}``.
"""

from __future__ import annotations

import html
import json

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from . import seed, views
from .clock import fmt_datetime


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json;charset=utf-8")


def _body(request) -> dict:
    try:
        data = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


def state(sim, request) -> Response:
    with sim.lock:
        sim.progress()
        return _json({
            "now": fmt_datetime(sim.clock.now()),
            "invoices": [views.invoice_item(sim, i) for i in sim.store.invoices.values()],
            "flows": [{"numeroFluxDepot": fl.number, "nomFichier": fl.file_name, "statut": fl.status,
                       "factures": fl.invoice_ids, "erreurs": fl.errors} for fl in sim.store.flows.values()],
        })


def advance(sim, request) -> Response:
    try:
        seconds = float(_body(request).get("seconds", 0))
        now = sim.advance(seconds)
    except (TypeError, ValueError) as exc:
        return _error(f"seconds: {exc}")
    return _json({"now": fmt_datetime(now)})


def invoice_status(sim, request, invoice_id: int) -> Response:
    body = _body(request)
    if not body.get("status"):
        return _error("status is required")
    try:
        sim.set_invoice_status(invoice_id, str(body["status"]), str(body.get("comment") or ""))
    except KeyError as exc:
        return _error(str(exc.args[0]), 404)
    with sim.lock:
        return _json(views.invoice_item(sim, sim.invoice(invoice_id)))


def deposits(sim, request) -> Response:
    return _json([{"kind": d.kind, "invoice_number": d.invoice_number, "supplier_id": d.supplier_id,
                   "at": fmt_datetime(d.at), "invoice_id": d.invoice_id, "flow_number": d.flow_number or None}
                  for d in sim.deposits])


def stats(sim, request) -> Response:
    with sim.lock:
        return _json({"token_requests": sim.stats.token_requests, "api_requests": sim.stats.api_requests,
                      "by_operation": dict(sim.stats.by_operation), "faults_injected": dict(sim.faults.injected)})


def faults(sim, request) -> Response:
    if request.method == "DELETE":
        sim.faults.clear()
    elif request.method == "POST":
        body = _body(request)
        try:
            sim.faults.add(str(body.get("kind", "")), str(body.get("operation") or "*"),
                           count=int(body.get("count", 1)),
                           seconds=float(body["seconds"]) if body.get("seconds") is not None else None)
        except (TypeError, ValueError) as exc:
            return _error(str(exc))
    return _json({"pending": [vars(x) for x in sim.faults.pending], "injected": dict(sim.faults.injected)})


def subscriptions(sim, request) -> Response:
    body = _body(request)
    try:
        if body.get("subscribed", True):
            sim.subscribe(str(body.get("api", "")))
        else:
            sim.unsubscribe(str(body.get("api", "")))
    except ValueError as exc:
        return _error(str(exc))
    return _json({"unsubscribed": sorted(sim.unsubscribed)})


def expire_password(sim, request) -> Response:
    sim.expire_technical_password()
    return _json({"expires_at": fmt_datetime(sim.tech_password_expires_at)})


def bank_accounts(sim, request) -> Response:
    try:
        sim.set_bank_accounts(_body(request).get("accounts") or [])
    except (TypeError, ValueError) as exc:
        return _error(f"accounts must be a list of [id, name]: {exc}")
    return _json({"accounts": sim.store.bank_accounts[sim.supplier_id]})


def validations(sim, request) -> Response:
    body = _body(request)
    if not body.get("supplier") or not body.get("number"):
        return _error("supplier (SIRET or id) and number are required")
    options = {k: body[k] for k in ("cadre", "untaxed", "vat", "market_number", "buyer", "validator", "works_type")
               if body.get(k) is not None}
    try:
        invoice = sim.deposit_for_validation(body["supplier"], str(body["number"]), **options)
    except KeyError as exc:
        return _error(str(exc.args[0]), 404)
    with sim.lock:
        return _json(views.validator_item(sim, invoice))


def home(sim, request) -> Response:
    e = html.escape
    with sim.lock:
        sim.progress()
        structures = "".join(
            f"<tr><td>{s.id}</td><td>{e(s.siret)}</td><td>{e(s.name)}</td><td>{'actif' if s.active else 'inactif'}"
            f"</td><td>{e(_requirement(s))}</td><td>{e(', '.join(x.code for x in s.services))}</td></tr>"
            for s in sim.store.structures.values())
        invoices = "".join(
            f"<tr><td>{i.id}</td><td>{e(i.number)}</td><td>{e(i.kind)}</td><td>{e(i.cadre)}</td>"
            f"<td>{e(i.status)}</td><td>{e(fmt_datetime(i.status_at))}</td><td>{e(i.status_comment)}</td></tr>"
            for i in reversed(list(sim.store.invoices.values())))
        flows = "".join(f"<tr><td>{e(fl.number)}</td><td>{e(fl.file_name)}</td><td>{e(fl.status)}</td></tr>"
                        for fl in reversed(list(sim.store.flows.values())))
        now = fmt_datetime(sim.clock.now())
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Simulateur Chorus Pro</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;
padding:2px 6px;font-size:90%}}</style></head><body>
<h1>Simulateur Chorus Pro</h1><p>Heure simulée : {e(now)}</p>
<h2>Identifiants</h2><ul><li>PISTE client_id : <code>{e(sim.piste_client_id)}</code></li>
<li>PISTE client_secret : <code>{e(sim.piste_client_secret)}</code></li>
<li>Compte technique : <code>{e(sim.tech_login)}</code> / <code>{e(sim.tech_password)}</code></li>
<li>Structure fournisseur (idFournisseur) : <code>{sim.supplier_id}</code> ({e(seed.SUPPLIER.siret)})</li></ul>
<h2>Factures déposées</h2><table><tr><th>id</th><th>numéro</th><th>type</th><th>cadre</th><th>statut</th>
<th>depuis</th><th>commentaire</th></tr>{invoices}</table>
<h2>Flux</h2><table><tr><th>numéro</th><th>fichier</th><th>statut</th></tr>{flows}</table>
<h2>Structures</h2><table><tr><th>id</th><th>SIRET</th><th>nom</th><th>statut</th><th>exige</th><th>services</th>
</tr>{structures}</table></body></html>"""
    return Response(page, content_type="text/html;charset=utf-8")


def _requirement(structure) -> str:
    if structure.service_or_ej:
        return "service ou EJ"
    return " + ".join(w for w, on in (("service", structure.service_required), ("EJ", structure.ej_required)) if on)


def control_rules() -> list[Rule]:
    return [
        Rule("/", endpoint=home, methods=["GET"]),
        Rule("/_simulator/state", endpoint=state, methods=["GET"]),
        Rule("/_simulator/advance", endpoint=advance, methods=["POST"]),
        Rule("/_simulator/invoices/<int:invoice_id>/status", endpoint=invoice_status, methods=["POST"]),
        Rule("/_simulator/deposits", endpoint=deposits, methods=["GET"]),
        Rule("/_simulator/stats", endpoint=stats, methods=["GET"]),
        Rule("/_simulator/faults", endpoint=faults, methods=["GET", "POST", "DELETE"]),
        Rule("/_simulator/subscriptions", endpoint=subscriptions, methods=["POST"]),
        Rule("/_simulator/technical-password/expire", endpoint=expire_password, methods=["POST"]),
        Rule("/_simulator/bank-accounts", endpoint=bank_accounts, methods=["POST"]),
        Rule("/_simulator/validations", endpoint=validations, methods=["POST"]),
    ]
