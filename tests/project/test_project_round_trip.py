"""One definition of a run: the GUI draft, the CLI flags and the Python API store the same
project, and every setting reaches the engine's RunConfig unchanged."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from automl.project import RUN_ONLY
from automl.project import load_project
from automl.project import save_project
from automl.search import RunConfig

FIXTURES = Path(__file__).parent / "fixtures"

# Every setting away from its default, so a dropped one shows.
FULL = RunConfig(target="species", task="multiclass", metric="log_loss", budget_s=12.5, n_trials=7,
                 cv=3, cv_repeats=2, seed=9, families=("linear", "tree"), exclude=("id",),
                 storage_url="sqlite:///elsewhere.db", study_name="st", n_jobs=1,
                 trial_timeout_s=4.5, holdout_rows=5000, max_search_rows=1000, max_data_mb=64.5)
CLI_FLAGS = ["--target", "species", "--task", "multiclass", "--metric", "log_loss",
             "--time-budget", "12.5", "--n-trials", "7", "--cv", "3", "--cv-repeats", "2",
             "--seed", "9", "--families", "linear,tree", "--exclude", "id",
             "--storage", "sqlite:///elsewhere.db", "--study", "st", "--n-jobs", "1",
             "--trial-timeout", "4.5", "--holdout-rows", "5000", "--max-search-rows", "1000",
             "--max-data-mb", "64.5"]


def test_full_config_leaves_no_setting_at_its_default():
    defaults = RunConfig(target="x")
    same = [f.name for f in dataclasses.fields(RunConfig)
            if f.name not in RUN_ONLY | {"target"} and getattr(FULL, f.name) == getattr(defaults, f.name)]
    assert same == []


@pytest.fixture
def tiny(tmp_path) -> Path:
    shutil.copy(FIXTURES / "tiny.csv", tmp_path / "tiny.csv")
    return tmp_path / "tiny.csv"


class Captured(BaseException):  # not caught by the CLI's error handling
    pass


@pytest.fixture
def engine_config(monkeypatch):
    """The RunConfig `automl run` hands the engine (the search itself is not run)."""
    seen: list[RunConfig] = []

    def fake_run_search(config, dataset, **_kw):
        seen.append(config)
        raise Captured

    import automl.project._runner as runner
    import automl.search

    monkeypatch.setattr(runner, "run_search", fake_run_search)
    monkeypatch.setattr(automl.search, "run_search", fake_run_search)

    def run(argv) -> RunConfig:
        from automl.cli import main

        seen.clear()
        with pytest.raises(Captured):
            main(argv)
        return seen[-1]
    return run


def _cli_project(tiny: Path, out: Path) -> Path:
    from automl.cli import main

    assert main(["project", "init", str(tiny), *CLI_FLAGS, "--name", "peng", "--out", str(out)]) == 0
    return out


def _api_project(tiny: Path, out: Path) -> Path:
    from automl import AutoML

    settings = {f.name: getattr(FULL, f.name) for f in dataclasses.fields(RunConfig)
                if f.name not in RUN_ONLY | {"target", "exclude"}}
    model = AutoML(**settings)
    return save_project(model.project(tiny, "species", exclude=FULL.exclude, name="peng"), out)


def _gui_project(tiny: Path, out: Path, qtbot) -> Path:
    from app.controllers.wizard import WizardController

    wizard = WizardController()
    with qtbot.waitSignal(wizard.loading_changed, timeout=20_000,
                          check_params_cb=lambda busy: not busy):
        wizard.open_file(str(tiny))
    with qtbot.waitSignal(wizard.task_changed, timeout=20_000,
                          check_params_cb=lambda spec: spec is not None):
        wizard.set_target("species")
        wizard.set_task_choice("multiclass")
    wizard.set_metric("log_loss")
    wizard.set_excluded(["id"])
    wizard.set_budget(12.5)
    wizard.set_families(["linear", "tree"])
    wizard.set_cv(3)
    wizard.set_seed(9)
    wizard.set_storage_url("sqlite:///elsewhere.db")
    wizard.set_study_name("st")
    wizard.set_n_trials(7)
    wizard.set_model_name("peng")
    # Settings without a widget yet are still draft fields (a test keeps Draft in step).
    wizard._update(cv_repeats=2, n_jobs=1, trial_timeout_s=4.5, holdout_rows=5000,
                   max_search_rows=1000, max_data_mb=64.5)
    wizard.project_path = str(out)
    path = wizard.run_project_file()  # what a GUI search runs: the open project, saved
    wizard.close()
    return Path(path)


def test_gui_cli_and_api_store_the_same_project_and_the_engine_gets_every_setting(
        tiny, tmp_path, qtbot, engine_config):
    from app.search_process import search_arguments

    files = {"cli": _cli_project(tiny, tmp_path / "cli.automl.toml"),
             "api": _api_project(tiny, tmp_path / "api.automl.toml"),
             "gui": _gui_project(tiny, tmp_path / "gui.automl.toml", qtbot)}
    docs = {k: load_project(p).project.to_document() for k, p in files.items()}
    assert docs["cli"] == docs["api"] == docs["gui"]
    texts = {k: p.read_text() for k, p in files.items()}
    assert texts["cli"] == texts["api"] == texts["gui"]  # byte for byte
    for path in files.values():
        assert load_project(path).project.config == FULL
        # The GUI's command line and the CLI's: the engine receives FULL unchanged.
        assert engine_config(search_arguments(str(path))[2:]) == FULL
    assert engine_config(["run", str(tiny), *CLI_FLAGS]) == FULL


def test_the_draft_has_every_run_setting():
    from app.controllers.wizard import Draft
    from app.controllers.wizard import draft_from_config

    assert {f.name for f in dataclasses.fields(RunConfig)} - RUN_ONLY <= {
        f.name for f in dataclasses.fields(Draft)}
    draft = draft_from_config(FULL, "peng")
    for f in dataclasses.fields(RunConfig):
        if f.name not in RUN_ONLY:
            assert getattr(draft, f.name) == getattr(FULL, f.name), f.name


def test_run_with_project_refuses_flags_that_the_file_holds(tiny, tmp_path, capsys):
    from automl.cli import main

    path = _cli_project(tiny, tmp_path / "p.automl.toml")
    capsys.readouterr()
    assert main(["run", "--project", str(path), "--time-budget", "5"]) == 2
    err = capsys.readouterr().err
    assert "--time-budget cannot be combined with --project" in err and err.count("\n") == 1
    assert main(["run"]) == 2
    assert "needs DATA and --target COL, or --project FILE" in capsys.readouterr().err
