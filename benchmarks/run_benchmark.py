"""Side-by-side benchmark: AutoML Studio vs FLAML vs AutoGluon vs a default HistGradientBoosting.

For every dataset of the public benchmark set (``../shared/bench/bench_datasets.py``), every
seed and every budget, all systems get the same stratified (classification) 75/25 train/test
split, the same seed, the same time budget and ``n_jobs=2``. Each system runs in its own
subprocess, measured from outside (wall time, peak RSS of the whole process tree); the test
score is computed here, identically for every system, from the predictions they write:
ROC AUC (binary), log loss (multiclass), RMSE (regression).

Usage (from the project root; see benchmarks/README.md)::

    pip install -e ".[bench]" -r ../shared/bench/requirements.txt
    python benchmarks/run_benchmark.py --setup-autogluon      # optional, once: its own venv
    python benchmarks/run_benchmark.py --budget 60 --seeds 0 1 2
    python benchmarks/run_benchmark.py --budget 15 --datasets penguins default --systems automl hgb
    python benchmarks/run_benchmark.py --scaling diamonds --budget 60
    python benchmarks/run_benchmark.py --report benchmarks/results/NAME   # rebuild the tables
    python benchmarks/run_benchmark.py --systems automl --budget 600 --n-jobs 1 --n-trials 12 \
        --datasets penguins auto_mpg default   # repeatable: same code, same scores

Results go to ``benchmarks/results/NAME/`` (git-ignored): ``runs.jsonl`` (one record per
run, appended as runs finish, so an interrupted run can go on with ``--resume``),
``runs.csv``, ``summary.csv`` (medians over seeds), ``comparisons.csv`` and ``report.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
RUNNERS = BENCH_DIR / "_bench_runners.py"
AG_VENV = BENCH_DIR / ".venv-autogluon"
AG_PIP = ['autogluon.tabular[lightgbm,catboost,xgboost]', "torch==2.13.0"]
DATASETS_DIR = Path(os.environ.get("BENCH_DATASETS_DIR", ROOT.parent / "shared" / "bench"))

SYSTEMS = ("automl", "flaml", "autogluon", "hgb")
PROJECT = "automl"
METRICS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}
POLL_S = 0.1

sys.path.insert(0, str(BENCH_DIR))
from _bench_report import build_report  # noqa: E402
from _extra_tables import EXTRA  # noqa: E402
from _extra_tables import load_table  # noqa: E402

# -- environment facts ---------------------------------------------------------------------

def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def engine_state() -> str:
    """The git tree hash of automl/ (the engine's code, whatever else the commit changed),
    plus a digest of uncommitted changes under automl/ if any."""
    head = _git("rev-parse", "--short=10", "HEAD:automl") or "unknown"
    dirty = _git("status", "--porcelain", "--", "automl")
    if not dirty:
        return head
    diff = _git("diff", "HEAD", "--", "automl")
    untracked = [line[3:] for line in dirty.splitlines() if line.startswith("??")]
    h = hashlib.sha1(diff.encode())
    for rel in sorted(untracked):
        p = ROOT / rel
        for f in sorted([p] if p.is_file() else p.rglob("*.py")):
            h.update(f.read_bytes())
    return f"{head}+dirty.{h.hexdigest()[:8]}"


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    versions = {}
    for dist in ("scikit-learn", "optuna", "pandas", "numpy", "flaml", "lightgbm", "xgboost"):
        try:
            from importlib.metadata import version
            versions[dist] = version(dist)
        except Exception:
            versions[dist] = None
    ag = ag_python()
    if ag:
        out = subprocess.run([str(ag), "-c", "import importlib.metadata as m;"
                              "print(m.version('autogluon.tabular'), m.version('torch'))"],
                             capture_output=True, text=True, env=_ag_env())
        if out.returncode == 0:
            versions["autogluon.tabular"], versions["torch (ag venv)"] = out.stdout.split()
    return {"nproc": os.cpu_count(), "ram_gb": ram_gb, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions}


# -- AutoGluon venv ---------------------------------------------------------------------------

def ag_python() -> Path | None:
    p = AG_VENV / "bin" / "python"
    return p if p.exists() else None


def _ag_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(AG_VENV)
    return env


def setup_autogluon() -> int:
    """Create benchmarks/.venv-autogluon (git-ignored) with AutoGluon-tabular in it."""
    AG_VENV.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(AG_VENV)], check=True)
    (AG_VENV / ".gitignore").write_text("*\n")
    pip = [str(AG_VENV / "bin" / "python"), "-m", "pip", "install"]
    subprocess.run(pip + ["-U", "pip"], check=True)
    rc = subprocess.run(pip + AG_PIP + ["psutil", "pyarrow"]).returncode
    if rc != 0:
        print("AutoGluon install failed; the benchmark will skip it (see the pip output above).")
        (AG_VENV / "INSTALL_FAILED").write_text(f"pip exited {rc}\n")
    return rc


def ag_status() -> str | None:
    """None if AutoGluon can run, else the reason it is skipped."""
    py = ag_python()
    if py is None:
        return f"no venv at {AG_VENV.relative_to(ROOT)} (run --setup-autogluon)"
    if (AG_VENV / "INSTALL_FAILED").exists():
        return "install failed: " + (AG_VENV / "INSTALL_FAILED").read_text().strip()
    out = subprocess.run([str(py), "-c", "import autogluon.tabular"], capture_output=True, text=True,
                         env=_ag_env())
    if out.returncode != 0:
        return "import failed: " + (out.stderr.strip().splitlines() or ["?"])[-1]
    return None


# -- data -------------------------------------------------------------------------------------

def _bench_datasets():
    sys.path.insert(0, str(DATASETS_DIR))
    import bench_datasets
    return bench_datasets


def make_split(df: pd.DataFrame, target: str, task: str, seed: int):
    from sklearn.model_selection import train_test_split

    strat = df[target] if task != "regression" else None
    return train_test_split(df, test_size=0.25, random_state=seed, shuffle=True, stratify=strat)


def scaled(df: pd.DataFrame, target: str, task: str, n_rows: int, seed: int) -> pd.DataFrame:
    """``n_rows`` rows: the data repeated (shuffled); copies after the first get Gaussian noise
    of 1% of each float column's standard deviation (the target too, for regression)."""
    rng = np.random.default_rng(seed)
    reps = -(-n_rows // len(df))
    idx = np.concatenate([rng.permutation(len(df)) for _ in range(reps)])[:n_rows]
    copy = np.repeat(np.arange(reps), len(df))[:n_rows]
    out = df.iloc[idx].reset_index(drop=True)
    noisy = copy > 0
    for col in out.columns:
        s = out[col]
        if col == target and task != "regression":
            continue
        if pd.api.types.is_float_dtype(s) or (col == target and pd.api.types.is_numeric_dtype(s)):
            s = s.astype(float)
            sd = float(s.std()) or 1.0
            s[noisy] = s[noisy] + rng.normal(0.0, 0.01 * sd, int(noisy.sum()))
            out[col] = s
    return out


# -- measuring one process ----------------------------------------------------------------------

def measure(cmd: list[str], *, timeout_s: float, env: dict | None = None, cwd: Path | None = None,
            log: Path | None = None) -> dict:
    """Run ``cmd``; wall time, peak RSS and peak PSS summed over the process tree (polled),
    exit code.

    RSS counts every resident page a process maps, so pages a forked worker shares with its
    parent count once per process; PSS splits each shared page between the processes that
    map it, so its sum is what the tree takes from the machine. Both are kept: the RSS sum
    is the figure the issues quote, the PSS sum the one a user's machine feels.
    """
    import psutil

    with contextlib.ExitStack() as stack:
        out_f = stack.enter_context(open(log.with_suffix(".out"), "wb")) if log else subprocess.DEVNULL
        err_f = stack.enter_context(open(log.with_suffix(".err"), "wb")) if log else subprocess.DEVNULL
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env, cwd=cwd,
                                start_new_session=True)
        ps = psutil.Process(proc.pid)
        peak = peak_pss = 0
        timed_out = False
        while proc.poll() is None:
            rss = pss = 0
            try:
                procs = [ps] + ps.children(recursive=True)
            except psutil.Error:
                procs = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    info = p.memory_full_info()  # Linux: includes pss
                    rss += info.rss
                    pss += getattr(info, "pss", info.rss)
            peak = max(peak, rss)
            peak_pss = max(peak_pss, pss)
            if time.monotonic() - t0 > timeout_s:
                timed_out = True
                _kill_tree(proc)
                break
            time.sleep(POLL_S)
        rc = proc.wait()
        wall = time.monotonic() - t0
    return {"rc": rc, "wall_s": wall, "peak_rss_mb": peak / 2 ** 20,
            "peak_pss_mb": peak_pss / 2 ** 20, "timed_out": timed_out}


def _kill_tree(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _tail(path: Path, n: int = 3) -> str:
    try:
        lines = [x for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])[-400:]


# -- scoring -------------------------------------------------------------------------------

def score(metric: str, y_test: pd.Series, classes: list, pred_file: Path) -> float:
    """Score a system's predictions; probability columns are matched to ``classes`` by label."""
    from sklearn.metrics import log_loss
    from sklearn.metrics import roc_auc_score
    from sklearn.metrics import root_mean_squared_error

    data = np.load(pred_file, allow_pickle=False)
    if metric == "rmse":
        pred = data["pred"]
        if pred.shape != (len(y_test),) or not np.isfinite(pred).all():
            raise ValueError(f"bad predictions: shape {pred.shape}, finite {np.isfinite(pred).all()}")
        return float(root_mean_squared_error(y_test.to_numpy(dtype=float), pred))
    proba, got = data["proba"], [str(c) for c in data["classes"]]
    want = [str(c) for c in classes]
    if proba.shape != (len(y_test), len(got)) or not np.isfinite(proba).all():
        raise ValueError(f"bad probabilities: shape {proba.shape} for {len(y_test)} rows, classes {got}")
    unknown = set(got) - set(want)
    if unknown:
        raise ValueError(f"probability columns {sorted(unknown)} are not classes of the data {want}")
    P = np.zeros((len(y_test), len(want)))
    for j, c in enumerate(got):
        P[:, want.index(c)] = proba[:, j]
    y = np.asarray([str(v) for v in y_test])
    if metric == "roc_auc":
        return float(roc_auc_score(y == want[1], P[:, 1]))
    P = np.clip(P, 1e-15, 1.0)
    P /= P.sum(axis=1, keepdims=True)
    return float(log_loss(y, P, labels=want))


# -- one run of one system ----------------------------------------------------------------------

def run_one(system: str, job: dict, y_test: pd.Series, classes: list, timeout_s: float) -> dict:
    work = Path(job["workdir"])
    work.mkdir(parents=True, exist_ok=True)
    job["out_dir"] = str(work / "out")
    rec: dict = {"status": "ok", "score": None, "wall_s": None, "fit_s": None,
                 "peak_rss_mb": None, "peak_pss_mb": None, "trials": None, "best_model": None, "error": None,
                 "detail": {}}
    env = dict(os.environ, MPLBACKEND="Agg")
    # The engine measured is the one beside this script, whatever the caller's directory or
    # PYTHONPATH: `python -m automl` puts the working directory first on sys.path, so a run
    # started from another checkout would silently time that checkout's engine instead.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    post_fit = 0.0
    if system == PROJECT:
        storage = f"sqlite:///{work / 's.db'}"
        study = f"bench-{job['dataset']}-s{job['seed']}"
        bundle = work / "bundle"
        cmd = [sys.executable, "-m", "automl", "run", job["train"], "--target", job["target"],
               "--task", job["task"], "--metric", job["metric"], "--time-budget", str(job["budget_s"]),
               "--seed", str(job["seed"]), "--n-jobs", str(job["n_jobs"]), "--storage", storage,
               "--study", study, "--out", str(bundle), "--json"]
        if job.get("n_trials"):
            cmd += ["--n-trials", str(job["n_trials"])]
        m = measure(cmd, timeout_s=timeout_s, env=env, cwd=work, log=work / "run")
        rec.update(wall_s=m["wall_s"], peak_rss_mb=m["peak_rss_mb"], peak_pss_mb=m["peak_pss_mb"])
        try:
            doc = json.loads((work / "run.out").read_text())
        except (OSError, json.JSONDecodeError):
            doc = None
        if doc:
            t = doc.get("trials") or {}
            rec["trials"] = sum(int(t.get(k) or 0) for k in ("complete", "pruned", "failed"))
            rec["fit_s"] = doc.get("elapsed_s")
            rec["detail"].update(trials=t, stop_reason=doc.get("stop_reason"),
                                 cv=doc.get("cv"), best_cv=doc.get("best_score"))
        if m["timed_out"] or m["rc"] != 0 or not bundle.exists():
            rec["status"] = "timeout" if m["timed_out"] else "failed"
            rec["error"] = f"automl run exit {m['rc']}: {_tail(work / 'run.err')}"
            return rec
        job.update(bundle=str(bundle), storage=storage, study=study)
        jf = work / "job.json"
        jf.write_text(json.dumps(job))
        p = measure([sys.executable, str(RUNNERS), "automl-predict", "--job", str(jf)],
                    timeout_s=600, env=env, log=work / "predict")
        rec["peak_rss_mb"] = max(rec["peak_rss_mb"], p["peak_rss_mb"])
        rec["peak_pss_mb"] = max(rec["peak_pss_mb"], p["peak_pss_mb"])
        if p["rc"] != 0:
            rec.update(status="failed", error=f"predict exit {p['rc']}: {_tail(work / 'predict.err')}")
            return rec
    else:
        py = str(ag_python()) if system == "autogluon" else sys.executable
        if system == "autogluon":
            env = dict(_ag_env(), MPLBACKEND="Agg")
        jf = work / "job.json"
        jf.write_text(json.dumps(job))
        m = measure([py, str(RUNNERS), system, "--job", str(jf)], timeout_s=timeout_s, env=env,
                    log=work / "run")
        rec.update(wall_s=m["wall_s"], peak_rss_mb=m["peak_rss_mb"], peak_pss_mb=m["peak_pss_mb"])
        if m["timed_out"] or m["rc"] != 0:
            rec["status"] = "timeout" if m["timed_out"] else "failed"
            rec["error"] = f"exit {m['rc']}: {_tail(work / 'run.err')}"
            return rec
    meta = json.loads((work / "out" / "meta.json").read_text())
    post_fit = float(meta.pop("post_fit_s", 0.0) or 0.0)
    if system != PROJECT:
        # wall of the fit phase: the process's wall time less predicting and saving the test
        # predictions (start-up, imports and reading the data stay in, as for the CLI)
        rec["wall_s"] = max(0.0, rec["wall_s"] - post_fit)
        rec["fit_s"] = meta.pop("fit_s", None)
        rec["trials"] = meta.pop("trials", None)
        rec["best_model"] = meta.pop("best_model", None)
    else:
        rec["best_model"] = meta.get("best_family")
    rec["predict_s"] = post_fit
    rec["detail"].update(meta)
    try:
        rec["score"] = score(job["metric"], y_test, classes, work / "out" / "pred.npz")
    except Exception as exc:
        rec.update(status="failed", error=f"scoring: {type(exc).__name__}: {exc}")
    return rec


def budget_held(system: str, budget: float, wall: float | None) -> bool | None:
    if system == "hgb" or wall is None:
        return None  # no budget to hold
    return wall <= budget * 1.1 + 5


# -- the main loop -------------------------------------------------------------------------------

def _done_keys(raw: Path) -> set:
    keys = set()
    if raw.exists():
        for line in raw.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                keys.add((r["budget"], r["dataset"], r.get("rows"), r["seed"], r["system"]))
    return keys


def run_matrix(args, out: Path) -> None:
    bd = _bench_datasets()
    raw = out / "runs.jsonl"
    done = _done_keys(raw) if args.resume else set()
    skip_ag = ag_status() if "autogluon" in args.systems else None
    if skip_ag:
        print(f"AutoGluon skipped: {skip_ag}", flush=True)
    if args.scaling:
        names, sizes = [args.scaling], args.rows
    else:
        names, sizes = args.datasets or list(bd.PUBLIC), [None]
    total = len(args.budget) * len(args.seeds) * len(names) * len(sizes) * len(args.systems)
    i = 0
    for budget in args.budget:
        for seed in args.seeds:
            for name in names:
                df0, target, task, text = load_table(bd, name)
                for rows in sizes:
                    df = scaled(df0, target, task, rows, seed) if rows else df0
                    train, test = make_split(df, target, task, seed)
                    split_dir = out / "work" / "splits" / f"{name}-{rows or 'all'}-s{seed}"
                    split_dir.mkdir(parents=True, exist_ok=True)
                    train.to_parquet(split_dir / "train.parquet", index=False)
                    test.to_parquet(split_dir / "test.parquet", index=False)
                    classes = sorted(df[target].unique().tolist()) if task != "regression" else []
                    for system in args.systems:
                        i += 1
                        key = (budget, name, rows, seed, system)
                        if key in done:
                            continue
                        base = dict(budget=budget, dataset=name, rows=rows, seed=seed, system=system,
                                    task=task, metric=METRICS[task], n_train=len(train),
                                    n_test=len(test), engine=engine_state(),
                                    started=_dt.datetime.now().isoformat(timespec="seconds"))
                        if system == "autogluon" and skip_ag:
                            rec = dict(status="skipped", error=skip_ag)
                        else:
                            workdir = out / "work" / f"b{budget:g}" / f"{name}-{rows or 'all'}-s{seed}" / system
                            shutil.rmtree(workdir, ignore_errors=True)
                            job = dict(train=str(split_dir / "train.parquet"),
                                       test=str(split_dir / "test.parquet"), target=target, task=task,
                                       metric=METRICS[task], budget_s=budget, seed=seed,
                                       n_jobs=args.n_jobs, n_trials=args.n_trials,
                                       text_columns=text, workdir=str(workdir), dataset=name)
                            timeout = budget * 2 + 300 if system != "hgb" else 3600
                            rec = run_one(system, job, test[target], classes, timeout)
                            if not args.keep_work:
                                for sub in ("ag-models", "bundle"):
                                    shutil.rmtree(workdir / sub, ignore_errors=True)
                        # 1-minute load average at the end of the run: ~n_jobs when the
                        # machine was ours alone, higher when something else competed for it
                        rec = {**base, **rec, "load_end": round(os.getloadavg()[0], 2)}
                        rec["budget_held"] = budget_held(system, budget, rec.get("wall_s"))
                        with raw.open("a") as fh:
                            fh.write(json.dumps(rec, default=_json_default) + "\n")
                        _print_run(i, total, rec)


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    return str(o)


def _print_run(i: int, total: int, r: dict) -> None:
    sc = f"{r['score']:.5g}" if r.get("score") is not None else r["status"]
    wall = f"{r['wall_s']:.1f}s" if r.get("wall_s") is not None else "-"
    rss = f"{r['peak_rss_mb']:.0f}MB" if r.get("peak_rss_mb") is not None else "-"
    if r.get("peak_pss_mb") is not None:
        rss += f" pss={r['peak_pss_mb']:.0f}MB"
    held = {True: "", False: "  BUDGET OVERRUN", None: ""}[r.get("budget_held")]
    rows = f" rows={r['rows']}" if r.get("rows") else ""
    err = f"  ({r['error'][:160]})" if r.get("error") else ""
    print(f"[{i}/{total}] b={r['budget']:g} {r['dataset']}{rows} s{r['seed']} {r['system']:<9} "
          f"{r['metric']}={sc}  wall={wall} rss={rss} trials={r.get('trials')} "
          f"best={r.get('best_model')}{held}{err}", flush=True)


# -- CLI -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", nargs="+",
                    help="dataset names (default: the whole public set); built tables: "
                         + ", ".join(EXTRA))
    ap.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    ap.add_argument("--budget", nargs="+", type=float, default=[60.0], metavar="SECONDS",
                    help="time budget(s) in seconds (default 60; the issue's anytime check is 15)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--n-trials", type=int, metavar="N",
                    help="AutoML Studio stops after N trials (with --n-jobs 1 and a budget it does "
                         "not reach, a run is repeatable: the check that a refactor kept scores)")
    ap.add_argument("--name", help="results folder name under benchmarks/results/ (default: derived)")
    ap.add_argument("--resume", action="store_true", help="skip runs already in NAME/runs.jsonl")
    ap.add_argument("--keep-work", action="store_true", help="keep bundles and AutoGluon models")
    ap.add_argument("--scaling", metavar="DATASET",
                    help="scaling mode: this project and the HGB baseline at --rows rows of DATASET")
    ap.add_argument("--rows", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--report", metavar="DIR", type=Path, help="only rebuild the tables of DIR")
    ap.add_argument("--setup-autogluon", action="store_true",
                    help=f"create {AG_VENV.relative_to(ROOT)} with AutoGluon and exit")
    args = ap.parse_args(argv)

    if args.setup_autogluon:
        return setup_autogluon()
    if args.report:
        print(build_report(args.report))
        return 0
    if args.scaling:
        args.systems = [s for s in args.systems if s in (PROJECT, "hgb")] or [PROJECT, "hgb"]
    name = args.name or ("scaling-" + args.scaling if args.scaling else
                         "b" + "-".join(f"{b:g}" for b in args.budget) + "_s"
                         + "-".join(map(str, args.seeds)))
    out = RESULTS_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / ".gitignore").write_text("*\n")
    meta_file = out / "meta.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {"invocations": []}
    meta["machine"] = machine()
    meta["invocations"].append({"argv": sys.argv, "started": _dt.datetime.now().isoformat(timespec="seconds"),
                                "engine": engine_state()})
    meta_file.write_text(json.dumps(meta, indent=2))
    print(f"results -> {out}\nmachine: {meta['machine']['nproc']} CPUs, {meta['machine']['ram_gb']} GB, "
          f"{meta['machine']['cpu']}; engine {engine_state()}", flush=True)
    run_matrix(args, out)
    print(build_report(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
