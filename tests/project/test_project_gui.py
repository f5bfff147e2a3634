"""The GUI edits a project: File > New / Open / Save / Save As / recent, the title with its
unsaved-changes mark, and a search that runs `automl run --project FILE --events`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.settings import AppSettings
from automl.project import load_project

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def window(qtbot, tmp_path):
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


@pytest.fixture
def tiny(tmp_path) -> Path:
    shutil.copy(FIXTURES / "tiny.csv", tmp_path / "tiny.csv")
    return tmp_path / "tiny.csv"


def _ready(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.wizard.task is not None and not window.wizard.is_loading(),
                    timeout=20_000)


def test_save_open_recent_and_the_title(window, qtbot, tiny, tmp_path):
    menu_texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert menu_texts[:4] == ["&New project", "&Open project…", "&Save project",
                              "Save project &as…"]
    assert "Recent &projects" in menu_texts
    window.open_file(str(tiny))
    qtbot.waitUntil(lambda: window.wizard.dataset is not None, timeout=20_000)
    window.wizard.set_target("species")
    _ready(window, qtbot)
    assert window.windowTitle().startswith("Untitled project *")
    path = window.project.save(str(tmp_path / "peng"))  # the suffix is added
    assert path.endswith("peng.automl.toml")
    assert window.windowTitle() == "peng.automl.toml — AutoML Studio"
    window.wizard.set_budget(17)
    assert window.windowTitle() == "peng.automl.toml * — AutoML Studio"
    assert window.project_menu.save()
    assert load_project(path).project.config.budget_s == 17
    assert not window.project.is_dirty()

    window.project_menu.new()
    assert window.windowTitle() == "Untitled project — AutoML Studio"
    assert window.wizard.draft.target is None and window.wizard.dataset is None

    window.project_menu._fill_recent()
    recent = [a for a in window.project_menu.recent_menu.actions() if a.isEnabled()]
    assert [a.text() for a in recent] == ["peng.automl.toml"]
    recent[0].trigger()
    _ready(window, qtbot)
    draft = window.wizard.draft
    assert (draft.target, draft.budget_s, draft.name) == ("species", 17, "tiny")
    assert not window.project.is_dirty()
    assert window.windowTitle() == "peng.automl.toml — AutoML Studio"


def test_a_bad_project_file_is_explained(window, tmp_path):
    bad = tmp_path / "bad.automl.toml"
    bad.write_text('schema_version = 1\n[data]\npath = "x.csv"\n[search]\ncv = "five"\n')
    assert not window.project_menu.open(str(bad))
    assert "search.cv: expected an integer" in window.statusBar().currentMessage()


def test_a_search_runs_the_project_file(window, qtbot, tiny, tmp_path, monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(window.search.process, "start", lambda args, env=None: started.append(args))
    window.open_file(str(tiny))
    qtbot.waitUntil(lambda: window.wizard.dataset is not None, timeout=20_000)
    window.wizard.set_target("species")
    _ready(window, qtbot)
    window.search.start()  # untitled: a copy in the workspace's projects folder
    window.search._tick.stop()
    args = started[-1]
    assert args[:4] == ["-m", "automl", "run", "--project"] and args[5:] == ["--events"]
    assert load_project(args[4]).project.config == window.wizard.project().config
    window.project.save(str(tmp_path / "p.automl.toml"))
    window.wizard.set_seed(5)
    window.search.start()
    window.search._tick.stop()
    assert started[-1][4] == str(tmp_path / "p.automl.toml")  # the open project, saved first
    assert load_project(started[-1][4]).project.config.seed == 5
    assert not window.project.is_dirty()
