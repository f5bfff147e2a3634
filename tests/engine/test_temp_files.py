"""A search leaves nothing in the temporary folder: not on success, not on an error at
setup, not when its result is dropped unexported, and what a killed search left is swept."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile

import pytest

from automl.errors import ConfigError
from automl.events import SearchStarted
from automl.search import RunConfig
from automl.search import run_search
from automl.search._bags import PREFIX
from automl.search._bags import sweep_orphans


@pytest.fixture
def tmp_folder(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def config(storage_url, **kw) -> RunConfig:
    base = dict(target="target", budget_s=30, n_trials=3, cv=3, cv_repeats=1,
                storage_url=storage_url, study_name="s", families=("linear", "tree"), n_jobs=1)
    return RunConfig(**{**base, **kw})


def test_a_search_refused_at_setup_leaves_no_fold_folder(tmp_folder, storage_url,
                                                         binary_dataset):
    run_search(config(storage_url), binary_dataset, refit=False)
    assert os.listdir(tmp_folder) == []
    with pytest.raises(ConfigError, match="already exists"):
        run_search(config(storage_url), binary_dataset, refit=False)
    assert os.listdir(tmp_folder) == []


def test_an_event_handler_that_raises_leaves_nothing_behind(tmp_folder, storage_url,
                                                            binary_dataset):
    def on_event(event):
        if isinstance(event, SearchStarted):
            raise RuntimeError("the caller's handler broke")

    with pytest.raises(RuntimeError, match="handler broke"):
        run_search(config(storage_url), binary_dataset, on_event=on_event, refit=True)
    assert os.listdir(tmp_folder) == []


def test_a_result_dropped_without_export_takes_its_model_file_along(tmp_folder, storage_url,
                                                                    binary_dataset):
    result = run_search(config(storage_url), binary_dataset, refit=True)
    path = result.refit.path
    assert os.path.dirname(path) == str(tmp_folder) and os.path.getsize(path) > 0
    assert os.listdir(tmp_folder) == [os.path.basename(path)]  # only the final model
    del result
    gc.collect()
    assert not os.path.exists(path)


def test_fold_folders_of_dead_searches_are_swept_and_live_ones_kept(tmp_folder):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = tmp_folder / f"{PREFIX}{ended.stdout.strip()}-abc"
    live = tmp_folder / f"{PREFIX}{os.getpid()}-def"
    other = tmp_folder / f"{PREFIX}notapid"  # not ours to judge
    for folder in (dead, live, other):
        folder.mkdir()
        (folder / "trial-1.joblib").write_bytes(b"x" * 100)
    sweep_orphans()
    assert not dead.exists()
    assert (live / "trial-1.joblib").exists() and (other / "trial-1.joblib").exists()
