"""How to use both cores: trials in parallel processes vs model threads.

Runs the same search (same data, seed, families, fixed number of trials) three ways and
prints the wall time of each, with ratios against one worker with one thread measured in
the same run:

    1 worker  x 1 thread   (baseline)
    1 worker  x 2 threads  (OpenMP/BLAS threads inside the model)
    2 workers x 1 thread   (trials side by side: the engine's default)

    python benchmarks/parallelism.py [--dataset breast_cancer] [--trials 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import optuna

from automl.data import load_dataset
from automl.datasets import SAMPLES
from automl.datasets import sample_path
from automl.search import RunConfig
from automl.search import run_search


def timed(dataset, target, n_jobs, threads, trials, families, tmp) -> tuple[float, int]:
    os.environ["AUTOML_WORKER_THREADS"] = str(threads)
    config = RunConfig(target=target, budget_s=3600, n_trials=trials, cv=5, seed=0,
                       families=families, n_jobs=n_jobs, study_name=f"p{n_jobs}x{threads}",
                       storage_url=f"sqlite:///{Path(tmp, 'p.db').as_posix()}")
    t0 = time.perf_counter()
    result = run_search(config, dataset, refit=False)
    return time.perf_counter() - t0, result.n_complete


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="breast_cancer", choices=sorted(SAMPLES))
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--families", default="hgb,rf,et,linear")
    args = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dataset = load_dataset(sample_path(args.dataset))
    target = SAMPLES[args.dataset].target
    families = tuple(args.families.split(","))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n_jobs, threads in ((1, 1), (1, 2), (2, 1)):
            wall, done = timed(dataset, target, n_jobs, threads, args.trials, families, tmp)
            rows.append((n_jobs, threads, wall, done))
    base = rows[0][2]
    print(f"{args.trials} trials of {args.families} on {args.dataset} ({os.cpu_count()} cores)")
    print("| workers x threads | wall s | complete | speed-up vs 1x1 |")
    print("| --- | ---: | ---: | ---: |")
    for n_jobs, threads, wall, done in rows:
        print(f"| {n_jobs} x {threads} | {wall:.1f} | {done} | {base / wall:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
