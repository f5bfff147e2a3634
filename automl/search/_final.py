"""The final model: the best trial, or a weighted ensemble of the best trials when it scores
better out of fold, refit on all rows in worker processes before the budget ends."""

from __future__ import annotations

import collections
import os
import tempfile
import time
from dataclasses import replace

import optuna
from optuna.trial import TrialState

from automl.errors import SearchError
from automl.records import keys as K
from automl.records._records import TrialRecord
from automl.search._ensemble import EnsemblePlan
from automl.search._ensemble import select_ensemble
from automl.search._workers import WorkerPool

POLL_S = 0.1
COMBINE_S = 1.5  # loading the members and saving the ensemble
EXPLAIN_MAX_S = 3.0  # permutation importances of the final model, if that much time is left


class FinalModelMixin:
    """Refit stage of ``_Search`` (kept apart: the search loop is long enough)."""

    def _refit(self):
        from automl.search._run import Refit

        completed = self._completed()
        if not completed:
            self._raise_no_trial()
        self._progress(force=True, phase="refit")
        plan = self._ensemble_plan(completed)
        pool = WorkerPool(max(1, min(self.config.n_jobs, os.cpu_count() or 1)), self.prepared.full)
        try:
            if plan is not None:
                refit = self._refit_ensemble(pool, plan, completed, Refit)
                if refit is not None or self.stop_reason == "cancelled":
                    return self._explained(pool, refit)
            left = self._left()
            candidates = [r for r in completed[:5] if self._refit_estimate(r) <= left]
            if not candidates:  # nothing of the best fits: the quickest to refit, best effort
                candidates = [min(completed, key=self._refit_estimate)]
            for record in candidates:
                reply = self._run_jobs(pool, [("refit", record.family, record.params)])
                if reply:
                    path, seconds, _ = reply[0]
                    return self._explained(pool, Refit(record.number, record.family,
                                                       record.params, path, seconds, {}))
                if self.stop_reason == "cancelled":
                    return None
        finally:
            pool.close()
        raise SearchError("The best trials could not be refit on all rows within the time "
                          "budget. Give the run more time or fewer rows.")

    # -- ensemble ------------------------------------------------------------------------

    def _ensemble_plan(self, completed: list[TrialRecord]) -> EnsemblePlan | None:
        oofs = {r.number: self.oof[r.number] for r in completed if r.number in self.oof}
        scores = {r.number: r.score for r in completed}
        p = self.prepared.problem
        plan = select_ensemble(oofs, scores, p.y, self.metric, p.classes, p.splits, p.seed,
                               families={r.number: r.family for r in completed})
        if plan is None:
            return None
        by_number = {r.number: r for r in completed}
        members = [{"trial": n, "family": by_number[n].family, "weight": round(w, 6)}
                   for n, w in sorted(plan.weights.items(), key=lambda kv: -kv[1])]
        scores_ = list(plan.fold_scores)
        result = {K.FAMILY: "ensemble", K.FOLD_SCORES: scores_, K.SCORE_MEAN: plan.score,
                  K.SCORE_STD: float(_std(scores_)), K.MEMBERS: members,
                  K.FIT_SECONDS: float(sum(by_number[n].fit_seconds or 0 for n in plan.weights)),
                  K.DURATION_SECONDS: 0.0}
        if plan.temperature != 1.0:
            result[K.TEMPERATURE] = plan.temperature
        frozen = optuna.trial.create_trial(state=TrialState.COMPLETE, value=plan.score,
                                           user_attrs={K.TRIAL_RESULT: result})
        self.recorder.submit(frozen, (None, "ensemble", "complete", plan.score, tuple(scores_),
                                      0.0, None, result[K.FIT_SECONDS]))
        committed = self.recorder.flush()
        self._drain(committed)
        self.ensemble_number = committed[-1][1]
        self.oof[self.ensemble_number] = plan.oof
        return plan

    def _refit_ensemble(self, pool, plan: EnsemblePlan, completed, Refit):
        by_number = {r.number: r for r in completed}
        members = sorted(plan.weights, key=lambda n: -self._refit_estimate(by_number[n]))
        loads = [0.0] * len(pool.workers)  # longest-first onto the least loaded worker
        for n in members:
            i = loads.index(min(loads))
            loads[i] += self._refit_estimate(by_number[n])
        if max(loads) + COMBINE_S > self._left():
            return None
        replies = self._run_jobs(pool, [("refit", by_number[n].family, by_number[n].params)
                                        for n in members])
        if not replies:
            return None
        paths = [r[0] for r in replies]
        try:
            combined = self._run_jobs(pool, [("combine", paths, [plan.weights[n] for n in members],
                                              plan.temperature)])
        finally:
            for path in paths:
                os.unlink(path)
        if not combined:
            return None
        path, seconds, _ = combined[0]
        params = {"members": [f"{by_number[n].family}#{n}" for n in members],
                  "weights": [round(plan.weights[n], 4) for n in members]}
        if plan.temperature != 1.0:
            params["temperature"] = round(plan.temperature, 4)
        return Refit(self.ensemble_number, "ensemble", params, path,
                     seconds + sum(r[1] for r in replies), {})

    def _explained(self, pool, refit):
        """The refit with its permutation importances, when the time left allows."""
        if refit is None:
            return None
        # Importances are optional: they may use the budget, not the slack kept for export.
        cap = min(EXPLAIN_MAX_S, self.t0 + self.config.budget_s * 1.02 + 1.0 - time.monotonic())
        if cap < 0.5:
            return refit
        reply = self._run_jobs(pool, [("explain", refit.path, cap)], with_output=False)
        if not reply:
            return refit
        return replace(refit, importances=reply[0][2])

    # -- helpers -----------------------------------------------------------------------------

    def _completed(self) -> list[TrialRecord]:
        names = {f.name for f in self.families}
        records = [TrialRecord.from_frozen(t) for t in self.study.get_trials(
            deepcopy=False, states=(TrialState.COMPLETE,)) if t.params.get("family") in names]
        sign = -1 if self.metric.greater_is_better else 1
        return sorted(records, key=lambda r: sign * r.score)

    def _left(self) -> float:
        return self.refit_end - time.monotonic()

    def _refit_estimate(self, record: TrialRecord) -> float:
        """Seconds to refit on all rows: model fit plus preprocessing per fold, scaled by rows."""
        per_fold = (record.fit_seconds or 0.0) + (record.prep_seconds or 0.0)
        fold_fit = per_fold / max(1, len(record.fold_scores))
        p = self.prepared
        return fold_fit * len(p.full.y) / max(1, len(p.problem.splits[0][0])) * 1.3 + 0.3

    def _run_jobs(self, pool: WorkerPool, jobs: list[tuple],
                  with_output: bool = True) -> list[tuple] | None:
        """Run jobs on the pool's workers until all are done; with ``with_output`` each job
        gets a fresh output path as its last argument (deleted if the jobs do not all succeed).

        Returns (path, seconds, importances) per job in order, or None if one failed, a
        worker died, the deadline passed or the user stopped (every worker is then killed).
        """
        todo = list(enumerate(jobs))
        results: dict[int, tuple] = {}
        running: dict[int, int] = {}  # worker index -> job index
        paths: list[str] = []
        try:
            while len(results) < len(jobs):
                if self.should_stop():
                    self.stop_reason = "cancelled"
                    return None
                if self._left() <= 0:
                    return None
                for w in pool.idle():
                    if not todo:
                        break
                    i, job = todo.pop(0)
                    if with_output:
                        fd, path = tempfile.mkstemp(prefix="automl-refit-", suffix=".joblib")
                        os.close(fd)
                        paths.append(path)
                        job = job + (path,)
                    pool.submit(w, job, self.refit_end)
                    running[id(w)] = i
                for w, msg in pool.poll(min(POLL_S, max(0.0, self._left()))):
                    i = running.pop(id(w))
                    pool.release(w)
                    if msg[0] != "refitted":
                        return None
                    results[i] = msg[1:]
            return [results[i] for i in range(len(jobs))]
        finally:
            if len(results) < len(jobs):
                for w in pool.busy():
                    pool.kill(w)
                for path in paths:
                    if os.path.exists(path):
                        os.unlink(path)

    def _raise_no_trial(self) -> None:
        failed = [TrialRecord.from_frozen(t) for t in self.study.get_trials(
            deepcopy=False, states=(TrialState.FAIL,))]
        if failed:
            common = collections.Counter(
                f"{r.error_type}: {r.error_message}" for r in failed).most_common(1)[0]
            raise SearchError(f"Every trial failed ({len(failed)}). Most common error "
                              f"({common[1]}x): {common[0]}")
        raise SearchError(f"No trial finished within the time budget of "
                          f"{self.config.budget_s:g} s. Give the run more time.")


def _std(xs) -> float:
    if not xs:
        return 0.0
    mean = sum(xs) / len(xs)
    return (sum((x - mean) ** 2 for x in xs) / len(xs)) ** 0.5
