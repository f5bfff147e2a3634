"""Who may import whom: the import-linter contracts in pyproject.toml hold.

``lint-imports`` (same contracts) prints the offending import chains when one breaks.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

importlinter_cli = pytest.importorskip("importlinter.cli")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"


def test_the_import_contracts_hold(capsys):
    status = importlinter_cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True,
                                           no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert " BROKEN" not in report


def test_the_contracts_that_the_design_relies_on_are_stated():
    contracts = tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["importlinter"]["contracts"]
    by_type = {c["type"]: c for c in contracts}
    qt = next(c for c in contracts if c["type"] == "forbidden" and c["source_modules"] == ["automl"])
    assert {"app", "PySide6"} <= set(qt["forbidden_modules"])
    assert by_type["acyclic_siblings"]["ancestors"] == ["automl"]
    assert "private_modules" in by_type and "layers" in by_type
