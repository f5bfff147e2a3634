"""Engine fixtures: tiny datasets and a per-test SQLite storage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset


@pytest.fixture
def storage_url(tmp_path) -> str:
    return f"sqlite:///{(tmp_path / 'studies.db').as_posix()}"


def make_frame(task: str, n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], size=n)
    signal = x1 + 0.5 * x2 + (color == "red") * 1.0
    frame = pd.DataFrame({"x1": x1, "x2": x2, "color": color})
    frame.loc[rng.choice(n, 5, replace=False), "x2"] = np.nan
    if task == "binary":
        frame["target"] = np.where(signal + rng.normal(scale=0.5, size=n) > 0.3, "yes", "no")
    elif task == "multiclass":
        frame["target"] = pd.cut(signal, 3, labels=["low", "mid", "high"]).astype(str)
    else:
        frame["target"] = 3 * signal + rng.normal(scale=0.3, size=n)
    return frame


@pytest.fixture
def binary_dataset():
    return load_dataset(make_frame("binary"))


@pytest.fixture
def multiclass_dataset():
    return load_dataset(make_frame("multiclass"))


@pytest.fixture
def regression_dataset():
    return load_dataset(make_frame("regression"))


@pytest.fixture(scope="session")
def frame_of():
    """``frame_of(task, n=120, seed=0)``: a fresh tiny table, for tests that need a size."""
    return make_frame
