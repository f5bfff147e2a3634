"""Bundled sample datasets (see README.md in this folder for sources and licences)."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SAMPLES", "Sample", "sample_path"]


@dataclass(frozen=True)
class Sample:
    name: str
    file: str
    target: str
    task: str
    description: str


SAMPLES: dict[str, Sample] = {s.name: s for s in (
    Sample("breast_cancer", "breast_cancer.csv", "diagnosis", "binary",
           "Breast tumour measurements: malignant or benign (569 rows)"),
    Sample("penguins", "penguins.csv", "species", "multiclass",
           "Palmer penguins: species from body measurements, with missing values (344 rows)"),
    Sample("wine", "wine.csv", "cultivar", "multiclass",
           "Wine chemistry: which of three cultivars (178 rows)"),
    Sample("diabetes", "diabetes.csv", "progression", "regression",
           "Diabetes progression one year after baseline (442 rows)"),
)}


def sample_path(name: str) -> Path:
    """Path of a bundled sample file.

    Raises:
        KeyError: Unknown sample name.
    """
    sample = SAMPLES[name]
    return Path(str(importlib.resources.files("automl.datasets").joinpath(sample.file)))
