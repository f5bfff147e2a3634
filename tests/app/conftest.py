"""Fixtures of the GUI tests: a main window on private settings, tiny data, hygiene checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.settings import AppSettings
from app.workers import wait_for_jobs

FAST_FAMILIES = ("linear", "tree", "nb")


def child_pids() -> list[int]:
    """Live (or unreaped) processes whose parent is this test process."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def nothing_left_running(qapp):
    """Fail a test that leaves a pool job or a child process (search) behind."""
    before = set(child_pids())
    yield
    assert wait_for_jobs(15_000), "a background job was still running after the test"
    qapp.processEvents()
    left = set(child_pids()) - before
    assert not left, f"child processes left running: {sorted(left)}"


@pytest.fixture
def fast_families() -> tuple[str, ...]:
    return FAST_FAMILIES


@pytest.fixture
def settings(tmp_path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


@pytest.fixture
def storage_url(tmp_path) -> str:
    return f"sqlite:///{(tmp_path / 'studies.db').as_posix()}"


def make_tiny_frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    score = x1 + 0.5 * x2 + (colour == "red") + rng.normal(scale=0.3, size=n)
    return pd.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "x1": x1.round(3), "x2": x2.round(3), "colour": colour,
        "x3": rng.integers(0, 50, n),
        "churn": np.where(score > 0.4, "yes", "no"),
    })


@pytest.fixture
def tiny_csv(tmp_path) -> Path:
    path = tmp_path / "tiny.csv"
    make_tiny_frame().to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def recorded_study(tmp_path_factory) -> tuple[str, str, Path]:
    """A small finished study, written once per session by the real CLI."""
    folder = tmp_path_factory.mktemp("recorded")
    data = folder / "tiny.csv"
    make_tiny_frame().to_csv(data, index=False)
    url = f"sqlite:///{(folder / 'studies.db').as_posix()}"
    name = "recorded-study"
    env = dict(os.environ, AUTOML_HOME=str(folder))
    subprocess.run(
        [sys.executable, "-m", "automl", "run", str(data), "--target", "churn",
         "--time-budget", "20", "--n-trials", "8", "--cv", "2",
         "--families", ",".join(FAST_FAMILIES), "--storage", url, "--study", name],
        check=True, env=env, capture_output=True, timeout=120,
    )
    return name, url, data


def load_tiny(window, qtbot, path: Path) -> None:
    """Open a file the way the File dialog would, and wait for profile and task."""
    window.open_file(str(path))
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=20_000)
