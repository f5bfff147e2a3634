"""A budget of 2 s on a small table ends with a model and exit 0, whatever the file kind.

The promise counts from process start (imports, reading, the search, the final model and
the export), so these go through the real command in a subprocess.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest


def _frame(task: str, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, 4))
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame["kind"] = rng.choice(["x", "y", "z"], size=n)
    signal = x[:, 0] + x[:, 1] + (frame["kind"] == "x")
    if task == "binary":
        frame["target"] = np.where(signal > 0.3, "yes", "no")
    elif task == "multiclass":
        frame["target"] = pd.cut(signal, 3, labels=["low", "mid", "high"]).astype(str)
    else:
        frame["target"] = 2 * signal + rng.normal(scale=0.2, size=n)
    return frame


WRITERS = {
    "csv": lambda f, p: f.to_csv(p, index=False),
    "parquet": lambda f, p: f.to_parquet(p, index=False),
    "xlsx": lambda f, p: f.to_excel(p, index=False),
    "json": lambda f, p: f.to_json(p, orient="records"),
}


@pytest.mark.parametrize("suffix, task", [("csv", "binary"), ("parquet", "regression"),
                                          ("xlsx", "multiclass"), ("json", "binary")])
def test_a_two_second_budget_ends_with_a_model(cli, tmp_path, suffix, task):
    path = tmp_path / f"table.{suffix}"
    WRITERS[suffix](_frame(task), path)
    proc = cli("run", path, "--target", "target", "--time-budget", 2, "--out", tmp_path / "b",
               "--json", check=0)
    doc = json.loads(proc.stdout)
    assert doc["bundle"] and doc["trials"]["complete"] >= 1
    meta = json.loads((tmp_path / "b" / "metadata.json").read_text())
    assert meta["model"]["final"]["kind"] in {"bagged", "single_refit", "ensemble_refit",
                                              "ensemble_bagged"}
    assert doc["final_model"]["kind"] == meta["model"]["final"]["kind"]
    assert doc["cv"]["n_splits"] <= 3  # the small-budget plan: 3 folds, no repeats
