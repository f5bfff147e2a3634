"""The final ensemble: which trials it is made of, within the time the final stage has.

Chosen from the trials' out-of-fold predictions (``select_ensemble``), then chosen again when
the first choice cannot be made in time: among the trials whose refits fit side by side on
the workers, or among those whose kept fold models can still be exported. Whatever is chosen
is recorded in the study as its own trial, whose number the final model carries.
"""

from __future__ import annotations

import statistics
import time

import optuna
from optuna.trial import TrialState

from automl.records import TrialRecord
from automl.records import TrialStatus
from automl.records import keys as K
from automl.search._bags import FoldBags
from automl.search._book import TrialBook
from automl.search._ensemble import EnsemblePlan
from automl.search._ensemble import select_ensemble
from automl.search._final_clock import COMBINE_S
from automl.search._final_clock import FinalClock
from automl.search._messages import Outcome
from automl.search._prepare import Prepared


def reserve_export(clock: FinalClock, completed: list[TrialRecord],
                   plan: EnsemblePlan | None) -> None:
    """Set the final model's deadline, leaving the time its bundle takes to write: a refit
    of the plan's members, or of the first of ``completed``."""
    numbers = list(plan.weights) if plan is not None else [completed[0].number]
    clock.reserve(clock.model_megabytes(completed, numbers))


class EnsemblePlanner:
    """Chooses the final ensemble and records it; ``number`` is its study trial, and
    ``reselected`` says it was chosen again among fold models that export in time."""

    def __init__(self, prepared: Prepared, metric, book: TrialBook, bags: FoldBags,
                 clock: FinalClock):
        self.prepared, self.metric, self.book, self.bags, self.clock = (
            prepared, metric, book, bags, clock)
        self.number: int | None = None
        self.reselected = False

    def choose(self, completed: list[TrialRecord], refit_share: float = 1.0
               ) -> EnsemblePlan | None:
        """The ensemble to make, recorded in the study as its own trial, with the deadline
        set for its export; its refits may take ``refit_share`` of the time left (a measured
        verdict may take the rest first).

        An ensemble whose members' refits do not fit the time left, and whose members' fold
        models were not all kept, could only end as one trial refit (on diamonds at 60 s: the
        default HistGradientBoosting, where the ensemble of the search scored 2% better). It
        is chosen again among the best trials whose refits fit side by side on the workers.
        """
        oofs = {r.number: self.book.oof[r.number] for r in completed if r.number in self.book.oof}
        by_number = {r.number: r for r in completed}
        plan = self._select([r for r in completed if r.number in oofs])
        reserve_export(self.clock, completed, plan)  # a larger model leaves less time to make it
        refit_s = self.clock.left() * refit_share
        if (plan is not None and self.clock.refit_load([by_number[n] for n in plan.weights]) > refit_s
                and not all(self.bags.kept(n) for n in plan.weights)):
            fitting: list[TrialRecord] = []
            for r in completed:  # best first; the ones whose refits still fit beside the others
                if r.number in oofs and self.clock.refit_load([*fitting, r]) <= refit_s:
                    fitting.append(r)
            if len(fitting) >= 2:
                plan = self._select(fitting)
                reserve_export(self.clock, completed, plan)  # the deadline of the one chosen
        if plan is not None:
            self._record(plan, by_number)
        return plan

    def exportable(self, completed, by_number, without=frozenset()) -> EnsemblePlan | None:
        """The ensemble chosen again among the kept trials (but those ``without``, whose fold
        models did not come) whose fold models, side by side, can still be exported in time
        (best first), recorded as its own trial; None unless it scores better out of fold
        than the best trial (which a refit may still make)."""
        fitting: list[TrialRecord] = []
        for r in [r for r in completed if r.number in self.book.oof and self.bags.kept(r.number)
                  and r.number not in without]:
            mb = self.clock.bagged_megabytes([*(f.number for f in fitting), r.number], by_number)
            if self.clock.export_end(mb) - time.monotonic() >= COMBINE_S:
                fitting.append(r)
        plan = self._select(fitting) if len(fitting) >= 2 else None
        sign = 1.0 if self.metric.greater_is_better else -1.0
        if plan is None or sign * plan.score <= sign * completed[0].score:
            return None
        self.reselected = True
        self._record(plan, by_number)
        return plan

    def _select(self, records: list[TrialRecord]) -> EnsemblePlan | None:
        p = self.prepared.problem
        return select_ensemble({r.number: self.book.oof[r.number] for r in records},
                               {r.number: r.score for r in records}, p.y, self.metric,
                               p.classes, p.splits, p.seed,
                               families={r.number: r.family for r in records})

    def _record(self, plan: EnsemblePlan, by_number: dict[int, TrialRecord]) -> None:
        """Record the ensemble in the study as its own trial: the final model's number."""
        members = [{"trial": n, "family": by_number[n].family, "weight": round(w, 6)}
                   for n, w in sorted(plan.weights.items(), key=lambda kv: -kv[1])]
        scores_ = list(plan.fold_scores)
        result = {K.FAMILY: "ensemble", K.FOLD_SCORES: scores_, K.SCORE_MEAN: plan.score,
                  K.SCORE_STD: statistics.pstdev(scores_) if scores_ else 0.0, K.MEMBERS: members,
                  K.FIT_SECONDS: float(sum(by_number[n].fit_seconds or 0 for n in plan.weights)),
                  K.DURATION_SECONDS: 0.0}
        if plan.temperature != 1.0:
            result[K.TEMPERATURE] = plan.temperature
        frozen = optuna.trial.create_trial(state=TrialState.COMPLETE, value=plan.score,
                                           user_attrs={K.TRIAL_RESULT: result})
        self.number = self.book.record_ensemble(frozen, Outcome(
            None, "ensemble", TrialStatus.COMPLETE, plan.score, tuple(scores_), 0.0, None,
            result[K.FIT_SECONDS]), plan.oof)
