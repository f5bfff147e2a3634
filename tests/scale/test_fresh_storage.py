"""Several processes opening one new SQLite file at the same moment: all of them get it.

Workers on one machine, two runs started together, or the GUI and a CLI run may each be the
first to open a storage; each creates the tables it does not find, and the slower CREATE
used to fail the run ("table alembic_version already exists").
"""

from __future__ import annotations

import subprocess
import sys

OPEN = """
import os, sys, time
from automl.storage import open_storage
import optuna
print("ready", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.001)
storage = open_storage("sqlite:///" + sys.argv[1])
optuna.create_study(storage=storage, study_name="s" + str(os.getpid()))
print("ok")
"""


def test_processes_opening_one_new_sqlite_file_together_all_open_it(tmp_path):
    for round_ in range(3):  # a race: several chances to collide
        db, go = tmp_path / f"new-{round_}.db", tmp_path / f"go-{round_}"
        procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(db), str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        for proc in procs:  # every process has imported and waits for the same instant
            assert proc.stdout.readline().strip() == "ready"
        go.touch()
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0 and out.strip() == "ok", err.strip().splitlines()[-1:]
