"""RunConfig: everything that defines a search, validated once at construction."""

from __future__ import annotations

import math
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import fields
from typing import Any

from automl.errors import ConfigError
from automl.metrics import METRICS

TASK_CHOICES = ("auto", "binary", "multiclass", "regression", "classification")


@dataclass(frozen=True)
class RunConfig:
    """One search.

    Attributes:
        target: Target column.
        task: "auto" (detected), "binary", "multiclass", "regression" or "classification".
        metric: Metric name, or None for the task's default.
        budget_s: Wall-clock budget of the whole run (search, refit and export).
        n_trials: Stop after this many new trials (None: only the budget stops it).
        cv: Folds for k-fold cross-validation (large data switches to a holdout, as does a
            table whose rows x features exceed 6,000 x budget seconds, from 5,000 rows).
        cv_repeats: Times the k-fold is repeated with new shuffles (None: by size, 3 under
            500 rows, 2 under 1,000, else 1).
        seed: Seed of the sampler, folds and models.
        families: Model families to search (None: every family that fits the task and size).
        exclude: Columns not to use as features.
        storage_url: Optuna storage URL (None: the default SQLite file).
        study_name: Study name (None: derived from the data, target and time).
        n_jobs: Trials evaluated in parallel (worker processes, one thread each).
        trial_timeout_s: Hard limit of one trial (None: a quarter of the budget, at least 10 s).
        holdout_rows: From this many rows on, a single 80/20 holdout replaces k-fold.
        max_search_rows: Trials fit on at most this many (stratified) rows; the final refit
            uses all rows.
        max_data_mb: Memory budget of the training table (features + target, as held by
            pandas). A larger table is sampled down (stratified) to fit, and the run says so;
            search workers and the refit stay within a few times this.
        resume: Continue an existing study of the same name instead of refusing it.
    """

    target: str
    task: str = "auto"
    metric: str | None = None
    budget_s: float = 60.0
    n_trials: int | None = None
    cv: int = 5
    cv_repeats: int | None = None
    seed: int = 0
    families: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    storage_url: str | None = None
    study_name: str | None = None
    n_jobs: int = 2
    trial_timeout_s: float | None = None
    holdout_rows: int = 100_000
    max_search_rows: int = 250_000
    max_data_mb: float = 2048.0
    resume: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not self.target:
            raise ConfigError("No target column given. Pick the column to predict.", field="target")
        if self.task not in TASK_CHOICES:
            raise ConfigError(
                f"Unknown task {self.task!r}. Choose one of: {', '.join(TASK_CHOICES)}.",
                field="task", choices=TASK_CHOICES,
            )
        if self.metric is not None and self.metric not in METRICS:
            raise ConfigError(
                f"Unknown metric {self.metric!r}. Choose one of: {', '.join(METRICS)}.",
                field="metric", choices=tuple(METRICS),
            )
        if not (isinstance(self.budget_s, int | float) and math.isfinite(self.budget_s)
                and self.budget_s > 0):
            raise ConfigError(
                f"The time budget must be a positive number of seconds, got {self.budget_s!r}.",
                field="budget_s",
            )
        if self.n_trials is not None and self.n_trials < 1:
            raise ConfigError(f"n_trials must be at least 1, got {self.n_trials}.", field="n_trials")
        if not 2 <= self.cv <= 20:
            raise ConfigError(f"cv must be between 2 and 20 folds, got {self.cv}.", field="cv")
        if self.cv_repeats is not None and not 1 <= self.cv_repeats <= 10:
            raise ConfigError(f"cv_repeats must be between 1 and 10, got {self.cv_repeats}.",
                              field="cv_repeats")
        if not self.max_data_mb > 0:
            raise ConfigError(f"max_data_mb must be positive, got {self.max_data_mb}.",
                              field="max_data_mb")
        if self.max_search_rows < 100:
            raise ConfigError(f"max_search_rows must be at least 100, got {self.max_search_rows}.",
                              field="max_search_rows")
        if self.n_jobs < 1:
            raise ConfigError(f"n_jobs must be at least 1, got {self.n_jobs}.", field="n_jobs")
        if self.families is not None:
            object.__setattr__(self, "families", tuple(self.families))
            if not self.families:
                raise ConfigError("Choose at least one model family.", field="families")
        object.__setattr__(self, "exclude", tuple(self.exclude))

    @property
    def effective_trial_timeout_s(self) -> float:
        if self.trial_timeout_s is not None:
            return self.trial_timeout_s
        return max(10.0, self.budget_s / 4)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["families"] = list(self.families) if self.families else None
        d["exclude"] = list(self.exclude)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ConfigError(f"Unknown settings: {', '.join(sorted(unknown))}.")
        d = dict(d)
        if d.get("families") is not None:
            d["families"] = tuple(d["families"])
        d["exclude"] = tuple(d.get("exclude") or ())
        return cls(**d)
