"""The final stage's clock: how long each final model takes to make and to export.

The final model is due at ``end``: the promise's end less the export of the bundle, whose
length follows the size of the model being made. Each link of the chain sets it for its own
model, from ``due`` (the promise's end less the smallest export), so the room a large
ensemble's export needed is given back to a small model made after it. Sizes come from the fold models kept on disk (a refit is
about one of them grown to all rows; a bagged model is all of them), weighted by each
family's ``save_cost``; fit times come from the trials' own records.
"""

from __future__ import annotations

import time

from automl.errors import ConfigError
from automl.models import get_family
from automl.records import TrialRecord
from automl.search._bags import FoldBags
from automl.search._budget import final_end
from automl.search._budget import refit_seconds
from automl.search._prepare import Prepared

COMBINE_S = 1.5  # loading the members and saving the ensemble


def save_cost(family: str) -> float:
    try:
        return get_family(family).save_cost
    except ConfigError:  # a family of an earlier run's study, no longer registered
        return 1.0


class FinalClock:
    """The final model's deadline (``end``) and what fits before it."""

    def __init__(self, prepared: Prepared, bags: FoldBags, t0: float, budget_s: float,
                 end: float):
        self.prepared, self.bags = prepared, bags
        self.t0, self.budget_s = t0, budget_s
        self.due = self.end = end  # due: the latest deadline, for a model of no size
        self.n_workers = 1

    def left(self) -> float:
        return self.end - time.monotonic()

    # -- fitting -------------------------------------------------------------------------------

    def refit_estimate(self, record: TrialRecord) -> float:
        """Seconds to refit on all rows: model fit plus preprocessing per fold, scaled by rows."""
        per_fold = (record.fit_seconds or 0.0) / record.train_fraction + (record.prep_seconds or 0.0)
        p = self.prepared
        return refit_seconds(per_fold / max(1, len(record.fold_scores)), len(p.full.y),
                             len(p.problem.splits[0][0]))

    def refit_load(self, records: list[TrialRecord]) -> float:
        """Seconds to refit these trials side by side, longest first onto the least loaded
        worker, and combine them."""
        loads = [0.0] * self.n_workers
        for estimate in sorted((self.refit_estimate(r) for r in records), reverse=True):
            loads[loads.index(min(loads))] += estimate
        return max(loads) + COMBINE_S

    # -- exporting -----------------------------------------------------------------------------

    def model_megabytes(self, completed: list[TrialRecord], numbers: list[int]) -> float:
        """A refit's likely size in export megabytes: a refit of each of these trials is
        about one of its kept fold models grown to all rows (and to all of a fold's rows, for
        a trial fit on a sample of them), by its family's ``save_cost`` (in scikit-learn
        tree ensembles' megabytes)."""
        p = self.prepared
        n_folds = p.problem.folds_per_repeat  # a kept file holds one repeat's fold models
        grow = len(p.full.y) / max(1, len(p.problem.splits[0][0]))
        by_number = {r.number: r for r in completed}

        def megabytes(n: int) -> float:
            record = by_number.get(n)
            share = record.train_fraction if record is not None else 1.0
            cost = save_cost(record.family) if record is not None else 1.0
            return (self.bags.megabytes(n) or 0.0) / n_folds * grow / share * cost

        return sum(megabytes(n) for n in numbers)

    def bagged_megabytes(self, numbers, by_number: dict[int, TrialRecord]) -> float:
        """A bagged model's size in export megabytes: every kept fold model of these trials
        (k of them each: k times a refit's size), by their families' ``save_cost``."""
        return sum((self.bags.megabytes(n) or 0.0) * save_cost(by_number[n].family)
                   for n in numbers)

    def export_end(self, model_mb: float) -> float:
        """The final model's deadline, were it a model of ``model_mb`` export megabytes."""
        p = self.prepared
        return min(self.due, final_end(self.t0, self.budget_s, len(p.full.y), len(p.features),
                                       model_mb))

    def export_fits(self, model_mb: float, needs_s: float) -> bool:
        """Whether a model of ``model_mb`` export megabytes, ready in ``needs_s``, can still
        be exported inside the promise; if so the deadline leaves it room."""
        end = self.export_end(model_mb)
        if end - time.monotonic() < needs_s:
            return False
        self.end = end
        return True

    def bagged_fits(self, numbers, by_number: dict[int, TrialRecord], needs_s: float) -> bool:
        """Whether these trials' kept fold models, ready in ``needs_s``, can still be
        exported inside the promise (see :meth:`export_fits`)."""
        return self.export_fits(self.bagged_megabytes(numbers, by_number), needs_s)

    def reserve(self, model_mb: float) -> None:
        """Set the deadline for a model of ``model_mb`` export megabytes: the time its export
        takes is kept free before the promise's end."""
        self.end = self.export_end(model_mb)
