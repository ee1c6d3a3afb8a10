"""In CI (``CI`` set), the Swagger checks fail when the official files are missing: they never pass by being skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEC_MODULES = ["tests/test_spec_fidelity.py", "tests/test_simulator_spec.py"]


def run_spec_modules(empty_folder: Path, **extra_env) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(CHORUS_SPECS_DIR=str(empty_folder), **extra_env)  # a folder without the Swagger files
    return subprocess.run([sys.executable, "-m", "pytest", *SPEC_MODULES, "-q", "-p", "no:cacheprovider"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_missing_swagger_files_fail_in_ci(tmp_path):
    result = run_spec_modules(tmp_path, CI="1")
    assert result.returncode != 0, result.stdout
    assert "CI is set but the Swagger fidelity checks cannot run" in result.stdout
    assert str(tmp_path) in result.stdout  # where they were looked for
    assert " passed" not in result.stdout.splitlines()[-1]


def test_missing_swagger_files_are_skipped_outside_ci(tmp_path):
    result = run_spec_modules(tmp_path)
    # both modules are skipped whole: pytest then reports that no test was collected
    assert result.returncode in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED), result.stdout
    assert "2 skipped" in result.stdout and "CHORUS_SPECS_DIR" in result.stdout
