"""The budget arithmetic of a run, as pure functions of what was measured.

The promise: a run ends, bundle on disk, within ``budget_s * 1.1 + 5`` seconds of the process
start. The search aims at ``budget_s``; the slack above it is for the final model and the
export, and for the first trial of a run that has nothing to export yet.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from collections.abc import Sequence

PROMISE_FACTOR = 1.1
PROMISE_SLACK_S = 5.0
# Writing the bundle: the model file, profile, model card with its plots, MLflow files.
# Measured (docs/benchmarks.md): about 1.2 s on a small table, plus the pickling and the
# plots' share that grows with the rows (about 1 s per 100,000 rows x 10 features).
EXPORT_BASE_S = 1.5
EXPORT_S_PER_MILLION_CELLS = 1.0
# The model file is loaded, written again as a deflated model.skops, copied and hashed: up
# to 0.1 s per MB of pickle on a loaded 2-core machine. Tree ensembles save their trees
# packed (automl/models/_trees.py), so the cost follows megabytes, not the number of trees:
# a 65 MB extra-trees model takes 1.6 s of CPU to write and check (a 500-tree gradient
# boosting took 3 s before packing, whatever its size, and 0.1 s since).
EXPORT_S_PER_MB = 0.1
SAFETY_S = 0.5  # scheduling and process teardown
REFIT_SCALE = 1.3  # a refit on all rows costs more than its share of rows suggests
REFIT_OVERHEAD_S = 0.3
OVERRUN_TOLERANCE = 0.9  # stop a trial whose projected end is past its deadline by this share
MIN_TRAIN_FRACTION = 0.1  # a first trial on fewer of a fold's rows says too little
SAMPLE_SHARE = 0.7  # of the time a sampled first trial may take, aimed at


def promise_end(t0: float, budget_s: float) -> float:
    """The monotonic time by which the run must have written its bundle."""
    return t0 + budget_s * PROMISE_FACTOR + PROMISE_SLACK_S


def export_reserve_s(n_rows: int, n_features: int, model_mb: float = 0.0) -> float:
    """Seconds kept at the end for writing the bundle of a table of this size and a model
    file of about ``model_mb`` megabytes."""
    return (EXPORT_BASE_S + EXPORT_S_PER_MILLION_CELLS * n_rows * max(1, n_features) / 1e6
            + EXPORT_S_PER_MB * model_mb)


def final_end(t0: float, budget_s: float, n_rows: int, n_features: int,
              model_mb: float = 0.0) -> float:
    """The time by which the final model must be on disk, leaving room to export it."""
    return promise_end(t0, budget_s) - export_reserve_s(n_rows, n_features, model_mb) - SAFETY_S


def refit_seconds(fold_fit_s: float, n_full: int, n_fold_train: int) -> float:
    """Expected seconds to refit on ``n_full`` rows a model whose fit (preprocessing
    included) took ``fold_fit_s`` on a fold of ``n_fold_train`` rows."""
    return fold_fit_s * n_full / max(1, n_fold_train) * REFIT_SCALE + REFIT_OVERHEAD_S


def refit_reserve_s(best_fold_fit_s: float, top_fold_fit_s: Sequence[float], n_full: int,
                    n_fold_train: int, n_jobs: int, budget_s: float) -> float:
    """Time the search leaves for the final refit: the best trial's refit, or the top
    trials' refits side by side on ``n_jobs`` workers (a likely ensemble), whichever is
    longer, and never more than half the budget."""
    single = refit_seconds(best_fold_fit_s, n_full, n_fold_train)
    several = sum(refit_seconds(s, n_full, n_fold_train) for s in top_fold_fit_s) / max(1, n_jobs)
    return min(budget_s * 0.5, max(single, several) + 1.0)


def projected_seconds(elapsed_s: float, folds_done: int, n_folds: int) -> float:
    """A trial's whole duration at the pace of its first ``folds_done`` folds."""
    return elapsed_s * n_folds / max(1, folds_done)


def estimate_seconds(family: str, costs: Mapping[str, float],
                     durations: Mapping[str, Sequence[float]]) -> float | None:
    """Expected seconds of one trial of ``family``: the median of its own trials, else the
    median seconds per unit of cost of the families seen so far, times its cost hint;
    None before any trial ended."""
    seen = durations.get(family)
    if seen:
        return statistics.median(seen)
    known = [(costs[f], statistics.median(d)) for f, d in durations.items() if d and f in costs]
    if not known:
        return None
    return statistics.median(d / c for c, d in known) * costs[family]


def train_fractions(estimates: Mapping[str, float | None], completed: set[str], left_s: float,
                    limit_s: float) -> dict[str, float]:
    """The families that can start a trial now, each with the share of a fold's training
    rows it fits on.

    A family whose expected trial (``estimates``; None: nothing known yet) fits the time
    left runs on all rows. One with no completed trial yet that would not fit even one
    trial in ``limit_s`` (the time left, or the per-trial limit if shorter) gets a first
    trial on a sample sized to fit, instead of a timeout, while the sample keeps
    ``MIN_TRAIN_FRACTION`` of the rows. Others wait.
    """
    out = {}
    for name, est in estimates.items():
        if est is None or est <= (left_s if name in completed else limit_s):
            out[name] = 1.0
        elif name not in completed:
            fraction = SAMPLE_SHARE * limit_s / est
            if fraction >= MIN_TRAIN_FRACTION:
                out[name] = round(fraction, 3)
    return out


def pace_verdict(started: float, now: float, folds_done: int, n_folds: int, deadline: float,
                 limit_s: float) -> tuple[float, str, bool] | None:
    """Whether a trial, at the pace of its folds so far, would end after its deadline:
    None if not, else (projected seconds, why in the user's words, whether its own per-trial
    limit is the deadline rather than the search's end).

    Such a trial would be killed at the deadline with nothing to show; stopping it at once
    frees the worker (which keeps its preprocessing cache) for trials that can finish.
    """
    elapsed = now - started
    projected = projected_seconds(elapsed, folds_done, n_folds)
    if started + OVERRUN_TOLERANCE * projected <= deadline:
        return None
    own_limit = abs(deadline - (started + limit_s)) <= 1e-3
    if own_limit:
        return projected, (f"stopped after {elapsed:.1f} s: at the pace of its first "
                           f"{folds_done} folds it needed about {projected:.0f} s, over the "
                           f"per-trial limit ({limit_s:.0f} s)"), True
    return projected, (f"at the pace of its first {folds_done} folds it would end "
                       f"{started + projected - deadline:.0f} s after the search"), False
