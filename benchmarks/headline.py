"""Issue 2's headline check: `automl run --time-budget 30` on three bundled datasets.

For each dataset: a 75/25 split (stratified for classes, seed 0); the CLI runs on the
training part in a subprocess (wall time measured around the whole command, refit and
export included); the exported bundle scores the test part; a default
HistGradientBoosting on the same split is the baseline measured in the same run.

    python benchmarks/headline.py [--budget 30]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split

from automl.datasets import sample_path
from automl.export import Bundle
from automl.metrics import get_metric

CASES = (("breast_cancer", "diagnosis", "roc_auc"), ("penguins", "species", "log_loss"),
         ("diabetes", "progression", "rmse"))


def _baseline(train: pd.DataFrame, test: pd.DataFrame, target: str, metric, classes):
    X, Xt = train.drop(columns=target), test.drop(columns=target)
    for col in X.columns:  # categoricals by dtype, as HistGradientBoosting documents
        if not pd.api.types.is_numeric_dtype(X[col]):
            cats = pd.CategoricalDtype(sorted(X[col].dropna().astype(str).unique()))
            X[col] = X[col].astype(str).where(X[col].notna()).astype(cats)
            Xt[col] = Xt[col].astype(str).where(Xt[col].notna()).astype(cats)
    if classes is None:
        model = HistGradientBoostingRegressor(random_state=0).fit(X, train[target])
        return metric.score(test[target], model.predict(Xt))
    model = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype")
    model.fit(X, train[target])
    order = [list(model.classes_).index(c) for c in classes]
    return metric.score(test[target].to_numpy(), model.predict_proba(Xt)[:, order], np.asarray(classes))


def run_case(name: str, target: str, metric_name: str, budget: float, tmp: Path) -> dict:
    frame = pd.read_csv(sample_path(name))
    metric = get_metric(metric_name)
    classification = metric_name != "rmse"
    train, test = train_test_split(frame, test_size=0.25, random_state=0,
                                   stratify=frame[target] if classification else None)
    train_csv = tmp / f"{name}_train.csv"
    train.to_csv(train_csv, index=False)
    env = {**os.environ, "AUTOML_STORAGE": f"sqlite:///{(tmp / 'h.db').as_posix()}"}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "automl", "run", str(train_csv), "--target", target,
                           "--time-budget", str(budget), "--study", name, "--out", str(tmp / name),
                           "--json"], capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{name}: automl run failed: {proc.stderr}")
    board = json.loads(subprocess.run(
        [sys.executable, "-m", "automl", "leaderboard", "--study", name, "--top", "100000", "--json"],
        capture_output=True, text=True, env=env, check=True).stdout)
    bundle = Bundle.load(tmp / name)
    pred = bundle.predict(test.drop(columns=target))
    classes = bundle.classes if classification else None
    ours = metric.score(test[target].to_numpy(),
                        pred.probabilities if metric.needs_proba else pred.predictions,
                        np.asarray(classes) if classes else None)
    base = _baseline(train.copy(), test.copy(), target, metric, classes)
    trials = board["trials"]
    return {
        "dataset": name, "metric": metric_name, "wall_s": wall, "limit_s": budget * 1.1 + 5,
        "trials": len(trials), "complete": sum(t["status"] == "complete" for t in trials),
        "families": len({t["family"] for t in trials if t["status"] == "complete"}),
        "automl": ours, "hgb_default": base,
        "better": (ours >= base) if metric.greater_is_better else (ours <= base),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=30.0)
    args = ap.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, metric in CASES:
            rows.append(run_case(name, target, metric, args.budget, Path(tmp)))
    print("| dataset | metric | wall s (limit) | trials (complete) | families | AutoML test | "
          "default HGB test | AutoML at least as good |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['dataset']} | {r['metric']} | {r['wall_s']:.1f} ({r['limit_s']:.0f}) | "
              f"{r['trials']} ({r['complete']}) | {r['families']} | {r['automl']:.4f} | "
              f"{r['hgb_default']:.4f} | {'yes' if r['better'] else 'NO'} |")
    return 0 if all(r["better"] and r["wall_s"] <= r["limit_s"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
