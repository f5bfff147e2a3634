"""The search from the window: Stop, a crashed process, an engine error, bad drafts."""

from __future__ import annotations

import time
from pathlib import Path

import optuna
from PySide6.QtCore import Qt

import app.controllers.search as search_module
from automl.records import Leaderboard

LEFT = Qt.MouseButton.LeftButton


def prepare_run(window, qtbot, tiny_csv, storage_url, families, study="run", budget=60):
    window.open_file(str(tiny_csv))
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=20_000)
    wizard = window.wizard
    wizard.set_families(families)
    wizard.set_cv(2)
    wizard.set_budget(budget)
    wizard.set_storage_url(storage_url)
    wizard.set_study_name(study)
    window.go_to("Search")


def test_stop_ends_the_process_within_two_seconds_and_keeps_trials(
        window, qtbot, tiny_csv, storage_url, fast_families):
    prepare_run(window, qtbot, tiny_csv, storage_url, fast_families, study="stopped")
    page = window.search_page
    qtbot.mouseClick(page.start_button, LEFT)
    qtbot.waitUntil(lambda: window.study.board is not None
                    and len(window.study.board.completed) >= 2, timeout=30_000)
    recorded = len(window.study.board.completed)
    assert window.search.is_running()
    clicked = time.monotonic()
    qtbot.mouseClick(page.stop_button, LEFT)
    assert not page.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not window.search.is_running(), timeout=2_000)
    assert time.monotonic() - clicked < 2.0
    assert window.search.last_outcome.status == "stopped"
    assert "stopped" in page.messages.text("outcome").lower()
    board = Leaderboard.from_study("stopped", storage_url)
    assert len(board.completed) >= recorded
    assert page.start_button.isEnabled()


def test_crashed_search_process_is_reported_and_the_app_stays_usable(
        window, qtbot, tiny_csv, storage_url, fast_families, monkeypatch):
    crash = ["-c", "import os, sys; sys.stderr.write('fatal: worker exploded\\n'); "
                   "sys.stderr.flush(); os._exit(1)"]
    monkeypatch.setattr(search_module, "search_arguments", lambda project_file: crash)
    prepare_run(window, qtbot, tiny_csv, storage_url, fast_families)
    page = window.search_page
    with qtbot.waitSignal(window.search.search_ended, timeout=10_000):
        qtbot.mouseClick(page.start_button, LEFT)
    assert page.messages.level("outcome") == "error"
    assert "worker exploded" in page.messages.text("outcome")
    assert "worker exploded" in page.log.toPlainText()
    assert page.start_button.isEnabled()
    window.go_to("Data")  # still usable
    assert window.current_step() == "Data"


def test_engine_error_is_shown_in_the_window(window, qtbot, tiny_csv, storage_url,
                                             fast_families):
    optuna.create_study(study_name="taken", storage=storage_url)
    prepare_run(window, qtbot, tiny_csv, storage_url, fast_families, study="taken")
    page = window.search_page
    with qtbot.waitSignal(window.search.search_ended, timeout=30_000):
        qtbot.mouseClick(page.start_button, LEFT)
    assert window.search.last_outcome.status == "failed"
    assert page.messages.level("outcome") == "error"
    assert "already exists" in page.messages.text("outcome")


def test_start_without_a_target_explains_what_is_missing(window, qtbot, tiny_csv):
    window.open_file(str(tiny_csv))
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=20_000)
    window.go_to("Target")
    window.target_page.target_combo.setCurrentIndex(0)  # "choose a column"
    assert window.wizard.draft.target is None
    window.go_to("Search")
    with qtbot.assertNotEmitted(window.search.process.started):
        qtbot.mouseClick(window.search_page.start_button, LEFT)
    assert "No target column chosen" in window.search_page.messages.text("start")
    assert not window.search.is_running()


def test_start_without_data_explains_what_is_missing(window, qtbot):
    window.go_to("Search")
    qtbot.mouseClick(window.search_page.start_button, LEFT)
    assert "No data yet" in window.search_page.messages.text("start")


def process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_closing_the_window_during_a_search_ends_the_process(window, qtbot, tiny_csv,
                                                             storage_url, fast_families):
    prepare_run(window, qtbot, tiny_csv, storage_url, fast_families, study="closed")
    qtbot.mouseClick(window.search_page.start_button, LEFT)
    qtbot.waitUntil(lambda: bool(window.search.process.pid()), timeout=10_000)
    pid = window.search.process.pid()
    assert process_alive(pid)
    window.close()  # offscreen: no "Stop the search?" question
    assert not window.search.is_running()
    assert not process_alive(pid)
