"""Registry fixtures: stores of every implementation, fake bundles, one real bundle."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from automl.registry import Registry
from automl.registry import SqlRegistryStore

STORES = ["sqlite-file", "sqlite-memory"]


def make_store(kind: str, folder: Path):
    if kind == "sqlite-file":
        return SqlRegistryStore(f"sqlite:///{(folder / 'registry.db').as_posix()}")
    if kind == "sqlite-memory":
        return SqlRegistryStore("sqlite://")
    raise AssertionError(kind)


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    s = make_store(request.param, tmp_path)
    yield s
    s.close()


@pytest.fixture(params=STORES)
def registry(request, tmp_path) -> Registry:
    reg = Registry(make_store(request.param, tmp_path), tmp_path / "artifacts")
    yield reg
    reg.store.close()


def fake_bundle(folder: Path, *, score: float = 0.9, family: str = "hgb",
                data_sha: str = "d" * 64) -> Path:
    """A folder the registry accepts (it never unpickles on registration)."""
    folder.mkdir(parents=True)
    model = os.urandom(64)
    (folder / "model.joblib").write_bytes(model)
    (folder / "profile.json").write_text("{}")
    (folder / "model_card.md").write_text("# card\n")
    meta = {"model_sha256": hashlib.sha256(model).hexdigest(), "task": {"kind": "binary"},
            "scores": {"metric": "roc_auc", "cv_mean": score}, "model": {"family": family},
            "lineage": {"study": "s1", "trial": 3, "dataset_sha256": data_sha, "rows": 80}}
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


@pytest.fixture
def bundles(tmp_path):
    counter = iter(range(1000))

    def make(**kw) -> Path:
        return fake_bundle(tmp_path / f"bundle-{next(counter)}", **kw)
    return make


def cli_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "AUTOML_HOME": str(home)}
    env.pop("AUTOML_STORAGE", None)
    env.pop("AUTOML_REGISTRY", None)
    return env


@pytest.fixture(scope="session")
def real_run(tmp_path_factory):
    """A tiny project run once by the real CLI: project file, data, workspace, registry v1."""
    import pandas as pd

    from automl.datasets import sample_path

    folder = tmp_path_factory.mktemp("real")
    frame = pd.read_csv(sample_path("wine"))
    frame.to_csv(folder / "wine.csv", index=False)
    frame.sample(frac=0.85, random_state=1).to_csv(folder / "wine-new.csv", index=False)
    env = cli_env(folder / "home")

    def cli(*args, check=0):
        proc = subprocess.run([sys.executable, "-m", "automl", *map(str, args)], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=300)
        if check is not None:
            assert proc.returncode == check, proc.stderr
        return proc

    cli("project", "init", "wine.csv", "--target", "cultivar", "--name", "wine",
        "--time-budget", "30", "--n-trials", "3", "--families", "linear,tree", "--cv", "2",
        "--out", "wine.automl.toml")
    cli("run", "--project", "wine.automl.toml", "--json")
    return folder, cli


@pytest.fixture
def workspace(real_run, tmp_path):
    """A private copy of the real run's folder (data, project, studies, registry)."""
    import shutil

    source, _ = real_run
    folder = tmp_path / "ws"
    shutil.copytree(source, folder)
    env = cli_env(folder / "home")

    def cli(*args, check=0):
        proc = subprocess.run([sys.executable, "-m", "automl", *map(str, args)], cwd=folder,
                              env=env, capture_output=True, text=True, timeout=300)
        if check is not None:
            assert proc.returncode == check, proc.stderr
        return proc

    return folder, cli
