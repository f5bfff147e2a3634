"""How often monitoring is right: false alarms, detection, and the label-free estimate's error.

Not part of the test suite (the tests check the same goals on fewer repetitions).

* drift: for each table and seed, two random halves of the same table (train's profile vs
  the other half): the dataset verdict should be "ok" (false alarm otherwise) and the share of
  flagged columns small; then one numeric column shifted by half a training sd, and one
  category given 20 more points of share, should be flagged (detection).
* estimate: per binary table and seed, the benchmark split (75/25, stratified), a search of
  ``--budget`` seconds through the CLI, then ``automl monitor --labels`` on the test rows:
  the estimated ROC AUC (no labels used) against the realised one.

    python benchmarks/monitor_accuracy.py --drift-seeds 50
    python benchmarks/monitor_accuracy.py --estimate --budget 20 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from automl.data import load_dataset
from automl.data import profile_dataset
from automl.datasets import sample_path
from automl.monitor import Verdict
from automl.monitor import check_drift

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def _bench_table(name: str) -> tuple[pd.DataFrame, str]:
    if name in ("breast_cancer", "penguins", "wine", "diabetes"):
        targets = {"breast_cancer": "diagnosis", "penguins": "species", "wine": "cultivar",
                   "diabetes": "progression"}
        frame = pd.read_csv(sample_path(name))
        return frame, targets[name] if targets[name] in frame.columns else frame.columns[-1]
    sys.path.insert(0, str(BENCH))
    from bench_datasets import load

    frame, target, _ = load(name)
    return frame, target


def drift_rates(names: list[str], seeds: int, new_rows: int = 0) -> list[dict]:
    rows = []
    for name in names:
        frame, target = _bench_table(name)
        features = [c for c in frame.columns if c != target]
        alarms, shares, hit_num, hit_cat, n_cat = 0, [], 0, 0, 0
        for seed in range(seeds):
            idx = np.random.default_rng(seed).permutation(len(frame))
            train = frame.iloc[idx[: len(frame) // 2]].reset_index(drop=True)
            new = frame.iloc[idx[len(frame) // 2:]].reset_index(drop=True)
            if new_rows:  # fewer new rows than the training half: the distances get noisier
                new = new.head(new_rows)
            profile = profile_dataset(load_dataset(train), target=target)
            cols = profile.feature_columns(target)
            result = check_drift(profile, new, cols)
            alarms += result.verdict is Verdict.DRIFT
            shares.append(result.share)
            tested = [c for c in result.columns if c.test]
            rng = np.random.default_rng(seed)
            numeric = [c.column for c in tested if c.kind == "numeric"]
            if numeric:
                col = numeric[rng.integers(len(numeric))]
                moved = new.copy()
                # the new rows' mean moved to half a training sd from the training mean
                moved[col] = moved[col] - moved[col].mean() + train[col].mean() + 0.5 * train[col].std()
                hit_num += col in check_drift(profile, moved, cols).drifted_columns
            categorical = [c.column for c in tested if c.kind == "categorical"]
            if categorical:
                col = categorical[rng.integers(len(categorical))]
                moved = new.copy()
                level = moved[col].value_counts().index[-1]
                others = np.flatnonzero((moved[col] != level) & moved[col].notna())
                # the level's share in the new rows set to its training share + 20 points
                then = float((train[col] == level).sum() / train[col].notna().sum())
                now = float((moved[col] == level).sum() / moved[col].notna().sum())
                k = min(len(others), int(round((then + 0.2 - now) * moved[col].notna().sum())))
                moved.loc[rng.choice(others, k, replace=False), col] = level
                hit_cat += col in check_drift(profile, moved, cols).drifted_columns
                n_cat += 1
        rows.append({"table": name, "rows": len(frame), "new_rows": len(new), "features": len(features), "seeds": seeds,
                     "dataset_false_alarm_rate": alarms / seeds,
                     "column_flag_rate": float(np.mean(shares)),
                     "max_column_flag_share": float(np.max(shares)),
                     "detect_half_sd": hit_num / seeds,
                     "detect_20_points": (hit_cat / n_cat) if n_cat else None})
    return rows


def estimate_errors(names: list[str], seeds: list[int], budget: float) -> list[dict]:
    from sklearn.model_selection import train_test_split

    rows = []
    for name in names:
        frame, target = _bench_table(name)
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                train, test = train_test_split(frame, test_size=0.25, random_state=seed, shuffle=True,
                                               stratify=frame[target])
                train.to_csv(f"{tmp}/train.csv", index=False)
                test.to_csv(f"{tmp}/test.csv", index=False)
                env = {**os.environ, "AUTOML_HOME": f"{tmp}/home"}
                run = subprocess.run([sys.executable, "-m", "automl", "run", f"{tmp}/train.csv", "--target",
                                      target, "--metric", "roc_auc", "--time-budget", str(budget), "--seed",
                                      str(seed), "--out", f"{tmp}/bundle", "--json"],
                                     capture_output=True, text=True, env=env)
                if run.returncode:
                    raise SystemExit(f"{name} seed {seed}: automl run failed: {run.stderr.strip()[-300:]}")
                proc = subprocess.run([sys.executable, "-m", "automl", "monitor", f"{tmp}/bundle",
                                       f"{tmp}/test.csv", "--labels", target, "--json"],
                                      capture_output=True, text=True, env=env)
                if proc.returncode not in (0, 3):
                    raise SystemExit(f"{name} seed {seed}: automl monitor failed: {proc.stderr.strip()[-300:]}")
                doc = json.loads(proc.stdout)
                est, real = doc["estimate"], doc["realised"]
                rows.append({"table": name, "seed": seed, "test_rows": len(test),
                             "estimate": est["value"], "low": est["low"], "high": est["high"],
                             "realised": real["value"], "error": est["value"] - real["value"],
                             "covered": est["low"] <= real["value"] <= est["high"]})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--drift-seeds", type=int, default=0, help="splits per table for the drift rates")
    p.add_argument("--drift-tables", nargs="+", default=["breast_cancer", "penguins", "wine", "affairs", "default"])
    p.add_argument("--new-rows", type=int, default=0, help="check only this many new rows per split")
    p.add_argument("--estimate", action="store_true", help="measure the label-free estimate's error")
    p.add_argument("--estimate-tables", nargs="+", default=["breast_cancer", "affairs", "default"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--budget", type=float, default=20.0)
    args = p.parse_args(argv)
    if args.drift_seeds:
        for row in drift_rates(args.drift_tables, args.drift_seeds, args.new_rows):
            print(json.dumps(row), flush=True)
    if args.estimate:
        rows = estimate_errors(args.estimate_tables, args.seeds, args.budget)
        errors = np.abs([r["error"] for r in rows])
        print(json.dumps({"runs": len(rows), "mean_abs_error": float(errors.mean()),
                          "max_abs_error": float(errors.max()),
                          "interval_coverage": float(np.mean([r["covered"] for r in rows]))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
