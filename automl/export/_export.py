"""Exporting a trial as a bundle: from a finished search, or later from the storage."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import make_url

from automl import insights
from automl.data import Dataset
from automl.errors import ConfigError
from automl.export._bundle import write_bundle
from automl.export._card import card_plots
from automl.export._card import model_card
from automl.export._mlflow import mlflow_files
from automl.export._schema import schema_from_profile
from automl.models import get_family
from automl.records import Leaderboard
from automl.records import TrialRecord
from automl.records import load_study
from automl.search import FinalKind
from automl.search import Reopened
from automl.search import SearchResult
from automl.search import reopen

MAX_EXAMPLE_ROWS = 3


def export_search_result(result: SearchResult, dataset: Dataset, out_dir: str | os.PathLike) -> Path:
    """Write the bundle of a search's refit model (the best trial unless it fell back)."""
    if result.refit is None:
        raise ConfigError("This search has no refit model to export (it was stopped or ran "
                          "with refit off). Use `automl export --study ...`.")
    board = Leaderboard.from_study(result.study_name, result.storage_url)
    record = next(r for r in board.records if r.number == result.refit.trial_number)
    try:
        final = result.refit
        return _assemble(out_dir, final.path, reopen(result), board, record,
                         final.importances, result.oof.get(record.number), dataset,
                         result.storage_url, final_kind=(final.kind, final.reason))
    finally:
        Path(result.refit.path).unlink(missing_ok=True)


def export_trial(
    study_name: str,
    out_dir: str | os.PathLike,
    *,
    storage_url: str | None = None,
    trial_number: int | None = None,
    data: str | os.PathLike | Dataset | None = None,
) -> Path:
    """Refit one trial of a stored study on its data and write the bundle.

    Args:
        study_name: The study.
        out_dir: Bundle folder to write (created; an existing bundle there is replaced).
        storage_url: Storage of the study (default storage if None).
        trial_number: The trial; None for the best completed one.
        data: The training data; None to re-read the file the study recorded.

    Raises:
        ConfigError: Unknown study or trial, or a trial that did not complete.
        DataError: The data cannot be found or differs from what the study was run on.
    """
    study = load_study(study_name, storage_url)
    board = Leaderboard.from_study(study_name, storage_url)
    record = board.completed_trial(trial_number)
    problem = reopen(study, data)
    oof = None
    if record.family != "ensemble" and problem.n_rows <= 50_000:
        _, oof = problem.rescore(record.family, record.params)
    pipe = problem.refit_trial(record, board.records)
    importances = problem.importances(pipe)
    import joblib

    fd, path = tempfile.mkstemp(prefix="automl-export-", suffix=".joblib")
    os.close(fd)
    try:
        joblib.dump(pipe, path)
        kind = FinalKind.ENSEMBLE_REFIT if record.family == "ensemble" else FinalKind.SINGLE_REFIT
        return _assemble(out_dir, path, problem, board, record, importances, oof, problem.dataset,
                         storage_url or "", final_kind=(kind, "exported from the study"))
    finally:
        Path(path).unlink(missing_ok=True)


def _assemble(out_dir, model_path, problem: Reopened, board: Leaderboard, record: TrialRecord,
              importances: dict[str, float], oof: np.ndarray | None, dataset: Dataset,
              storage_url: str, final_kind: tuple[FinalKind, str]) -> Path:
    task, metric = problem.task, problem.metric
    if record.family == "ensemble":
        on_log = {r.number for r in board.records if r.params.get("target_transform") == "log"}
        log = f" on log(1 + {task.target})"
        model = {"family": "ensemble", "label": "Weighted ensemble of the best trials",
                 "params": {**{f"{m['family']}{log if m['trial'] in on_log else ''}"
                               f" (trial {m['trial']})": m["weight"]
                               for m in record.members}, **record.params},
                 "members": list(record.members)}
    else:
        family = get_family(record.family)
        model = {"family": family.name, "label": family.label, "params": record.params}
    kind, reason = final_kind
    model["final"] = {"kind": kind.value, "label": kind.label, "reason": reason}
    schema = schema_from_profile(problem.profile, problem.features)
    metadata: dict[str, Any] = {
        "task": task.to_dict(),
        "scores": {
            "metric": metric.name, "metric_label": metric.label,
            "greater_is_better": metric.greater_is_better, "cv": problem.cv_label,
            "cv_mean": record.score, "cv_std": record.score_std,
            "fold_scores": list(record.fold_scores), "holdout": None,
        },
        "model": model,
        "input_schema": [c.to_dict() for c in schema],
        "lineage": {
            "study": board.study_name, "storage": _redact(storage_url), "trial": record.number,
            "dataset_sha256": dataset.sha256, "source": dataset.source,
            "rows": task.n_rows,
        },
        "importances": importances,
    }
    y = problem.y
    found: dict[str, Any] = {"history": insights.history_data(board)}
    if oof is not None:  # out-of-fold predictions; a holdout covers only its validation rows
        oof = oof[0]  # the first repeat of the k-fold: one model's prediction per row
        scored = _scored_rows(oof)
        oof, y = (oof[scored], y[scored]) if scored.any() else (None, y)
    if oof is not None:
        if task.kind.is_classification:
            found["confusion"] = insights.confusion_data(y, oof, task.classes)
            if metric.needs_proba:
                found["roc"] = insights.roc_data(y, oof, task.classes)
        else:
            found["residuals"] = insights.residual_data(y, oof)
    figures = card_plots(task.kind.value, importances, found)
    example = dataset.frame[list(problem.features)].head(MAX_EXAMPLE_ROWS)
    example_records = [{k: _plain(v) for k, v in row.items()} for row in example.to_dict("records")]
    extra: dict[str, str | bytes] = dict(figures)
    extra.update(mlflow_files(metadata, example_records))
    md, html_card = model_card(metadata, problem.profile, board, figures)
    extra["model_card.md"] = md
    extra["model_card.html"] = html_card
    extra.update(_monitor_reference(task, oof, y))
    return write_bundle(out_dir, model_path, metadata, problem.profile, extra)


def _monitor_reference(task, oof: np.ndarray | None, y: np.ndarray) -> dict[str, str]:
    """monitor_reference.json: out-of-fold prediction distribution and calibration (never rows)."""
    from automl.monitor import reference_files

    return reference_files(task.kind.value, task.classes, oof, y)


def _scored_rows(oof: np.ndarray) -> np.ndarray:
    """Rows with an out-of-fold prediction (numbers: finite; labels: not None)."""
    if oof.dtype == object:
        return np.array([v is not None for v in oof.reshape(len(oof), -1)[:, 0]])
    return np.isfinite(oof.reshape(len(oof), -1)).all(axis=1)


def _plain(v):
    if v is None:
        return None
    if isinstance(v, float) and np.isnan(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def _redact(url: str) -> str:
    if not url:
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is kept out of the metadata
        return "<unparseable>"
