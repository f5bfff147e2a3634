"""Once every family has had its first trial, the search goes on with the best few only."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState

from automl.data import load_dataset
from automl.records import Leaderboard
from automl.records import keys as K
from automl.search import RunConfig
from automl.search import run_search
from automl.search._study import FAMILIES_IN_PLAY
from automl.search._study import SearchStudy

NAMES = ["a", "b", "c", "d", "e"]


class _Study(SearchStudy):
    """A SearchStudy with only what ``in_play`` reads: the sampler's in-memory study."""

    def __init__(self, ended):
        self.mem = optuna.create_study(direction="minimize")
        for family, state, value, *error in ended:
            ran = {} if state is None else {K.TRIAL_RESULT: {K.FAMILY: family}}
            if error:
                ran[K.TRIAL_RESULT][K.ERROR_TYPE] = error[0]
            self.mem.add_trial(optuna.trial.create_trial(
                state=state or TrialState.PRUNED, value=value,
                params={"family": family}, distributions={"family": CategoricalDistribution(NAMES)},
                user_attrs=ran))


def test_every_family_is_in_play_until_each_has_had_a_trial():
    study = _Study([("a", TrialState.COMPLETE, 1.0), ("b", TrialState.COMPLETE, 2.0),
                    ("c", TrialState.COMPLETE, 3.0), ("d", TrialState.FAIL, None)])
    assert study.in_play(set(NAMES), greater_is_better=False) == set(NAMES)


def test_then_only_the_best_few_by_their_best_score_go_on():
    assert FAMILIES_IN_PLAY == 3
    study = _Study([("a", TrialState.COMPLETE, 5.0), ("b", TrialState.COMPLETE, 2.0),
                    ("c", TrialState.COMPLETE, 3.0), ("d", TrialState.PRUNED, None),
                    ("e", TrialState.COMPLETE, 4.0), ("a", TrialState.COMPLETE, 1.0)])
    assert study.in_play(set(NAMES), greater_is_better=False) == {"a", "b", "c"}
    assert study.in_play(set(NAMES), greater_is_better=True) == {"a", "e", "c"}


def test_a_trial_stopped_for_time_does_not_judge_its_family():
    # "e" may still get a first trial on a sample of the rows; an error does judge "d"
    ended = [("a", TrialState.COMPLETE, 1.0), ("b", TrialState.COMPLETE, 2.0),
             ("c", TrialState.COMPLETE, 3.0), ("d", TrialState.FAIL, None, "ValueError")]
    timed_out = _Study([*ended, ("e", TrialState.FAIL, None, "TrialTimeout")])
    assert timed_out.in_play(set(NAMES), greater_is_better=False) == set(NAMES)
    failed = _Study([*ended, ("e", TrialState.FAIL, None, "ValueError")])
    assert failed.in_play(set(NAMES), greater_is_better=False) == {"a", "b", "c"}


def test_a_pick_that_never_ran_does_not_count_as_a_trial():
    # told pruned by the scheduler without running (it did not fit): "e" is still untried
    study = _Study([(n, TrialState.COMPLETE, float(i)) for i, n in enumerate(NAMES[:4])]
                   + [("e", None, None)])
    assert study.in_play(set(NAMES), greater_is_better=False) == set(NAMES)


def test_when_none_of_the_best_fits_none_is_in_play():
    study = _Study([(n, TrialState.COMPLETE, float(i)) for i, n in enumerate(NAMES)])
    assert study.in_play({"c", "d", "e"}, greater_is_better=False) == {"c"}
    assert study.in_play({"d", "e"}, greater_is_better=False) == set()


def test_a_search_spends_its_trials_after_the_first_round_on_the_best_families(storage_url):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(160, 3))
    data = load_dataset(pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2],
                                      "y": np.where(x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.3, "a", "b")}))
    families = ("linear", "nb", "tree", "knn", "svm")
    config = RunConfig(target="y", families=families, cv=3, cv_repeats=1, budget_s=60,
                       n_trials=14, n_jobs=1, storage_url=storage_url, study_name="in-play")
    run_search(config, data, refit=False)
    records = sorted(Leaderboard.from_study("in-play", storage_url).records,
                     key=lambda r: r.number)
    first = records[:len(families)]
    assert {r.family for r in first} == set(families)  # each family's default first
    ranked = sorted((r for r in first if r.status == "complete"), key=lambda r: -r.score)
    leaders = {r.family for r in ranked[:FAMILIES_IN_PLAY]}
    later = records[len(families):]
    assert len(later) >= 5
    assert {r.family for r in later} <= leaders, [(r.family, r.score) for r in records]
