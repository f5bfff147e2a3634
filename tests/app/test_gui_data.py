"""The Data and Target steps with good, bad and dropped files."""

from __future__ import annotations

from PySide6.QtCore import QMimeData
from PySide6.QtCore import QPointF
from PySide6.QtCore import Qt
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDropEvent


def test_unreadable_file_shows_a_message_and_the_app_stays_alive(window, qtbot, tmp_path,
                                                                  tiny_csv):
    bad = tmp_path / "report.xlsx"
    bad.write_bytes(b"\x00\x01 this is not a workbook \xff" * 50)
    page = window.data_page
    with qtbot.waitSignal(window.wizard.dataset_failed, timeout=20_000):
        window.open_file(str(bad))
    assert page.messages.level("load") == "error"
    assert "report.xlsx" in page.messages.text("load")
    assert not page.busy.isVisible() and page.open_button.isEnabled()
    assert window.wizard.dataset is None
    window.open_file(str(tiny_csv))  # the next file opens normally
    qtbot.waitUntil(lambda: window.wizard.profile is not None, timeout=20_000)
    assert page.messages.text("load") is None
    assert page.preview_model.rowCount() == 80


def test_empty_and_missing_files_are_explained(window, qtbot, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    for path, fragment in ((empty, "empty"), (tmp_path / "nope.csv", "does not exist")):
        with qtbot.waitSignal(window.wizard.dataset_failed, timeout=20_000):
            window.open_file(str(path))
        assert fragment in window.data_page.messages.text("load")


def test_dropping_a_file_on_the_window_opens_it(window, qtbot, tiny_csv):
    window.go_to("History")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tiny_csv))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)  # what Qt calls at the end of a drag from the file manager
    assert event.isAccepted()
    assert window.current_step() == "Data"
    qtbot.waitUntil(lambda: window.wizard.dataset is not None, timeout=20_000)
    assert window.wizard.dataset.source == str(tiny_csv)


def test_recent_files_menu_reopens_a_file(window, qtbot, tiny_csv):
    window.settings.add_recent_file(str(tiny_csv))
    page = window.data_page
    page._fill_recent()
    actions = [a for a in page.recent_menu.actions() if a.isEnabled()]
    assert [a.text() for a in actions] == ["tiny.csv"]
    with qtbot.waitSignal(window.wizard.dataset_loaded, timeout=20_000):
        actions[0].trigger()


def test_bundled_sample_loads_with_its_target(window, qtbot):
    page = window.data_page
    page.sample_combo.setCurrentIndex(page.sample_combo.findData("wine"))
    qtbot.mouseClick(page.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=30_000)
    assert window.wizard.draft.target == "cultivar"
    assert window.wizard.task.kind.value == "multiclass"


def test_forcing_an_impossible_task_is_explained(window, qtbot, tiny_csv):
    window.open_file(str(tiny_csv))
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=20_000)
    target = window.target_page
    with qtbot.waitSignal(window.wizard.task_failed, timeout=10_000):
        target.task_combo.setCurrentIndex(target.task_combo.findData("regression"))
    assert target.messages.level("task") == "error"
    assert "churn" in target.messages.text("task")
    window.go_to("Settings")  # the reason follows to the next steps
    assert window.settings_page.messages.text("config") == target.messages.text("task")
    window.go_to("Target")
    with qtbot.waitSignal(window.wizard.task_changed, timeout=10_000,
                          check_params_cb=lambda t: t is not None):
        target.task_combo.setCurrentIndex(target.task_combo.findData("auto"))
    assert target.messages.text("task") is None
