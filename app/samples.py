"""Sample datasets a person can try without a file of their own (shipped by the engine in
``automl.datasets``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl import datasets

TASK_LABELS = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}


@dataclass(frozen=True)
class SampleChoice:
    """What the sample picker shows for one engine sample."""

    name: str
    label: str
    description: str
    target: str


def list_samples() -> tuple[SampleChoice, ...]:
    out = []
    for s in datasets.SAMPLES.values():
        label = f"{s.name.replace('_', ' ').capitalize()} ({TASK_LABELS.get(s.task, s.task)})"
        out.append(SampleChoice(s.name, label, f"{s.description}. Target: {s.target}.",
                                s.target))
    return tuple(out)


def sample_path(name: str) -> Path:
    """The sample's file.

    Raises:
        KeyError: No sample of that name.
    """
    return datasets.sample_path(name)
