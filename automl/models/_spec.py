"""What a model family is, as data: tasks, input style, search space, defaults and cost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import optuna

from automl.data._types import TaskKind
from automl.preprocess import Style

Params = dict[str, Any]


@dataclass(frozen=True)
class FamilySpec:
    """One model family.

    Attributes:
        name: Short name; also the prefix of its Optuna params (``rf.max_depth``).
        label: Human name for the GUI.
        description: One line for the GUI's family checklist.
        tasks: Task kinds it supports.
        style: Input style its preprocessing uses.
        space: ``space(trial, ctx) -> params``: samples params (Optuna names are prefixed
            with ``name + "."``; the returned dict uses the bare names).
        default: The params tried first (a sensible default configuration).
        make: ``make(params, ctx) -> estimator``: an unfitted scikit-learn estimator.
        cost: Relative cost of one fit, HistGradientBoosting = 1 on the same data.
        max_rows: Skip the family above this many training rows (cost grows too fast).
        accepts_sparse: False when it needs dense input (naive Bayes on text would not).
        save_cost: Seconds to write and check a MB of its fitted model in the bundle,
            scikit-learn's tree ensembles = 1 (the export's reserve counts it).
    """

    name: str
    label: str
    description: str
    tasks: tuple[TaskKind, ...]
    style: Style
    space: Callable[[optuna.Trial, SpaceContext], Params]
    default: Params
    make: Callable[[Params, SpaceContext], Any]
    cost: float = 1.0
    max_rows: int | None = None
    accepts_sparse: bool = True
    save_cost: float = 1.0

    def supports(self, kind: TaskKind) -> bool:
        return TaskKind(kind) in self.tasks

    def param_name(self, param: str) -> str:
        return f"{self.name}.{param}"

    def default_trial_params(self) -> Params:
        """The default as Optuna params, for ``study.enqueue_trial``."""
        return {"family": self.name, **{self.param_name(k): v for k, v in self.default.items()}}

    def params_from_trial(self, params: Params) -> Params:
        """Bare param names of this family from a trial's (prefixed) params."""
        prefix = self.name + "."
        return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


@dataclass(frozen=True)
class SpaceContext:
    """What a search space and a factory may depend on.

    ``skewed_target``: a regression target that is never negative and is skewed to the
    right (prices, wages, counts), where the boosting families may also learn its logarithm.
    """

    task: TaskKind
    n_rows: int
    n_features: int
    seed: int = 0
    n_classes: int = 0
    categorical_indices: tuple[int, ...] | None = None
    skewed_target: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def classification(self) -> bool:
        return self.task.is_classification
