"""Refresh the add-on's translation template and French catalog from a database where it is installed.

    python3 tools/update_translations.py --db DB [--odoo-bin PATH] [--fill FILE.json]

1. exports ``l10n_fr_chorus_btp.pot`` from DB (Odoo's own ``i18n export``);
2. rebuilds ``fr.po`` from it: every entry keeps its French translation when its English source is unchanged;
   ``--fill`` gives translations for new or changed sources (a JSON object ``{"English": "Français"}``);
3. prints the sources still without a translation and exits 1 when there are any.

Needs Odoo importable (``polib`` comes with Odoo's requirements).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import polib

HERE = os.path.dirname(os.path.abspath(__file__))
I18N = os.path.join(HERE, os.pardir, "l10n_fr_chorus_btp", "i18n")
MODULE = "l10n_fr_chorus_btp"


def export_template(args, path):
    odoo_root = os.path.dirname(list(__import__("odoo").__path__)[0])  # odoo is a namespace package
    odoo_bin = args.odoo_bin or os.path.join(odoo_root, "odoo-bin")
    repo = os.path.abspath(os.path.join(HERE, os.pardir))
    addons = ",".join([os.path.join(odoo_root, "addons"), os.path.join(odoo_root, "odoo", "addons"), repo])
    config = os.path.join(os.path.dirname(path), "odoo.conf")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(f"[options]\naddons_path = {addons}\ndb_host = {args.db_host}\ndb_user = {args.db_user}\n")
    command = [sys.executable, odoo_bin, "i18n", "export", "-c", config, "-d", args.db, "-l", "pot", "-o", path,
               MODULE]
    subprocess.run(command, check=True, env=dict(os.environ, PYTHONPATH=repo))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo-bin")
    parser.add_argument("--db-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--db-user", default=os.environ.get("PGUSER", "root"))
    parser.add_argument("--fill", help="JSON object of new translations {English source: French}")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        pot_path = os.path.join(tmp, f"{MODULE}.pot")
        export_template(args, pot_path)
        template = polib.pofile(pot_path)
    po_path = os.path.join(I18N, "fr.po")
    known = {entry.msgid: entry.msgstr for entry in polib.pofile(po_path) if entry.msgstr}
    if args.fill:
        with open(args.fill, encoding="utf-8") as handle:
            known.update(json.load(handle))

    catalog = polib.POFile(wrapwidth=78)
    catalog.metadata = dict(template.metadata, Language="fr")
    missing = []
    for entry in template:
        translated = polib.POEntry(msgid=entry.msgid, msgstr=known.get(entry.msgid, ""),
                                   occurrences=entry.occurrences, comment=entry.comment, tcomment=entry.tcomment,
                                   flags=entry.flags)
        if not translated.msgstr:
            missing.append(entry.msgid)
        catalog.append(translated)
    template.save(os.path.join(I18N, f"{MODULE}.pot"))
    catalog.save(po_path)
    print(f"{len(template)} entries, {len(template) - len(missing)} translated")
    for msgid in missing:
        print(f"missing: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
