from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def cli(tmp_path):
    """Run `automl ...` in a subprocess with a private workspace; returns CompletedProcess."""
    env = {**os.environ, "AUTOML_HOME": str(tmp_path / "home")}
    env.pop("AUTOML_STORAGE", None)

    def run(*args, timeout=120, check=None):
        proc = subprocess.run([sys.executable, "-m", "automl", *map(str, args)], capture_output=True,
                              text=True, env=env, timeout=timeout, cwd=tmp_path)
        if check is not None:
            assert proc.returncode == check, proc.stderr
        return proc

    return run


@pytest.fixture
def breast_cancer_csv() -> Path:
    from automl.datasets import sample_path

    return sample_path("breast_cancer")
