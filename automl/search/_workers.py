"""Worker processes that score trials, so a slow or crashing model can be stopped for real.

Threads cannot be killed and a model fit holds them for as long as it likes; a process can
be terminated the moment its trial passes its deadline, and a crash in native code takes
down only that worker. Each worker runs one trial at a time with one BLAS/OpenMP thread
(two workers on two cores, no oversubscription). On Linux workers are forked, so the data
is shared copy-on-write instead of pickled.

Protocol (tuples over a Pipe):
  parent -> worker: ("trial", number, family, params, train fraction)
                    | ("refit", family, params, path)
                    | ("keep", number, path): save the fold models of trial ``number`` (the
                      worker's last completed trial) at ``path`` as one averaged model
                    | ("combine", member paths, weights, temperature, path)
                    | ("explain", model path, time cap) | ("measure", family, params)
                    | ("exit",)
  worker -> parent: ("fold", number, FoldResult) then waits for ("go",) or ("prune",)
                    ("done", number, [FoldResult], oof) | ("pruned", number, [FoldResult])
                    ("failed", number, error_type, message)
                    ("refitted", path, seconds, importances) | ("refit_failed", error_type, message)
                    ("measured", single score, bagged score) | ("measure_failed", type, message)
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
import traceback
import warnings
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait
from typing import Any

import joblib

from automl.search._bags import HeldModels
from automl.search._evaluate import Evaluator
from automl.search._evaluate import Problem
from automl.search._evaluate import TrialPruned

MAX_MESSAGE = 2000
# Held while a worker is forked, and by any thread of the parent that imports modules while
# workers exist (``run_in_background``): a fork in the middle of another thread's import
# gives the child a held import lock, and the child hangs at its first import.
FORK_LOCK = threading.Lock()


def run_in_background(work) -> threading.Thread:
    """Run ``work()`` on a daemon thread that no worker fork interrupts."""
    def guarded() -> None:
        with FORK_LOCK:
            try:
                work()
            except Exception:  # noqa: BLE001 - optional work; the run does not depend on it
                logging.getLogger(__name__).debug("background work failed", exc_info=True)

    thread = threading.Thread(target=guarded, name="automl-background", daemon=True)
    thread.start()
    return thread


def _context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker when its parent dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the worker notices EOF on its pipe and exits


def _release_memory():
    """Linux: a function that hands freed heap pages back to the system (glibc keeps them
    after a model is dropped, so a worker's RSS would stay at its largest fit); elsewhere a
    no-op."""
    try:
        import ctypes

        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)


def _worker_main(conn: Connection, problem: Problem) -> None:
    _die_with_parent()
    release_memory = _release_memory()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    warnings.simplefilter("ignore")  # model warnings are noise here; failures are recorded
    threads = int(os.environ.get("AUTOML_WORKER_THREADS", "1"))  # benchmarks vary it
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    evaluator = Evaluator(problem)
    last: tuple[int, list] = (-1, [])  # the last completed trial and its fold models
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "exit":
            return
        if msg[0] == "trial":
            last = (-1, [])  # drop the previous trial's fold models before fitting new ones
            last = _run_trial(conn, evaluator, *msg[1:])
        elif msg[0] == "keep":
            _keep(last, *msg[1:])
        elif msg[0] == "refit":
            _refit(conn, evaluator, *msg[1:])
        elif msg[0] == "combine":
            _combine(conn, evaluator, *msg[1:])
        elif msg[0] == "explain":
            _explain(conn, evaluator, *msg[1:])
        elif msg[0] == "measure":
            _measure(conn, evaluator, *msg[1:])
        release_memory()


def _run_trial(conn: Connection, evaluator: Evaluator, number: int, family: str,
               params, train_fraction: float = 1.0) -> tuple[int, list]:
    """Score one trial; returns (number, fold models) when it completed, else (-1, [])."""
    def on_fold(result) -> bool:
        conn.send(("fold", number, result))
        return conn.recv()[0] == "go"

    folds: list = []
    models = HeldModels()
    try:
        folds, oof = evaluator.run_trial(family, params, on_fold=_collect(folds, on_fold),
                                         fold_models=models, train_fraction=train_fraction)
    except TrialPruned:
        conn.send(("pruned", number, folds))
    except Exception as exc:  # noqa: BLE001 - any model error is recorded, the search goes on
        conn.send(("failed", number, type(exc).__name__, _message(exc)))
    else:
        conn.send(("done", number, folds, oof))
        if len(models) == len(folds):
            return number, models
    return -1, []


def _keep(last: tuple[int, list], number: int, path: str) -> None:
    """Save the fold models of the last completed trial as one equally weighted average.

    Written to a temporary name and renamed, so ``path`` exists only once it is complete
    (the parent may kill this worker at any moment). Nothing is written when the fold
    models are not at hand (the trial was not this worker's last, or one fold densified).
    """
    from automl.models._ensemble import WeightedEnsemble

    done, models = last
    if done != number or not models:
        return
    partial = path + ".partial"
    try:
        joblib.dump(WeightedEnsemble(models, [1.0] * len(models)), partial)
        os.replace(partial, path)
    except Exception:  # noqa: BLE001 - no file means no bagged fallback for this trial
        with contextlib.suppress(OSError):
            os.unlink(partial)


def _collect(folds: list, on_fold):
    def inner(result) -> bool:
        folds.append(result)
        return on_fold(result)
    return inner


def _refit(conn: Connection, evaluator: Evaluator, family: str, params, path: str) -> None:
    try:
        t0 = time.perf_counter()
        pipe = evaluator.refit(family, params)
        seconds = time.perf_counter() - t0
        joblib.dump(pipe, path)
        conn.send(("refitted", path, seconds, {}))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(("refit_failed", type(exc).__name__, _message(exc)))


def _combine(conn: Connection, evaluator: Evaluator, paths: list[str], weights: list[float],
             temperature: float, path: str) -> None:
    """Load refit members and save their weighted ensemble."""
    from automl.models._ensemble import WeightedEnsemble

    try:
        t0 = time.perf_counter()
        ensemble = WeightedEnsemble([joblib.load(p) for p in paths], list(weights), temperature)
        joblib.dump(ensemble, path)
        conn.send(("refitted", path, time.perf_counter() - t0, {}))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back
        conn.send(("refit_failed", type(exc).__name__, _message(exc)))


def _explain(conn: Connection, evaluator: Evaluator, model_path: str, time_cap_s: float) -> None:
    """Permutation importances of a saved model, within ``time_cap_s``."""
    try:
        t0 = time.perf_counter()
        importances = evaluator.importances(joblib.load(model_path), time_cap_s=time_cap_s)
        conn.send(("refitted", model_path, time.perf_counter() - t0, importances))
    except Exception as exc:  # noqa: BLE001 - importances are optional; the parent goes on
        conn.send(("refit_failed", type(exc).__name__, _message(exc)))


def _measure(conn: Connection, evaluator: Evaluator, family: str, params) -> None:
    """Bagged fold models against a refit for one configuration (see bagging_scores)."""
    try:
        conn.send(("measured", *evaluator.bagging_scores(family, params)))
    except Exception as exc:  # noqa: BLE001 - the parent falls back to its rule
        conn.send(("measure_failed", type(exc).__name__, _message(exc)))


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or repr(exc)
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
    return (text + where)[:MAX_MESSAGE]


@dataclass
class Worker:
    process: Any
    conn: Connection
    job: tuple | None = None  # what it is doing
    started: float = 0.0
    deadline: float = float("inf")


class WorkerPool:
    """A fixed number of worker processes; a killed worker is replaced at once."""

    def __init__(self, n_workers: int, problem: Problem):
        self._problem = problem
        self._ctx = _context()
        self.workers = [self._spawn() for _ in range(n_workers)]

    def _spawn(self) -> Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child, self._problem), daemon=True)
        with FORK_LOCK:
            # Objects alive now go to the collector's permanent generation, in this process
            # and in the child: a collection would write to every object's header and so
            # copy each page the two share.
            gc.freeze()
            proc.start()
        child.close()
        return Worker(proc, parent)

    def ensure(self, n_workers: int) -> None:
        """Start workers until there are ``n_workers`` (after kills without respawn)."""
        while len(self.workers) < n_workers:
            self.workers.append(self._spawn())

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.job is None]

    def busy(self) -> list[Worker]:
        return [w for w in self.workers if w.job is not None]

    def submit(self, worker: Worker, job: tuple, deadline: float) -> None:
        worker.job = job
        worker.started = time.monotonic()
        worker.deadline = deadline
        worker.conn.send(job)

    def poll(self, timeout: float) -> list[tuple[Worker, tuple]]:
        """Messages from busy workers, waiting at most ``timeout`` seconds for the first."""
        by_conn = {w.conn: w for w in self.busy()}
        if not by_conn:
            return []
        out = []
        for conn in wait(list(by_conn), timeout=max(0.0, timeout)):
            worker = by_conn[conn]
            try:
                out.append((worker, conn.recv()))
            except (EOFError, OSError):
                out.append((worker, ("crashed", worker.process.exitcode)))
        return out

    def release(self, worker: Worker) -> None:
        worker.job = None
        worker.deadline = float("inf")

    def kill(self, worker: Worker, respawn: bool = True) -> None:
        """Stop a worker now (its job is abandoned) and start a fresh one in its place."""
        worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        index = self.workers.index(worker)
        if respawn:
            self.workers[index] = self._spawn()
        else:
            self.workers.pop(index)

    def close(self) -> None:
        for w in list(self.workers):
            if w.job is None and w.process.is_alive():
                with contextlib.suppress(OSError):
                    w.conn.send(("exit",))
        deadline = time.monotonic() + 2
        for w in self.workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()
        self.workers = []
