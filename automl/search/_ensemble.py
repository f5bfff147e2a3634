"""Greedy ensemble selection (Caruana et al., 2004) over out-of-fold predictions.

Starting from the best trial, repeatedly add (with replacement) the trial whose addition
most improves the averaged out-of-fold score; keep the best prefix. The weights are how
often each trial was picked. This is the step that lifts auto-sklearn and AutoGluon above
their best single model; here it costs a few metric evaluations per candidate and round.
When the metric is log loss, a temperature is then fit on the ensemble's out-of-fold
probabilities (averaged models are under-confident; one parameter, a grid over 0.25-4).
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np

from automl.metrics import Metric
from automl.models._ensemble import scale_proba
from automl.search._evaluate import repeat_of

MAX_CANDIDATES = 15
MAX_ROUNDS = 40
MAX_ROWS = 20_000  # selection rows (sampled) for very large holdouts
MIN_GAIN = 1e-4  # relative gain over the best single trial needed to prefer the ensemble
TEMPERATURES = np.geomspace(0.25, 4.0, 41)


@dataclass(frozen=True)
class EnsemblePlan:
    weights: dict[int, float]  # trial number -> weight (sums to 1)
    score: float  # mean fold score of the weighted average, comparable with the trials'
    fold_scores: tuple[float, ...]
    oof: np.ndarray  # the ensemble's out-of-fold predictions, (repeats, rows, ...)
    temperature: float = 1.0  # applied to the averaged probabilities (log loss only)


def select_ensemble(
    oofs: dict[int, np.ndarray],
    scores: dict[int, float],
    y: np.ndarray,
    metric: Metric,
    classes: np.ndarray | None,
    splits,
    seed: int = 0,
    families: dict[int, str] | None = None,
) -> EnsemblePlan | None:
    """The ensemble of the given trials that scores best out of fold, or None when it does
    not beat the best single trial (or when the metric scores hard labels).

    ``oofs`` hold each trial's out-of-fold predictions per repeat of the k-fold, shape
    ``(repeats, rows, ...)``; a candidate is scored on each repeat and the scores averaged,
    so an ensemble is judged as the single models that are refit, not as their averages.
    The candidates are the best trials overall plus the best of each family (``families``:
    trial -> family): a search that settled on one family would otherwise offer only its
    near-copies, which average to little.
    """
    if not metric.needs_proba and metric.tasks[0].is_classification:
        return None  # averaging labels is not meaningful; probabilities are not kept
    sign = 1.0 if metric.greater_is_better else -1.0
    ranked = sorted((n for n in oofs if n in scores), key=lambda n: -sign * scores[n])
    pool = ranked[:MAX_CANDIDATES]
    if families:
        best_of: dict[str, int] = {}
        for n in ranked:
            best_of.setdefault(families.get(n, ""), n)
        pool += [n for n in best_of.values() if n not in pool]
    if len(pool) < 2:
        return None
    stack = np.stack([np.asarray(oofs[n], dtype=float) for n in pool])  # (trial, repeat, row, ...)
    n_repeats = stack.shape[1]
    rows = np.isfinite(stack.reshape(len(pool), n_repeats, len(y), -1)).all(axis=(0, 1, 3))
    idx = np.flatnonzero(rows)
    if len(idx) > MAX_ROWS:
        idx = np.sort(np.random.default_rng(seed).choice(idx, MAX_ROWS, replace=False))
    if len(idx) < 10:
        return None
    sub, y_sub = stack[:, :, idx], y[idx]
    score_rows = metric.scorer(y_sub, classes)

    def score(pred) -> float:
        return float(np.mean([score_rows(part) for part in pred]))

    picks = [0]
    total = sub[0].copy()
    best_score, best_len = score(total), 1
    single = best_score
    for _ in range(MAX_ROUNDS - 1):
        n = len(picks) + 1
        trial_scores = [score((total + sub[j]) / n) for j in range(len(pool))]
        j = int(np.argmax([sign * s for s in trial_scores]))
        picks.append(j)
        total += sub[j]
        if sign * trial_scores[j] > sign * best_score:
            best_score, best_len = trial_scores[j], len(picks)
    if sign * (best_score - single) <= MIN_GAIN * max(abs(single), 1e-12) or best_len == 1:
        return None
    counts = collections.Counter(picks[:best_len])
    weights = {pool[j]: c / best_len for j, c in counts.items()}
    oof = sum(w * np.asarray(oofs[n], dtype=float) for n, w in weights.items())
    temperature = 1.0
    if metric.name == "log_loss":
        temperature = fit_temperature(oof[:, idx], y_sub, metric, classes)
        oof = scale_proba(oof, temperature)
    fold_scores = []
    for i, (_, valid) in enumerate(splits):
        part = oof[repeat_of(i, n_repeats, len(splits)), valid]
        if np.isfinite(part).all():
            fold_scores.append(metric.score(y[valid], part, classes))
    if len(fold_scores) != len(splits):
        return None
    # Recorded and compared like every trial: the mean of its fold scores. (Selection used
    # whole out-of-fold sets, which for ROC AUC is not the same number.)
    score = float(np.mean(fold_scores))
    if sign * (score - scores[pool[0]]) <= MIN_GAIN * max(abs(scores[pool[0]]), 1e-12):
        return None
    return EnsemblePlan(weights, score, tuple(fold_scores), oof, temperature)


def fit_temperature(proba: np.ndarray, y: np.ndarray, metric: Metric, classes) -> float:
    """The temperature (grid over 0.25-4) that minimises the mean log loss over repeats of
    ``proba`` (repeats, rows, classes); 1.0 unless another one gains more than MIN_GAIN."""
    score_rows = metric.scorer(y, classes)

    def loss(t: float) -> float:
        return float(np.mean([score_rows(scale_proba(part, t)) for part in proba]))

    base = loss(1.0)
    losses = [loss(t) for t in TEMPERATURES]
    best = int(np.argmin(losses))
    if base - losses[best] <= MIN_GAIN * base:
        return 1.0
    return float(TEMPERATURES[best])
