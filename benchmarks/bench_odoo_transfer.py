"""Benchmark of posting and transferring invoices with Odoo 19 and the simulator over real HTTP.

1. Posting: N invoices (default 500) for a Chorus Pro client are posted one by one with the
   automatic transfer off and N with it on, in alternating blocks of 50 (after a warm-up).  Posting only queues
   (no Chorus Pro call): the wall-time ratio on / off is printed (target ≤ 1.10), and the
   simulator's request counter is checked to be unchanged.
2. Sending: the sender (``chorus.pro.transfer._cron_send_queued``) sends the N queued
   invoices: invoices per second, HTTP calls per invoice (target ≤ 2: upload of the PDF and
   ``soumettre``), token requests (target 1), and SQL queries per invoice of the whole run (every
   cursor, the sender's lock cursor included) for a queue of 50 (sent first) and for the N:
   constant (target: the same per invoice).
3. Send & Print: M invoices (default 100) of the Chorus Pro client go through Odoo's batch Send & Print
   wizard with Chorus Pro checked (queued for the sender), and M of the same buyer as a customer without
   Chorus Pro (same name and SIRET, sending method "Manual": the PDF only), in alternating blocks of 20, synchronously (Odoo's
   ``force_synchronous``: the PDF rendering and the queueing happen in the wizard): the ratio of the
   time in the wizard, with / without Chorus Pro (target ≤ 1.10); no Chorus Pro call.

The sender commits after each invoice, as in production: use a scratch database.

Usage::

    PYTHONPATH=. python3 benchmarks/bench_odoo_transfer.py --db DB [--invoices 500] [--install]
        [--send-and-print 100] [--pdf {odoo,stub}] [--db-host 127.0.0.1] [--db-user root] [--addons-path ...]

``--pdf odoo`` renders each invoice with Odoo's invoice report (wkhtmltopdf: slow, and
measured apart); ``--pdf stub`` (default) sends, and lets Send & Print attach, a fixed small PDF
so that the figures measure the add-on and the transfer, not wkhtmltopdf.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from unittest.mock import patch

import odoo.sql_db  # noqa: TID251  (the benchmark counts the queries of every cursor)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from odoo_database import add_database_arguments, ensure_database, open_environment  # noqa: E402

from chorus_pro.documents import Attachment  # noqa: E402
from chorus_pro.simulator import Simulator, SimulatorServer, seed  # noqa: E402

IBAN = "FR7630006000011234567890189"


def blank_pdf() -> bytes:
    """A small valid one-page PDF (Send & Print's hooks read it, e.g. to embed the Factur-X XML)."""
    from odoo.tools.pdf import PdfFileWriter  # noqa: TID251

    writer, buffer = PdfFileWriter(), io.BytesIO()
    writer.addBlankPage(595, 842)
    writer.write(buffer)
    return buffer.getvalue()


STUB_PDF = blank_pdf()
WARM_UP = 20
BLOCK = 50
SMALL_QUEUE = 50
SEND_AND_PRINT_BLOCK = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser, "chorus_bench_transfer")
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--send-and-print", type=int, default=100)
    parser.add_argument("--pdf", choices=("odoo", "stub"), default="stub")
    return parser.parse_args()


def configure(env, server_url):
    """The company = the simulator's supplier, as after a successful "Test the connection"."""
    company = env.company
    company.write({
        "country_id": env.ref("base.fr").id,
        "company_registry": seed.SUPPLIER.siret, "chorus_environment": "simulation",
        "chorus_simulator_url": server_url, "chorus_tech_login": seed.TECH_LOGIN,
        "chorus_tech_password": seed.TECH_PASSWORD, "chorus_piste_client_id": seed.PISTE_CLIENT_ID,
        "chorus_piste_client_secret": seed.PISTE_CLIENT_SECRET, "chorus_start_date": "2020-01-01",
        "chorus_supplier_structure_identifier": str(seed.SUPPLIER.id),
        "chorus_bank_account_identifier": str(seed.SUPPLIER_BANK_ACCOUNTS[0][0]),
        "chorus_auth_failed": False,
    })
    bank = env["res.partner.bank"].search([("acc_number", "=", IBAN), ("partner_id", "=", company.partner_id.id)])
    bank = bank or env["res.partner.bank"].create({"acc_number": IBAN, "partner_id": company.partner_id.id,
                                                   "allow_out_payment": True})
    partner = env["res.partner"].search([("company_registry", "=", seed.COMMUNE.siret)], limit=1)
    partner = partner or env["res.partner"].create({
        "name": seed.COMMUNE.name, "is_company": True, "company_registry": seed.COMMUNE.siret,
        "chorus_client": True, "chorus_structure_identifier": str(seed.COMMUNE.id), "chorus_requirement": "service",
        "chorus_service_ids": [(0, 0, {"code": s.code, "name": s.name, "chorus_identifier": str(s.id),
                                       "active": s.active, "ej_required": s.ej_required})
                               for s in seed.COMMUNE.services],
    })
    euro = env.ref("base.EUR")
    euro.active = True
    return company, bank, partner, euro


