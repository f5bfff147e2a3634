"""The search's book of trials: what runs where, what ended and how, the best so far.

The loop (``_run``) decides what to start and when to stop; this object keeps the record:
it tells the sampler how each trial ended, hands the trial to the recorder, and once the
recorder has committed it, updates the scores, the best trial and the per-family durations
the time estimates come from, and emits the ``TrialFinished`` event. The final-model stage
reads the same book.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

import numpy as np
import optuna
from optuna.trial import TrialState

from automl.errors import SearchError
from automl.events import Progress
from automl.events import TrialFinished
from automl.records import TrialRecord
from automl.records import TrialStatus
from automl.records import keys as K
from automl.search._budget import estimate_seconds
from automl.search._budget import refit_reserve_s
from automl.search._messages import Outcome
from automl.search._study import trial_result

TIMEOUT_GROWTH = 1.5  # a trial stopped by its limit took at least this much longer


@dataclass
class Running:
    trial: optuna.Trial
    family: str
    started: float  # time.monotonic()
    train_fraction: float = 1.0
    folds: list = field(default_factory=list)  # FoldResult, as they come


class TrialBook:
    """Running trials, committed outcomes and the best so far, for one search."""

    def __init__(self, metric, mem: optuna.Study, recorder, bags,
                 emit: Callable, progress: Callable[[], None]):
        self.metric = metric
        self._mem, self._recorder, self._bags = mem, recorder, bags
        self._emit, self._progress = emit, progress
        self.running: dict[int, Running] = {}  # sampler trial number -> its state
        self.durations: dict[str, list[float]] = collections.defaultdict(list)  # at full size
        self.fold_fit: dict[int, float] = {}  # study trial -> mean fold fit seconds
        self.scores: dict[int, float] = {}  # study trial -> CV score
        self.oof: dict[int, np.ndarray] = {}  # study trial -> out-of-fold predictions
        self._pending_oof: dict[int, np.ndarray] = {}  # sampler trial -> same, until committed
        self.counts: collections.Counter = collections.Counter()  # by TrialStatus
        self.best: tuple[float, int] | None = None  # (score, study trial number)

    # -- what runs ---------------------------------------------------------------------------

    def start(self, trial: optuna.Trial, family: str, train_fraction: float,
              started: float) -> None:
        """``started``: the ``time.monotonic()`` its deadline was counted from (a trial whose
        deadline is exactly ``started`` + the per-trial limit was stopped by that limit)."""
        self.running[trial.number] = Running(trial, family, started, train_fraction)

    def completed_one(self, number: int, folds: list, oof: np.ndarray) -> None:
        self._pending_oof[number] = oof
        self.running[number].folds[:] = folds
        self.end(number, TrialState.COMPLETE)

    def end(self, number: int, state: TrialState, *, error: tuple[str, str] | None = None,
            reason: str | None = None, expected: float | None = None) -> None:
        """A running trial ended: tell the sampler now and hand it to the recorder; ``drain``
        reports it once committed. ``expected``: the duration its pace projected."""
        run = self.running.pop(number)
        duration = time.monotonic() - run.started
        fraction = run.train_fraction
        result = trial_result(run.family, run.folds, duration, error=error, reason=reason,
                              train_fraction=fraction)
        run.trial.set_user_attr(K.TRIAL_RESULT, result)
        value = result.get(K.SCORE_MEAN) if state is TrialState.COMPLETE else None
        frozen = self._mem.tell(run.trial, value, state=state)
        status = TrialStatus.of(state)
        self.counts[status] += 1
        if state is TrialState.COMPLETE:
            self.durations[run.family].append(duration / fraction)
        elif expected is not None:
            self.durations[run.family].append(expected)
        elif state is TrialState.FAIL and error and error[0] == "TrialTimeout":
            self.durations[run.family].append(duration * TIMEOUT_GROWTH)
        refit_s = ((result.get(K.FIT_SECONDS) or 0.0) / fraction
                   + (result.get(K.PREP_SECONDS) or 0.0))
        self._recorder.submit(frozen, Outcome(
            number, run.family, status, value, tuple(result[K.FOLD_SCORES]), round(duration, 4),
            f"{error[0]}: {error[1]}" if error else result.get(K.REASON), refit_s))

    def record_ensemble(self, frozen, outcome: Outcome, oof: np.ndarray) -> int:
        """Commit the ensemble as a trial of the study now; its study number."""
        self._recorder.submit(frozen, outcome)
        committed = self._recorder.flush()
        self.drain(committed)
        number = committed[-1][1]
        self.oof[number] = oof
        return number

    # -- what ended --------------------------------------------------------------------------

    def drain(self, items: list[tuple[Outcome, int]] | None = None) -> None:
        """Bookkeeping and events for the trials the recorder has committed."""
        for outcome, number in (self._recorder.drain() if items is None else items):
            mem_number = outcome.sampler_number
            if mem_number in self._pending_oof:
                self.oof[number] = self._pending_oof.pop(mem_number)
            if mem_number is not None:
                self._bags.committed(mem_number, number)
            if outcome.status == TrialStatus.COMPLETE:
                self.fold_fit[number] = outcome.refit_s / len(outcome.fold_scores)
                self.scores[number] = outcome.value
                self.note_best(outcome.value, number)
            self._emit(TrialFinished(
                number=number, family=outcome.family, status=outcome.status,
                score=outcome.value, fold_scores=outcome.fold_scores,
                duration_s=outcome.duration_s, message=outcome.message))
            self._progress()

    def note_best(self, value: float | None, number: int) -> None:
        if value is None or not np.isfinite(value):
            return
        sign = 1 if self.metric.greater_is_better else -1
        if self.best is None or sign * value > sign * self.best[0]:
            self.best = (value, number)

    @property
    def best_score(self) -> float | None:
        return self.best[0] if self.best else None

    @property
    def best_number(self) -> int | None:
        return self.best[1] if self.best else None

    def progress(self, elapsed_s: float, budget_s: float, phase: str) -> Progress:
        c = self.counts
        return Progress(
            elapsed_s=round(elapsed_s, 3), budget_s=budget_s, n_complete=c[TrialStatus.COMPLETE],
            n_pruned=c[TrialStatus.PRUNED], n_failed=c[TrialStatus.FAILED],
            best_score=self.best_score, best_trial=self.best_number, phase=phase)

    # -- time estimates ------------------------------------------------------------------------

    def estimate(self, family: str, costs: dict[str, float]) -> float | None:
        """Expected seconds of one trial of this family, from what was seen so far."""
        return estimate_seconds(family, costs, self.durations)

    def refit_reserve(self, n_rows: int, fold_rows: int, n_jobs: int, budget_s: float) -> float:
        """Time to keep for the final refit: the best trial's, or three of the best side by
        side on the workers (a likely ensemble), whichever is longer."""
        if self.best_number not in self.fold_fit:
            return 0.0
        sign = -1 if self.metric.greater_is_better else 1
        top = sorted(self.fold_fit, key=lambda n: sign * self.scores.get(n, 0.0))[:3]
        return refit_reserve_s(self.fold_fit[self.best_number], [self.fold_fit[n] for n in top],
                               n_rows, fold_rows, n_jobs, budget_s)

    # -- read back from the study -----------------------------------------------------------

    def completed(self, study: optuna.Study, families) -> list[TrialRecord]:
        """The study's completed trials of these families, best first."""
        names = {f.name for f in families}
        records = [TrialRecord.from_frozen(t) for t in study.get_trials(
            deepcopy=False, states=(TrialState.COMPLETE,)) if t.params.get("family") in names]
        sign = -1 if self.metric.greater_is_better else 1
        return sorted(records, key=lambda r: sign * r.score)

    @staticmethod
    def raise_no_trial(study: optuna.Study, budget_s: float) -> None:
        failed = [TrialRecord.from_frozen(t) for t in study.get_trials(
            deepcopy=False, states=(TrialState.FAIL,))]
        if failed:
            common = collections.Counter(
                f"{r.error_type}: {r.error_message}" for r in failed).most_common(1)[0]
            raise SearchError(f"Every trial failed ({len(failed)}). Most common error "
                              f"({common[1]}x): {common[0]}")
        raise SearchError(f"No trial finished within the time budget of {budget_s:g} s. "
                          "Give the run more time.")
