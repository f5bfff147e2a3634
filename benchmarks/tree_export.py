"""Export cost of fold models, scikit-learn's HistGradientBoosting against the engine's packed one.

Fits five fold models of each (300 iterations, no early stopping) and a packed random forest on
seattle_weather's numeric columns (``../shared/bench``), then times what a bundle's export does
with a bagged model: pickle write and load, ``model.skops`` write and its checked load. Prints
seconds per MB of pickle and the stock/packed ratio (the families' ``save_cost`` is read off it).

    python benchmarks/tree_export.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn import ensemble
from sklearn.model_selection import StratifiedKFold

from automl.export._safe import dump_skops
from automl.export._safe import load_skops
from automl.models import _trees

sys.path.insert(0, str(Path(__file__).resolve().parents[1].parent / "shared" / "bench"))


def _seconds_per_mb(make, X, y) -> tuple[float, float]:
    folds = [make().fit(X[tr], y[tr]) for tr, _ in StratifiedKFold(5).split(X, y)]
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        joblib.dump(folds, f"{d}/m.joblib")
        back = joblib.load(f"{d}/m.joblib")
        dump_skops(back, f"{d}/m.skops")
        load_skops(f"{d}/m.skops")
        seconds = time.perf_counter() - t0
        return seconds, os.path.getsize(f"{d}/m.joblib") / 2**20


def main() -> None:
    import bench_datasets

    df, target, _ = bench_datasets.load("seattle_weather")
    y = df[target].astype("category").cat.codes.to_numpy()
    X = np.nan_to_num(df.drop(columns=[target]).select_dtypes("number").to_numpy())
    hgb = {"max_iter": 300, "early_stopping": False, "random_state": 0}
    results = {}
    for name, make in [
        ("hgb (scikit-learn)", lambda: ensemble.HistGradientBoostingClassifier(**hgb)),
        ("hgb (packed)", lambda: _trees.HistGradientBoostingClassifier(**hgb)),
        ("rf (packed)", lambda: _trees.RandomForestClassifier(n_estimators=200, random_state=0)),
    ]:
        seconds, mb = _seconds_per_mb(make, X, y)
        results[name] = seconds / mb
        print(f"{name:20s} {mb:6.1f} MB  {seconds:6.2f} s  {seconds / mb:.3f} s per MB")
    ratio = results["hgb (scikit-learn)"] / results["hgb (packed)"]
    print(f"HistGradientBoosting, scikit-learn's / packed: {ratio:.1f}x")


if __name__ == "__main__":
    main()
