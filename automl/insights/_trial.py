"""Plot data about one stored trial and about a whole study, recomputed from the storage.

The GUI's Results step shows, for the best or the selected trial, a confusion matrix and a
ROC curve (classification) or predicted-vs-actual and residuals (regression), plus feature
importances; and for the study, the importance of each search parameter. The search does
not keep out-of-fold predictions in the storage, so this module recomputes them: it reopens
the study's problem from its recorded config and data (``automl.search.reopen``: the same
folds) and scores the trial again. Same seed, same folds, same model; an ensemble trial is
its members re-scored and weighted as recorded.

Headless (no Qt); each function may take seconds and is meant for a worker thread.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from dataclasses import field

import numpy as np
import optuna
from optuna.trial import TrialState

from automl.data import Dataset
from automl.insights._data import ConfusionData
from automl.insights._data import ResidualData
from automl.insights._data import RocData
from automl.insights._data import confusion_data
from automl.insights._data import residual_data
from automl.insights._data import roc_data
from automl.records import Leaderboard
from automl.records import load_study
from automl.search import reopen

__all__ = [
    "MIN_TRIALS_FOR_IMPORTANCE",
    "ParamImportances",
    "TrialInsights",
    "param_importances",
    "trial_insights",
]

MIN_TRIALS_FOR_IMPORTANCE = 5


@dataclass(frozen=True)
class TrialInsights:
    """What the Results step draws for one trial.

    Attributes:
        study_name: The study.
        trial_number: The trial.
        family: Its model family.
        task: "binary", "multiclass" or "regression".
        confusion: Confusion matrix of the out-of-fold predictions (classification).
        roc: ROC curve (binary classification with probabilities), else None.
        residuals: Out-of-fold predictions against the truth (regression).
        importances: Permutation importance per input column (may be empty: too slow).
        notes: Remarks for the user (e.g. why a plot is missing).
    """

    study_name: str
    trial_number: int
    family: str
    task: str
    confusion: ConfusionData | None = None
    roc: RocData | None = None
    residuals: ResidualData | None = None
    importances: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParamImportances:
    """Importance of each search parameter for the score (normalised to sum to 1).

    Attributes:
        importances: Parameter name (``family`` or ``<family>.<param>``) -> importance,
            largest first; empty when they cannot be computed.
        n_trials: Completed trials they are based on.
        note: Why they are empty or uncertain, for the user; None when all is well.
    """

    importances: dict[str, float]
    n_trials: int
    note: str | None = None


def param_importances(
    study_name: str, storage_url: str | None = None, *,
    min_trials: int = MIN_TRIALS_FOR_IMPORTANCE,
) -> ParamImportances:
    """Importance of the search parameters (Optuna's default evaluator, conditional-aware).

    Raises:
        ConfigError: No study of that name.
    """
    study = load_study(study_name, storage_url)
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and math.isfinite(t.value)]
    if len(done) < min_trials:
        return ParamImportances({}, len(done), (
            f"Parameter importances need at least {min_trials} completed trials; "
            f"this study has {len(done)}. Run a longer search."))
    if len({t.value for t in done}) < 2:
        return ParamImportances({}, len(done), "Every trial scored the same: no parameter "
                                "made a difference that can be measured.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            values = optuna.importance.get_param_importances(study)
        except (ValueError, RuntimeError, ZeroDivisionError) as exc:
            return ParamImportances({}, len(done), "Parameter importances could not be "
                                    f"computed: {' '.join(str(exc).split())}")
    clean = {str(k): float(v) for k, v in values.items() if math.isfinite(v)}
    note = None
    if len(done) < 2 * min_trials:
        note = f"Based on only {len(done)} completed trials: treat as a rough guide."
    elif any("less than 2 trials" in str(w.message) for w in caught):
        note = ("Some parameters were tried in only a few trials; their importances are a "
                "rough guide.")
    return ParamImportances(dict(sorted(clean.items(), key=lambda kv: -kv[1])), len(done), note)


def trial_insights(
    study_name: str,
    storage_url: str | None = None,
    trial_number: int | None = None,
    *,
    data: str | os.PathLike | Dataset | None = None,
    with_importances: bool = True,
) -> TrialInsights:
    """Recompute the out-of-fold predictions (and importances) of one stored trial.

    Args:
        study_name: The study.
        storage_url: Its storage (None: the default one).
        trial_number: The trial; None for the best completed one.
        data: The training data (a Dataset already in memory, or a path); None to re-read
            the file the study recorded.
        with_importances: Also fit the configuration on the search rows and compute
            permutation importances of the input columns.

    Raises:
        ConfigError: Unknown study or trial, or a trial that did not complete.
        DataError: The data cannot be found or is not what the study was run on.
    """
    study = load_study(study_name, storage_url)
    board = Leaderboard.from_study(study_name, storage_url)
    record = board.completed_trial(trial_number)
    problem = reopen(study, data, hint="Open the original file to see plots of its trials.")
    task = problem.task
    _, oof = problem.rescore_trial(record, board.records)
    oof = oof[0]  # the first repeat of the k-fold: one model's prediction per row
    y = problem.y
    notes: list[str] = []
    confusion = roc = residuals = None
    if problem.cv["kind"] == "holdout":
        keep = ~np.isnan(np.asarray(oof, dtype=float).reshape(len(y), -1)).any(axis=1)
        y, oof = y[keep], oof[keep]
        notes.append("Plots use the 20% holdout rows (large data: no k-fold).")
    if task.kind.is_classification:
        confusion = confusion_data(y, oof, task.classes)
        if problem.metric.needs_proba:
            roc = roc_data(y, oof, task.classes)
        if roc is None and task.kind.value == "binary":
            notes.append("No ROC curve: the metric scores hard labels, not probabilities.")
    else:
        residuals = residual_data(y, oof)
    importances: dict[str, float] = {}
    if with_importances:
        pipe = problem.refit_trial(record, board.records, rows="search")
        importances = problem.importances(pipe, rows="search")
        if not importances:
            notes.append("Feature importances skipped: scoring the model is too slow.")
    return TrialInsights(study_name, record.number, record.family or "?", task.kind.value,
                         confusion, roc, residuals, importances, tuple(notes))


