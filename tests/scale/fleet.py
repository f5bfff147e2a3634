"""A fleet of search workers on one study, for the scale tests and benchmarks/scale_out.py.

Each worker is a separate process running the engine's search against the shared storage,
the same code path as ``automl worker`` (``run_search`` with ``resume=True``). Their model is
a logistic regression that also sleeps in ``fit``, so the search, not the two CPU cores, is
what is measured: with N workers a perfect engine finishes N times as many trials.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from dataclasses import replace

import optuna
from sklearn.linear_model import LogisticRegression

from automl.data import load_dataset
from automl.datasets import sample_path
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.search import RunConfig
from automl.search import run_search

SLEEP_S = 0.25  # per fold fit
CV = 2


class SleepyLogistic(LogisticRegression):
    """A logistic regression whose fit also waits, like a model that needs I/O or a GPU."""

    def __init__(self, C=1.0, sleep_s=SLEEP_S, max_iter=200):
        super().__init__(C=C, max_iter=max_iter)
        self.sleep_s = sleep_s

    def fit(self, X, y, sample_weight=None):
        time.sleep(self.sleep_s)
        return super().fit(X, y, sample_weight=sample_weight)


def _space(t, ctx):
    return {"C": t.suggest_float("sleepy.C", 1e-4, 1e3, log=True),
            "max_iter": t.suggest_int("sleepy.max_iter", 50, 400)}


def register_sleepy() -> None:
    register_family(FamilySpec(
        "sleepy", "Sleepy logistic", "test double: a logistic regression that sleeps in fit",
        ALL, Style.SCALED, _space, {"C": 1.0, "max_iter": 200},
        lambda p, ctx: SleepyLogistic(C=p["C"], max_iter=p["max_iter"], sleep_s=SLEEP_S),
        cost=0.3))


register_sleepy()


def _config(url: str, study: str, budget_s: float, n_trials=None, resume=True) -> RunConfig:
    return RunConfig(target="diagnosis", budget_s=budget_s, n_trials=n_trials, cv=CV,
                     cv_repeats=1, families=("sleepy",), storage_url=url, study_name=study,
                     n_jobs=1, resume=resume)


def seed_study(url: str, study: str) -> None:
    """Create the study as `automl run` would (its attributes, one trial)."""
    run_search(_config(url, study, 60, n_trials=1, resume=False), _dataset(), refit=False)


def _dataset():
    return load_dataset(sample_path("breast_cancer"))


def _worker(url: str, study: str, budget_s: float, start_at: float, out, n_trials=None) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dataset = _dataset()
    time.sleep(max(0.0, start_at - time.time()))  # start together, as the test demands
    before = os.times()
    result = run_search(_config(url, study, budget_s, n_trials=n_trials), dataset, refit=False)
    after = os.times()  # this process and its joined children (fit worker, writer)
    cpu_s = sum(getattr(after, k) - getattr(before, k)
                for k in ("user", "system", "children_user", "children_system"))
    out.put((result.n_complete + result.n_pruned + result.n_failed, cpu_s))


@dataclass(frozen=True)
class FleetResult:
    n_workers: int
    n_trials: int  # trials the workers added
    window_s: float  # first to last finish
    trials_per_s: float
    numbers_ok: bool  # 0..N-1, each once
    repeated_share: float  # trials whose params repeat an earlier trial's
    workers: int  # distinct worker attributes seen
    best_over_time: tuple[tuple[float, float], ...]  # (seconds since start, best so far)
    cpu_ms_per_trial: float = float("nan")  # the workers' processes, all included


def run_fleet(url: str, study: str, n_workers: int, budget_s: float,
              n_trials: int | None = None) -> FleetResult:
    """Start ``n_workers`` processes together on a fresh study; summarise what they wrote.

    ``n_trials`` (per worker) makes the amount of work fixed, for tests on a busy machine.
    """
    seed_study(url, study)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 2.0
    procs = [ctx.Process(target=_worker, args=(url, study, budget_s, start_at, out, n_trials))
             for _ in range(n_workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=budget_s * 3 + 60)
    reports = [out.get(timeout=10) for _ in procs if not out.empty()]
    trials = optuna.load_study(study_name=study, storage=url_storage(url)).get_trials()
    summary = summarise(trials, n_workers, start_at)
    cpu = sum(c for _, c in reports)
    return replace(summary, cpu_ms_per_trial=1000 * cpu / max(1, summary.n_trials))


def url_storage(url: str):
    from automl.storage import open_storage

    return open_storage(url, cached=False)


def summarise(trials, n_workers: int, start_at: float) -> FleetResult:
    numbers = sorted(t.number for t in trials)
    added = [t for t in trials if t.number > 0]  # trial 0 seeded the study
    ends = sorted(t.datetime_complete.timestamp() for t in added if t.datetime_complete)
    window = (ends[-1] - ends[0]) if len(ends) > 1 else float("nan")
    seen, repeats = set(), 0
    for t in sorted(added, key=lambda t: t.number):
        key = tuple(sorted((k, round(v, 6) if isinstance(v, float) else v)
                           for k, v in t.params.items()))
        repeats += key in seen
        seen.add(key)
    best, curve = None, []
    for t in sorted(added, key=lambda t: t.datetime_complete or t.datetime_start):
        if t.value is not None and (best is None or t.value > best):
            best = t.value
            curve.append((round(t.datetime_complete.timestamp() - start_at, 2), best))
    return FleetResult(
        n_workers=n_workers, n_trials=len(added), window_s=window,
        trials_per_s=(len(ends) - 1) / window if window and window == window else 0.0,
        numbers_ok=numbers == list(range(len(trials))),
        repeated_share=repeats / max(1, len(added)),
        workers=len({t.user_attrs.get("worker") for t in added}),
        best_over_time=tuple(curve),
    )


__all__ = ["FleetResult", "register_sleepy", "run_fleet", "seed_study", "summarise"]
