"""What the Odoo benchmarks share: where Odoo is, their database options, the scratch database."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def odoo_root() -> str:
    """The folder holding odoo-bin, found from the importable ``odoo`` package."""
    import odoo  # noqa: TID251  (drives the Odoo add-on)

    return os.path.dirname(list(odoo.__path__)[0])


def add_database_arguments(parser, default_db: str) -> None:
    root = odoo_root()
    parser.add_argument("--db", default=default_db)
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "root"))
    parser.add_argument("--addons-path", default=f"{root}/addons,{root}/odoo/addons,{REPO}")
    parser.add_argument("--install", action="store_true", help="create the database when missing")


def ensure_database(args) -> None:
    """Create the scratch database with the add-on when asked to (``--install``)."""
    listed = subprocess.run(["psql", "-h", args.db_host, "-U", args.db_user, "-lqt"], capture_output=True,
                            text=True, check=False).stdout
    if any(line.split("|")[0].strip() == args.db for line in listed.splitlines()):
        return
    if not args.install:
        sys.exit(f"database {args.db} does not exist: pass --install to create it")
    print(f"creating database {args.db} with l10n_fr_chorus_btp (a few minutes)…", flush=True)
    env = dict(os.environ, PYTHONPATH=REPO)
    subprocess.run([sys.executable, f"{odoo_root()}/odoo-bin", "-d", args.db, "--db_host", args.db_host,
                    "--db_user", args.db_user, "--addons-path", args.addons_path, "-i", "l10n_fr_chorus_btp",
                    "--stop-after-init", "--http-interface", "127.0.0.1", "--http-port", "8078", "--log-level", "warn"], env=env, check=True)


def open_environment(args):
    """(registry, make_env): the benchmark's Odoo registry, and a superuser environment for a cursor."""
    import odoo  # noqa: TID251  (drives the Odoo add-on)
    from odoo import SUPERUSER_ID, api  # noqa: TID251
    from odoo.modules.registry import Registry  # noqa: TID251

    odoo.tools.config.parse_config(["--db_host", args.db_host, "--db_user", args.db_user,
                                    "--addons-path", args.addons_path, "--log-level", "warn", "--http-interface", "127.0.0.1"])
    return Registry(args.db), (lambda cr: api.Environment(cr, SUPERUSER_ID, {}))
