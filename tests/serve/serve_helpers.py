"""Helpers for the serving tests: tiny bundles, `automl serve` subprocesses, JSON records."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
import pandas as pd

READY = "automl serve: listening on "
START_TIMEOUT_S = 60

SAMPLES = {  # kind: (sample, target)
    "binary": ("breast_cancer", "diagnosis"),
    "multiclass": ("penguins", "species"),
    "regression": ("diabetes", "progression"),
}


def rich_frame(n: int = 160, seed: int = 0) -> pd.DataFrame:
    """An id, numbers, a category, a boolean and a date; target 'churn' (yes/no)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "age": rng.integers(18, 80, n),
        "plan": rng.choice(["basic", "pro", "team"], n),
        "active": rng.choice([True, False], n),
        "signup": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "spend": rng.normal(100, 20, n).round(2),
    })
    signal = frame["spend"] + (frame["plan"] == "basic") * 20 + rng.normal(0, 10, n)
    frame["churn"] = np.where(signal > 110, "yes", "no")
    return frame


def build_bundle(out_dir: Path, data, target: str) -> Path:
    """A bundle from a tiny search (2 trials, 2 folds, linear/tree) on ``data``."""
    from automl.data import load_dataset
    from automl.export import export_search_result
    from automl.search import RunConfig
    from automl.search import run_search

    dataset = load_dataset(data)
    storage = f"sqlite:///{(out_dir.parent / 'studies.db').as_posix()}"
    config = RunConfig(target=target, n_trials=2, cv=2, families=("linear", "tree"), budget_s=60,
                       storage_url=storage, study_name=out_dir.name)
    return export_search_result(run_search(config, dataset), dataset, out_dir)


def automl_env(tmp: Path) -> dict[str, str]:
    env = {**os.environ, "AUTOML_HOME": str(tmp / "home")}
    env.pop("AUTOML_STORAGE", None)
    return env


def run_cli(tmp: Path, *args, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automl", *map(str, args)], capture_output=True,
                          text=True, env=env or automl_env(tmp), cwd=tmp, timeout=120)


@dataclass
class Server:
    proc: subprocess.Popen
    url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def start_server(bundle_dir: Path, tmp: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Start `automl serve BUNDLE --port 0` and return once it listens (url set).

    The server binds a free loopback port itself and prints it, so there is no race for the
    port and no polling. If the process exits before listening, the Server comes back with
    the process finished and no url; the caller checks the exit code and ``output``.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "automl", "serve", str(bundle_dir), "--port", "0", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=env or automl_env(tmp), cwd=tmp,
    )
    server = Server(proc)
    ready: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # keeps reading, so the pipe never fills (uvicorn logs each request)
        for line in proc.stderr:
            server.lines.append(line)
            if line.startswith(READY):
                ready.put(line[len(READY):].split()[0])
        ready.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        url = ready.get(timeout=START_TIMEOUT_S)
    except queue.Empty:
        server.stop()
        raise AssertionError("automl serve did not start:\n" + server.output) from None
    if url is None:
        proc.wait(timeout=15)
    else:
        server.url = url
    return server


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready records: NaN -> None, numpy scalars -> Python."""
    out = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in out]
