"""Importing the engine or the GUI changes no process-wide state: ``warnings.filters`` and
``matplotlib.rcParams`` are the same after every module of ``automl`` and ``app`` is imported.

Module-level ``warnings.filterwarnings`` silences warnings for whoever imports the package
(a notebook user's own ConvergenceWarnings vanish); ``rcParams`` changed at import restyle
every later figure of the process. Filters belong in ``warnings.catch_warnings()`` inside the
function that needs them, chart styles in ``matplotlib.rc_context`` while drawing.

Checked in child processes, so the imports of other tests cannot hide an effect: the first
child imports every module and lists the third-party modules that brought in (some, such as
scipy.special, add filters of their own); the second imports those first, takes the snapshot,
then imports every project module and reports what changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Not yet removed, by the engineer reorganising automl/models: the ConvergenceWarning filter at
# the top of automl/models/_families.py. Delete the entry when it goes.
PENDING: set[tuple[str, str]] = set()  # filters known to be set at import, none today

CHILD = r"""
import importlib, json, pkgutil, sys, warnings

PROJECT = ("automl", "app")


def project_modules():
    for root in PROJECT:
        yield root
        for found in pkgutil.walk_packages(importlib.import_module(root).__path__, root + "."):
            if not found.name.endswith("__main__"):
                yield found.name


if sys.argv[1] == "list":
    for name in list(project_modules()):
        importlib.import_module(name)
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] not in PROJECT)))
else:
    for name in json.loads(sys.stdin.read()):
        try:
            importlib.import_module(name)
        except Exception:  # a third-party module that only imports inside its parent
            pass
    import matplotlib

    filters, rc = list(warnings.filters), dict(matplotlib.rcParams)
    for name in project_modules():
        importlib.import_module(name)
    print(json.dumps({
        "added": [[f[0], f[2].__name__, str(f[1] and f[1].pattern)]
                  for f in warnings.filters if f not in filters],
        "removed": [[f[0], f[2].__name__] for f in filters if f not in warnings.filters],
        "rc": {k: repr(v) for k, v in matplotlib.rcParams.items() if rc.get(k) != v},
    }))
"""


def _child(*args: str, stdin: str | None = None, home: Path) -> str:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", AUTOML_HOME=str(home))
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_importing_the_engine_and_the_gui_changes_no_global_state(tmp_path):
    third_party = _child("list", home=tmp_path)
    changed = json.loads(_child("check", stdin=third_party, home=tmp_path))
    added = [f for f in changed["added"] if (f[0], f[1]) not in PENDING]
    assert added == [], f"warning filters added at import: {added}"
    assert changed["removed"] == [], f"warning filters removed at import: {changed['removed']}"
    assert changed["rc"] == {}, f"matplotlib rcParams changed at import: {changed['rc']}"
