"""Who may import whom: the import-linter contracts in pyproject.toml hold.

``lint-imports`` (same contracts) prints the offending import chains when one breaks.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("importlinter.cli")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
INSIGHTS = "automl.insights"  # re-scores stored trials through automl.search.reopen


def test_the_import_contracts_hold():
    # In a child process: import-linter configures logging with disable_existing_loggers,
    # which would silence the loggers of the tests that run after it in this process.
    lint = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", lint, str(PYPROJECT)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " BROKEN" not in done.stdout and " KEPT" in done.stdout


def test_the_contracts_that_the_design_relies_on_are_stated():
    contracts = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    by_type = {c["type"]: c for c in contracts}
    qt = next(c for c in contracts if c["type"] == "forbidden" and c["source_modules"] == ["automl"])
    assert {"app", "PySide6"} <= set(qt["forbidden_modules"])
    assert by_type["acyclic_siblings"]["ancestors"] == ["automl"]
    assert "private_modules" in by_type and "layers" in by_type
    search_private = [c for c in contracts if c["type"] == "forbidden"
                      and c["forbidden_modules"] == ["automl.search.*"]]
    assert search_private, "no contract keeps the search's private modules to itself"
    assert {"automl.export", "automl.serve", INSIGHTS} <= set(search_private[0]["source_modules"])
    assert any(c["type"] == "private_modules"
               and c.get("packages_with_private_modules") == ["automl.search"] for c in contracts)
