"""Qualification and Production never load the simulator: neither the client nor the Odoo add-on imports
``chorus_pro.simulator`` (nor werkzeug, its extra) outside the Simulation environment."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BLOCKER = textwrap.dedent("""
    import sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.startswith(("chorus_pro.simulator", "werkzeug")):
                raise ImportError("the production path must not import " + name)
            return None

    sys.meta_path.insert(0, Block())
""")

CLIENT = BLOCKER + textwrap.dedent("""
    import requests
    from requests.adapters import BaseAdapter

    import chorus_pro, chorus_pro.cli, chorus_pro.client, chorus_pro.doctor, chorus_pro.documents, chorus_pro.works
    import chorus_pro.api, chorus_pro.dates, chorus_pro.deposits
    from chorus_pro import ChorusConfig, TransientError
    from chorus_pro.client import ChorusProClient

    class Unreachable(BaseAdapter):  # no network in a test: the request goes as far as the transport
        def send(self, request, **kwargs):
            raise requests.ConnectionError("unreachable (test)", request=request)

        def close(self):
            pass

    for environment in ("qualification", "production"):
        config = ChorusConfig(environment=environment, piste_client_id="id", piste_client_secret="secret",
                              tech_login="TECH_1_x@cpro.fr", tech_password="password", max_attempts=1)
        client = ChorusProClient(config.validate())
        client.session.mount("https://", Unreachable())
        client.today()
        try:
            client.factures.get_history(1)
        except TransientError:
            pass
        client.close()
    loaded = sorted(m for m in sys.modules if m.startswith(("chorus_pro.simulator", "werkzeug")))
    assert loaded == [], loaded
    print("ok")
""")


def run(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env})


def test_the_client_in_qualification_and_production_never_imports_the_simulator():
    result = run(CLIENT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


def test_the_blocker_does_block():
    result = run(BLOCKER + "import chorus_pro.simulator\n")
    assert result.returncode != 0
    assert "must not import chorus_pro.simulator" in result.stderr


ADDON = textwrap.dedent("""
    import sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.startswith("chorus_pro.simulator"):
                raise ImportError("the production path must not import " + name)
            return None

    sys.meta_path.insert(0, Block())
    import odoo
    from odoo.tools import config
    config.parse_config(["--addons-path", "/opt/odoo19/addons,/opt/odoo19/odoo/addons," + sys.argv[1]])
    odoo.addons.__path__.append(sys.argv[1])
    import odoo.addons.l10n_fr_chorus_btp  # the add-on's models, wizards, reports: what every worker loads
    loaded = sorted(m for m in sys.modules if m.startswith("chorus_pro.simulator"))
    assert loaded == [], loaded
    assert "odoo.addons.l10n_fr_chorus_btp.models.res_company" in sys.modules
    print("ok")
""")


def test_the_odoo_addon_loads_without_the_simulator():
    odoo_root = Path("/opt/odoo19")
    if not (odoo_root / "odoo").is_dir():
        pytest.skip("Odoo 19 is not installed in /opt/odoo19")
    result = subprocess.run([sys.executable, "-c", ADDON, str(REPO)], cwd=REPO, capture_output=True, text=True,
                            timeout=300, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{odoo_root}"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


def test_werkzeug_is_an_extra_of_the_simulator_and_of_the_tests(tmp_path):
    """``pip install .`` (the client) goes without werkzeug; ``.[simulator]`` and ``.[test]`` bring it."""
    result = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", str(tmp_path)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (info,) = tmp_path.glob("*.egg-info")
    sections, current = {}, ""
    for line in (info / "requires.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current = line.strip("[]")
        elif line.strip():
            sections.setdefault(current, []).append(line.split(">")[0].split("=")[0].split("<")[0].lower())
    assert "werkzeug" not in sections[""], sections[""]
    assert {"requests", "python-stdnum"} <= set(sections[""])
    assert "werkzeug" in sections["simulator"]
    assert {"werkzeug", "pytest", "jsonschema"} <= set(sections["test"])
