"""Scale-out on PostgreSQL: trials/s and best score over time for 1, 2 and 4 workers on one
study, the engine's overhead per trial on PostgreSQL vs SQLite (trials created at start with
heartbeats vs written once at the end), how long a kill -9'd worker's trial stays RUNNING,
and the GUI's stalls while History watches a study that workers feed.

The workers' model sleeps in fit (tests/scale/fleet.py), so the machine's two cores are not
what limits them; a perfect engine gives N workers N times the trials of one.

    eval "$(.ci/postgres start)"            # or any database you may fill
    python benchmarks/scale_out.py --url "$AUTOML_TEST_POSTGRES_URL" [--budget 15] [--repeat 3]
        [--parts scaling,overhead,release,gui]
    .ci/postgres stop "$AUTOML_PG_DIR"
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import optuna
from optuna.trial import TrialState

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "scale"))
sys.path.insert(0, str(HERE))

import engine_overhead  # noqa: E402, F401  (registers its constant "dummy" family)
import fleet  # noqa: E402

from automl.storage import LIVE  # noqa: E402
from automl.storage import open_storage  # noqa: E402


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def scaling(url: str, budget_s: float, repeat: int, counts=(1, 2, 4)) -> None:
    print(f"## Workers on one study ({budget_s:g} s each, model sleeps {fleet.SLEEP_S} s "
          f"per fold x {fleet.CV} folds; median of {repeat} runs, interleaved)")
    runs: dict[int, list] = {n: [] for n in counts}
    for _ in range(repeat):
        for n in counts:
            runs[n].append(fleet.run_fleet(url, _name(f"scale{n}"), n, budget_s))
    rows = [sorted(runs[n], key=lambda r: r.trials_per_s)[len(runs[n]) // 2] for n in counts]
    for n in counts:
        print(f"  {n} worker(s), trials/s per run: "
              + ", ".join(f"{r.trials_per_s:.2f}" for r in runs[n]))
    one = rows[0].trials_per_s
    print("| workers | trials | trials/s | vs 1 worker | goal 0.8 x N | numbers 0..N-1 once "
          "| repeated params | workers seen | CPU ms/trial | cores busy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        ratio = r.trials_per_s / one if one else float("nan")
        print(f"| {r.n_workers} | {r.n_trials} | {r.trials_per_s:.2f} | {ratio:.2f}x | "
              f"{'met' if ratio >= 0.8 * r.n_workers else 'missed'} | {r.numbers_ok} | "
              f"{r.repeated_share:.1%} | {r.workers} | {r.cpu_ms_per_trial:.0f} | "
              f"{r.cpu_ms_per_trial * r.trials_per_s / 1000:.2f} |")
    marks = [2, 4, 8, budget_s]
    print("\nbest ROC AUC so far, seconds after the workers started:")
    print("| workers | " + " | ".join(f"{m:g} s" for m in marks) + " |")
    print("| --- |" + " --- |" * len(marks))
    for r in rows:
        cells = []
        for m in marks:
            seen = [b for t, b in r.best_over_time if t <= m]
            cells.append(f"{seen[-1]:.4f}" if seen else "-")
        print(f"| {r.n_workers} | " + " | ".join(cells) + " |")


def _engine(url: str, n_trials: int, study_name: str) -> list[float]:
    """Parent-side seconds per trial (launch + fold messages + recording), as
    engine_overhead.py measures them, on a study of its own."""
    from automl.data import load_dataset
    from automl.datasets import sample_path
    from automl.search import RunConfig
    from automl.search import _run
    from automl.search import run_search

    spent: list[float] = []
    search = _run._Search
    originals = {name: getattr(search, name) for name in ("_launch", "_handle")}

    def timed(name):
        def wrapper(self, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return originals[name](self, *args, **kwargs)
            finally:
                if name == "_launch":
                    spent.append(0.0)
                spent[-1] += time.perf_counter() - t0
        return wrapper

    for name in originals:
        setattr(search, name, timed(name))
    try:
        config = RunConfig(target="diagnosis", budget_s=3600, n_trials=n_trials, cv=3,
                           families=("dummy",), storage_url=url, study_name=study_name,
                           n_jobs=1)
        run_search(config, load_dataset(sample_path("breast_cancer")), refit=False)
    finally:
        for name, fn in originals.items():
            setattr(search, name, fn)
    return spent


def overhead(url: str, n_trials: int, repeat: int) -> None:
    print(f"\n## Engine overhead per trial ({n_trials} trials of a constant model, one job)")
    import automl.storage as storage_api

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{Path(tmp, 'o.db').as_posix()}"
        cases = [("SQLite (written at the end)", sqlite, True),
                 ("PostgreSQL, written at the end", url, False),
                 ("PostgreSQL, created at start + heartbeats", url, True)]
        results: dict[str, list[tuple[float, float, float]]] = {c[0]: [] for c in cases}
        for _ in range(repeat):  # interleaved, so a busy minute hits every case alike
            for label, target, live in cases:
                original = storage_api.heartbeats_enabled
                if not live:
                    storage_api.heartbeats_enabled = lambda _s: False
                try:
                    t0 = time.perf_counter()
                    spent = _engine(target, n_trials, _name("ovh"))
                    wall = (time.perf_counter() - t0) / n_trials
                finally:
                    storage_api.heartbeats_enabled = original
                ms = sorted(x * 1000 for x in spent)
                results[label].append((statistics.median(ms), ms[int(0.9 * (len(ms) - 1))],
                                       wall * 1000))
        print(f"median of {repeat} interleaved runs")
        print("| storage | loop median ms | loop p90 ms | wall per trial ms |")
        print("| --- | --- | --- | --- |")
        for label, _, _ in cases:
            med = [statistics.median(x[i] for x in results[label]) for i in range(3)]
            print(f"| {label} | {med[0]:.2f} | {med[1]:.2f} | {med[2]:.1f} |")


def release(url: str) -> None:
    print(f"\n## A kill -9'd worker (heartbeat every {LIVE.heartbeat_s} s, grace {LIVE.grace_s} s)")
    study_name = _name("kill")
    fleet.seed_study(url, study_name)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    budget = LIVE.grace_s * 2 + 15
    procs = [ctx.Process(target=fleet._worker, args=(url, study_name, budget, time.time(), out))
             for _ in range(2)]
    for p in procs:
        p.start()
    storage = open_storage(url, cached=False)
    study = optuna.load_study(study_name=study_name, storage=storage)
    victim = procs[0]
    trial = None
    while trial is None:
        trial = next((t for t in study.get_trials(states=(TrialState.RUNNING,))
                      if t.user_attrs.get("worker", "").endswith(f":{victim.pid}")), None)
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    killed = time.time()
    while storage.get_trial(trial._trial_id).state is TrialState.RUNNING:
        time.sleep(0.05)
    released = time.time() - killed
    procs[1].join()
    after = [t for t in study.get_trials() if t.datetime_start.timestamp() > killed]
    print(f"trial {trial.number} of the killed worker: RUNNING for {released:.1f} s after the "
          f"kill, then FAIL (released by the other worker's sweep); the other worker added "
          f"{len(after)} trials after the kill; trials RUNNING at the end: "
          f"{len(study.get_trials(states=(TrialState.RUNNING,)))}")


def gui(url: str, budget_s: float) -> None:
    """History's live view of a study two workers feed: the event loop's stalls."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from gui_responsiveness import LoopSampler
    from PySide6.QtCore import QEventLoop
    from PySide6.QtCore import QTimer

    from app.controllers.history import HistoryController
    from app.main import create_application
    from app.pages.history_page import HistoryPage

    study_name = _name("gui")
    fleet.seed_study(url, study_name)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=fleet._worker, args=(url, study_name, budget_s, time.time(), out))
             for _ in range(2)]
    app = create_application()
    history = HistoryController()
    page = HistoryPage(history)
    page.resize(1100, 800)
    page.show()
    page.set_storage_url(url)
    reads: list[float] = []
    history.watch_changed.connect(lambda snap: reads.append(snap.read_s))
    loop = QEventLoop()
    history.studies_loaded.connect(lambda _n: loop.quit())
    page.refresh()
    loop.exec()
    for p in procs:
        p.start()
    sampler = LoopSampler()
    sampler.start()  # first the same machine load with nothing watched, for comparison
    QTimer.singleShot(int(budget_s * 400), loop.quit)
    loop.exec()
    baseline = sampler.summary()
    page.select_study(study_name)
    sampler.start()
    QTimer.singleShot(int(budget_s * 600), loop.quit)
    loop.exec()
    sampler.stop()
    for p in procs:
        p.join()
    history.close()
    snap = history.snapshot
    print(f"\n## History watching a study two workers feed ({budget_s:g} s)")
    print(f"not watching, workers running: {baseline}")
    print(f"watching: {sampler.summary()}; {len(reads)} reads, median "
          f"{statistics.median(reads) * 1000:.0f} ms, longest {max(reads) * 1000:.0f} ms; "
          f"last view: {len(snap.board.records) if snap else 0} trials")
    app.processEvents()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=os.environ.get("AUTOML_TEST_POSTGRES_URL"),
                    help="PostgreSQL URL (default: $AUTOML_TEST_POSTGRES_URL)")
    ap.add_argument("--budget", type=float, default=15.0, help="seconds per worker")
    ap.add_argument("--trials", type=int, default=200, help="trials for the overhead part")
    ap.add_argument("--repeat", type=int, default=1, help="runs per worker count (median)")
    ap.add_argument("--sleep", type=float, default=fleet.SLEEP_S, help="seconds per fold fit")
    ap.add_argument("--parts", default="scaling,overhead,release")
    args = ap.parse_args(argv)
    if not args.url:
        ap.error("give --url or set AUTOML_TEST_POSTGRES_URL (see .ci/postgres)")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fleet.SLEEP_S = args.sleep  # read by the forked workers' model
    print(f"{os.cpu_count()} CPU cores; PostgreSQL on {open_storage(args.url).engine.url.host}")
    parts = args.parts.split(",")
    if "scaling" in parts:
        scaling(args.url, args.budget, args.repeat)
    if "overhead" in parts:
        overhead(args.url, args.trials, args.repeat)
    if "release" in parts:
        release(args.url)
    if "gui" in parts:
        gui(args.url, args.budget)
    return 0


if __name__ == "__main__":
    sys.exit(main())
