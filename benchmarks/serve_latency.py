"""Serving numbers for issue 4: single-row latency of `automl serve` and batch throughput of
`automl predict`.

1. Builds a bundle from a bundled sample with the CLI (or takes one with --bundle).
2. Starts `automl serve BUNDLE --port 0` (default settings: loopback, access log on, one
   uvicorn worker), sends warm-up requests, then --requests single-row `POST /predict`
   requests one after another on one kept-alive httpx connection, timing each on the client
   (so latency includes HTTP, JSON, validation and the pipeline). Same for MLflow's
   `POST /invocations` as a comparison.
3. Writes --rows rows generated from the sample (rows drawn with replacement, numbers
   jittered by 1% Gaussian noise) to a temporary CSV and times the whole
   `automl predict BUNDLE data.csv --out preds.csv` command (process start, bundle load,
   reading, checking, predicting and writing included) and reports its peak resident memory.

    python benchmarks/serve_latency.py [--dataset breast_cancer] [--requests 1000]
                                       [--rows 1000000] [--bundle DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from automl.data import load_dataset
from automl.datasets import SAMPLES
from automl.datasets import sample_path

READY = "automl serve: listening on "
# `automl ...` exactly as the command runs it, reporting its own peak resident memory.
PREDICT_WITH_RSS = (
    "import resource, sys; from automl.cli import main; rc = main(sys.argv[1:]); "
    "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
    "sys.exit(rc)"
)


def automl(*args, env, cwd, capture=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "automl", *map(str, args)], env=env, cwd=cwd,
                          capture_output=capture, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"automl {args[0]} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def build_bundle(dataset: str, out: Path, env, cwd) -> Path:
    sample = SAMPLES[dataset]
    automl("run", sample_path(dataset), "--target", sample.target, "--n-trials", 4, "--cv", 3,
           "--families", "linear,hgb", "--study", "serve-bench", "--out", out, env=env, cwd=cwd)
    return out


def start_server(bundle: Path, env, cwd) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "automl", "serve", str(bundle), "--port", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=cwd)
    found: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # the access log goes to this pipe: keep it empty
        for line in proc.stderr:
            if line.startswith(READY):
                found.put(line[len(READY):].split()[0])
        found.put(None)

    threading.Thread(target=drain, daemon=True).start()
    url = found.get(timeout=120)
    if url is None:
        raise SystemExit("automl serve did not start")
    return proc, url


def time_requests(client: httpx.Client, targets: dict[str, tuple[str, list[dict]]], n: int,
                  warmup: int = 50) -> dict[str, np.ndarray]:
    """Milliseconds per request for each target, the targets interleaved request by request
    (so a slower period of a shared machine hits them alike)."""
    for i in range(warmup):
        for url, bodies in targets.values():
            client.post(url, json=bodies[i % len(bodies)]).raise_for_status()
    times = {name: np.empty(n) for name in targets}
    for i in range(n):
        for name, (url, bodies) in targets.items():
            t0 = time.perf_counter()
            answer = client.post(url, json=bodies[i % len(bodies)])
            times[name][i] = time.perf_counter() - t0
            answer.raise_for_status()
    return {name: t * 1000.0 for name, t in times.items()}


def make_rows(dataset: str, n_rows: int, seed: int = 0) -> pd.DataFrame:
    frame = load_dataset(sample_path(dataset)).frame.drop(columns=SAMPLES[dataset].target)
    rng = np.random.default_rng(seed)
    big = frame.iloc[rng.integers(0, len(frame), n_rows)].reset_index(drop=True)
    for col in big.columns:
        if pd.api.types.is_float_dtype(big[col]):
            big[col] = (big[col] * (1 + rng.normal(0, 0.01, n_rows))).round(6)
    return big


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="breast_cancer", choices=sorted(SAMPLES))
    p.add_argument("--bundle", type=Path, help="use this bundle instead of building one")
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="serve-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {**os.environ, "AUTOML_HOME": str(tmp / "home")}
        env.pop("AUTOML_STORAGE", None)
        bundle = args.bundle or build_bundle(args.dataset, tmp / "bundle", env, tmp)
        meta = json.loads((bundle / "metadata.json").read_text())
        features = [c["name"] for c in meta["input_schema"]]

        sample = make_rows(args.dataset, 200, seed=1)[features]
        records = sample.astype(object).where(sample.notna(), None).to_dict("records")
        server, url = start_server(bundle, env, tmp)
        try:
            load_before = os.getloadavg()[0]
            with httpx.Client(timeout=30) as client:
                ms = time_requests(client, {
                    "predict": (f"{url}/predict", [{"records": [r]} for r in records]),
                    "invocations": (f"{url}/invocations",
                                    [{"dataframe_records": [r]} for r in records]),
                }, args.requests)
            predict_ms, invoke_ms = ms["predict"], ms["invocations"]
        finally:
            server.terminate()
            server.wait(timeout=30)

        t0 = time.perf_counter()
        big = make_rows(args.dataset, args.rows)
        data = tmp / "rows.csv"
        big.to_csv(data, index=False)
        gen_s = time.perf_counter() - t0
        size_mb = data.stat().st_size / 1e6
        del big
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", PREDICT_WITH_RSS, "predict", str(bundle),
                               str(data), "--out", str(tmp / "preds.csv")],
                              env=env, cwd=tmp, capture_output=True, text=True)
        predict_s = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"automl predict failed ({proc.returncode}):\n{proc.stderr}")
        peak_mb = int(proc.stderr.rsplit("peak_rss_kb ", 1)[1].split()[0]) / 1024
        with open(tmp / "preds.csv", encoding="utf-8") as fh:
            n_out = sum(1 for _ in fh) - 1
        if n_out != args.rows:
            raise SystemExit(f"expected {args.rows} predictions, got {n_out}")

    result = {
        "dataset": args.dataset, "task": meta["task"]["kind"], "family": meta["model"]["family"],
        "n_features": len(features), "requests": args.requests,
        "predict_ms": {"median": float(np.median(predict_ms)),
                       "p99": float(np.percentile(predict_ms, 99)),
                       "mean": float(predict_ms.mean()), "max": float(predict_ms.max())},
        "invocations_ms": {"median": float(np.median(invoke_ms)),
                           "p99": float(np.percentile(invoke_ms, 99))},
        "batch": {"rows": args.rows, "csv_mb": round(size_mb, 1), "seconds": round(predict_s, 2),
                  "rows_per_s": round(args.rows / predict_s), "peak_rss_mb": round(peak_mb),
                  "generate_s": round(gen_s, 1)},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform(), "load_avg_1m_before": round(load_before, 2),
                    "load_avg_1m_after": round(os.getloadavg()[0], 2)},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.dataset} ({result['task']}, {result['family']}, {len(features)} features), "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
          f"{load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    rows = [("measure", "value"),
            (f"POST /predict, 1 row: median ({args.requests} requests)",
             f"{result['predict_ms']['median']:.2f} ms"),
            ("POST /predict, 1 row: p99", f"{result['predict_ms']['p99']:.2f} ms"),
            ("POST /predict, 1 row: mean / max",
             f"{result['predict_ms']['mean']:.2f} / {result['predict_ms']['max']:.2f} ms"),
            ("POST /invocations, 1 row: median / p99",
             f"{result['invocations_ms']['median']:.2f} / {result['invocations_ms']['p99']:.2f} ms"),
            (f"automl predict, {args.rows:,} rows ({size_mb:.0f} MB CSV)", f"{predict_s:.1f} s"),
            ("automl predict throughput", f"{args.rows / predict_s:,.0f} rows/s"),
            ("automl predict peak RSS", f"{peak_mb:,.0f} MB")]
    width = max(len(r[0]) for r in rows)
    for i, (k, v) in enumerate(rows):
        print(f"{k.ljust(width)}  {v}")
        if i == 0:
            print(f"{'-' * width}  {'-' * 14}")
    print("(client-side wall time per request, one kept-alive connection, sequential)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