def customer_without_chorus_pro(env, chorus_client):
    """The same buyer (name, SIRET) except that it is not a Chorus Pro client: the invoices, their PDF and their
    Factur-X XML are the same on both sides, so the ratio measures only what ticking Chorus Pro adds."""
    name = f"{chorus_client.name} (sans Chorus Pro)"
    partner = env["res.partner"].search([("name", "=", name)], limit=1)
    return partner or env["res.partner"].create({"name": name, "is_company": True,
                                                 "company_registry": chorus_client.company_registry,
                                                 "invoice_sending_method": "manual"})


def stub_pdfs(env):
    """Send & Print attaches the fixed small PDF instead of rendering the report."""
    def prepare(self, invoices_data):
        for invoice, invoice_data in invoices_data.items():
            invoice_data["pdf_attachment_values"] = {
                "name": invoice._get_invoice_report_filename(), "raw": STUB_PDF, "mimetype": "application/pdf",
                "res_model": invoice._name, "res_id": invoice.id, "res_field": "invoice_pdf_report_file"}
    return patch.object(type(env["account.move.send"]), "_prepare_invoice_pdf_report", prepare)


def send_and_print(moves):
    """Odoo's batch wizard, synchronously: the time a person waits in it."""
    started = time.perf_counter()
    wizard = moves.env["account.move.send.batch.wizard"].with_context(
        active_model="account.move", active_ids=moves.ids).create({})
    wizard.action_send_and_print(force_synchronous=True)
    moves.env.flush_all()
    return time.perf_counter() - started


def run_sender(sender):
    """(invoices sent, seconds, SQL queries of every cursor)."""
    queries_before = odoo.sql_db.sql_counter
    started = time.perf_counter()
    sent = sender._cron_send_queued()
    return sent, time.perf_counter() - started, odoo.sql_db.sql_counter - queries_before


def vat_20(env):
    """The French standard rate (a scratch database may hold another chart's default tax)."""
    domain = [("company_id", "=", env.company.id), ("type_tax_use", "=", "sale"), ("amount_type", "=", "percent"),
              ("amount", "=", 20), ("price_include", "=", False)]
    return env["account.tax"].search(domain, limit=1) or env["account.tax"].create({
        "name": "TVA 20 % (benchmark)", "type_tax_use": "sale", "amount_type": "percent", "amount": 20,
        "company_id": env.company.id})


def make_drafts(env, count, bank, partner, euro, tag):
    tax = vat_20(env)
    return env["account.move"].create([{
        "move_type": "out_invoice", "partner_id": partner.id, "currency_id": euro.id, "partner_bank_id": bank.id,
        "buyer_reference": "SERV-TECH", "invoice_date": odoo_today(env), "ref": f"{tag}-{index}",
        "invoice_line_ids": [(0, 0, {"name": f"Travaux de voirie, lot {index}", "quantity": 1,
                                     "price_unit": 1000 + index, "tax_ids": [(6, 0, tax.ids)]})],
    } for index in range(count)])


def odoo_today(env):
    from odoo import fields  # noqa: TID251
    return fields.Date.context_today(env.user)


def post_one_by_one(moves):
    started = time.perf_counter()
    for move in moves:
        move.action_post()
    moves.env.flush_all()
    return time.perf_counter() - started


