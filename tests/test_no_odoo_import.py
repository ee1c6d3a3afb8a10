"""chorus_pro is pure Python: no module imports odoo, and the package imports without it."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "chorus_pro"


def odoo_imports(source: str) -> list[int]:
    """Line numbers of every ``import odoo…`` / ``from odoo… import`` (also inside functions)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            names = [str(node.args[0].value)]
        else:
            continue
        if any(name == "odoo" or name.startswith("odoo.") for name in names):
            lines.append(node.lineno)
    return lines


def test_the_detector_finds_every_form():
    source = textwrap.dedent("""
        import os, odoo
        from odoo.tools import config
        def f():
            import odoo.addons.base
            importlib.import_module("odoo.api")
        from .odoo_like import x
        import odoorpc
    """)
    assert odoo_imports(source) == [2, 3, 5, 6]


def test_no_module_of_chorus_pro_imports_odoo():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 5
    offenders = {str(path.relative_to(REPO)): lines for path in modules
                 if (lines := odoo_imports(path.read_text(encoding="utf-8")))}
    assert offenders == {}


BLOCKER = textwrap.dedent("""
    import sys

    class BlockOdoo:
        def find_spec(self, name, path=None, target=None):
            if name == "odoo" or name.startswith("odoo."):
                raise ImportError("chorus_pro must not import " + name)
            return None

    sys.meta_path.insert(0, BlockOdoo())
    import chorus_pro, chorus_pro.client, chorus_pro.simulator, chorus_pro.documents, chorus_pro.works
    assert not any(m == "odoo" or m.startswith("odoo.") for m in sys.modules), "odoo was imported"
    print("ok")
""")


def test_the_package_imports_with_odoo_blocked():
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_blocker_does_block():
    code = BLOCKER.replace("import chorus_pro, chorus_pro.client", "import odoo, chorus_pro.client")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert result.returncode != 0
    assert "chorus_pro must not import odoo" in result.stderr
