"""A new study on new data, seeded with known configurations scored on that data.

Retraining starts here: the champion's configuration (``refit``) or its study's best ones
(``warm``) are cross-validated on the new rows with the same folds a search would use, and
recorded as the new study's first trials, so their scores are honest on the new data. A
``warm`` search then resumes that study (the sampler learns from them); ``refit`` exports
the champion's configuration straight away.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import optuna
from optuna.trial import FrozenTrial
from optuna.trial import TrialState

from automl.data import Dataset
from automl.errors import SearchError
from automl.records import TrialRecord
from automl.records import keys as K
from automl.search import Reopened
from automl.search import RunConfig
from automl.search import reopen
from automl.storage import open_storage


def best_configurations(study: optuna.Study, k: int) -> list[FrozenTrial]:
    """The ``k`` best completed single-model trials of a study, best first."""
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.value is not None and t.params.get("family")]
    return sorted(done, key=lambda t: sign * t.value)[:k]


def seed_study(config: RunConfig, dataset: Dataset, trials: list[FrozenTrial],
               ensemble: TrialRecord | None = None) -> tuple[str, int]:
    """Create ``config.study_name`` on ``dataset`` and record ``trials`` re-scored on it.

    Args:
        config: The run settings; ``study_name`` must be new.
        dataset: The new data.
        trials: Configurations to score (their family and params are taken).
        ensemble: An ensemble whose members are ``trials`` (same order); recorded as one
            more trial with the same weights, scored on the new folds.

    Returns:
        The study name and the number of its best seeded trial.

    Raises:
        SearchError: No configuration could be scored on the new data.
    """
    problem = reopen(replace(config, resume=False), dataset)
    metric = problem.metric
    storage = open_storage(config.storage_url)
    study = optuna.create_study(storage=storage, study_name=config.study_name,
                                direction=metric.direction)
    problem.describe(study)
    oofs, numbers, errors = {}, {}, []
    for t in trials:
        family = t.params["family"]
        params = {k[len(family) + 1:]: v for k, v in t.params.items() if k.startswith(f"{family}.")}
        t0 = time.perf_counter()
        try:
            folds, oof = problem.rescore(family, params)
        except Exception as exc:  # noqa: BLE001 - a configuration that no longer fits the data
            errors.append(f"{family}: {type(exc).__name__}: {exc}")
            continue
        scores = [f.score for f in folds]
        result = {K.FAMILY: family, K.FOLD_SCORES: scores, K.SCORE_MEAN: float(np.mean(scores)),
                  K.SCORE_STD: float(np.std(scores)),
                  K.FIT_SECONDS: float(sum(f.fit_seconds for f in folds)),
                  K.PREDICT_SECONDS: float(sum(f.predict_seconds for f in folds)),
                  K.DURATION_SECONDS: round(time.perf_counter() - t0, 4),
                  K.REASON: f"seeded from study trial {t.number}"}
        study.add_trial(optuna.trial.create_trial(
            state=TrialState.COMPLETE, value=result[K.SCORE_MEAN], params=t.params,
            distributions=t.distributions, user_attrs={K.TRIAL_RESULT: result}))
        numbers[t.number] = len(study.trials) - 1
        oofs[t.number] = oof
    if not numbers:
        raise SearchError("None of the champion's configurations could be scored on the new "
                          f"data ({'; '.join(errors)[:300]}). Retrain with --mode search.")
    if ensemble is not None and set(numbers) == {m["trial"] for m in ensemble.members}:
        _add_ensemble(study, ensemble, numbers, oofs, problem)
    sign = 1.0 if metric.greater_is_better else -1.0
    done = [t for t in study.get_trials(deepcopy=False) if t.value is not None]
    best = max(done, key=lambda t: sign * t.value)
    return study.study_name, best.number


def _add_ensemble(study, ensemble: TrialRecord, numbers, oofs, problem: Reopened) -> None:
    """The ensemble's weights over its re-scored members, scored fold by fold."""
    weights = {m["trial"]: m["weight"] for m in ensemble.members}
    temperature = ensemble.params.get("temperature", 1.0)
    scores, _ = problem.combine(oofs, weights, temperature)
    members = [{"trial": numbers[m["trial"]], "family": m["family"], "weight": m["weight"]}
               for m in ensemble.members]
    result = {K.FAMILY: "ensemble", K.FOLD_SCORES: scores, K.SCORE_MEAN: float(np.mean(scores)),
              K.SCORE_STD: float(np.std(scores)), K.MEMBERS: members, K.DURATION_SECONDS: 0.0,
              K.REASON: f"seeded from study trial {ensemble.number}"}
    if temperature != 1.0:
        result[K.TEMPERATURE] = temperature
    study.add_trial(optuna.trial.create_trial(state=TrialState.COMPLETE, value=result[K.SCORE_MEAN],
                                              user_attrs={K.TRIAL_RESULT: result}))
