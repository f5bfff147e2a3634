"""Engine overhead per trial: storage writes, sampling and bookkeeping in the search's parent
process, with the model fit excluded (a constant-prediction model stands in for it).

Measured for 500 trials on SQLite and in-memory storage, next to a bare Optuna ask/tell loop
with the same sampler and the same number of parameters on the same storage (the peer).

    python benchmarks/engine_overhead.py [--trials 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import optuna
from sklearn.dummy import DummyClassifier

from automl.data import load_dataset
from automl.datasets import sample_path
from automl.models import FamilySpec
from automl.models import register_family
from automl.models._families import ALL
from automl.preprocess import Style
from automl.search import RunConfig
from automl.search import _run
from automl.search import run_search


def _space(t, ctx):
    return {"a": t.suggest_float("dummy.a", 0, 1), "b": t.suggest_int("dummy.b", 1, 100, log=True),
            "c": t.suggest_categorical("dummy.c", ["x", "y"])}


register_family(FamilySpec("dummy", "Constant", "benchmark stand-in", ALL, Style.SCALED, _space,
                           {"a": 0.5, "b": 10, "c": "x"},
                           lambda p, ctx: DummyClassifier(strategy="prior")))


def engine(storage_url: str, n_trials: int) -> list[float]:
    """Parent-side seconds per trial (launch + fold messages + recording)."""
    spent: dict[int, float] = {}
    search = _run._Search
    originals = {name: getattr(search, name) for name in ("_launch", "_handle")}  # _handle records

    def timed(name):
        def wrapper(self, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return originals[name](self, *args, **kwargs)
            finally:
                key = len(spent) if name == "_launch" else -1
                spent[key if key >= 0 else max(spent)] = spent.get(
                    key if key >= 0 else max(spent), 0.0) + time.perf_counter() - t0
        return wrapper

    for name in originals:
        setattr(search, name, timed(name))
    try:
        dataset = load_dataset(sample_path("breast_cancer"))
        config = RunConfig(target="diagnosis", budget_s=3600, n_trials=n_trials, cv=3,
                           families=("dummy",), storage_url=storage_url, study_name="overhead",
                           n_jobs=1)
        run_search(config, dataset, refit=False)
    finally:
        for name, fn in originals.items():
            setattr(search, name, fn)
    return list(spent.values())


def bare_optuna(storage, n_trials: int) -> list[float]:
    """The same sampler, params and per-fold reports in a plain ask/tell loop."""
    study = optuna.create_study(storage=storage, direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=0, multivariate=True,
                                                                   group=True, constant_liar=True),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=8))
    out = []
    for i in range(n_trials):
        t0 = time.perf_counter()
        trial = study.ask()
        trial.suggest_categorical("family", ["dummy"])
        trial.suggest_float("dummy.a", 0, 1)
        trial.suggest_int("dummy.b", 1, 100, log=True)
        trial.suggest_categorical("dummy.c", ["x", "y"])
        for step in range(3):
            trial.report(0.5, step)
            trial.should_prune()
        trial.set_user_attr("r", {"fold_scores": [0.5, 0.5, 0.5]})
        study.tell(trial, 0.5 + i * 1e-6)
        out.append(time.perf_counter() - t0)
    return out


def _summary(name: str, xs: list[float]) -> str:
    xs_ms = sorted(x * 1000 for x in xs)
    p90 = xs_ms[int(0.9 * (len(xs_ms) - 1))]
    last = statistics.median(xs_ms[-100:]) if len(xs) >= 100 else float("nan")
    return (f"{name:<28} median {statistics.median(xs_ms):6.2f} ms  p90 {p90:6.2f} ms  "
            f"median of last 100 {last:6.2f} ms  ({len(xs)} trials)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=500)
    args = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{Path(tmp, 'e.db').as_posix()}"
        rows = [
            ("engine, SQLite", engine(sqlite, args.trials)),
            ("engine, in-memory", engine(":memory:", args.trials)),
            ("bare Optuna, SQLite", bare_optuna(f"sqlite:///{Path(tmp, 'b.db').as_posix()}",
                                                args.trials)),
            ("bare Optuna, in-memory", bare_optuna(None, args.trials)),
        ]
    for name, xs in rows:
        print(_summary(name, xs))
    e, b = statistics.median(rows[0][1]), statistics.median(rows[2][1])
    print(f"engine / bare Optuna on SQLite (median): {e / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
