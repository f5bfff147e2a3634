"""The final model: always one when a trial completed, made in the time the promise leaves.

The links, each tried only if it fits the time left:

* ensemble refit: the weighted ensemble of the best trials, members refit on all rows;
* ensemble bagged: the same ensemble made of its members' cross-validation fold models,
  on disk since each trial ended, so it needs no fit;
* one trial, best first: refit on all rows, or its fold models averaged (bagged).

A model is chosen by the score it promises: the ensemble, of either kind, before one trial,
and a better trial before a worse one, whatever its kind (the ensemble's and a trial's fold
models scored exactly the out-of-fold score that ranked them; a refit of a lower trial only
promises that trial's lower score). Between the two kinds of one model, on tables up to
5,000 rows the order is measured: the best trial's fold models against a refit, fold by fold
on rows neither saw (``Evaluator.bagging_scores``); unless a refit's lead is larger than its
standard error over the folds (``refit_preferred``), fold models come first. Unmeasured, a
refit comes first: it learnt from every row.

Which ensemble is made: ``_final_plan``; when each link is due: ``_final_clock``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import optuna

from automl.errors import SearchError
from automl.events import Phase
from automl.records import TrialRecord
from automl.search._bags import FoldBags
from automl.search._book import TrialBook
from automl.search._config import RunConfig
from automl.search._ensemble import EnsemblePlan
from automl.search._final_clock import COMBINE_S
from automl.search._final_clock import FinalClock
from automl.search._final_plan import EnsemblePlanner
from automl.search._final_plan import reserve_export
from automl.search._messages import Combine
from automl.search._messages import Explain
from automl.search._messages import Explained
from automl.search._messages import Measure
from automl.search._messages import Measured
from automl.search._messages import ModelSaved
from automl.search._messages import Refit
from automl.search._prepare import Prepared
from automl.search._result import FinalKind
from automl.search._result import FinalModel
from automl.search._workers import WorkerPool

POLL_S = 0.1
EXPLAIN_MAX_S = 3.0  # permutation importances of the final model, if that much time is left
MEASURE_MAX_ROWS = 5_000  # bagged vs refit is measured on tables up to this size
MEASURE_SHARE = 0.5  # of the time left before the final model is due
REFIT_RANKS = 5  # one trial: at most the five best are refit


def measures_bagging(prepared: Prepared) -> bool:
    """Whether the final stage measures fold models against a refit: on every row of a table
    up to ``MEASURE_MAX_ROWS`` (a sampled search's fold models saw only the sample)."""
    n = len(prepared.problem.y)
    return n == len(prepared.full.y) and n <= MEASURE_MAX_ROWS


def refit_preferred(single, bagged, greater_is_better: bool) -> tuple[bool, float, float]:
    """(refit?, the refit's mean lead over the fold models, its standard error), from paired
    per-fold scores. The fold models need no fit and on small tables often score better, so a
    refit is chosen only when its lead is larger than its standard error over the folds: on
    344 rows one or two rows can set a fold's log loss, and a lead they make is noise.
    """
    sign = 1.0 if greater_is_better else -1.0
    diffs = [sign * (s - b) for s, b in zip(single, bagged, strict=True)]
    lead = statistics.fmean(diffs)
    noise = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else 0.0
    return lead > noise, lead, noise


class FinalStage:
    """Makes the final model once the search has stopped.

    Its collaborators are given, not reached for: the prepared data, the settings and
    metric, the book of trials (scores, out-of-fold predictions, the ensemble's record), the
    kept fold models, the study to read completed trials from, and the search's worker pool
    (reused when its workers hold every row). ``make`` returns the model, or None when the
    user stopped; ``cancelled`` says which.
    """

    def __init__(self, *, prepared: Prepared, config: RunConfig, metric, book: TrialBook,
                 bags: FoldBags, study: optuna.Study, families, pool: WorkerPool, t0: float,
                 refit_end: float, should_stop: Callable[[], bool],
                 progress: Callable[[str], None]):
        self.prepared, self.config, self.metric = prepared, config, metric
        self.book, self.bags, self.study, self.families = book, bags, study, families
        self.search_pool = pool
        self.t0 = t0
        self.clock = FinalClock(prepared, bags, t0, config.budget_s, refit_end)
        self.should_stop, self.progress = should_stop, progress
        self.cancelled = False
        self.final_reason = ""
        self.bagged_first = False  # the measured verdict put the fold models first
        self.bagged_miss = ""  # why the ensemble's fold models could not be used, if tried
        self.missing = ""  # the members whose fold models did not come, if any
        self.planner = EnsemblePlanner(prepared, metric, book, bags, self.clock)

    def make(self) -> FinalModel | None:
        completed = self.book.completed(self.study, self.families)
        if not completed:
            self.book.raise_no_trial(self.study, self.config.budget_s)
        self.progress(Phase.REFIT)
        p = self.prepared
        sampled = len(p.problem.y) != len(p.full.y)
        n_workers = self.clock.n_workers = max(1, min(self.config.n_jobs, os.cpu_count() or 1))
        # a measured verdict may first take its share of the time left
        plan = self.planner.choose(completed, (1 - MEASURE_SHARE) if measures_bagging(p) else 1.0)
        if sampled:  # the search's workers hold a sample: new ones for every row
            self.search_pool.close()
            pool = WorkerPool(n_workers, p.full)
        else:  # the search's workers hold every row with its folds (and their kept models,
            pool = self.search_pool  # written before any new job); a second pool would
            pool.ensure(n_workers)  # double the processes, and the memory, at the peak
        try:
            for attempt in self._chain(pool, plan, completed, measure=not sampled):
                final = attempt()
                if self.cancelled:
                    return None
                if final is not None:
                    return self._explained(pool, final)
            by_number = {r.number: r for r in completed}
            for record in completed:  # the best kept trial's fold models: late beats none
                final = self._one_bagged(record, by_number, late=True)
                if final is not None:
                    return final
        finally:
            pool.close()
        raise SearchError("No final model could be made within the time budget: the best "
                          "trials could not be refit and their fold models were not kept. "
                          "Give the run more time or fewer rows.")

    def _chain(self, pool, plan, completed, measure: bool):
        choice = self._bagging_verdict(pool, completed[0]) if measure else None
        if choice is not None:
            self.bagged_first, self.final_reason = choice
        ensemble = [lambda: self._refit_ensemble(pool, plan, completed),
                    lambda: self._bagged_ensemble(pool, plan, completed)]
        return [*(ensemble[::-1] if self.bagged_first else ensemble),
                lambda: self._single(pool, completed, self.bagged_first)]

    # -- the links ---------------------------------------------------------------------------

    def _refit_ensemble(self, pool, plan: EnsemblePlan | None, completed) -> FinalModel | None:
        if plan is None:
            return None
        reserve_export(self.clock, completed, plan)
        by_number = {r.number: r for r in completed}
        members = sorted(plan.weights, key=lambda n: -self.clock.refit_estimate(by_number[n]))
        if self.clock.refit_load([by_number[n] for n in members]) > self.clock.left():
            return None
        saved = self._run_jobs(pool, [Refit(by_number[n].family, by_number[n].params)
                                      for n in members])
        if not saved:
            return None
        return self._combined(pool, plan, members, by_number, [r.path for r in saved],
                              sum(r.seconds for r in saved), FinalKind.ENSEMBLE_REFIT)

    def _single(self, pool, completed, bagged_first: bool) -> FinalModel | None:
        """The best trial that can still be made, each in the kind ``bagged_first`` puts
        first: a worse trial's refit never comes before a better trial's fold models on disk.
        At most the ``REFIT_RANKS`` best trials are refit."""
        by_number = {r.number: r for r in completed}
        for rank, record in enumerate(completed):
            makes = [partial(self._one_bagged, record, by_number)]
            if rank < REFIT_RANKS:  # the refit goes first unless the verdict chose fold models
                makes.insert(int(bagged_first), partial(self._one_refit, pool, record))
            for make in makes:
                final = make()
                if final is not None or self.cancelled:
                    return final
        return None

    def _one_refit(self, pool, record: TrialRecord) -> FinalModel | None:
        reserve_export(self.clock, [record], None)  # its own export, not the ensemble's before it
        if self.clock.refit_estimate(record) > self.clock.left():
            return None
        saved = self._run_jobs(pool, [Refit(record.family, record.params)])
        if not saved:
            return None
        return self._final(record.number, record.family, record.params, saved[0].path,
                           saved[0].seconds, FinalKind.SINGLE_REFIT)

    def _one_bagged(self, record: TrialRecord, by_number, late: bool = False) -> FinalModel | None:
        """The trial's kept fold models, if (unless ``late``) they export inside the promise."""
        if not self.bags.kept(record.number) or not (
                late or self.clock.bagged_fits([record.number], by_number, 0.0)):
            return None
        path = self.bags.take(record.number)
        if path is None:
            return None
        return self._final(record.number, record.family, record.params, path, 0.0,
                           FinalKind.BAGGED)

    def _bagged_ensemble(self, pool, plan: EnsemblePlan | None, completed) -> FinalModel | None:
        """The ensemble made of its members' fold models; when it cannot be, ``bagged_miss``
        says why (the reason a refit ensemble after it gives)."""
        if plan is None:
            return None
        if self.clock.left() < COMBINE_S:
            self.bagged_miss = "no time was left to combine them"
            return None
        by_number = {r.number: r for r in completed}
        if not self.clock.bagged_fits(plan.weights, by_number, COMBINE_S):
            plan = self.planner.exportable(completed, by_number)
            if plan is None or not self.clock.bagged_fits(plan.weights, by_number, COMBINE_S):
                self.bagged_miss = "they were too large to export in the time left"
                return None
        members = sorted(plan.weights)
        # Every member's file first: taking some and then finding one missing would destroy
        # fold models that the best trial's bagged model, a later link, still needs.
        missing: list[int] = []
        while new := [n for n in members if n not in missing and not self.bags.ready(n)]:
            # the others' fold models may still make an ensemble better than one trial
            missing += new
            self.missing = ", ".join(f"{by_number[n].family}#{n}" for n in missing)
            self.bagged_miss = f"those of {self.missing} were not kept"
            plan = self.planner.exportable(completed, by_number, without=set(missing))
            if plan is None or not self.clock.bagged_fits(plan.weights, by_number, COMBINE_S):
                return None
            members = sorted(plan.weights)
        paths = [self.bags.take(n) for n in members]
        if not all(paths):
            for path in filter(None, paths):
                os.unlink(path)
            self.bagged_miss = "a member's file went missing as they were taken"
            return None
        return self._combined(pool, plan, members, by_number, paths, 0.0,
                              FinalKind.ENSEMBLE_BAGGED)

    def _combined(self, pool, plan, members, by_number, paths, seconds, kind) -> FinalModel | None:
        try:
            combined = self._run_jobs(pool, [Combine(
                tuple(paths), tuple(plan.weights[n] for n in members), plan.temperature)])
        finally:
            for path in paths:
                os.unlink(path)
        if not combined:
            return None
        params = {"members": [f"{by_number[n].family}#{n}" for n in members],
                  "weights": [round(plan.weights[n], 4) for n in members]}
        if plan.temperature != 1.0:
            params["temperature"] = round(plan.temperature, 4)
        return self._final(self.planner.number, "ensemble", params, combined[0].path,
                           seconds + combined[0].seconds, kind)

    def _final(self, number, family, params, path, seconds, kind: FinalKind) -> FinalModel:
        reason = self.final_reason
        if not reason and kind in (FinalKind.BAGGED, FinalKind.ENSEMBLE_BAGGED):
            reason = "a refit on all rows did not fit in the time left"
        elif self.bagged_first and kind is FinalKind.ENSEMBLE_REFIT:
            reason += (f"; the members' fold models could not be used "
                       f"({self.bagged_miss or 'combining them failed'}), so they were refit")
        if self.planner.reselected and kind is FinalKind.ENSEMBLE_BAGGED:
            among = (f"were kept (those of {self.missing} were not)" if self.missing
                     else "export in time")
            reason += ("; " if reason else "") + (
                f"the ensemble was chosen again among the trials whose fold models {among}")
        return FinalModel(number, family, params, path, seconds, {}, kind, reason)

    # -- bagged or refit: measured ------------------------------------------------------------

    def _bagging_verdict(self, pool, best: TrialRecord) -> tuple[bool, str] | None:
        """(prefer the fold models?, why), measured on the best trial; None when the table
        is too large or the measurement would not fit half the time left."""
        p = self.prepared
        if len(p.problem.y) > MEASURE_MAX_ROWS or not p.problem.splits or best.family == "ensemble":
            return None
        k = p.problem.folds_per_repeat
        per_repeat = ((best.fit_seconds or 0.0) + (best.prep_seconds or 0.0)) / max(
            1, p.problem.repeats)
        if per_repeat * k * 1.5 + 0.5 > self.clock.left() * MEASURE_SHARE:
            return None
        reply = self._run_jobs(pool, [Measure(best.family, best.params)], expect=Measured)
        if not reply:
            return None
        single, bagged = reply[0].single, reply[0].bagged
        refit, lead, noise = refit_preferred(single, bagged, self.metric.greater_is_better)
        why = (f"on rows neither model saw, the average of {k} fold models "
               f"{'scored worse' if refit else 'scored'} {self.metric.label} "
               f"{statistics.fmean(bagged):.4g} against {statistics.fmean(single):.4g} for one "
               "model fit on all of them")
        if not refit and lead > 0:
            why += f" (the refit's lead, {lead:.2g}, is within its standard error, {noise:.2g})"
        return not refit, why

    def _explained(self, pool, final: FinalModel) -> FinalModel:
        """The final model with its permutation importances, when the time left allows."""
        # Importances are optional: they may use the budget, not the slack kept for export.
        cap = min(EXPLAIN_MAX_S, self.clock.left(),
                  self.t0 + self.config.budget_s * 1.02 + 1.0 - time.monotonic())
        if cap < 0.5:
            return final
        reply = self._run_jobs(pool, [Explain(final.path, cap)], expect=Explained)
        if not reply:
            return final
        return replace(final, importances=reply[0].importances)

    # -- helpers -----------------------------------------------------------------------------

    def _run_jobs(self, pool: WorkerPool, jobs: list, expect: type = ModelSaved) -> list | None:
        """Run jobs on the pool's workers until all are done; jobs with a ``path`` field
        (``Refit``, ``Combine``) get a fresh output file there (deleted unless all succeed).

        Returns each job's reply (an ``expect``) in order, or None if one failed, a worker
        died, the deadline passed or the user stopped (every worker is then killed).
        """
        todo = list(enumerate(jobs))
        results: dict[int, object] = {}
        running: dict[int, int] = {}  # worker id -> job index
        paths: list[str] = []
        try:
            while len(results) < len(jobs):
                if self.should_stop():
                    self.cancelled = True
                    return None
                if self.clock.left() <= 0:
                    return None
                for w in pool.idle():
                    if not todo:
                        break
                    i, job = todo.pop(0)
                    if hasattr(job, "path"):
                        fd, path = tempfile.mkstemp(prefix="automl-refit-", suffix=".joblib")
                        os.close(fd)
                        paths.append(path)
                        job = replace(job, path=path)
                    pool.submit(w, job, self.clock.end)
                    running[id(w)] = i
                for w, msg in pool.poll(min(POLL_S, max(0.0, self.clock.left()))):
                    i = running.pop(id(w))
                    pool.release(w)
                    if not isinstance(msg, expect):
                        return None
                    results[i] = msg
            return [results[i] for i in range(len(jobs))]
        finally:
            if len(results) < len(jobs):
                for w in pool.busy():
                    pool.kill(w)
                for path in paths:
                    if os.path.exists(path):
                        os.unlink(path)
