"""One system, one split, one process: the runners that ``run_benchmark.py`` starts.

Executed as a script (never imported by the orchestrator), so each system runs in its own
process: crashes are isolated and wall time / peak RSS are measured from outside. This file
must import nothing but numpy and pandas at module level, because the AutoGluon runner is
executed by the AutoGluon venv's python, which has neither this project nor FLAML.

    python _bench_runners.py SYSTEM --job JOB.json

JOB.json holds: train, test (parquet paths; the test file has the target column too),
target, task ("binary" | "multiclass" | "regression"), metric, budget_s, seed, n_jobs,
text_columns, workdir, out_dir (and bundle/storage/study for "automl-predict").

Each runner writes ``out_dir/pred.npz`` (``proba`` n x k with ``classes`` as strings for
classification, ``pred`` for regression) and ``out_dir/meta.json`` (fit_s, post_fit_s,
trials, best_model and system-specific details). Scoring is done by the orchestrator,
identically for every system, from those files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

T_START = time.monotonic()


# -- shared helpers -------------------------------------------------------------------------

def _load(job: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.read_parquet(job["train"])
    test = pd.read_parquet(job["test"]).drop(columns=[job["target"]])
    return train, test


def _save(job: dict, meta: dict, *, proba=None, classes=None, pred=None) -> None:
    out = Path(job["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    arrays = {}
    if proba is not None:
        arrays["proba"] = np.asarray(proba, dtype=np.float64)
        arrays["classes"] = np.asarray([str(c) for c in classes])
    else:
        arrays["pred"] = np.asarray(pred, dtype=np.float64).ravel()
    np.savez(out / "pred.npz", **arrays)
    (out / "meta.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")


def _to_category(frame: pd.DataFrame, text: set[str]) -> pd.DataFrame:
    """String / object / bool columns (text columns excluded) as pandas 'category'."""
    frame = frame.copy()
    for col in frame.columns:
        s = frame[col]
        if col in text:
            continue
        if (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
                or pd.api.types.is_bool_dtype(s)) and not isinstance(s.dtype, pd.CategoricalDtype):
            frame[col] = s.astype("object").where(s.notna(), None).astype("category")
    return frame


# -- HistGradientBoosting baseline ------------------------------------------------------------

HGB_TEXT_FEATURES = 256  # hashed bag-of-words columns per text column
HGB_MAX_CATS = 250  # HGB's native categorical support takes at most 255 bins per column


def hgb_features(train: pd.DataFrame, test: pd.DataFrame, text: set[str]):
    """Default-model preprocessing, fitted on train only:

    - numeric and bool columns as they are (NaN kept: HGB handles missing values);
    - datetime columns -> seconds since the epoch (float);
    - string / object / category columns -> pandas 'category' (categories from train; unseen
      test values become missing); columns with more than 250 levels -> frequency-rank codes
      as a numeric column (HGB's native categoricals allow at most 255 bins);
    - free-text columns (named by the dataset spec) -> 256 hashed, l2-normalised word counts
      (HashingVectorizer, alternate_sign=False), dense.
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    X_tr, X_te = pd.DataFrame(index=train.index), pd.DataFrame(index=test.index)
    for col in train.columns:
        a, b = train[col], test[col]
        if col in text:
            hv = HashingVectorizer(n_features=HGB_TEXT_FEATURES, alternate_sign=False, norm="l2")
            for X, s in ((X_tr, a), (X_te, b)):
                m = hv.transform(s.fillna("").astype(str)).toarray()
                for j in range(m.shape[1]):
                    X[f"{col}__h{j}"] = m[:, j]
        elif pd.api.types.is_datetime64_any_dtype(a):
            X_tr[col] = _epoch_seconds(a)
            X_te[col] = _epoch_seconds(b)
        elif pd.api.types.is_bool_dtype(a) or pd.api.types.is_numeric_dtype(a):
            X_tr[col], X_te[col] = a.astype(float), b.astype(float)
        else:
            a, b = a.astype("object"), b.astype("object")
            counts = a.value_counts(dropna=True)
            if len(counts) > HGB_MAX_CATS:
                rank = {v: float(i) for i, v in enumerate(counts.index)}
                X_tr[col] = a.map(rank).astype(float)
                X_te[col] = b.map(rank).astype(float)
            else:
                dtype = pd.CategoricalDtype(categories=list(counts.index))
                X_tr[col] = a.where(a.isin(counts.index)).astype(dtype)
                X_te[col] = b.where(b.isin(counts.index)).astype(dtype)
    return X_tr, X_te


def _epoch_seconds(s: pd.Series) -> pd.Series:
    s = pd.to_datetime(s)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert(None)
    out = (s - pd.Timestamp("1970-01-01")).dt.total_seconds()
    return out.astype(float)


def run_hgb(job: dict) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.ensemble import HistGradientBoostingRegressor

    train, test = _load(job)
    y = train.pop(job["target"])
    t0 = time.monotonic()
    X_tr, X_te = hgb_features(train, test, set(job.get("text_columns") or ()))
    if job["task"] == "regression":
        model = HistGradientBoostingRegressor(categorical_features="from_dtype",
                                              random_state=job["seed"])
    else:
        model = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                               random_state=job["seed"])
    model.fit(X_tr, y)
    fit_s = time.monotonic() - t0
    t1 = time.monotonic()
    meta = {"fit_s": fit_s, "trials": 1, "best_model": type(model).__name__,
            "n_features": X_tr.shape[1], "n_iter": int(model.n_iter_)}
    if job["task"] == "regression":
        pred = model.predict(X_te)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, pred=pred)
    else:
        proba = model.predict_proba(X_te)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, proba=proba, classes=model.classes_)


