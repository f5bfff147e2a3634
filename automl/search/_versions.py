"""Versions of the libraries a fitted model depends on (recorded in studies and bundles)."""

from __future__ import annotations

import importlib.metadata
import platform

PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy", "joblib", "lightgbm", "skops", "optuna",
            "automl-studio")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
