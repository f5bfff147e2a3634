"""File > New / Open / Save / Save As / Recent projects, and the window title that shows the
open project with a mark for unsaved changes."""

from __future__ import annotations

import os

from PySide6.QtGui import QAction
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QMessageBox

from app.controllers.project import ProjectController
from app.controllers.wizard import user_message
from automl.errors import AutoMLError
from automl.project import SUFFIX

FILTER = f"AutoML projects (*{SUFFIX});;All files (*)"


class ProjectMenu:
    """Installs the project actions at the top of ``menu`` and keeps the title current."""

    def __init__(self, window: QMainWindow, menu: QMenu, controller: ProjectController):
        self.window = window
        self.controller = controller
        first = menu.actions()[0] if menu.actions() else None
        self.recent_menu = QMenu("Recent &projects", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        entries = [("&New project", QKeySequence.StandardKey.New, self.new),
                   ("&Open project…", QKeySequence("Ctrl+Shift+O"), self.open),
                   ("&Save project", QKeySequence.StandardKey.Save, self.save),
                   ("Save project &as…", QKeySequence.StandardKey.SaveAs, self.save_as)]
        self.actions: dict[str, QAction] = {}
        for text, shortcut, slot in entries:
            action = QAction(text, window)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _c=False, slot=slot: slot())
            menu.insertAction(first, action)
            self.actions[text.replace("&", "").rstrip("…")] = action
        menu.insertMenu(first, self.recent_menu)
        menu.insertSeparator(first)
        controller.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.window.setWindowTitle(self.controller.title())

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.controller.recent()
        if not recent:
            self.recent_menu.addAction("(none yet)").setEnabled(False)
        for path in recent:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.open(p))

    # -- actions -----------------------------------------------------------------------------

    def confirm_discard(self, what: str = "continue") -> bool:
        """True when there are no unsaved changes, or the user saved or discarded them."""
        if not self.controller.is_dirty() or not self.window.isVisible() or _headless():
            return True
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"The project has unsaved changes. Save them before you {what}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new(self) -> None:
        if self.confirm_discard("start a new project"):
            self.controller.new()

    def open(self, path: str | None = None) -> bool:
        if not self.confirm_discard("open another project"):
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open project",
                                                  self.controller.settings.last_data_dir, FILTER)
            if not path:
                return False
        try:
            self.controller.open(path)
        except AutoMLError as exc:
            if not os.path.exists(path):
                self.controller.settings.remove_recent_project(path)
            self._error("The project cannot be opened", exc)
            return False
        return True

    def save(self) -> bool:
        if not self.controller.path:
            return self.save_as()
        try:
            self.controller.save()
        except AutoMLError as exc:
            self._error("The project cannot be saved", exc)
            return False
        return True

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as",
                                              self.controller.path or self.controller.settings.last_data_dir,
                                              FILTER)
        if not path:
            return False
        try:
            self.controller.save(path)
        except AutoMLError as exc:
            self._error("The project cannot be saved", exc)
            return False
        return True

    def _error(self, title: str, exc: BaseException) -> None:
        self.window.statusBar().showMessage(f"{title}: {user_message(exc)}")
        if self.window.isVisible() and not _headless():
            QMessageBox.warning(self.window, title, user_message(exc))


def _headless() -> bool:
    """No one can answer a dialog (tests, the self-test run offscreen)."""
    return QGuiApplication.platformName() in ("offscreen", "minimal")