# -- FLAML ----------------------------------------------------------------------------------

def run_flaml(job: dict) -> None:
    from flaml import AutoML

    train, test = _load(job)
    y = train.pop(job["target"])
    # pandas >= 3 stores strings as the 'str' dtype, which FLAML's own transformer does not
    # treat as categorical; hand it 'category' columns (what that transformer produces anyway).
    # Free text is left as strings: FLAML decides what to do with it.
    text = set(job.get("text_columns") or ())
    train, test = _to_category(train, text), _to_category(test, text)
    for frame in (train, test):
        for col in text:
            if col in frame.columns:
                frame[col] = frame[col].astype("object")
    automl = AutoML()
    task = "regression" if job["task"] == "regression" else "classification"
    log = Path(job["workdir"]) / "flaml.log"
    t0 = time.monotonic()
    automl.fit(X_train=train, y_train=y, task=task, metric=job["metric"],
               time_budget=job["budget_s"], n_jobs=job["n_jobs"], seed=job["seed"],
               verbose=0, log_file_name=str(log))
    fit_s = time.monotonic() - t0
    t1 = time.monotonic()
    # every trial bumps _iter_per_learner; config_history (and the log file) hold only the
    # trials that improved on their learner's best
    families = {k: int(v) for k, v in (getattr(automl, "_iter_per_learner", None) or {}).items()}
    history = getattr(automl, "config_history", {}) or {}
    meta = {"fit_s": fit_s, "trials": sum(families.values()) or len(history),
            "improving_trials": len(history), "best_model": automl.best_estimator,
            "best_config": automl.best_config, "best_cv_loss": automl.best_loss,
            "families": families}
    if job["task"] == "regression":
        pred = automl.predict(test)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, pred=pred)
    else:
        proba = automl.predict_proba(test)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, proba=proba, classes=list(automl.classes_))


# -- AutoGluon (run by the AutoGluon venv's python) -------------------------------------------

AG_METRICS = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}


