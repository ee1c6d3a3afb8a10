"""The ``chorus-pro`` command: check a setup, look up a buyer, send and follow invoices, run the simulator.

Credentials come from the environment variables ``CHORUS_PRO_*`` (see
:data:`chorus_pro.config.ENV_VARS`) or from a JSON file (``--config``); they are
never accepted as command-line arguments (other users of the machine could read
them) and never printed.

In the simulation environment without ``--simulator-url``, the simulated Chorus Pro
runs in the command's process and is kept from one command to the next in the
user's cache directory (:mod:`chorus_pro.simulator.persistence`).

Exit codes: 0 success; 1 Chorus Pro refused something (business or
authentication failure, failed setup step); 2 usage, configuration or input
error (nothing was sent); 3 transient failure or unknown outcome (try again
later; after a deposit, search the invoice before sending it again), which
includes Ctrl-C or SIGTERM while a deposit is on its way; 130 interrupted before
anything was deposited.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import json
import logging
import os
import signal
import socket
import stat
import sys
import time
import traceback
from dataclasses import replace

from . import __version__
from .config import ENV_VARS, ChorusConfig, Environment, parse_environment, secret_values
from .errors import (
    BusinessError,
    ChorusProError,
    ConfigurationError,
    DocumentValidationError,
    DuplicateInvoiceError,
    OutcomeUnknownError,
    ProtocolError,
    TransientError,
    WriteInterrupted,
)
from .results import PUBLIC_INVOICES_SERVICE, ReferenceRequirement
from .siret import compact_siret, siret_problem
from .statuses import PAYMENT_STATUS, status_label
from .supplier import resolve_supplier

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_TRANSIENT = 0, 1, 2, 3

REQUIREMENT_LABELS = {
    ReferenceRequirement.NONE: ("aucune référence exigée", "no reference required"),
    ReferenceRequirement.SERVICE: ("code service obligatoire", "service code required"),
    ReferenceRequirement.EJ: ("numéro d'engagement juridique obligatoire",
                              "engagement juridique (purchase order) number required"),
    ReferenceRequirement.SERVICE_OR_EJ: ("code service ou numéro d'engagement juridique",
                                         "service code or engagement juridique number"),
    ReferenceRequirement.SERVICE_AND_EJ: ("code service et numéro d'engagement juridique obligatoires",
                                          "service code and engagement juridique number required"),
}


class UsageError(ChorusProError):
    """A command-line argument is wrong; nothing was sent."""


# -- output helpers --------------------------------------------------------------------------------
def format_table(headers: list[str], rows: list[list]) -> str:
    """Columns aligned on the widest cell; the last column is not padded."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def render(row):
        return "  ".join(cell.ljust(widths[i]) if i < len(row) - 1 else cell
                         for i, cell in enumerate(row)).rstrip()
    lines = [render(cells[0]), render(["-" * w for w in widths])]
    lines.extend(render(row) for row in cells[1:])
    return "\n".join(lines)


def format_fields(pairs: list[tuple[str, object]]) -> str:
    width = max(len(label) for label, _ in pairs) + 1
    return "\n".join(f"{(label + ':').ljust(width)} {value}" for label, value in pairs)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _yes_no(value) -> str:
    return "?" if value is None else ("yes" if value else "no")


def _date(value) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "hour") else value.isoformat()


# -- configuration ---------------------------------------------------------------------------------
def build_config(args, environ=None) -> ChorusConfig:
    """Config file, then ``CHORUS_PRO_*`` variables, then ``--env`` / ``--simulator-url``."""
    environ = os.environ if environ is None else environ
    base = ChorusConfig.from_file(args.config) if args.config else ChorusConfig()
    if args.config and secret_values(base) and _readable_by_others(args.config):
        print(f"warning: {args.config} holds Chorus Pro secrets and other users of this machine can read it: "
              f"run chmod 600 {args.config}", file=sys.stderr)
    config = ChorusConfig.from_env(environ, base)
    changes = {}
    if args.env:
        changes["environment"] = parse_environment(args.env)
    if args.simulator_url:
        changes["simulator_url"] = args.simulator_url
    config = replace(config, **changes)
    if args.simulator_url and config.environment is not Environment.SIMULATION:
        raise UsageError("--simulator-url only applies to the simulation environment (--env simulation)")
    return config.with_simulation_defaults()