def main():
    args = parse_args()
    ensure_database(args)
    registry, make_env = open_environment(args)
    sim = Simulator()
    n = args.invoices
    with SimulatorServer(sim) as server, registry.cursor() as cr:
        env = make_env(cr)
        company, bank, partner, euro = configure(env, server.url)
        # clear what earlier runs of the benchmark left in the queue
        env["chorus.pro.transmission"].search([("state", "=", "to_send")])._cancel_unsent()
        warm_up = make_drafts(env, WARM_UP, bank, partner, euro, "warm")
        small = make_drafts(env, SMALL_QUEUE, bank, partner, euro, "small")
        off = make_drafts(env, n, bank, partner, euro, "off")
        on = make_drafts(env, n, bank, partner, euro, "on")
        m = args.send_and_print
        by_chorus = make_drafts(env, m, bank, partner, euro, "sp-chorus")
        without_chorus = make_drafts(env, m, bank, customer_without_chorus_pro(env, partner), euro, "sp-manual")
        cr.commit()

        sender = env["chorus.pro.transfer"]
        if args.pdf == "stub":
            def stub(move):
                return Attachment(name=f"{move.id}.pdf", content=STUB_PDF)
            context = patch.object(type(env["account.move"]), "_chorus_main_attachment", stub)
        else:
            context = contextlib.nullcontext()

        # a queue of SMALL_QUEUE first: SQL queries per invoice of a small run
        company.chorus_auto_transfer = True
        post_one_by_one(small)
        cr.commit()
        small_tokens = sim.stats.token_requests
        with context:
            small_sent, _small_time, small_queries = run_sender(sender)
        small_tokens = sim.stats.token_requests - small_tokens

        requests_before = sim.stats.api_requests + sim.stats.token_requests
        company.chorus_auto_transfer = False
        post_one_by_one(warm_up)
        # alternate blocks of both kinds, so that a drift of the machine or of the database weighs on both
        time_off = time_on = 0.0
        for start in range(0, n, BLOCK):
            company.chorus_auto_transfer = False
            time_off += post_one_by_one(off[start:start + BLOCK])
            company.chorus_auto_transfer = True
            time_on += post_one_by_one(on[start:start + BLOCK])
        calls_while_posting = sim.stats.api_requests + sim.stats.token_requests - requests_before
        queued = env["account.move"].search_count([("id", "in", on.ids), ("chorus_state", "=", "to_send")])
        not_queued = env["account.move"].search_count([("id", "in", off.ids), ("chorus_transmission_id", "!=", False)])
        cr.commit()

        api_before, tokens_before = sim.stats.api_requests, sim.stats.token_requests
        with context:
            sent, send_time, send_queries = run_sender(sender)
        api_calls = sim.stats.api_requests - api_before
        token_calls = sim.stats.token_requests - tokens_before
        states = {}
        for move in on:
            states[move.chorus_state] = states.get(move.chorus_state, 0) + 1
        duplicates = sum(1 for move in on if sim.deposit_count(move.name) != 1)

        # Send & Print, with Chorus Pro checked and without Chorus Pro, in alternating blocks
        company.chorus_auto_transfer = False
        post_one_by_one(by_chorus | without_chorus)
        cr.commit()
        requests_before = sim.stats.api_requests + sim.stats.token_requests
        time_with = time_without = 0.0
        with stub_pdfs(env) if args.pdf == "stub" else contextlib.nullcontext():
            for start in range(0, m, SEND_AND_PRINT_BLOCK):
                time_without += send_and_print(without_chorus[start:start + SEND_AND_PRINT_BLOCK])
                cr.commit()
                time_with += send_and_print(by_chorus[start:start + SEND_AND_PRINT_BLOCK])
                cr.commit()
        calls_in_wizard = sim.stats.api_requests + sim.stats.token_requests - requests_before
        queued_by_wizard = env["account.move"].search_count([("id", "in", by_chorus.ids),
                                                             ("chorus_state", "=", "to_send")])
        printed = len((by_chorus | without_chorus).filtered("invoice_pdf_report_id"))

    print()
    print(f"posting {n} invoices one by one: automatic transfer off {time_off:7.2f} s, on {time_on:7.2f} s "
          f"-> ratio {time_on / time_off:.3f} (target ≤ 1.10)")
    print(f"  queued for the sender: {queued}/{n} (auto on), {not_queued}/{n} (auto off); "
          f"Chorus Pro calls while posting: {calls_while_posting}")
    print(f"sending {sent} queued invoices (PDF: {args.pdf}): {send_time:7.2f} s -> {sent / send_time:.1f} invoices/s")
    print(f"  HTTP calls: {api_calls} -> {api_calls / max(sent, 1):.2f} per invoice (target ≤ 2); "
          f"token requests: {token_calls} (target 1; {small_tokens} in the run of {small_sent} just before, "
          f"whose token is reused while valid)")
    print(f"  states after sending: {dict(sorted(states.items()))}; invoices deposited more than once: {duplicates}")
    print(f"  SQL queries of the sender per invoice: {small_queries / max(small_sent, 1):.1f} for {small_sent} "
          f"invoices, {send_queries / max(sent, 1):.1f} for {sent} (target: constant)")
    print(f"Send & Print of {m} invoices (PDF: {args.pdf}), time in the wizard: without Chorus Pro "
          f"{time_without:7.2f} s, with Chorus Pro checked {time_with:7.2f} s -> ratio {time_with / time_without:.3f} "
          f"(target ≤ 1.10)")
    print(f"  queued for the sender: {queued_by_wizard}/{m}; PDFs attached: {printed}/{2 * m}; "
          f"Chorus Pro calls in the wizard: {calls_in_wizard}")


if __name__ == "__main__":
    main()
