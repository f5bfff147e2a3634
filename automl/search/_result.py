"""What a search returns: the counts, the best trial and the final model."""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np

from automl.events import StopReason
from automl.search._prepare import Prepared


class FinalKind(enum.StrEnum):
    """How the final model was made."""

    ENSEMBLE_REFIT = "ensemble_refit"  # the ensemble's members refit on all rows
    SINGLE_REFIT = "single_refit"  # one trial refit on all rows
    ENSEMBLE_BAGGED = "ensemble_bagged"  # the ensemble's members as their fold models
    BAGGED = "bagged"  # one trial's cross-validation fold models, averaged

    @property
    def label(self) -> str:
        return {
            "ensemble_refit": "ensemble of the best trials, each refit on all rows",
            "single_refit": "the trial refit on all rows",
            "ensemble_bagged": "ensemble of the best trials, each as the average of its "
                               "cross-validation fold models",
            "bagged": "the average of the trial's cross-validation fold models (no refit)",
        }[self.value]


@dataclass(frozen=True)
class FinalModel:
    """The final model, saved with joblib at ``path``.

    Attributes:
        trial_number: The trial it stands for (an ensemble has a trial of its own).
        kind: How it was made; ``reason`` says why this kind (in the user's words).
        seconds: Time spent making it after the search.
    """

    trial_number: int
    family: str
    params: dict
    path: str
    seconds: float
    importances: dict[str, float]
    kind: FinalKind = FinalKind.SINGLE_REFIT
    reason: str = ""


Refit = FinalModel  # the name it had before bagged fold models could be the final model


@dataclass(frozen=True)
class SearchResult:
    study_name: str
    storage_url: str
    prepared: Prepared
    n_complete: int
    n_pruned: int
    n_failed: int
    best_trial: int | None
    best_score: float | None
    elapsed_s: float
    stop_reason: StopReason
    refit: FinalModel | None = None
    oof: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # trial -> OOF preds

    def __post_init__(self):
        # The final model's file belongs to the result: exporting it removes the file, and a
        # result dropped without an export takes it along instead of leaving it in the
        # temporary folder.
        if self.refit is not None:
            weakref.finalize(self, Path(self.refit.path).unlink, missing_ok=True)
