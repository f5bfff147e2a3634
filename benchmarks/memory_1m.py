"""Peak memory of `automl run` on a 1,000,000-row x 20-column CSV.

Memory of the whole process tree (the CLI and its worker processes) is sampled every 0.2 s
as the sum of PSS (proportional set size: pages shared copy-on-write between the parent and
its forked workers are counted once, split between them), plus the largest single RSS.

    python benchmarks/memory_1m.py [--rows 1000000] [--budget 60] [-- extra automl run flags]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    cols = {f"num{i}": rng.normal(size=rows).round(4) for i in range(14)}
    cols.update({f"cat{i}": rng.choice([f"c{j}" for j in range(5 + 10 * i)], size=rows) for i in range(4)})
    cols["day"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows), unit="D")
    frame = pd.DataFrame(cols)
    signal = frame["num0"] + 0.5 * frame["num1"] ** 2 - 0.7 * (frame["cat0"] == "c1") + 0.3 * frame["num2"] * frame["num3"]
    frame["target"] = np.where(signal + rng.normal(scale=0.8, size=rows) > 0.4, "yes", "no")
    frame.to_csv(path, index=False)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return out


def _mem_kb(pid: int) -> tuple[int, int]:
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--budget", type=float, default=60)
    ap.add_argument("extra", nargs="*", help="more `automl run` flags (after --)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp, "big.csv")
        t0 = time.monotonic()
        make_csv(csv, args.rows)
        print(f"wrote {args.rows:,} rows ({csv.stat().st_size / 2**20:.0f} MiB) in {time.monotonic() - t0:.1f} s")
        env = {**os.environ, "AUTOML_STORAGE": f"sqlite:///{Path(tmp, 'm.db').as_posix()}"}
        cmd = [sys.executable, "-m", "automl", "run", str(csv), "--target", "target", "--time-budget",
               str(args.budget), "--study", "mem", "--out", str(Path(tmp, "bundle")), "--json", *args.extra]
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        peak_pss = peak_rss = 0
        while proc.poll() is None:
            mems = [_mem_kb(p) for p in _tree(proc.pid)]
            peak_pss = max(peak_pss, sum(m[0] for m in mems))
            peak_rss = max([peak_rss] + [m[1] for m in mems])
            time.sleep(0.2)
        out, err = proc.communicate()
        wall = time.monotonic() - t0
    if proc.returncode != 0:
        print(err)
        return 1
    import json

    doc = json.loads(out)
    print(f"automl run: {wall:.1f} s wall (budget {args.budget:g} s, limit {args.budget * 1.1 + 5:.0f} s), "
          f"cv {doc['cv']}, trials {doc['trials']}, best {doc['best_score']:.4f}")
    print(f"peak memory of the process tree: {peak_pss / 2**20:.2f} GiB (sum of PSS); "
          f"largest single process RSS {peak_rss / 2**20:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
