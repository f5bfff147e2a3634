"""The final-model chain: every link is forced once and gives a bundle that predicts.

Links: ensemble refit, single refit, the ensemble of the members' fold models, one trial's
fold models; bagged vs refit is measured on small tables and the verdict orders the chain.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin
from sklearn.linear_model import LogisticRegression

from automl.data import load_dataset
from automl.export import Bundle
from automl.export import export_search_result
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.search import FinalKind
from automl.search import RunConfig
from automl.search import _final
from automl.search import _final_plan
from automl.search import run_search
from automl.search._ensemble import EnsemblePlan
from automl.search._evaluate import Evaluator
from automl.search._final_clock import FinalClock
from automl.search._prepare import prepare

FULL_ROWS = 90


class _SlowRefit(ClassifierMixin, BaseEstimator):
    """Fits in an instant on a fold, but a refit on all rows takes a minute."""

    def fit(self, X, y):
        if X.shape[0] >= FULL_ROWS:
            time.sleep(60)
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


register_family(FamilySpec("slowrefit", "Slow refit", "test double", ALL, Style.SCALED,
                           lambda t, c: {}, {}, lambda p, c: _SlowRefit()))


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=FULL_ROWS)
    return load_dataset(pd.DataFrame({"x": x, "z": rng.normal(size=FULL_ROWS),
                                      "y": np.where(x + rng.normal(scale=0.5, size=FULL_ROWS) > 0,
                                                    "a", "b")}))


def _config(storage_url, **kw):
    base = dict(target="y", cv=3, cv_repeats=1, storage_url=storage_url, study_name="final",
                budget_s=20, n_trials=4)
    return RunConfig(**{**base, **kw})


def _exported(result, dataset, tmp_path) -> dict:
    out = export_search_result(result, dataset, tmp_path / "bundle")
    bundle = Bundle.load(out, trust_pickle=True)  # the test doubles are not trusted types
    proba = bundle.predict(dataset.frame.drop(columns="y")).probabilities
    assert proba.shape == (FULL_ROWS, 2) and np.allclose(proba.sum(axis=1), 1.0)
    return json.loads((out / "metadata.json").read_text())


def test_a_refit_that_cannot_finish_falls_back_to_the_fold_models(monkeypatch, data, storage_url,
                                                                  tmp_path):
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)  # the rule, not the measurement
    config = _config(storage_url, families=("slowrefit",), budget_s=2, n_trials=2)
    result = run_search(config, data)
    assert result.refit.kind is FinalKind.BAGGED
    assert "did not fit" in result.refit.reason
    meta = _exported(result, data, tmp_path)
    assert meta["model"]["final"]["kind"] == "bagged"
    card = (tmp_path / "bundle" / "model_card.md").read_text()
    assert "fold models" in card


def test_a_refit_that_fits_is_the_final_model(monkeypatch, data, storage_url, tmp_path):
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", lambda *a, **k: None)
    result = run_search(_config(storage_url, families=("linear",)), data)
    assert result.refit.kind is FinalKind.SINGLE_REFIT
    assert _exported(result, data, tmp_path)["model"]["final"]["kind"] == "single_refit"


def test_a_worse_trials_refit_never_comes_before_the_best_trials_fold_models(
        monkeypatch, data, storage_url):
    """The best trial too slow to refit, a worse one quick: the best trial's fold models,
    which scored what ranked it first, are the final model (lending_club at 15 s shipped a
    worse trial's refit)."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", lambda *a, **k: None)
    asked = []

    def estimate(self, record):
        asked.append(record.number)
        return 1e9 if record.number == asked[0] else 0.01  # the first asked about: the best

    monkeypatch.setattr(FinalClock, "refit_estimate", estimate)
    result = run_search(_config(storage_url, families=("linear", "tree"), n_trials=6, n_jobs=1,
                                metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.BAGGED
    assert result.refit.trial_number == asked[0] == result.best_trial
    assert set(asked) == {result.best_trial}  # no worse trial was refit


def _two_member_plan(oofs, scores, y, metric, classes, splits, seed, families):
    """An ensemble of the two best trials, whatever the selection would say."""
    sign = -1 if metric.greater_is_better else 1
    a, b = sorted(oofs, key=lambda n: sign * scores[n])[:2]
    oof = (np.asarray(oofs[a], dtype=float) + np.asarray(oofs[b], dtype=float)) / 2
    return EnsemblePlan({a: 0.5, b: 0.5}, scores[a], (scores[a],), oof)


@pytest.mark.parametrize("refit_fits, kind", [(True, FinalKind.ENSEMBLE_REFIT),
                                              (False, FinalKind.ENSEMBLE_BAGGED)])
def test_an_ensemble_is_refit_or_made_of_its_members_fold_models(monkeypatch, data, storage_url,
                                                                 tmp_path, refit_fits, kind):
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", _two_member_plan)
    if not refit_fits:
        monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)
    result = run_search(_config(storage_url, families=("linear", "tree")), data)
    assert result.refit.kind is kind and result.refit.family == "ensemble"
    assert _exported(result, data, tmp_path)["model"]["final"]["kind"] == kind.value


def test_fold_models_too_large_to_export_in_time_give_way_and_still_end_the_run(
        monkeypatch, data, storage_url, tmp_path):
    """A bagged model holds k fold models per trial: its export is sized from them, and one
    that would break the promise is skipped; when nothing else can be made, the best trial's
    fold models still come back (late, rather than no model)."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", _two_member_plan)
    monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)
    sizes = []
    real = FinalClock.bagged_megabytes

    def huge(self, numbers, by_number):
        sizes.append(real(self, numbers, by_number))
        return 1e6  # 100,000 s of export

    monkeypatch.setattr(FinalClock, "bagged_megabytes", huge)
    result = run_search(_config(storage_url, families=("linear", "tree")), data)
    assert result.refit.kind is FinalKind.BAGGED  # the ensemble's fold models were skipped
    assert sizes and max(sizes) > 0  # read from the kept files (one may be still writing)
    assert _exported(result, data, tmp_path)["model"]["final"]["kind"] == "bagged"


def _trees_never_written():
    """FoldBags.offer keeping a tree's fold models without the worker ever writing them."""
    real_offer = _final.FoldBags.offer

    def offer(self, number, family, score):
        path = real_offer(self, number, family, score)
        return None if family == "tree" else path

    return offer


def _best_and_a_tree(oofs, scores, y, metric, classes, splits, seed, families):
    """An ensemble of the best trial and the best tree; None without a tree."""
    sign = -1 if metric.greater_is_better else 1
    best = min(oofs, key=lambda n: sign * scores[n])
    trees = [n for n in oofs if families[n] == "tree"]
    if not trees:
        return None
    tree = min(trees, key=lambda n: sign * scores[n])
    oof = (np.asarray(oofs[best], dtype=float) + np.asarray(oofs[tree], dtype=float)) / 2
    return EnsemblePlan({best: 0.5, tree: 0.5}, scores[best], (scores[best],), oof)


def test_an_ensemble_missing_one_members_fold_models_leaves_the_others_for_the_next_link(
        monkeypatch, data, storage_url):
    """A tree's fold models never written (a worker let them go): the ensemble of the best
    trial and the best tree cannot be made of fold models, and the best trial's own fold
    models are still there for the link after it."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)  # no refit fits
    offer = _trees_never_written()
    monkeypatch.setattr(_final.FoldBags, "offer", offer)
    monkeypatch.setattr(_final_plan, "select_ensemble", _best_and_a_tree)
    result = run_search(_config(storage_url, families=("linear", "tree"), n_trials=6, n_jobs=1,
                                metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.BAGGED
    assert result.refit.family == "linear"  # the best trial, not a tree
    assert result.refit.trial_number == min(
        (r for r in _completed(result) if r.family != "tree"), key=lambda r: -r.score).number


def test_a_large_ensembles_export_reserve_is_given_back_to_the_single_refit_after_it(
        monkeypatch, data, storage_url):
    """The ensemble's export would take longer than the whole final stage, so neither of its
    kinds can be made; the best trial's refit is small and must still get the time the
    ensemble's reserve took (lending_club at 15 s shipped one model fit on 80% of the rows
    and ended 9 s early)."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)  # unmeasured: a refit comes first
    monkeypatch.setattr(_final_plan, "select_ensemble", _two_member_plan)

    def one_small(self, *args):  # an ensemble of two is far too large to export in time
        return 1e6 if len(args[-1]) > 1 else 0.1

    monkeypatch.setattr(FinalClock, "model_megabytes", one_small)
    monkeypatch.setattr(FinalClock, "bagged_megabytes", one_small)
    result = run_search(_config(storage_url, families=("linear", "tree"), metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.SINGLE_REFIT
    assert result.refit.trial_number == result.best_trial


def test_an_ensemble_missing_one_members_fold_models_is_chosen_again_among_those_kept(
        monkeypatch, data, storage_url, tmp_path):
    """A tree's fold models never written, no refit fits: the ensemble is chosen again among
    the trials whose fold models are there, rather than giving up every member's (auto_mpg
    at 60 s refit an ensemble testing RMSE 2.53 for want of one member weighted 0.05; its
    fold models, when all there, test 2.44)."""
    monkeypatch.setattr(Evaluator, "bagging_scores",  # measured: the candidate pool is kept
                        lambda self, family, params: ((0.6, 0.62, 0.58), (0.9, 0.91, 0.89)))
    monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)  # no refit fits
    real_offer, lost = _final.FoldBags.offer, []

    def offer(self, number, family, score):  # the first tree's are kept but never written
        path = real_offer(self, number, family, score)
        if family == "tree" and not lost:
            lost.append(number)
        return None if lost == [number] else path

    def the_lost_tree_first(oofs, scores, y, metric, classes, splits, seed, families):
        """The best trial with the lost tree while it is a candidate, else with another."""
        sign = -1 if metric.greater_is_better else 1
        best = min(oofs, key=lambda n: sign * scores[n])
        others = sorted((n for n in oofs if n != best), key=lambda n: (n not in lost, n))
        if not others:
            return None
        pair = (best, others[0])
        oof = sum(np.asarray(oofs[n], dtype=float) for n in pair) / 2
        return EnsemblePlan(dict.fromkeys(pair, 0.5), 1.0, (1.0,), oof)  # better than any

    monkeypatch.setattr(_final.FoldBags, "offer", offer)
    monkeypatch.setattr(_final_plan, "select_ensemble", the_lost_tree_first)
    result = run_search(_config(storage_url, families=("linear", "tree"), n_trials=6, n_jobs=1,
                                metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.ENSEMBLE_BAGGED
    assert f"tree#{lost[0]}" not in result.refit.params["members"]
    assert (f"chosen again among the trials whose fold models were kept (those of tree#{lost[0]} "
            "were not)") in result.refit.reason
    assert _exported(result, data, tmp_path)["model"]["final"]["kind"] == "ensemble_bagged"


def _completed(result):
    from automl.records import Leaderboard

    return [r for r in Leaderboard.from_study(result.study_name, result.storage_url).records
            if r.score is not None and r.family != "ensemble"]


def _better_pair(oofs, scores, y, metric, classes, splits, seed, families):
    """The two best of the given trials, scoring better than any trial (a perfect score)."""
    plan = _two_member_plan(oofs, scores, y, metric, classes, splits, seed, families)
    better = 1.0 if metric.greater_is_better else 0.0
    return EnsemblePlan(plan.weights, better, (better,), plan.oof)


def test_an_ensemble_too_large_to_export_is_chosen_again_among_fold_models_that_fit(
        monkeypatch, data, storage_url, tmp_path):
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", _better_pair)
    monkeypatch.setattr(FinalClock, "refit_estimate", lambda self, r: 1e9)
    heavy = []

    def sizes(self, numbers, by_number):  # the best trial's fold models take ages to export
        heavy[:] = [max(by_number.values(), key=lambda r: r.score).number]  # ROC AUC: higher
        return 1e6 if heavy[0] in numbers else 0.1

    monkeypatch.setattr(FinalClock, "bagged_megabytes", sizes)
    result = run_search(_config(storage_url, families=("linear", "tree"), metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.ENSEMBLE_BAGGED
    members = {int(m.split("#")[1]) for m in result.refit.params["members"]}
    assert len(members) == 2 and heavy[0] not in members
    assert "chosen again among the trials whose fold models export in time" in result.refit.reason
    assert _exported(result, data, tmp_path)["model"]["final"]["kind"] == "ensemble_bagged"


@pytest.mark.parametrize("scores, first", [
    (((0.6, 0.62, 0.58), (0.9, 0.91, 0.89)), "bagged"),  # the fold models score better
    (((0.9, 0.91, 0.89), (0.6, 0.62, 0.58)), "refit"),  # the refit leads on every fold
    (((0.99, 0.85, 0.98), (0.9, 0.9, 0.9)), "bagged"),  # its lead is within its standard error
])
def test_the_measured_verdict_orders_the_chain(monkeypatch, data, storage_url, scores, first):
    monkeypatch.setattr(_final_plan, "select_ensemble", lambda *a, **k: None)
    monkeypatch.setattr(Evaluator, "bagging_scores", lambda self, family, params: scores)
    result = run_search(_config(storage_url, families=("linear",), metric="roc_auc"), data)
    expected = FinalKind.BAGGED if first == "bagged" else FinalKind.SINGLE_REFIT
    assert result.refit.kind is expected
    assert "fold models" in result.refit.reason and "0.9" in result.refit.reason
    assert ("within its standard error" in result.refit.reason) is (scores[0][1] == 0.85)


def test_with_fold_models_first_an_ensemble_refit_comes_before_one_trials_fold_models(
        monkeypatch, data, storage_url):
    """The verdict puts the fold models first, a member's were never written: the members
    are refit, and the reason names the member whose fold models were missing."""
    monkeypatch.setattr(_final_plan, "select_ensemble", _best_and_a_tree)
    monkeypatch.setattr(Evaluator, "bagging_scores",
                        lambda self, family, params: ((0.6, 0.62, 0.58), (0.9, 0.91, 0.89)))
    monkeypatch.setattr(_final.FoldBags, "offer", _trees_never_written())
    result = run_search(_config(storage_url, families=("linear", "tree"), n_trials=6, n_jobs=1,
                                metric="roc_auc"), data)
    assert result.refit.kind is FinalKind.ENSEMBLE_REFIT
    tree = next(m for m in result.refit.params["members"] if m.startswith("tree#"))
    assert f"could not be used (those of {tree} were not kept), so they were refit" in (
        result.refit.reason)


@pytest.mark.parametrize("single, bagged, greater, refit", [
    ((0.02, 0.03, 0.02), (0.03, 0.04, 0.03), False, True),  # log loss lower on every fold
    ((0.02, 0.03, 0.02), (0.03, 0.04, 0.03), True, False),  # the same numbers as AUC
    ((0.010, 0.090, 0.011, 0.012, 0.009), (0.015, 0.020, 0.016, 0.017, 0.014), False, False),
    ((0.010, 0.012, 0.011, 0.012, 0.009), (0.015, 0.020, 0.016, 0.017, 0.014), False, True),
    ((0.5, 0.5), (0.5, 0.5), True, False),  # a tie keeps the fold models: no fit needed
])
def test_a_refit_is_preferred_only_when_its_lead_is_larger_than_the_folds_noise(
        single, bagged, greater, refit):
    chosen, lead, noise = _final.refit_preferred(single, bagged, greater)
    assert chosen is refit
    assert noise >= 0 and (lead > noise) is refit


def test_bagging_scores_compare_a_fold_model_with_the_average_of_inner_fold_models(data):
    config = RunConfig(target="y", cv=3, cv_repeats=1, budget_s=20)
    problem = prepare(config, data).problem
    evaluator = Evaluator(problem)
    params = {"C": 1.0, "l1_ratio": 0.0, "class_weight": "none"}
    folds, _ = evaluator.run_trial("linear", params)
    single, bagged = evaluator.bagging_scores("linear", params)
    # The single models are the trial's own fold models, so they score the trial's folds.
    assert single == pytest.approx([f.score for f in folds])
    assert len(bagged) == 3 and np.isfinite(bagged).all() and bagged != single


def test_fold_models_are_kept_only_for_trials_that_could_be_final(tmp_path):
    from automl.search._bags import KEEP_TOP
    from automl.search._bags import FoldBags

    bags = FoldBags(greater_is_better=True)
    try:
        paths = {}
        for n, (family, score) in enumerate([("a", 0.5), ("a", 0.9), ("b", 0.1), ("a", 0.8),
                                             ("a", 0.7), ("a", 0.95), ("a", 0.2)]):
            path = bags.offer(n, family, score)
            if path:
                paths[n] = path
                with open(path, "wb") as f:
                    f.write(b"x")
                bags.committed(n, 100 + n)
        assert 6 not in paths  # 0.2 of family a: neither top three nor its family's best
        on_disk = {n for n in paths if bags.path(100 + n)}
        assert on_disk == {5, 1, 3, 2}  # top three, and family b's only trial
        assert len(on_disk) == KEEP_TOP + 1
        moved = bags.take(105)
        assert moved and Path(moved).read_bytes() == b"x"
        Path(moved).unlink()  # what was taken is the taker's (it survives close)
    finally:
        bags.close()
    assert bags.path(101) is None  # the folder went with close


def _offer_all(bags, trials, nbytes=1):
    on_disk = {}
    for n, (family, score) in enumerate(trials):
        path = bags.offer(n, family, score)
        if path:
            Path(path).write_bytes(b"x" * nbytes)
            bags.committed(n, n)
    for n in range(len(trials)):
        if bags.path(n):
            on_disk[n] = bags.path(n)
    return set(on_disk)


def test_on_small_tables_the_ensembles_whole_candidate_pool_is_kept_under_a_byte_bound():
    from automl.search._bags import FoldBags

    trials = [("a", s) for s in (0.50, 0.60, 0.70, 0.80, 0.90, 0.55, 0.65, 0.85)]
    bags = FoldBags(greater_is_better=True, keep_top=5)
    try:
        assert _offer_all(bags, trials, nbytes=1000) == {4, 7, 3, 2, 6}  # the best five
    finally:
        bags.close()
    # Past the best three (and each family's best) the pool stops at its bytes: one file fits.
    bags = FoldBags(greater_is_better=True, keep_top=5, pool_bytes=1500)
    try:
        assert _offer_all(bags, trials, nbytes=1000) == {4, 7, 3, 2}
    finally:
        bags.close()


def test_the_preprocessing_cache_stays_within_its_memory_bound(monkeypatch, frame_of):
    from automl.search import _evaluate

    dataset = load_dataset(frame_of("binary", n=200))
    problem = prepare(RunConfig(target="target", cv=5, cv_repeats=1), dataset).problem
    one_fold = sum(_evaluate._nbytes(m) for m in Evaluator(problem)._transformed(Style.SCALED, 0)[:2])
    monkeypatch.setattr(_evaluate, "CACHE_BYTES", int(one_fold * 2.5))
    evaluator = Evaluator(problem)
    evaluator.run_trial("linear", {"C": 1.0, "l1_ratio": 0.0,
                                   "class_weight": "none"})
    assert evaluator._cache_bytes <= _evaluate.CACHE_BYTES
    assert len(evaluator._cache) == 2  # the oldest folds were evicted, the newest kept
    assert list(evaluator._cache) == [(Style.SCALED, 3), (Style.SCALED, 4)]


def test_unmeasured_the_members_fold_models_come_before_a_single_refit(monkeypatch, data,
                                                                        storage_url, tmp_path):
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    monkeypatch.setattr(_final_plan, "select_ensemble", _two_member_plan)
    monkeypatch.setattr(_final.FinalStage, "_refit_ensemble", lambda self, *a: None)  # no time
    result = run_search(_config(storage_url, families=("linear", "tree")), data)
    assert result.refit.kind is FinalKind.ENSEMBLE_BAGGED and result.refit.family == "ensemble"


def test_an_ensemble_whose_refit_cannot_fit_is_chosen_again_among_trials_that_can(
        monkeypatch, data, storage_url):
    """No member kept and the best trial too slow to refit: the ensemble is planned again
    among the trials whose refits fit, instead of ending as one trial refit."""
    monkeypatch.setattr(_final, "MEASURE_MAX_ROWS", 0)
    plans = []

    def every_trial(oofs, scores, y, metric, classes, splits, seed, families):
        plans.append(set(oofs))
        weight = 1.0 / len(oofs)
        oof = np.mean([np.asarray(o, dtype=float) for o in oofs.values()], axis=0)
        best = max(scores[n] for n in oofs)
        return EnsemblePlan(dict.fromkeys(oofs, weight), best, (best,), oof)

    slow = []

    def estimate(self, record):
        if not slow:
            slow.append(record.number)  # the first asked about: the plan's best member
        return 1e9 if record.number == slow[0] else 0.01

    monkeypatch.setattr(_final_plan, "select_ensemble", every_trial)
    monkeypatch.setattr(FinalClock, "refit_estimate", estimate)
    monkeypatch.setattr(_final.FoldBags, "kept", lambda self, n: False)
    result = run_search(_config(storage_url, families=("linear", "tree"), n_trials=6, n_jobs=1,
                                metric="roc_auc"), data)
    assert len(plans) == 2 and slow[0] in plans[0]
    assert plans[1] == plans[0] - {slow[0]}  # planned again without the slow trial
    assert result.refit.kind is FinalKind.ENSEMBLE_REFIT and result.refit.family == "ensemble"
    members = {int(m.split("#")[1]) for m in result.refit.params["members"]}
    assert slow[0] not in members and members <= plans[1]


@pytest.mark.parametrize(("repeats", "family", "save_cost"),
                         [(1, "rf", 1.0), (3, "rf", 1.0), (1, "hgb", 1.5), (1, "lgbm", 4.5)])
def test_the_model_size_is_read_from_one_repeats_fold_models(repeats, family, save_cost):
    """A kept file holds the first repeat's k fold models (the others are never held), so a
    refit is about one of them, grown from a fold's rows to all rows; a family whose model
    is slower to save counts for more (LightGBM: 4.5 MB of forest per MB)."""
    from types import SimpleNamespace

    from automl.models import get_family

    assert get_family(family).save_cost == save_cost
    expected = 12.0 * save_cost
    splits = [(np.arange(80), np.arange(80, 100))] * (4 * repeats)
    from automl.search._evaluate import Problem

    problem = SimpleNamespace(splits=splits, repeats=repeats)
    problem.folds_per_repeat = Problem.folds_per_repeat.fget(problem)  # the real rule
    prepared = SimpleNamespace(problem=problem, full=SimpleNamespace(y=np.zeros(120)))
    bags = SimpleNamespace(megabytes=lambda n: 32.0)  # 4 fold models of 8 MB
    clock = FinalClock(prepared, bags, t0=0.0, budget_s=60.0, end=0.0)
    record = SimpleNamespace(number=7, train_fraction=1.0, family=family)
    assert clock.model_megabytes([record], [7]) == pytest.approx(expected)  # 8 MB x 120/80
