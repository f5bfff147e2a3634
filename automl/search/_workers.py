"""Worker processes that score trials, so a slow or crashing model can be stopped for real.

Threads cannot be killed and a model fit holds them for as long as it likes; a process can
be terminated the moment its trial passes its deadline, and a crash in native code takes
down only that worker. Each worker runs one trial at a time with one BLAS/OpenMP thread
(two workers on two cores, no oversubscription). On Linux workers are forked, so the data
is shared copy-on-write instead of pickled.

The messages over each worker's Pipe are the frozen dataclasses of ``_messages``, where the
protocol is written out.
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
from automl.search._messages import Combine
from automl.search._messages import Exit
from automl.search._messages import Explain
from automl.search._messages import Explained
from automl.search._messages import FoldScored
from automl.search._messages import JobFailed
from automl.search._messages import Keep
from automl.search._messages import Measure
from automl.search._messages import Measured
from automl.search._messages import ModelSaved
from automl.search._messages import Refit
from automl.search._messages import RunTrial
from automl.search._messages import TrialCompleted
from automl.search._messages import TrialFailed
from automl.search._messages import TrialStopped
from automl.search._messages import WorkerDied
from automl.search._messages import WorkerJob
from automl.search._messages import WorkerReply

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
            job: WorkerJob = conn.recv()
        except (EOFError, OSError):
            return
        match job:
            case Exit():
                return
            case RunTrial():
                last = (-1, [])  # drop the previous trial's fold models before fitting new ones
                last = _run_trial(conn, evaluator, job)
            case Keep():
                _keep(last, job)
            case Refit() | Combine() | Explain() | Measure():
                conn.send(_answer(evaluator, job))
        release_memory()


def _run_trial(conn: Connection, evaluator: Evaluator, job: RunTrial) -> tuple[int, list]:
    """Score one trial; returns (number, fold models) when it completed, else (-1, []).

    The fold models are the first repeat's (``Evaluator.run_trial``): scores and
    out-of-fold predictions come from every repeat, what is held and saved from one."""
    def on_fold(result) -> bool:
        conn.send(FoldScored(job.number, result))
        return conn.recv().go

    folds: list = []
    models = HeldModels()
    try:
        folds, oof = evaluator.run_trial(job.family, job.params, on_fold=_collect(folds, on_fold),
                                         fold_models=models, train_fraction=job.train_fraction)
    except TrialPruned:
        conn.send(TrialStopped(job.number, folds))
    except Exception as exc:  # noqa: BLE001 - any model error is recorded, the search goes on
        conn.send(TrialFailed(job.number, type(exc).__name__, _message(exc)))
    else:
        conn.send(TrialCompleted(job.number, folds, oof))
        first_repeat = sum(1 for f in folds if evaluator.problem.repeat_of(f.fold) == 0)
        if models and len(models) == first_repeat:  # a complete k-fold, none densified
            return job.number, models
    return -1, []


def _keep(last: tuple[int, list], job: Keep) -> None:
    """Save the fold models of the last completed trial (its first repeat's k) as one
    equally weighted average.

    Written to a temporary name and renamed, so ``path`` exists only once it is complete
    (the parent may kill this worker at any moment). Nothing is written when the fold
    models are not at hand (the trial was not this worker's last, one fold densified, or
    they outgrew ``HeldModels``' bound).
    """
    from automl.models._ensemble import WeightedEnsemble

    done, models = last
    if done != job.number or not models:
        return
    partial = job.path + ".partial"
    try:
        joblib.dump(WeightedEnsemble(list(models), [1.0] * len(models)), partial)
        os.replace(partial, job.path)
    except Exception:  # noqa: BLE001 - no file means no bagged fallback for this trial
        with contextlib.suppress(OSError):
            os.unlink(partial)


def _collect(folds: list, on_fold):
    def inner(result) -> bool:
        folds.append(result)
        return on_fold(result)
    return inner


def _answer(evaluator: Evaluator, job: Refit | Combine | Explain | Measure) -> WorkerReply:
    """Do a final-stage job; its reply, or ``JobFailed`` (the parent falls back)."""
    from automl.models._ensemble import WeightedEnsemble

    t0 = time.perf_counter()
    try:
        match job:
            case Refit():
                pipe = evaluator.refit(job.family, job.params)
                seconds = time.perf_counter() - t0  # the fit: what refit estimates learn from
                joblib.dump(pipe, job.path)
                return ModelSaved(job.path, seconds)
            case Combine():  # load refit (or bagged) members, save their weighted ensemble
                members = [joblib.load(p) for p in job.member_paths]
                joblib.dump(WeightedEnsemble(members, list(job.weights), job.temperature),
                            job.path)
                return ModelSaved(job.path, time.perf_counter() - t0)
            case Explain():  # permutation importances of a saved model, within its cap
                importances = evaluator.importances(joblib.load(job.model_path),
                                                    time_cap_s=job.time_cap_s)
                return Explained(importances, time.perf_counter() - t0)
            case Measure():  # bagged fold models against a refit (see bagging_scores)
                return Measured(*evaluator.bagging_scores(job.family, job.params))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which falls back
        return JobFailed(type(exc).__name__, _message(exc))
    raise TypeError(f"not a final-stage job: {job!r}")


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or repr(exc)
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
    return (text + where)[:MAX_MESSAGE]


@dataclass
class Worker:
    process: Any
    conn: Connection
    job: WorkerJob | None = None  # what it is doing
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

    def submit(self, worker: Worker, job: WorkerJob, deadline: float) -> None:
        worker.job = job
        worker.started = time.monotonic()
        worker.deadline = deadline
        worker.conn.send(job)

    def poll(self, timeout: float) -> list[tuple[Worker, WorkerReply]]:
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
                out.append((worker, WorkerDied(worker.process.exitcode)))
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
                    w.conn.send(Exit())
        deadline = time.monotonic() + 2
        for w in self.workers:
            w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()
        self.workers = []
