"""Reopening a recorded study: its leaderboard, plots and export, with no new search."""

from __future__ import annotations

from PySide6.QtCore import Qt

LEFT = Qt.MouseButton.LeftButton


def test_reopening_a_study_from_history_shows_its_leaderboard(window, qtbot, recorded_study):
    name, url, _data = recorded_study
    page = window.history_page
    window.go_to("History")
    page.storage_edit.setText(url)
    with qtbot.waitSignal(window.history.studies_loaded, timeout=10_000):
        qtbot.mouseClick(page.refresh_button, LEFT)
    assert window.history.model.rowCount() == 1
    assert window.history.model.index(0, 1).data() == "8"
    assert not page.open_button.isEnabled()
    assert page.select_study(name)
    assert page.open_button.isEnabled()
    with qtbot.waitSignal(window.study.board_changed, timeout=10_000):
        qtbot.mouseClick(page.open_button, LEFT)
    assert window.current_step() == "Results"
    assert window.study.leaderboard_model.rowCount() == 8
    assert not window.search.is_running()
    results = window.results_page
    assert name in results.study_label.text()
    qtbot.waitUntil(lambda: results.family_chart.plot_text() == "Score by model family",
                    timeout=10_000)
    results.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: results.history_chart.plot_text() == "Optimization history",
                    timeout=10_000)


def test_a_reopened_study_re_reads_its_data_for_plots_and_export(window, qtbot, recorded_study,
                                                                 tmp_path):
    name, url, _data = recorded_study
    window.open_study(name, url)
    qtbot.waitUntil(lambda: window.study.board is not None, timeout=10_000)
    with qtbot.waitSignal(window.results.insights_ready, timeout=30_000) as blocker:
        window.results_page.tabs.setCurrentIndex(4)
    assert blocker.args[0].confusion is not None
    window.go_to("Export")
    window.export_page.folder_edit.setText(str(tmp_path / "b"))
    with qtbot.waitSignal(window.results.exported, timeout=60_000):
        qtbot.mouseClick(window.export_page.export_button, LEFT)
    assert (tmp_path / "b" / "metadata.json").is_file()


def test_too_few_trials_for_parameter_importances_is_explained(window, qtbot, recorded_study,
                                                             monkeypatch):
    from app.controllers import results as results_controller
    from automl.insights import param_importances

    # The recorded study has 8 trials; asking for more than that is the "too few" case, every
    # time (the study's own count of completed trials depends on the machine's speed).
    monkeypatch.setattr(results_controller, "param_importances",
                        lambda *args: param_importances(*args, min_trials=50))
    name, url, _data = recorded_study
    window.open_study(name, url)
    qtbot.waitUntil(lambda: window.study.board is not None, timeout=10_000)
    with qtbot.waitSignal(window.results.params_ready, timeout=30_000) as blocker:
        window.results_page.tabs.setCurrentIndex(3)
    data = blocker.args[0]
    assert not data.importances and "at least 50 completed trials" in data.note
    assert "at least 50 completed trials" in window.results_page.params_chart.plot_text()
    assert f"from {data.n_trials} completed trials" in window.results_page.params_note.text()


def test_a_storage_that_cannot_be_opened_is_reported(window, qtbot, tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"garbage" * 100)
    page = window.history_page
    window.go_to("History")
    page.storage_edit.setText(f"sqlite:///{bad}")
    with qtbot.waitSignal(window.history.studies_failed, timeout=10_000):
        qtbot.mouseClick(page.refresh_button, LEFT)
    assert page.messages.level("storage") == "error"
    assert "not-a-db.db" in page.messages.text("storage")