def _readable_by_others(path: str) -> bool:
    try:
        return bool(os.stat(path).st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return False


def make_client(config: ChorusConfig, simulator=None):
    """A client of ``config``; ``simulator``: the in-process simulator of this command, if any."""
    from .client import ChorusProClient

    return ChorusProClient(config.validate(), simulator=simulator)


def simulated_platform(config: ChorusConfig | None):
    """The in-process simulator of this command, read from and saved to the user's cache directory,
    when ``config`` runs the simulation in process; else nothing."""
    if config is None or not config.in_process:
        return contextlib.nullcontext(None)
    from .simulator.persistence import default_state_path, kept_simulator

    return kept_simulator(default_state_path())


# -- commands --------------------------------------------------------------------------------------
def cmd_doctor(args, config) -> int:
    from .doctor import first_failure, format_conclusion, format_step, run_doctor

    siret = _checked_siret(args.siret) if args.siret else None
    results = run_doctor(config, supplier_siret=siret, simulator=args.simulator,
                         on_result=lambda result: print(format_step(result), flush=True))
    print(format_conclusion(results))
    failure = first_failure(results)
    if failure is None:
        return EXIT_OK
    print(f"error: setup step '{failure.key}' failed: {failure.message_en}", file=sys.stderr)
    if failure.key == "settings":
        return EXIT_USAGE
    if isinstance(failure.value, (TransientError, ProtocolError)):
        return EXIT_TRANSIENT
    return EXIT_FAILURE


def cmd_structure(args, config) -> int:
    siret = _checked_siret(args.siret)
    client = make_client(config, args.simulator)
    try:
        found = client.structures.find(siret)
        details = client.structures.get(found.id)
        services = client.structures.list_services(found.id) if details.public or details.requirement.needs_service else []
        services = [_with_ej_requirement(client, found.id, service) for service in services]
    finally:
        client.close()
    french, english = REQUIREMENT_LABELS.get(details.requirement, (details.requirement.value,) * 2)
    print(format_fields([
        ("Structure", details.name or found.name),
        ("SIRET", details.identifier or found.identifier),
        ("Chorus Pro id", found.id),
        ("Type", "public" if details.public else "private"),
        ("Status", "active" if found.active else "INACTIVE: invoices cannot be sent to it"),
        ("Required references", english),
        ("Références exigées", french),
    ]))
    if details.moa_only:
        print("Note: this structure acts only as maître d'ouvrage (works documents).")
    if details.payment_status_not_reported:
        print(f"Note: this buyer does not report the '{PAYMENT_STATUS}' status; 'MANDATEE' may be the last one.")
    print()
    if not services:
        print("Services: none")
        return EXIT_OK
    rows = []
    for service in services:
        if service.code == PUBLIC_INVOICES_SERVICE:
            selectable = "no (reserved to invoices between public entities)"
        elif not service.active:
            selectable = "no (inactive)"
        else:
            selectable = "yes"
        rows.append([service.code, service.name, _yes_no(service.active), _yes_no(service.ej_required),
                     selectable])
    print(format_table(["SERVICE CODE", "NAME", "ACTIVE", "EJ REQUIRED", "SELECTABLE"], rows))
    return EXIT_OK


def _with_ej_requirement(client, structure_id: int, service):
    """Ask ``consulter/service`` whether an active service requires an EJ, when the list did not say."""
    if service.ej_required is not None or not service.active:
        return service
    detailed = client.structures.get_service(structure_id, service.id)
    return replace(service, ej_required=detailed.ej_required)


def cmd_submit(args, config) -> int:
    from .documents import DepositMode, PaymentMode, validate_invoice
    from .errors import DocumentValidationError
    from .invoice_json import load_invoice, read_attachment

    invoice = load_invoice(args.file)
    if args.pdf:
        invoice.main_pdf = read_attachment(args.pdf, "application/pdf", option="--pdf")
    invoice.attachments.extend(read_attachment(path) for path in args.attach or ())
    if args.mode:
        mode = DepositMode.PDF if args.mode == "pdf" else DepositMode.DATA
    else:
        mode = DepositMode.PDF if invoice.main_pdf else DepositMode.DATA
    operation = "works" if invoice.cadre.is_works else "soumettre"
    if args.bank_account:
        invoice.bank_account_id = args.bank_account
    fill_bank_account = invoice.payment_mode is PaymentMode.TRANSFER and not invoice.bank_account_id

    progress(f"Checking invoice {invoice.number} ({invoice.cadre.name}, mode {mode.value})...")
    try:
        validate_invoice(invoice, operation=operation, mode=mode)
    except DocumentValidationError as error:
        # the bank account is looked up on Chorus Pro below; every other problem stops here
        issues = [i for i in error.issues if not (fill_bank_account and i.field == "bank_account_id")]
        if issues:
            raise DocumentValidationError(issues) from None

    client = make_client(config, args.simulator)
    try:
        if not invoice.supplier.structure_id:
            progress(f"Looking up the supplier structure {invoice.supplier.siret} on Chorus Pro...")
        supplier = resolve_supplier(client, invoice.supplier.siret, invoice.bank_account_id,
                                    structure_id=invoice.supplier.structure_id, needs_bank_account=fill_bank_account)
        supplier_id = supplier.structure_id
        if fill_bank_account:
            progress(f"Using the bank account registered on Chorus Pro: {supplier.bank_account_name}")
            invoice.bank_account_id = supplier.bank_account_id
        steps = ("search of the number, " if not args.allow_duplicate else "") + \
            ("PDF upload, " if invoice.main_pdf else "") + "deposit"
        progress(f"Sending to Chorus Pro ({steps})...")
        result = client.deposits.send(invoice, supplier_structure_id=supplier_id, mode=mode,
                                      refuse_duplicate=not args.allow_duplicate)
    finally:
        client.close()
    progress("Done.")
    print(format_fields([
        ("Chorus Pro invoice id", result.invoice_id),
        ("Invoice number", result.invoice_number or invoice.number),
        ("Status", f"{result.status} ({status_label(result.status)})"),
        ("Deposit date", _date(result.deposit_date)),
    ]))
    return EXIT_OK


def cmd_status(args, config) -> int:
    client = make_client(config, args.simulator)
    try:
        history = client.factures.get_history(args.invoice_id)
    finally:
        client.close()
    print(format_fields([
        ("Chorus Pro invoice id", history.invoice_id),
        ("Invoice number", history.invoice_number),
        ("Current status", f"{history.current_status} ({status_label(history.current_status)})"),
    ]))
    print()
    rows = [[_date(event.date), event.status, status_label(event.status), event.comment]
            for event in history.events]
    print(format_table(["DATE", "STATUS", "LABEL", "COMMENT"], rows) if rows else "No status history.")
    return EXIT_OK


def cmd_search(args, config) -> int:
    client = make_client(config, args.simulator)
    rows = []
    try:
        for summary in client.factures.iter_supplier_invoices(invoice_number=args.number,
                                                              statuses=[args.status] if args.status else None):
            rows.append([summary.invoice_id, summary.invoice_number, summary.status,
                         status_label(summary.status), _date(summary.status_date), summary.buyer_identifier,
                         "" if summary.amount_due is None else f"{summary.amount_due:.2f}"])
            if len(rows) >= args.limit:
                break
    finally:
        client.close()
    if not rows:
        print("No invoice found.")
        return EXIT_OK
    print(format_table(["ID", "NUMBER", "STATUS", "LABEL", "STATUS DATE", "BUYER SIRET", "AMOUNT DUE"], rows))
    return EXIT_OK


def cmd_probe(args, config) -> int:
    from .probe import run_probe

    if args.try_deposit and config.environment is Environment.PRODUCTION:
        raise UsageError("--try-deposit sends a test document: it is refused on production; run it on "
                         "qualification (--env qualification)")
    progress("probing Chorus Pro (read only)..." if not args.try_deposit else
             "probing Chorus Pro, then trying the works deposit routes with a test document...")
    report = run_probe(config, try_deposit=args.try_deposit, simulator=args.simulator,
                       moe_siret=compact_siret(args.moe or ""), moa_siret=compact_siret(args.moa or ""),
                       moa_service=args.moa_service or "", market_number=args.market or "")
    print(report.format_text())
    path = args.output or f"chorus-pro-probe-{report.environment}-{report.probed_at[:10]}.json"
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report.to_json(), handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    print(f"\nreport written to {path}: attach it to your support request")
    return EXIT_FAILURE if report.refused_credentials else EXIT_OK


def cmd_simulator(args, config) -> int:
    from .simulator import Simulator, seed

    if args.reset:
        from .simulator.persistence import default_state_path, reset_simulator

        path = default_state_path()
        done = "deleted" if reset_simulator(path) else "was already empty"
        print(f"The simulated Chorus Pro of the commands run without --simulator-url starts again from its seed "
              f"({path} {done}).")
        return EXIT_OK
    simulator = Simulator(**_simulator_options(args))
    try:
        with _simulator_server(simulator, args.host, args.port) as server:
            url = server.url
            print(f"Chorus Pro simulator listening on {url}")
            print(format_fields([
                ("PISTE client ID", seed.PISTE_CLIENT_ID),
                ("PISTE client secret", seed.PISTE_CLIENT_SECRET),
                ("Technical login", seed.TECH_LOGIN),
                ("Technical password", seed.TECH_PASSWORD),
                ("Supplier",
                 f"{seed.SUPPLIER.name}, SIRET {seed.SUPPLIER.siret}, Chorus Pro id {seed.SUPPLIER.id}"),
                ("Status changes", f"every {simulator.step_seconds:g} s for a deposited invoice"),
            ]))
            print("These are the simulator's own test credentials: the chorus-pro command uses them by default in "
                  "the simulation environment.")
            print(f"Try: chorus-pro --simulator-url {url.replace('//0.0.0.0:', '//127.0.0.1:')} doctor")
            print("Press Ctrl-C to stop.", flush=True)
            _wait_forever()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM at any moment
        pass
    print("Simulator stopped.", flush=True)
    return EXIT_OK


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _simulator_server(simulator, host: str, port: int):
    from .simulator import SimulatorServer

    loopback = host in LOOPBACK_HOSTS
    if not loopback:
        # only meant for a container network (docker compose), where other containers must reach it
        print(f"warning: the simulator listens on {host}, not only on this machine: use this inside a container "
              "network only", file=sys.stderr, flush=True)
    # tried first: werkzeug 3 answers a busy port with its own message and sys.exit(1)
    _check_can_listen(host, port)
    try:
        return SimulatorServer(simulator, host=host, port=port, allow_any_host=not loopback)
    except (OSError, SystemExit) as exc:  # taken in between
        raise _cannot_listen(host, port, exc) from None


def _check_can_listen(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, protocol, _name, address = infos[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
            probe.bind(address)
    except OSError as exc:
        raise _cannot_listen(host, port, exc) from None


def _cannot_listen(host: str, port: int, exc: BaseException) -> UsageError:
    if isinstance(exc, SystemExit) or (isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE):
        return UsageError(f"port {port} is already in use on {host}: choose another --port, or stop the program "
                          "that listens on it")
    return UsageError(f"cannot listen on {host} port {port} ({getattr(exc, 'strerror', None) or exc}): check "
                      "--host and --port")


def _simulator_options(args) -> dict:
    options = {"realtime": True}
    if args.step_seconds is not None:
        if args.step_seconds <= 0:
            raise UsageError("--step-seconds must be positive")
        options["step_seconds"] = args.step_seconds
    return options


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (kill, docker stop, a service manager) interrupts a command like Ctrl-C does, so that
    it ends the same way: the simulator server stops, a deposit in flight is reported."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread: signals stay as they are
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wait_forever() -> None:
    while True:
        time.sleep(3600)


def _checked_siret(value: str) -> str:
    problem = siret_problem(value)
    if problem:
        from .siret import PROBLEMS

        raise UsageError(f"SIRET {value!r} {PROBLEMS[problem]}")
    return compact_siret(value)


# -- parser ------------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: give a number of at least 1")
    return value


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give a number from 1 to 65535")
    return value


def invoice_status(text: str) -> str:
    from .statuses import INVOICE_STATUS_LABELS, WORKS_STATUS_LABELS

    code = text.strip().upper()
    known = {**INVOICE_STATUS_LABELS, **WORKS_STATUS_LABELS}
    if code not in known:
        raise argparse.ArgumentTypeError(f"unknown status {text!r}; choose one of {', '.join(sorted(known))}")
    return code


def _add_global_options(parser: argparse.ArgumentParser, **default) -> None:
    parser.add_argument("--env", choices=[e.value for e in Environment],
                        help="Chorus Pro environment (default: CHORUS_PRO_ENV, else simulation)", **default)
    parser.add_argument("--config", metavar="FILE.json",
                        help="JSON file whose keys are the settings (environment, piste_client_id, "
                             "piste_client_secret, tech_login, tech_password, simulator_url, timeouts)", **default)
    parser.add_argument("--simulator-url", metavar="URL",
                        help="simulation only: a simulator served by 'chorus-pro simulator' "
                             "(default: CHORUS_PRO_SIMULATOR_URL, else an in-process simulator)", **default)
    parser.add_argument("-v", "--verbose", action="store_true", help="log HTTP calls and show tracebacks",
                        **default)


def build_parser() -> argparse.ArgumentParser:
    env_help = ", ".join(f"{var} ({name.replace('_', ' ')})" for name, var in ENV_VARS.items())
    parser = argparse.ArgumentParser(
        prog="chorus-pro",
        description="Send invoices to Chorus Pro (French public e-invoicing portal) and follow them.",
        epilog=f"Credentials are read from the environment: {env_help}, or from --config. "
               "Exit codes: 0 ok, 1 refused by Chorus Pro, 2 usage/configuration error, "
               "3 transient failure or unknown outcome.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser)
    # the same options after the subcommand ("chorus-pro status 12 -v"); there, an absent option
    # leaves the value given before the subcommand
    after_command = argparse.ArgumentParser(add_help=False)
    _add_global_options(after_command, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_command = functools.partial(commands.add_parser, parents=[after_command])

    doctor = add_command("doctor", help="check the connection setup step by step (report in English)")
    doctor.add_argument("--siret", help="SIRET of your company, which must be attached to the technical account")
    doctor.set_defaults(handler=cmd_doctor)

    structure = add_command("structure", help="show a buyer: required references and services")
    structure.add_argument("siret", metavar="SIRET")
    structure.set_defaults(handler=cmd_structure)

    submit = add_command("submit", help="validate and send an invoice described in a JSON file")
    submit.add_argument("file", metavar="FILE.json", help="the invoice (format: see the README)")
    submit.add_argument("--pdf", metavar="FILE", help="the invoice PDF (overrides 'pdf' in the JSON file)")
    submit.add_argument("--attach", metavar="FILE", nargs="+", help="supporting documents")
    submit.add_argument("--mode", choices=["data", "pdf"],
                        help="SAISIE_API (data) or DEPOT_PDF_API (pdf); default: pdf when a PDF is given")
    submit.add_argument("--bank-account", type=int, metavar="ID",
                        help="the Chorus Pro id of the bank account paid by transfer, needed when the supplier "
                             "structure has several valid ones (submit lists them); overrides 'bank_account_id' in "
                             "the JSON file")
    submit.add_argument("--allow-duplicate", action="store_true",
                        help="send even when Chorus Pro already has an invoice with this number (by default "
                             "the number is searched first and the sending refused)")
    submit.set_defaults(handler=cmd_submit)

    status = add_command("status", help="status history of an invoice")
    status.add_argument("invoice_id", metavar="ID", type=positive_int,
                        help="Chorus Pro invoice id (printed by submit)")
    status.set_defaults(handler=cmd_status)

    search = add_command("search", help="search your invoices on Chorus Pro")
    search.add_argument("--number", help="your invoice number")
    search.add_argument("--status", type=invoice_status, help="a status code, e.g. MISE_A_DISPOSITION")
    search.add_argument("--limit", type=positive_int, default=50, help="at most this many lines (default 50)")
    search.set_defaults(handler=cmd_search)

    probe = add_command("probe", help="discover what the platform offers for works documents (read only unless "
                                      "--try-deposit); prints a report and writes it as JSON")
    probe.add_argument("--output", metavar="FILE.json",
                       help="where to write the JSON report (default chorus-pro-probe-<env>-<date>.json)")
    probe.add_argument("--try-deposit", action="store_true",
                       help="also send a test projet de décompte mensuel to each candidate works deposit route "
                            "(qualification only, never production)")
    probe.add_argument("--moe", metavar="SIRET", help="with --try-deposit: the test MOE's SIRET")
    probe.add_argument("--moa", metavar="SIRET", help="with --try-deposit: the test MOA's SIRET")
    probe.add_argument("--moa-service", metavar="CODE", help="with --try-deposit: the MOA's service code")
    probe.add_argument("--market", metavar="NUMBER", help="with --try-deposit: a market number")
    probe.set_defaults(handler=cmd_probe)

    simulator = add_command("simulator", help="serve the Chorus Pro simulator over HTTP until Ctrl-C")
    simulator.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default 127.0.0.1; 0.0.0.0 only inside a container network)")
    simulator.add_argument("--port", type=port_number, default=8085, help="port, 1 to 65535 (default 8085)")
    simulator.add_argument("--step-seconds", type=float, metavar="SECONDS",
                           help="seconds between two automatic status changes of a deposited invoice")
    simulator.add_argument("--reset", action="store_true",
                           help="do not serve: forget the simulated Chorus Pro that the commands run without "
                                "--simulator-url keep between runs (invoices, statuses), then exit")
    simulator.set_defaults(handler=cmd_simulator, needs_config=False)
    return parser


def exit_code(error: BaseException) -> int:
    from .invoice_json import InvoiceFileError

    if isinstance(error, (ConfigurationError, DocumentValidationError, DuplicateInvoiceError, InvoiceFileError,
                          UsageError)):
        return EXIT_USAGE
    if isinstance(error, (OutcomeUnknownError, TransientError, ProtocolError)):
        return EXIT_TRANSIENT
    if isinstance(error, ChorusProError):
        return EXIT_FAILURE
    return EXIT_FAILURE


def _error_message(error: ChorusProError) -> str:
    from .invoice_json import InvoiceFileError

    message = error.message_en
    if isinstance(error, BusinessError) and error.detail and error.detail not in message:
        message += f": {error.detail}"
    if isinstance(error, InvoiceFileError) and not (error.field or "").startswith("--"):
        message = f"invalid invoice file: {message}"
    if isinstance(error, DuplicateInvoiceError):
        message += (f"; see it with 'chorus-pro status {error.invoice_id}', give the new invoice its own "
                    "number, or send it again on purpose with --allow-duplicate")
    if isinstance(error, OutcomeUnknownError) and error.reference:
        message += f"; first run: chorus-pro search --number {error.reference}"
    return message


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with _sigterm_as_interrupt():
        return _run(args)


def _run(args) -> int:
    try:
        config = build_config(args) if getattr(args, "needs_config", True) else None
        with simulated_platform(config) as simulator:
            args.simulator = simulator
            return args.handler(args, config)
    except ChorusProError as error:
        if args.verbose:
            traceback.print_exc()
        print(f"error: {_error_message(error)}", file=sys.stderr)
        return exit_code(error)
    except WriteInterrupted as interrupted:
        # the deposit had left: Chorus Pro may have it, exactly as when its answer is lost
        print(f"error: interrupted while Chorus Pro was answering: {_error_message(interrupted.outcome)}",
              file=sys.stderr)
        return exit_code(interrupted.outcome)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so briefly, the traceback is one -v away
        if args.verbose:
            traceback.print_exc()
        print(f"error: unexpected {type(error).__name__}: {error} (run with -v for details)", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
