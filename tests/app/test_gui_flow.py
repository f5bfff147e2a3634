"""Click through every step like a user: data, target, settings, a real search in a child
process, results, export and history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

LEFT = Qt.MouseButton.LeftButton


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, LEFT)


def click_row(qtbot, table, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = table.visualRect(table.model().index(row, 2))
    qtbot.mouseClick(table.viewport(), LEFT, modifier, rect.center())


def list_item(widget, name: str):
    for i in range(widget.count()):
        item = widget.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == name:
            return item
    raise AssertionError(f"{name!r} not in the list")


def type_into(qtbot, edit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_click_through_every_step(window, qtbot, tiny_csv, storage_url, tmp_path, monkeypatch,
                                  fast_families):
    # 1. Data: the Open button's dialog is replaced by a choice of file.
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(tiny_csv), "")))
    data = window.data_page
    click(qtbot, data.open_button)
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=20_000)
    assert data.preview_model.rowCount() == 80
    assert data.preview_model.columnCount() == 6
    assert data.profile_model.rowCount() == 6
    assert data.profile_model.warnings_for("customer_id"), "the ID column is flagged"
    assert "80 rows" in data.info_label.text()
    assert window.settings.recent_files()[0] == str(tiny_csv)

    # 2. Target: the likely target is suggested; metric and exclusions are edited.
    click(qtbot, window.next_button)
    assert window.current_step() == "Target"
    target = window.target_page
    assert target.target_combo.currentData() == "churn"
    assert target.suggest_label.text() == "suggested"
    assert "Binary classification" in target.task_label.text()
    assert target.metric_combo.currentData() == "roc_auc"
    target.metric_combo.setCurrentIndex(target.metric_combo.findData("log_loss"))
    assert "probabilities" in target.metric_label.text()
    assert "Lower is better" in target.metric_label.text()
    assert window.wizard.draft.metric == "log_loss"
    list_item(target.columns_list, "x3").setCheckState(Qt.CheckState.Unchecked)
    assert window.wizard.draft.exclude == ("x3",)
    id_item = list_item(target.columns_list, "customer_id")
    assert not id_item.flags() & Qt.ItemFlag.ItemIsEnabled  # identifiers are dropped anyway

    # 3. Settings: families from the registry, all ticked; keep three fast ones.
    click(qtbot, window.next_button)
    settings = window.settings_page
    families = [settings.family_list.item(i) for i in range(settings.family_list.count())]
    assert all(i.checkState() == Qt.CheckState.Checked for i in families
               if i.flags() & Qt.ItemFlag.ItemIsEnabled)
    for item in families:
        if item.data(Qt.ItemDataRole.UserRole) not in fast_families:
            item.setCheckState(Qt.CheckState.Unchecked)
    assert set(window.wizard.draft.families) == set(fast_families)
    settings.budget_spin.setValue(20)
    settings.cv_spin.setValue(2)
    click(qtbot, settings.advanced.toggle)
    assert settings.advanced.is_expanded()
    type_into(qtbot, settings.storage_edit, storage_url)
    type_into(qtbot, settings.study_edit, "flow-study")
    settings.trials_spin.setValue(6)
    config = window.wizard.config()
    assert (config.budget_s, config.cv, config.n_trials) == (20, 2, 6)
    assert (config.storage_url, config.study_name) == (storage_url, "flow-study")

    # 4. Search: a real search in a child process; the leaderboard fills from the storage.
    click(qtbot, window.next_button)
    search = window.search_page
    click(qtbot, search.start_button)
    assert window.search.is_running()
    assert not search.start_button.isEnabled() and search.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not window.search.is_running(), timeout=60_000)
    assert window.search.last_outcome.status == "finished", window.search.last_outcome
    qtbot.waitUntil(lambda: window.study.leaderboard_model.rowCount() >= 6, timeout=10_000)
    # Six searched trials (n_trials); the final model may add an ensemble trial of its own.
    assert sum(r.family != "ensemble" for r in window.study.board.records) == 6
    assert window.study.leaderboard_model.rowCount() == len(window.study.board.records)
    assert "finished" in search.messages.text("outcome")
    assert search.start_button.isEnabled()

    # 5. Results: select two trials to compare, then look at the model plots.
    click(qtbot, window.next_button)
    results = window.results_page
    assert "flow-study" in results.study_label.text()
    click_row(qtbot, results.table, 0)
    assert results.compare_model.columnCount() == 1
    click_row(qtbot, results.table, 1, Qt.KeyboardModifier.ControlModifier)
    assert results.compare_model.columnCount() == 2
    type_into(qtbot, results.filter_edit, "decision")
    assert all(results.proxy.index(r, 2).data() == "Decision tree"
               for r in range(results.proxy.rowCount()))
    results.filter_edit.clear()
    with qtbot.waitSignal(window.results.insights_ready, timeout=30_000):
        results.tabs.setCurrentIndex(4)
    qtbot.waitUntil(lambda: results.model_chart_a.plot_text().startswith("Confusion matrix"),
                    timeout=10_000)
    with qtbot.waitSignal(window.results.params_ready, timeout=30_000) as params:
        results.tabs.setCurrentIndex(3)
    data = params.args[0]
    assert data.n_trials == len(window.study.board.completed)
    assert f"from {data.n_trials} completed trials" in results.params_note.text()
    if data.importances:  # a chart of them, else the engine's reason instead of a chart
        qtbot.waitUntil(lambda: "Search parameter importance" in results.params_chart.plot_text(),
                        timeout=10_000)
    else:
        assert data.note and data.note in results.params_chart.plot_text()

    # 6. Export the best trial; the files and the commands are shown.
    click(qtbot, window.next_button)
    export = window.export_page
    bundle = tmp_path / "bundle"
    export.folder_edit.setText(str(bundle))
    export.best_radio.setChecked(True)
    with qtbot.waitSignal(window.results.exported, timeout=60_000):
        click(qtbot, export.export_button)
    files = [export.files_list.item(i).text() for i in range(export.files_list.count())]
    assert "model.joblib" in files and "metadata.json" in files
    assert (bundle / "model.joblib").is_file()
    assert export.predict_edit.text().startswith(f"automl predict {bundle}")
    assert export.predict_edit.text().endswith("--proba")
    assert export.serve_edit.text() == f"automl serve {bundle} --port 8000"

    # 7. Models comes after Export; History lists the study, and opening it goes back to its
    #    results.
    click(qtbot, window.next_button)
    assert window.current_step() == "Models"
    click(qtbot, window.next_button)
    assert window.current_step() == "History"
    history = window.history_page
    qtbot.waitUntil(lambda: history.history.model.rowCount() == 1, timeout=10_000)
    assert history.storage_edit.text() == storage_url
    assert history.select_study("flow-study")
    click(qtbot, history.open_button)
    assert window.current_step() == "Results"

    # Back and forth keeps the state.
    click(qtbot, window.back_button)
    window.go_to("Target")
    assert window.target_page.target_combo.currentData() == "churn"
    assert Path(window.wizard.data_path()) == tiny_csv
