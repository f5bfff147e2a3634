"""Events a search emits while it runs; they cross the process boundary as JSON lines.

The CLI (``automl run --events``) writes one event per line on stdout; the GUI parses
them back into these same dataclasses with :func:`event_from_json`.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from typing import Any

__all__ = [
    "Event",
    "Phase",
    "Progress",
    "StopReason",
    "RunFailed",
    "RunFinished",
    "SearchStarted",
    "TrialFinished",
    "event_from_json",
    "event_to_json",
]


class Phase(enum.StrEnum):
    """Where a run is (``Progress.phase``)."""
    SEARCH = "search"
    REFIT = "refit"  # the final model
    EXPORT = "export"
    DONE = "done"


class StopReason(enum.StrEnum):
    """Why the search stopped (``RunFinished.stop_reason``)."""
    BUDGET = "budget"
    N_TRIALS = "n_trials"
    CANCELLED = "cancelled"
    NO_MORE_TIME = "no_more_time"  # no family could finish a trial in the time left


@dataclass(frozen=True)
class SearchStarted:
    study_name: str
    storage_url: str
    task: str
    metric: str
    greater_is_better: bool
    budget_s: float
    n_rows: int
    n_features: int
    families: tuple[str, ...]
    cv: str  # "5-fold" or "holdout 20%"
    notes: tuple[str, ...] = ()  # e.g. rows sampled to fit the memory budget


@dataclass(frozen=True)
class TrialFinished:
    number: int
    family: str
    status: str  # complete | pruned | failed
    score: float | None
    fold_scores: tuple[float, ...]
    duration_s: float
    message: str | None = None  # error or prune reason


@dataclass(frozen=True)
class Progress:
    elapsed_s: float
    budget_s: float
    n_complete: int
    n_pruned: int
    n_failed: int
    best_score: float | None
    best_trial: int | None
    phase: Phase = Phase.SEARCH


@dataclass(frozen=True)
class RunFinished:
    study_name: str
    best_trial: int | None
    best_score: float | None
    n_trials: int
    elapsed_s: float
    stop_reason: StopReason
    bundle_dir: str | None = None


@dataclass(frozen=True)
class RunFailed:
    error_type: str
    message: str


Event = SearchStarted | TrialFinished | Progress | RunFinished | RunFailed
_TYPES = {cls.__name__: cls for cls in (SearchStarted, TrialFinished, Progress, RunFinished, RunFailed)}


def event_to_json(event: Event) -> str:
    return json.dumps({"type": type(event).__name__, **asdict(event)}, allow_nan=False,
                      default=str)


def event_from_json(line: str) -> Event:
    """Parse one JSON line back into its event.

    Raises:
        ValueError: Not an event line.
    """
    data: dict[str, Any] = json.loads(line)
    cls = _TYPES.get(data.pop("type", None))
    if cls is None:
        raise ValueError(f"not an AutoML event: {line[:80]!r}")
    kwargs = {f.name: data.get(f.name) for f in fields(cls) if f.name in data}
    for f in fields(cls):
        if f.name in kwargs and isinstance(kwargs[f.name], list):
            kwargs[f.name] = tuple(kwargs[f.name])
    return cls(**kwargs)
