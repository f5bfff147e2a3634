"""model.skops against model.joblib: file size, write time and load time for engine pipelines.

Fits one Pipeline(preprocess, model) per family named on the command line on a bundled sample
(refit on all rows with the family's default-sized parameters), writes it both ways and loads
each file --repeats times, reporting medians. The skops load is the bundle's own
(``automl.export._safe.load_skops``: the trusted-type audit, then ``skops.io.load``), and
so is the write (``dump_skops``: deflated zip, then the same audit).

    python benchmarks/skops_vs_joblib.py [--dataset breast_cancer] [--families linear,rf,hgb]
                                         [--repeats 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def _median_s(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _pipelines(dataset: str, families: list[str], target: str):
    import optuna

    from automl.data import load_dataset
    from automl.datasets import sample_path
    from automl.models import get_family
    from automl.search import RunConfig
    from automl.search._evaluate import Evaluator
    from automl.search._prepare import prepare

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    data = load_dataset(sample_path(dataset))
    prepared = prepare(RunConfig(target=target, n_trials=1, cv=2), data)
    evaluator = Evaluator(prepared.full)
    for name in families:
        family = get_family(name)
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        study.enqueue_trial(family.default_trial_params())
        params = family.space(study.ask(), prepared.full.context(family.style, len(prepared.full.y)))
        yield name, evaluator.refit(name, params)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--target", default="diagnosis")
    parser.add_argument("--families", default="linear,rf,hgb,gb")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import joblib

    from automl.export._safe import dump_skops
    from automl.export._safe import load_skops

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, pipe in _pipelines(args.dataset, args.families.split(","), args.target):
            jl, sk = Path(tmp) / f"{name}.joblib", Path(tmp) / f"{name}.skops"
            write_jl = _median_s(lambda: joblib.dump(pipe, jl), args.repeats)  # noqa: B023
            write_sk = _median_s(lambda: dump_skops(pipe, sk), args.repeats)  # noqa: B023
            load_jl = _median_s(lambda: joblib.load(jl), args.repeats)  # noqa: B023
            load_sk = _median_s(lambda: load_skops(sk), args.repeats)  # noqa: B023
            rows.append({"family": name, "joblib_bytes": jl.stat().st_size,
                         "skops_bytes": sk.stat().st_size, "write_joblib_s": write_jl,
                         "write_skops_s": write_sk, "load_joblib_s": load_jl,
                         "load_skops_s": load_sk})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'family':<8} {'joblib KB':>10} {'skops KB':>9} {'size x':>7} {'load joblib ms':>15} "
          f"{'load skops ms':>14} {'load x':>7} {'write x':>8}")
    for r in rows:
        print(f"{r['family']:<8} {r['joblib_bytes'] / 1024:>10.1f} {r['skops_bytes'] / 1024:>9.1f} "
              f"{r['skops_bytes'] / r['joblib_bytes']:>7.2f} {r['load_joblib_s'] * 1000:>15.1f} "
              f"{r['load_skops_s'] * 1000:>14.1f} {r['load_skops_s'] / r['load_joblib_s']:>7.1f} "
              f"{r['write_skops_s'] / r['write_joblib_s']:>8.1f}")


if __name__ == "__main__":
    main()
