"""Every message that crosses a process or thread boundary inside a search, in one place.

The search loop (the parent) talks to its worker processes over a ``Pipe`` and hands
finished trials to the recorder over a queue. Each message is a frozen dataclass whose type
is its tag: the receiver matches on the type (``match msg: case TrialCompleted(...)``), so a
reply can only answer the request it belongs to. They are pickled on the way, so they hold
plain data (numbers, strings, arrays, ``FoldResult``, Optuna trials), never open resources.

Parent -> worker: one job at a time, then the worker's replies::

    RunTrial     -> FoldScored (then waits for a FoldVerdict), ... ,
                    TrialCompleted | TrialStopped | TrialFailed
    Keep         -> nothing (the fold models appear at ``path``, or not)
    Refit        -> ModelSaved | JobFailed
    Combine      -> ModelSaved | JobFailed
    Explain      -> Explained | JobFailed
    Measure      -> Measured | JobFailed
    Exit         -> the worker ends

The pool itself reports ``WorkerDied`` when a worker's pipe breaks (a crash in native code).

Loop -> recorder: ``StartTrial`` (storages with heartbeats) and ``FinishTrial``; the
recorder answers each finish with ``Committed`` or, for any failed write, ``WriteFailed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# -- parent -> worker ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunTrial:
    """Cross-validate one configuration, fold by fold."""
    number: int  # the sampler's trial number
    family: str
    params: dict[str, Any]
    train_fraction: float = 1.0  # share of each fold's training rows the model fits on


@dataclass(frozen=True)
class FoldVerdict:
    """The parent's answer to each ``FoldScored``: go on to the next fold, or stop here."""
    go: bool


@dataclass(frozen=True)
class Keep:
    """Save the fold models of trial ``number`` (the worker's last completed trial) at
    ``path``, averaged into one model."""
    number: int
    path: str


@dataclass(frozen=True)
class Refit:
    """Fit one configuration on every row and save it at ``path``."""
    family: str
    params: dict[str, Any]
    path: str = ""


@dataclass(frozen=True)
class Combine:
    """Load saved member models and save their weighted ensemble at ``path``."""
    member_paths: tuple[str, ...]
    weights: tuple[float, ...]
    temperature: float
    path: str = ""


@dataclass(frozen=True)
class Explain:
    """Permutation importances of the model saved at ``model_path``, within ``time_cap_s``."""
    model_path: str
    time_cap_s: float


@dataclass(frozen=True)
class Measure:
    """Score one configuration as a single model and as the average of fold models."""
    family: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Exit:
    pass


WorkerJob = RunTrial | Keep | Refit | Combine | Explain | Measure | Exit

# -- worker -> parent ------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldScored:
    number: int
    result: Any  # FoldResult


@dataclass(frozen=True)
class TrialCompleted:
    number: int
    folds: list  # [FoldResult]
    oof: np.ndarray  # out-of-fold predictions, one set per repeat


@dataclass(frozen=True)
class TrialStopped:
    """Stopped after some folds, by the parent's verdict (pruned or out of time)."""
    number: int
    folds: list


@dataclass(frozen=True)
class TrialFailed:
    number: int
    error_type: str
    message: str


@dataclass(frozen=True)
class ModelSaved:
    """A ``Refit`` or ``Combine`` is done: the model is at ``path``."""
    path: str
    seconds: float


@dataclass(frozen=True)
class Explained:
    importances: dict[str, float]
    seconds: float


@dataclass(frozen=True)
class Measured:
    single: tuple[float, ...]  # per fold: one model fit on the fold's training rows
    bagged: tuple[float, ...]  # per fold: the average of k models fit on k-fold parts of them


@dataclass(frozen=True)
class JobFailed:
    """A ``Refit``, ``Combine``, ``Explain`` or ``Measure`` raised."""
    error_type: str
    message: str


@dataclass(frozen=True)
class WorkerDied:
    """Made by the pool, not sent: the worker's pipe broke."""
    exitcode: int | None


WorkerReply = (FoldScored | TrialCompleted | TrialStopped | TrialFailed | ModelSaved
               | Explained | Measured | JobFailed | WorkerDied)

# -- loop -> recorder -> loop ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the loop needs back about a trial once the recorder has committed it."""
    sampler_number: int | None  # None for the ensemble, which the sampler never asked
    family: str
    status: str  # TrialStatus value
    value: float | None
    fold_scores: tuple[float, ...]
    duration_s: float
    message: str | None
    refit_s: float  # fit and preprocessing seconds of all its folds, at full size


@dataclass(frozen=True)
class StartTrial:
    """Create the trial in the study now, RUNNING (storages with heartbeats)."""
    number: int
    template: Any  # FrozenTrial


@dataclass(frozen=True)
class FinishTrial:
    number: int
    trial: Any  # FrozenTrial
    outcome: Outcome


@dataclass(frozen=True)
class Committed:
    outcome: Outcome
    study_number: int
    trial_id: int


@dataclass(frozen=True)
class WriteFailed:
    message: str
    finishes: int  # how many submitted trials this write failure accounts for (0 or 1)
