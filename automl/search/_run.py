"""run_search: the Optuna ask/tell loop with a strict time budget, parallel workers,
pruning on fold scores, cancel, resume and a final refit."""

from __future__ import annotations

import collections
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
from automl.events import Progress
from automl.events import SearchStarted
from automl.events import TrialFinished
from automl.metrics import get_metric
from automl.models import FamilySpec
from automl.models import families_for
from automl.models import get_family
from automl.records import keys as K
from automl.search._bags import FoldBags
from automl.search._budget import estimate_seconds
from automl.search._budget import final_end
from automl.search._budget import pace_verdict
from automl.search._budget import refit_reserve_s
from automl.search._budget import train_fractions
from automl.search._config import RunConfig
from automl.search._final import FinalModelMixin
from automl.search._prepare import prepare
from automl.search._result import SearchResult
from automl.search._study import SearchStudy
from automl.search._study import trial_result
from automl.search._workers import Worker
from automl.search._workers import WorkerPool
from automl.search._workers import run_in_background
from automl.storage import default_storage_url
from automl.storage import mask_url

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

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
    trial (``refit=True``) and leaves ``EXPORT_RESERVE_S`` for writing the bundle.

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
    return _Search(config, dataset, on_event, should_stop, refit, started_at, background).run()


class _Search(FinalModelMixin):
    def __init__(self, config, dataset, on_event, should_stop, refit, started_at,
                 background=None):
        self.t0 = started_at if started_at is not None else time.monotonic()
        self.config = config
        self.dataset = dataset
        self.emit = on_event or (lambda e: None)
        self.should_stop = should_stop or (lambda: False)
        self.want_refit = refit
        self.background = background
        self.hard_end = self.t0 + config.budget_s
        self.refit_end = final_end(self.t0, config.budget_s, 0, 0)  # sized once data is known
        self.running: dict[int, tuple[optuna.Trial, str, list]] = {}  # number -> trial, family, folds
        self.durations: dict[str, list[float]] = collections.defaultdict(list)
        self.fold_fit: dict[int, float] = {}  # trial -> mean fold fit seconds
        self.scores: dict[int, float] = {}  # completed trial -> CV score
        self.oof: dict[int, np.ndarray] = {}  # study trial number -> out-of-fold predictions
        self.pending_oof: dict[int, np.ndarray] = {}  # sampler trial number -> same, until committed
        self.overruns: dict[int, tuple[float, str, bool]] = {}  # trial -> (projected s, why,
        #                                                           stopped by its own limit?)
        self.counts = collections.Counter()
        self.best: tuple[float, int] | None = None
        self.last_progress = 0.0
        self.first_launch: float | None = None
        self.fractions: dict[int, float] = {}  # sampler trial -> share of fold rows it fits on
        self.stop_reason = "budget"

    # -- setup -------------------------------------------------------------------------

    def run(self) -> SearchResult:
        prepared = prepare(self.config, self.dataset)
        self.prepared = prepared
        self.refit_end = final_end(self.t0, self.config.budget_s, len(prepared.full.y),
                                   len(prepared.features))
        self.metric = get_metric(prepared.task.metric, prepared.task.kind)
        self.bags = FoldBags(self.metric.greater_is_better)
        sparse = bool(prepared.problem.plans and next(iter(prepared.problem.plans.values())).text)
        self.families = families_for(prepared.task.kind, self.config.families,
                                     n_rows=len(prepared.problem.y), sparse=sparse)
        if not self.families:
            raise ConfigError("No model family fits this task and data size.", field="families")
        self.storage_url = self.config.storage_url or default_storage_url()
        self.st = SearchStudy(self.config, self.dataset, prepared, self.metric, self.families,
                              self.storage_url)
        self.study, self.mem, self.recorder = self.st.record, self.st.mem, self.st.recorder
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
        try:
            self._loop()
            self._stop_running("stopped by user" if self.stop_reason == "cancelled"
                               else "stopped: time budget reached")
            self._drain(self.recorder.flush())
            if self.stop_reason != "cancelled" and not self._completed():
                self._raise_no_trial()
            refit = self._refit() if self.want_refit and self.stop_reason != "cancelled" else None
        finally:
            self.pool.close()
            self._drain(self.recorder.flush())
            self.recorder.close()
            self.bags.close()
        self._progress(force=True, phase="done")
        result = SearchResult(
            study_name=self.study.study_name, storage_url=self.storage_url, prepared=prepared,
            n_complete=self.counts["complete"], n_pruned=self.counts["pruned"],
            n_failed=self.counts["failed"], best_trial=self.best[1] if self.best else None,
            best_score=self._best_score(), elapsed_s=time.monotonic() - self.t0,
            stop_reason=self.stop_reason, refit=refit, oof=self.oof,
        )
        return result

    # -- the loop ------------------------------------------------------------------------

    def _loop(self) -> None:
        launched = 0
        n_trials = self.config.n_trials
        no_time = False
        while True:
            now = time.monotonic()
            if self.should_stop():
                self.stop_reason = "cancelled"
                return
            search_end = self._search_end()
            out_of_time = now >= search_end
            hopeless = (self.counts["failed"] >= HOPELESS_FAILURES
                        and not self.counts["complete"] and not self.counts["pruned"])
            done_launching = no_time or hopeless or (n_trials is not None and launched >= n_trials)
            if (out_of_time or done_launching) and not self.pool.busy():
                if hopeless:
                    self._drain(self.recorder.flush())
                    self._raise_no_trial()
                if not out_of_time:
                    self.stop_reason = "no_more_time" if no_time else "n_trials"
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
            self._drain()
            self._progress()

    def _launch(self, worker: Worker, search_end: float) -> bool:
        """Start one trial of a family that can finish in the time left.

        A family the sampler picks that would not fit is told to the sampler as pruned (so
        it learns to avoid it now) but not recorded: it never ran. After a few such picks
        the most promising family that fits is chosen for the sampler. Returns False when
        no family fits any more.
        """
        self._pull_trials()
        now = time.monotonic()
        left = search_end - now
        fractions = train_fractions(
            {f.name: self._estimate(f) for f in self.families}, self.st.completed_families(),
            left, min(left, self.config.effective_trial_timeout_s))
        fits = set(fractions)
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
        limit = self.config.effective_trial_timeout_s if self.counts["complete"] else float("inf")
        deadline = min(now + limit, search_end)
        self.recorder.start(trial)  # in the shared study as RUNNING, where storage allows
        if self.first_launch is None:
            self.first_launch = now
        self.running[trial.number] = (trial, family.name, [], now)
        self.fractions[trial.number] = fractions[family.name]
        self.pool.submit(worker, ("trial", trial.number, family.name, params,
                                  fractions[family.name]), deadline)
        return True

    def _handle(self, worker: Worker, msg: tuple) -> None:
        kind = msg[0]
        if kind == "crashed":
            number = worker.job[1]
            self.pool.kill(worker)
            self._end_running(number, TrialState.FAIL, error=(
                "WorkerCrashed", f"the process scoring this trial died (exit code {msg[1]})"))
            return
        number = msg[1]
        if number not in self.running:
            return
        trial, family, folds, _ = self.running[number]
        if kind == "fold":
            folds.append(msg[2])
            mean = float(np.mean([f.score for f in folds]))
            trial.report(mean, step=len(folds) - 1)
            more = len(folds) < len(self.prepared.problem.splits)
            # Until one trial completes the run has no model: no pace check stops a trial
            # then (only its deadline), however slow its first folds look.
            paced = self.counts["complete"] > 0 and self._projected_overrun(number, worker)
            prune = more and (paced or trial.should_prune())
            worker.conn.send(("prune",) if prune else ("go",))
            return
        self.pool.release(worker)
        if kind == "done":
            folds[:] = msg[2]
            self.pending_oof[number] = msg[3]
            path = self.bags.offer(number, family, float(np.mean([f.score for f in folds])))
            if path is not None:  # before the worker's next trial: its fold models are at hand
                worker.conn.send(("keep", number, path))
            first = not self.counts["complete"]
            self._end_running(number, TrialState.COMPLETE)
            if first:  # the run has a model now: the others are held to their limit again
                limit = self.config.effective_trial_timeout_s
                for other in self.pool.busy():
                    if other.job and other.job[0] == "trial" and other.job[1] in self.running:
                        started = self.running[other.job[1]][3]
                        other.deadline = min(other.deadline, started + limit)
        elif kind == "pruned":
            folds[:] = msg[2]
            if number in self.overruns:
                projected, message, own_limit = self.overruns.pop(number)
                if own_limit:
                    self._end_running(number, TrialState.FAIL, error=("TrialTimeout", message),
                                      expected=projected)
                else:  # the search ends first: like a trial cut at the end, not a slow family
                    self._end_running(number, TrialState.PRUNED, expected=projected,
                                      reason=f"stopped: time budget reached ({message})")
            else:
                self._end_running(number, TrialState.PRUNED, reason="pruned: its first folds "
                                  "scored below the median of earlier trials")
        elif kind == "failed":
            self._end_running(number, TrialState.FAIL, error=(msg[2], msg[3]))

    def _projected_overrun(self, number: int, worker: Worker) -> bool:
        """Whether the trial, at the pace of its folds so far, would end after its deadline.

        Such a trial would be killed at the deadline with nothing to show; stopping it now
        frees the worker (and keeps its preprocessing cache) for trials that can finish,
        and its projected duration keeps the family out while it cannot fit.
        """
        _, _, folds, started = self.running[number]
        verdict = pace_verdict(started, time.monotonic(), len(folds),
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
            if now >= worker.deadline and worker.job and worker.job[0] == "trial":
                number = worker.job[1]
                started = self.running[number][3]
                ran = now - started
                self.pool.kill(worker)
                if abs(worker.deadline - (started + limit)) > 1e-3:  # the search's end cut it
                    self._end_running(number, TrialState.PRUNED,
                                      reason="stopped: time budget reached")
                else:
                    self._end_running(number, TrialState.FAIL, error=(
                        "TrialTimeout", f"stopped after {ran:.1f} s: over the per-trial limit "
                        f"({limit:.0f} s)"))

    def _stop_running(self, reason: str) -> None:
        for worker in self.pool.busy():
            job = worker.job
            self.pool.kill(worker, respawn=False)
            if job and job[0] == "trial" and job[1] in self.running:
                self._end_running(job[1], TrialState.PRUNED, reason=reason)

    # -- recording -----------------------------------------------------------------------

    def _end_running(self, number, state, *, error=None, reason=None, expected=None) -> None:
        trial, family, folds, started = self.running.pop(number)
        self._finish(trial, family, state, folds, error=error, reason=reason,
                     duration=time.monotonic() - started, expected=expected)

    def _finish(self, trial, family, state, folds, *, error=None, reason=None, duration=0.0,
                expected=None):
        """Tell the sampler now; the recorder commits the trial and ``_drain`` reports it."""
        fraction = self.fractions.pop(trial.number, 1.0)
        result = trial_result(family, folds, duration, error=error, reason=reason,
                              train_fraction=fraction)
        scores = result[K.FOLD_SCORES]
        reason = result.get(K.REASON)
        trial.set_user_attr(K.TRIAL_RESULT, result)
        value = result.get(K.SCORE_MEAN) if state is TrialState.COMPLETE else None
        frozen = self.mem.tell(trial, value, state=state)
        status = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned"}.get(state, "failed")
        self.counts[status] += 1
        if state is TrialState.COMPLETE:
            self.durations[family].append(duration / fraction)  # at full size
        elif expected is not None:  # stopped at a pace that projected this duration
            self.durations[family].append(expected)
        elif state is TrialState.FAIL and error and error[0] == "TrialTimeout":
            self.durations[family].append(duration * 1.5)  # at least this slow
        message = f"{error[0]}: {error[1]}" if error else reason
        refit_s = ((result.get(K.FIT_SECONDS) or 0.0) / fraction
                   + (result.get(K.PREP_SECONDS) or 0.0))
        self.recorder.submit(frozen, (trial.number, family, status, value, tuple(scores),
                                      round(duration, 4), message, refit_s))

    def _drain(self, items=None) -> None:
        """Bookkeeping and events for the trials the recorder has committed."""
        for payload, number in (self.recorder.drain() if items is None else items):
            mem_number, family, status, value, scores, duration, message, fit_s = payload
            if mem_number in self.pending_oof:
                self.oof[number] = self.pending_oof.pop(mem_number)
            if mem_number is not None:
                self.bags.committed(mem_number, number)
            if status == "complete":
                self.fold_fit[number] = fit_s / len(scores)
                self.scores[number] = value
                self._note_best(value, number)
            self.emit(TrialFinished(number=number, family=family, status=status, score=value,
                                    fold_scores=scores, duration_s=duration, message=message))
            self._progress(force=True)

    def _note_best(self, value, number) -> None:
        if value is None or not np.isfinite(value):
            return
        sign = 1 if self.metric.greater_is_better else -1
        if self.best is None or sign * value > sign * self.best[0]:
            self.best = (value, number)

    def _best_score(self):
        return self.best[0] if self.best else None

    def _progress(self, force: bool = False, phase: str = "search") -> None:
        now = time.monotonic()
        if not force and now - self.last_progress < PROGRESS_EVERY_S:
            return
        self.last_progress = now
        self.emit(Progress(
            elapsed_s=round(now - self.t0, 3), budget_s=self.config.budget_s,
            n_complete=self.counts["complete"], n_pruned=self.counts["pruned"],
            n_failed=self.counts["failed"], best_score=self._best_score(),
            best_trial=self.best[1] if self.best else None, phase=phase,
        ))

    # -- time ------------------------------------------------------------------------------

    def _search_end(self) -> float:
        """When the search stops starting and running trials: the budget less the refit's
        share, once a trial has completed.

        Until then the run has no model, so trials may go on until the final model is due
        (the promise leaves that slack after the budget), and the first ones get at least
        the budget's length (``FIRST_TRIALS_MIN_S`` or more) even on a machine so loaded
        that starting up used the slack: a model a little late is better than none.
        """
        if self.counts["complete"]:
            return self.hard_end - self._refit_reserve()
        start = self.first_launch if self.first_launch is not None else time.monotonic()
        return max(self.refit_end, start + max(FIRST_TRIALS_MIN_S, self.config.budget_s))

    def _estimate(self, family: FamilySpec) -> float | None:
        """Expected seconds of one trial of this family, from what was seen so far."""
        costs = {f.name: f.cost for f in self.families}
        return estimate_seconds(family.name, costs, self.durations)

    def _refit_reserve(self) -> float:
        """Time kept for the final refit: the best trial's, or three of the best side by
        side on the workers (a likely ensemble), whichever is longer."""
        if not self.want_refit or self.best is None or self.best[1] not in self.fold_fit:
            return 0.0
        p = self.prepared
        sign = -1 if self.metric.greater_is_better else 1
        top = sorted(self.fold_fit, key=lambda n: sign * self.scores.get(n, 0.0))[:3]
        return refit_reserve_s(self.fold_fit[self.best[1]], [self.fold_fit[n] for n in top],
                               len(p.full.y), len(p.problem.splits[0][0]), self.config.n_jobs,
                               self.config.budget_s)

    def _pull_trials(self, force: bool = False) -> None:
        self.st.pull(self._note_best, force=force)
