"""Shared fixtures of the monitoring tests: two small bundles and new rows, built once."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from automl.datasets import sample_path

TARGET = "diagnosis"


def run_cli(home: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOML_HOME": str(home)}
    env.pop("AUTOML_STORAGE", None)
    return subprocess.run([sys.executable, "-m", "automl", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=cwd)


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    """Two bundles (A: linear, B: naive Bayes) trained on one half of breast-cancer; the
    other half as new rows, as moved rows and as too few rows."""
    root = tmp_path_factory.mktemp("monitor-cli")
    frame = pd.read_csv(sample_path("breast_cancer")).sample(frac=1.0, random_state=0)
    frame.iloc[:350].to_csv(root / "train.csv", index=False)
    new = frame.iloc[350:]
    new.to_csv(root / "new.csv", index=False)
    moved = new.copy()
    for column in [c for c in new.columns if c.startswith(("mean ", "worst "))]:  # 20 of 30
        moved[column] = moved[column] * 1.5
    moved.to_csv(root / "moved.csv", index=False)
    new.head(5).to_csv(root / "few.csv", index=False)

    def train(name: str, family: str) -> subprocess.CompletedProcess:
        return run_cli(root / "home", "run", root / "train.csv", "--target", TARGET, "--n-trials", 2,
                       "--cv", 3, "--families", family, "--study", name, "--out", root / name, cwd=root)

    # Side by side: two studies of one local SQLite file (WAL), as workers on one machine share it.
    with ThreadPoolExecutor(2) as pool:
        procs = list(pool.map(train, ("a", "b"), ("linear", "nb")))
    for proc in procs:
        assert proc.returncode == 0, proc.stderr
    return root
