"""run_search: the Optuna ask/tell loop with a strict time budget, parallel workers,
pruning on fold scores, cancel and resume.

This module is the scheduler: what to start, on which worker, until when. The record of
trials is the ``TrialBook`` (``_book``), the study its ``SearchStudy`` (``_study``), the
time arithmetic pure functions (``_budget``), the final model a ``FinalStage``
(``_final``), and every message to a worker or the recorder a dataclass (``_messages``).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import optuna
from optuna.trial import TrialState

from automl.data import Dataset
from automl.errors import ConfigError
from automl.events import Event
from automl.events import Phase
from automl.events import SearchStarted
from automl.events import StopReason
from automl.metrics import get_metric
from automl.models import FamilySpec
from automl.models import families_for
from automl.models import get_family
from automl.records import TrialStatus
from automl.search._bags import KEEP_TOP
from automl.search._bags import FoldBags
from automl.search._book import TrialBook
from automl.search._budget import final_end
from automl.search._budget import pace_verdict
from automl.search._budget import train_fractions
from automl.search._config import RunConfig
from automl.search._ensemble import MAX_CANDIDATES
from automl.search._final import FinalStage
from automl.search._final import measures_bagging
from automl.search._messages import FoldScored
from automl.search._messages import FoldVerdict
from automl.search._messages import Keep
from automl.search._messages import RunTrial
from automl.search._messages import TrialCompleted
from automl.search._messages import TrialFailed
from automl.search._messages import TrialStopped
from automl.search._messages import WorkerDied
from automl.search._prepare import prepare
from automl.search._result import FinalModel
from automl.search._result import SearchResult
from automl.search._study import SearchStudy
from automl.search._workers import Worker
from automl.search._workers import WorkerPool
from automl.search._workers import run_in_background
from automl.storage import default_storage_url
from automl.storage import mask_url

POLL_S = 0.1
PROGRESS_EVERY_S = 0.5
HOPELESS_FAILURES = 25  # every one of the first trials failed: stop, say why
MAX_REASKS = 6  # sampler picks of families that do not fit before choosing one that does
FIRST_TRIALS_MIN_S = 2.0  # the least time the first trials get, whatever startup took


def run_search(
    config: RunConfig,
    dataset: Dataset,
    *,
    on_event: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    refit: bool = True,
    started_at: float | None = None,
    background: Callable[[], None] | None = None,
) -> SearchResult:
    """Search model families and hyperparameters within ``config.budget_s``.

    Every trial is written to the Optuna storage when it ends (complete, pruned or failed,
    with its fold scores, times and error message). The budget covers the refit of the best
    trial (``refit=True``) and leaves the export's reserve (``_budget.export_reserve_s``).

    Args:
        config: The run's settings.
        dataset: The data (target included).
        on_event: Receives progress events (called on this thread).
        should_stop: Polled about ten times a second; True stops the search cleanly.
        refit: Refit the best trial on all rows at the end.
        started_at: ``time.monotonic()`` when the user's clock started (reading the file
            counts against the budget too).
        background: Work for a thread of this process once the workers run (e.g. imports
            the export will need); forks of workers wait for it, so it must be short.

    Raises:
        DataError, ConfigError: Bad data or settings.
        SearchError: No trial completed (every one failed, or the budget was too short).
    """
    with warnings.catch_warnings():  # heartbeats and enqueued trials are "experimental"
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        return _Search(config, dataset, on_event, should_stop, refit, started_at,
                       background).run()


class _Search:
    """One search: sets up, runs the scheduling loop, hands over to the final stage."""

    def __init__(self, config, dataset, on_event, should_stop, refit, started_at,
                 background=None):
        self.t0 = started_at if started_at is not None else time.monotonic()
        self.config, self.dataset = config, dataset
        self.emit = on_event or (lambda e: None)
        self.should_stop = should_stop or (lambda: False)
        self.want_refit, self.background = refit, background
        self.hard_end = self.t0 + config.budget_s
        self.refit_end = final_end(self.t0, config.budget_s, 0, 0)  # sized once data is known
        self.overruns: dict[int, tuple[float, str, bool]] = {}  # trial -> (projected s, why,
        #                                                           stopped by its own limit?)
        self.last_progress = 0.0
        self.first_launch: float | None = None
        self.stop_reason = StopReason.BUDGET

    # -- setup -------------------------------------------------------------------------

    def run(self) -> SearchResult:
        self.prepared = prepared = prepare(self.config, self.dataset)
        self.refit_end = final_end(self.t0, self.config.budget_s, len(prepared.full.y),
                                   len(prepared.features))
        self.metric = get_metric(prepared.task.metric, prepared.task.kind)
        sparse = bool(prepared.problem.plans and next(iter(prepared.problem.plans.values())).text)
        self.families = families_for(prepared.task.kind, self.config.families,
                                     n_rows=len(prepared.problem.y), sparse=sparse)
        if not self.families:
            raise ConfigError("No model family fits this task and data size.", field="families")
        self.storage_url = self.config.storage_url or default_storage_url()
        self.st = SearchStudy(self.config, self.dataset, prepared, self.metric, self.families,
                              self.storage_url)
        self.study, self.mem, self.recorder = self.st.record, self.st.mem, self.st.recorder
        # Where the verdict may put an ensemble's fold models first, its members' must be kept.
        self.bags = FoldBags(self.metric.greater_is_better,
                             keep_top=MAX_CANDIDATES if measures_bagging(prepared) else KEEP_TOP)
        self.pool = self.book = None
        try:
            refit = self._search()
        finally:  # whatever ends the search, no worker, writer or fold model outlives it
            if self.pool is not None:
                self.pool.close()
            if self.book is not None:
                self.book.drain(self.recorder.flush())
            self.recorder.close()
            self.bags.close()
        self._progress(force=True, phase=Phase.DONE)
        return SearchResult(
            study_name=self.study.study_name, storage_url=self.storage_url, prepared=prepared,
            n_complete=self.counts[TrialStatus.COMPLETE], n_pruned=self.counts[TrialStatus.PRUNED],
            n_failed=self.counts[TrialStatus.FAILED], best_trial=self.book.best_number,
            best_score=self.book.best_score, elapsed_s=time.monotonic() - self.t0,
            stop_reason=self.stop_reason, refit=refit, oof=self.book.oof,
        )

    def _search(self) -> FinalModel | None:
        """The search itself, from the first trial to the final model (None when stopped
        by the user or asked for no refit)."""
        prepared = self.prepared
        self.book = TrialBook(self.metric, self.mem, self.recorder, self.bags, self.emit,
                              lambda: self._progress(force=True))
        self.counts = self.book.counts
        self._pull_trials(force=True)
        self.emit(SearchStarted(
            study_name=self.study.study_name, storage_url=mask_url(self.storage_url),
            task=prepared.task.kind.value, metric=self.metric.name,
            greater_is_better=self.metric.greater_is_better, budget_s=self.config.budget_s,
            n_rows=prepared.task.n_rows, n_features=len(prepared.features),
            families=tuple(f.name for f in self.families), cv=prepared.cv_label,
            notes=prepared.notes,
        ))
        n_workers = min(self.config.n_jobs, os.cpu_count() or 1,
                        self.config.n_trials or self.config.n_jobs)
        self.pool = WorkerPool(max(1, n_workers), prepared.problem)
        if self.background is not None:
            run_in_background(self.background)
        self._loop()
        self._stop_running("stopped by user" if self.stop_reason is StopReason.CANCELLED
                           else "stopped: time budget reached")
        self.book.drain(self.recorder.flush())
        if self.stop_reason is not StopReason.CANCELLED and not self.book.completed(self.study,
                                                                       self.families):
            self.book.raise_no_trial(self.study, self.config.budget_s)
        if not self.want_refit or self.stop_reason is StopReason.CANCELLED:
            return None
        return self._final_model()

    def _final_model(self):
        stage = FinalStage(
            prepared=self.prepared, config=self.config, metric=self.metric, book=self.book,
            bags=self.bags, study=self.study, families=self.families, pool=self.pool,
            t0=self.t0, refit_end=self.refit_end, should_stop=self.should_stop,
            progress=lambda phase: self._progress(force=True, phase=phase))
        final = stage.make()
        if stage.cancelled:
            self.stop_reason = StopReason.CANCELLED
        return final

    # -- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        launched = 0
        n_trials = self.config.n_trials
        no_time = False
        while True:
            now = time.monotonic()
            if self.should_stop():
                self.stop_reason = StopReason.CANCELLED
                return
            search_end = self._search_end()
            out_of_time = now >= search_end
            c = self.counts
            hopeless = (c[TrialStatus.FAILED] >= HOPELESS_FAILURES
                        and not c[TrialStatus.COMPLETE] and not c[TrialStatus.PRUNED])
            done_launching = no_time or hopeless or (n_trials is not None and launched >= n_trials)
            if (out_of_time or done_launching) and not self.pool.busy():
                if hopeless:
                    self.book.drain(self.recorder.flush())
                    self.book.raise_no_trial(self.study, self.config.budget_s)
                if not out_of_time:
                    self.stop_reason = StopReason.NO_MORE_TIME if no_time else StopReason.N_TRIALS
                return
            if out_of_time:
                self._stop_running("stopped: time budget reached")
                continue
            while not done_launching and self.pool.idle():
                if self._launch(self.pool.idle()[0], search_end):
                    launched += 1
                else:
                    no_time = True
                done_launching = no_time or (n_trials is not None and launched >= n_trials)
            next_deadline = min([w.deadline for w in self.pool.busy()] + [search_end])
            timeout = min(POLL_S, max(0.0, next_deadline - time.monotonic()))
            for worker, msg in self.pool.poll(timeout):
                self._handle(worker, msg)
            self._enforce_deadlines()
            self.book.drain()
            self._progress()

    def _launch(self, worker: Worker, search_end: float) -> bool:
        """Start one trial of a family that can finish in the time left.

        A family the sampler picks that would not fit, or is not in play
        (``SearchStudy.in_play``), is told to the sampler as pruned (so it learns to avoid it
        now) but not recorded: it never ran. After a few such picks the most promising family
        that fits is chosen for the sampler. Returns False when no family in play fits.
        """
        self._pull_trials()
        now = time.monotonic()
        left = search_end - now
        fractions = train_fractions(
            {f.name: self._estimate(f) for f in self.families}, self.st.completed_families(),
            left, min(left, self.config.effective_trial_timeout_s))
        fits = self.st.in_play(set(fractions), self.metric.greater_is_better)
        if not fits:
            return False
        for attempt in range(MAX_REASKS):
            if attempt == MAX_REASKS - 1:
                self.mem.enqueue_trial({"family": self.st.most_promising(
                    fits, self.metric.greater_is_better)})
            trial = self.mem.ask()
            family = get_family(trial.suggest_categorical("family", [f.name for f in self.families]))
            params = family.space(trial, self.prepared.problem.context(
                family.style, len(self.prepared.problem.y)))
            if family.name in fits:
                break
            self.mem.tell(trial, state=TrialState.PRUNED)
        # Until a trial completes the run has no model: the first trials are not held to the
        # per-trial limit either (they also pay each fold's preprocessing, cached after).
        limit = (self.config.effective_trial_timeout_s if self.counts[TrialStatus.COMPLETE]
                 else float("inf"))
        deadline = min(now + limit, search_end)
        self.recorder.start(trial)  # in the shared study as RUNNING, where storage allows
        if self.first_launch is None:
            self.first_launch = now
        self.book.start(trial, family.name, fractions[family.name], started=now)
        self.pool.submit(worker, RunTrial(trial.number, family.name, params,
                                          fractions[family.name]), deadline)
        return True

    def _handle(self, worker: Worker, msg) -> None:
        book = self.book
        if isinstance(msg, WorkerDied):
            number = worker.job.number
            self.pool.kill(worker)
            book.end(number, TrialState.FAIL, error=(
                "WorkerCrashed", f"the process scoring this trial died (exit code {msg.exitcode})"))
            return
        run = book.running.get(msg.number)
        if run is None:
            return
        match msg:
            case FoldScored(number=number, result=result):
                run.folds.append(result)
                run.trial.report(float(np.mean([f.score for f in run.folds])),
                                 step=len(run.folds) - 1)
                more = len(run.folds) < len(self.prepared.problem.splits)
                # Until one trial completes the run has no model: no pace check stops a trial
                # then (only its deadline), however slow its first folds look.
                paced = (self.counts[TrialStatus.COMPLETE] > 0
                         and self._projected_overrun(number, worker))
                worker.conn.send(FoldVerdict(go=not (more and (paced or run.trial.should_prune()))))
                return
            case TrialCompleted(number=number, folds=folds, oof=oof):
                self.pool.release(worker)
                path = self.bags.offer(number, run.family, float(np.mean([f.score for f in folds])))
                if path is not None:  # before the worker's next trial: its fold models are at hand
                    worker.conn.send(Keep(number, path))
                first = not self.counts[TrialStatus.COMPLETE]
                book.completed_one(number, folds, oof)
                if first:  # the run has a model now: the others are held to their limit again
                    limit = self.config.effective_trial_timeout_s
                    for other in self.pool.busy():
                        if isinstance(other.job, RunTrial) and other.job.number in book.running:
                            started = book.running[other.job.number].started
                            other.deadline = min(other.deadline, started + limit)
            case TrialStopped(number=number, folds=folds):
                self.pool.release(worker)
                run.folds[:] = folds
                self._stopped(number)
            case TrialFailed(number=number, error_type=error_type, message=message):
                self.pool.release(worker)
                book.end(number, TrialState.FAIL, error=(error_type, message))

    def _stopped(self, number: int) -> None:
        """A trial its worker stopped on our verdict: by the pace check, or pruned."""
        if number not in self.overruns:
            self.book.end(number, TrialState.PRUNED, reason="pruned: its first folds scored "
                          "below the median of earlier trials")
            return
        projected, message, own_limit = self.overruns.pop(number)
        if own_limit:
            self.book.end(number, TrialState.FAIL, error=("TrialTimeout", message),
                          expected=projected)
        else:  # the search ends first: like a trial cut at the end, not a slow family
            self.book.end(number, TrialState.PRUNED, expected=projected,
                          reason=f"stopped: time budget reached ({message})")

    def _projected_overrun(self, number: int, worker: Worker) -> bool:
        """Whether the trial, at the pace of its folds so far, would end after its deadline.

        Such a trial would be killed at the deadline with nothing to show; stopping it now
        frees the worker (and keeps its preprocessing cache) for trials that can finish,
        and its projected duration keeps the family out while it cannot fit.
        """
        run = self.book.running[number]
        verdict = pace_verdict(run.started, time.monotonic(), len(run.folds),
                               len(self.prepared.problem.splits), worker.deadline,
                               self.config.effective_trial_timeout_s)
        if verdict is None:
            return False
        self.overruns[number] = verdict
        return True

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        limit = self.config.effective_trial_timeout_s
        for worker in self.pool.busy():
            if now >= worker.deadline and isinstance(worker.job, RunTrial):
                number = worker.job.number
                started = self.book.running[number].started
                ran = now - started
                self.pool.kill(worker)
                if abs(worker.deadline - (started + limit)) > 1e-3:  # the search's end cut it
                    self.book.end(number, TrialState.PRUNED, reason="stopped: time budget reached")
                else:
                    self.book.end(number, TrialState.FAIL, error=(
                        "TrialTimeout", f"stopped after {ran:.1f} s: over the per-trial limit "
                        f"({limit:.0f} s)"))

    def _stop_running(self, reason: str) -> None:
        for worker in self.pool.busy():
            job = worker.job
            self.pool.kill(worker, respawn=False)
            if isinstance(job, RunTrial) and job.number in self.book.running:
                self.book.end(job.number, TrialState.PRUNED, reason=reason)

    # -- progress and time ---------------------------------------------------------------

    def _progress(self, force: bool = False, phase: Phase = Phase.SEARCH) -> None:
        now = time.monotonic()
        if not force and now - self.last_progress < PROGRESS_EVERY_S:
            return
        self.last_progress = now
        self.emit(self.book.progress(now - self.t0, self.config.budget_s, phase))

    def _search_end(self) -> float:
        """When the search stops starting and running trials: the budget less the refit's
        share, once a trial has completed.

        Until then the run has no model, so trials may go on until the final model is due
        (the promise leaves that slack after the budget), and the first ones get at least
        the budget's length (``FIRST_TRIALS_MIN_S`` or more) even on a machine so loaded
        that starting up used the slack: a model a little late is better than none.
        """
        if self.counts[TrialStatus.COMPLETE]:
            return self.hard_end - self._refit_reserve()
        start = self.first_launch if self.first_launch is not None else time.monotonic()
        return max(self.refit_end, start + max(FIRST_TRIALS_MIN_S, self.config.budget_s))

    def _estimate(self, family: FamilySpec) -> float | None:
        return self.book.estimate(family.name, {f.name: f.cost for f in self.families})

    def _refit_reserve(self) -> float:
        if not self.want_refit:
            return 0.0
        p = self.prepared
        return self.book.refit_reserve(len(p.full.y), len(p.problem.splits[0][0]),
                                       self.config.n_jobs, self.config.budget_s)

    def _pull_trials(self, force: bool = False) -> None:
        self.st.pull(self.book.note_best, force=force)
