"""AutoML Studio's test scores from several result folders side by side: one engine per folder.

How much did a change move the scores? Run the same datasets, seeds and budget with the engine
before and after it (``run_benchmark.py --name before ...``, then ``--name after ...``), then::

    python benchmarks/compare_engines.py benchmarks/results/before benchmarks/results/after

prints, per dataset, the median test score over seeds of each folder, the per-seed scores, and
the ratio of each folder to the first (below 1 is better for log loss and RMSE, above 1 for ROC
AUC). Only the datasets and seeds present in every folder are compared.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def _scores(folder: Path, budget: float | None) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for line in (folder / "runs.jsonl").read_text().splitlines():
        r = json.loads(line) if line.strip() else None
        if (not r or r["system"] != "automl" or r["status"] != "ok" or r.get("rows")
                or (budget is not None and r["budget"] != budget)):
            continue
        out.setdefault(r["dataset"], {})[r["seed"]] = r["score"]
        out[r["dataset"]]["metric"] = r["metric"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--budget", type=float, default=60.0)
    args = ap.parse_args(argv)
    runs = [_scores(f, args.budget) for f in args.folders]
    names = [f.name for f in args.folders]
    datasets = [d for d in runs[0] if all(d in r for r in runs[1:])]
    head = ["dataset", "metric"] + [f"{n} (median)" for n in names]
    head += [f"{n} / {names[0]}" for n in names[1:]] + [f"{n} per seed" for n in names]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for d in datasets:
        metric = runs[0][d]["metric"]
        medians, per_seed = [], []
        seeds = sorted(set.intersection(*({k for k in r[d] if k != "metric"} for r in runs)))
        if not seeds:
            continue
        for r in runs:
            medians.append(statistics.median(r[d][s] for s in seeds))
            per_seed.append(", ".join(f"{r[d][s]:.4g}" for s in seeds))
        ratios = [f"{m / medians[0]:.3f}" for m in medians[1:]]
        print("| " + " | ".join([d, metric, *(f"{m:.4g}" for m in medians), *ratios, *per_seed])
              + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