def run_autogluon(job: dict) -> None:
    from autogluon.tabular import TabularPredictor

    train, test = _load(job)
    path = Path(job["workdir"]) / "ag-models"
    t0 = time.monotonic()
    predictor = TabularPredictor(label=job["target"], problem_type=job["task"],
                                 eval_metric=AG_METRICS[job["metric"]], path=str(path),
                                 verbosity=0)
    predictor.fit(train, time_limit=job["budget_s"], presets="medium_quality",
                  num_cpus=job["n_jobs"])
    fit_s = time.monotonic() - t0
    t1 = time.monotonic()
    names = predictor.model_names()
    meta = {"fit_s": fit_s, "trials": len(names), "best_model": predictor.model_best,
            "models": names}
    if job["task"] == "regression":
        pred = predictor.predict(test)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, pred=pred.to_numpy())
    else:
        proba = predictor.predict_proba(test, as_multiclass=True)
        meta["post_fit_s"] = time.monotonic() - t1
        _save(job, meta, proba=proba.to_numpy(), classes=list(proba.columns))
    try:
        lb = predictor.leaderboard(silent=True)
        meta["leaderboard"] = lb[["model", "score_val", "fit_time"]].head(10).to_dict("records")
        (Path(job["out_dir"]) / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
    except Exception:  # informative only
        pass


# -- this project: prediction with the bundle written by `automl run --out` ------------------

def run_automl_predict(job: dict) -> None:
    """Score the test rows with the bundle and summarise the study's trials by family."""
    from automl.export import Bundle

    _, test = _load(job)
    t1 = time.monotonic()
    bundle = Bundle.load(job["bundle"])
    meta: dict = {"final_model": (bundle.metadata.get("model") or {}).get("final")}
    if job["task"] == "regression":
        pred = bundle.predict(test, proba=False)
        meta["post_fit_s"] = time.monotonic() - t1
        _save_project(job, meta, pred=pred.predictions)
    else:
        pred = bundle.predict(test, proba=True)
        meta["post_fit_s"] = time.monotonic() - t1
        _save_project(job, meta, proba=pred.probabilities, classes=list(pred.classes))


def _save_project(job: dict, meta: dict, **arrays) -> None:
    try:
        meta.update(study_summary(job["storage"], job["study"]))
    except Exception as exc:  # the engine changes under us; the score matters more
        meta["study_summary_error"] = f"{type(exc).__name__}: {exc}"
    _save(job, meta, **arrays)


def study_summary(storage: str, study: str) -> dict:
    """Per family: complete / pruned / failed counts, best CV score, error messages."""
    from automl.records import Leaderboard

    board = Leaderboard.from_study(study, storage)
    fams: dict[str, dict] = {}
    errors: dict[str, int] = {}
    for r in board.records:
        f = fams.setdefault(r.family or "?", {"complete": 0, "pruned": 0, "failed": 0,
                                               "other": 0, "best": None, "seconds": 0.0})
        key = r.status if r.status in ("complete", "pruned", "failed") else "other"
        f[key] += 1
        f["seconds"] += float(r.duration_seconds or 0.0)
        if r.status == "complete" and r.score is not None:
            better = (f["best"] is None or (r.score > f["best"] if board.greater_is_better
                                            else r.score < f["best"]))
            if better:
                f["best"] = r.score
        if r.status == "failed":
            msg = f"{r.family}: {r.error_type}: {(r.error_message or '')[:120]}"
            errors[msg] = errors.get(msg, 0) + 1
    for f in fams.values():
        f["seconds"] = round(f["seconds"], 2)
    best = board.best
    return {"families": fams, "failures": errors,
            "best_family": best.family if best else None,
            "best_cv": best.score if best else None,
            "best_params": best.params if best else None}


RUNNERS = {"hgb": run_hgb, "flaml": run_flaml, "autogluon": run_autogluon,
           "automl-predict": run_automl_predict}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("system", choices=sorted(RUNNERS))
    ap.add_argument("--job", required=True, type=Path)
    args = ap.parse_args(argv)
    job = json.loads(args.job.read_text(encoding="utf-8"))
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        RUNNERS[args.system](job)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
