"""The engine runs without a screen: importing it (CLI included) never loads Qt or app/."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_no_qt_and_no_app():
    code = (
        "import sys, automl, automl.cli, automl.search, automl.export, automl.records, automl.metrics,"
        " automl.insights, automl.monitor, automl.api\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'app'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
