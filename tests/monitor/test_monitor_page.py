"""The Monitor step: a check and a comparison run as child processes; the page shows what they found."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from app.controllers.monitor import MonitorController  # noqa: E402
from app.pages.monitor_page import MonitorPage  # noqa: E402

TIMEOUT_MS = 240_000


@pytest.fixture
def page(qtbot, work, monkeypatch):
    monkeypatch.setenv("AUTOML_HOME", str(work / "home"))
    controller = MonitorController()
    page = MonitorPage(controller)
    qtbot.addWidget(page)
    page.resize(1100, 900)
    yield page
    controller.close()


def test_check_shows_verdict_columns_plot_and_history(qtbot, page, work, tmp_path):
    assert not page.check_button.isEnabled()
    qtbot.keyClicks(page.model_edit, str(work / "a"))
    qtbot.keyClicks(page.data_edit, str(work / "moved.csv"))
    qtbot.keyClicks(page.labels_edit, "diagnosis")
    assert page.check_button.isEnabled()
    with qtbot.waitSignal(page.monitor.history_loaded, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.monitor.report is not None, timeout=10_000)
    assert page.verdict_label.text().startswith("Drift")
    assert page.table.rowCount() == 30 + 2  # the columns, then the model's two outputs
    assert page.table.item(0, 4).text() == "yes"  # drifted columns first
    assert "Estimate: roc_auc" in page.estimate_label.text()
    assert "estimated without labels; assumes" in page.estimate_label.text()
    assert "Realised with the labels" in page.estimate_label.text()
    qtbot.waitUntil(lambda: "training vs new" in page.canvas.plot_text(), timeout=30_000)
    assert page.history_table.rowCount() >= 1
    page.grab().save(str(tmp_path / "09-monitor.png"))


def test_compare_and_promote_need_a_registered_challenger(qtbot, page, work):
    qtbot.keyClicks(page.model_edit, str(work / "a"))
    qtbot.keyClicks(page.data_edit, str(work / "new.csv"))
    qtbot.keyClicks(page.challenger_edit, str(work / "b"))
    assert page.compare_button.isEnabled() and not page.promote_button.isEnabled()
    with qtbot.waitSignal(page.monitor.compared, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    assert "champion" in page.compare_label.text() and "95% interval" in page.compare_label.text()
    assert page.promote_button.isEnabled()
    with qtbot.waitSignal(page.monitor.failed, timeout=30_000) as blocker:
        qtbot.mouseClick(page.promote_button, Qt.MouseButton.LeftButton)
    assert "Only a registered model can be promoted" in blocker.args[0]


def test_errors_reach_the_page_in_one_line(qtbot, page, work):
    qtbot.keyClicks(page.model_edit, str(work / "a"))
    qtbot.keyClicks(page.data_edit, str(work / "missing.csv"))
    with qtbot.waitSignal(page.monitor.failed, timeout=TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    assert "missing.csv" in blocker.args[0] and "\n" not in blocker.args[0]
