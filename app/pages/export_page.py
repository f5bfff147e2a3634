"""Step 6, Export: write the best or the selected trial as a bundle, show what was written
and the commands to predict with it and serve it."""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QButtonGroup
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QRadioButton
from PySide6.QtWidgets import QVBoxLayout

from app.controllers.models import register_exported
from app.controllers.results import ExportResult
from app.controllers.results import ResultsController
from app.controllers.study import StudyController
from app.controllers.wizard import user_message
from app.models.leaderboard_model import family_label
from app.models.leaderboard_model import format_score
from app.pages.base import Page
from app.pages.base import row
from app.pages.base import section_label
from app.settings import AppSettings
from app.workers import JobRunner


class ExportPage(Page):
    title = "Export"
    help_text = ("A bundle is a folder with the model refit on all rows, its metadata, the data "
                 "profile and a model card. Predict with it or serve it over HTTP.")

    def __init__(self, results: ResultsController, study: StudyController,
                 settings: AppSettings, parent=None):
        super().__init__(parent)
        self.results = results
        self.study = study
        self.settings = settings
        self.best_radio = QRadioButton("Best trial")
        self.selected_radio = QRadioButton("Selected trial")
        self.best_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.best_radio)
        group.addButton(self.selected_radio)
        choice = QVBoxLayout()
        choice.setSpacing(4)
        choice.addWidget(self.best_radio)
        choice.addWidget(self.selected_radio)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.addRow("Model", choice)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Folder to write the bundle into")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        form.addRow("Bundle folder", row(self.folder_edit, self.browse_button))
        self.body.addLayout(form)
        self.export_button = QPushButton("Export bundle")
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setMaximumWidth(220)
        self.busy.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the export (it runs in its own process); nothing "
                                      "is written")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(lambda: self.cancel_export("Export cancelled."))
        self.register_button = QPushButton("Register as a new version")
        self.register_button.setToolTip("Copy the bundle into the model registry as the next "
                                        "version of the project's model")
        self.register_button.setEnabled(False)
        self.register_button.clicked.connect(self.register)
        self._exported: str | None = None
        self.jobs = JobRunner(self)
        self.body.addLayout(row(self.export_button, self.register_button, self.busy,
                                self.cancel_button, None))

        self.body.addWidget(section_label("Use the bundle"))
        self.predict_edit = _command_line()
        self.serve_edit = _command_line()
        self.copy_predict = QPushButton("Copy")
        self.copy_predict.clicked.connect(lambda: _copy(self.predict_edit.text()))
        self.copy_serve = QPushButton("Copy")
        self.copy_serve.clicked.connect(lambda: _copy(self.serve_edit.text()))
        commands = QFormLayout()
        commands.setHorizontalSpacing(14)
        commands.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        commands.addRow("Predict a file", row(self.predict_edit, self.copy_predict))
        commands.addRow("Serve over HTTP", row(self.serve_edit, self.copy_serve))
        self.body.addLayout(commands)
        self.body.addWidget(section_label("Files written"))
        self.files_list = QListWidget()
        self.files_list.setObjectName("filesList")
        self.body.addWidget(self.files_list, 1)

        results.selection_changed.connect(lambda _r: self._refresh_choice())
        results.busy_changed.connect(self._busy)
        results.exported.connect(self._show_result)
        results.export_failed.connect(lambda m: self.messages.show_message("export", "error", m))
        study.board_changed.connect(lambda _b: self._refresh_choice())
        study.study_changed.connect(self._study_changed)
        self._refresh_choice()

    def on_shown(self) -> None:
        self._refresh_choice()
        if not self.folder_edit.text() and self.study.name:
            self.folder_edit.setText(self._default_folder())

    def on_hidden(self) -> None:
        self.cancel_export("Export cancelled when you left the Export step; export again to "
                           "write the bundle.")

    def cancel_export(self, message: str) -> None:
        """Kill a running export and say so (nothing happens when none runs)."""
        if self.results.is_exporting():
            self.results.cancel_export()
            self.messages.show_message("export", "warning", message)

    def _default_folder(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.study.name) or "model"
        return os.path.join(self.settings.last_export_dir, f"{safe}-bundle")

    def _study_changed(self, name: str, _url: str) -> None:
        self.folder_edit.setText(self._default_folder() if name else "")
        self.files_list.clear()
        self.predict_edit.clear()
        self.serve_edit.clear()
        self.messages.clear("export")
        self._refresh_choice()

    def _refresh_choice(self) -> None:
        board = self.study.board
        best = board.best if board else None
        self.best_radio.setText(
            f"Best trial: #{best.number} {family_label(best.family)}, "
            f"{board.metric} {format_score(best.score, best.score_std)}"
            if best else "Best trial (no completed trial yet)")
        chosen = self._selected_trial()
        self.selected_radio.setEnabled(chosen is not None)
        if chosen is not None:
            self.selected_radio.setText(f"Selected trial: #{chosen.number} "
                                        f"{family_label(chosen.family)}, "
                                        f"{format_score(chosen.score, chosen.score_std)}")
        else:
            self.selected_radio.setText("Selected trial (select one completed trial on the "
                                        "Results step)")
            self.best_radio.setChecked(True)
        self.export_button.setEnabled(best is not None and not self.results.is_exporting())

    def _selected_trial(self):
        chosen = self.results.selected
        if len(chosen) == 1 and chosen[0].status == "complete":
            return chosen[0]
        return None

    def _browse(self) -> None:
        start = self.folder_edit.text() or self.settings.last_export_dir
        folder = QFileDialog.getExistingDirectory(self, "Folder for the bundle",
                                                  os.path.dirname(start))
        if folder:
            safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.study.name) or "model"
            self.folder_edit.setText(os.path.join(folder, f"{safe}-bundle"))

    def export(self) -> None:
        self.messages.clear("export")
        folder = self.folder_edit.text().strip()
        trial = self._selected_trial() if self.selected_radio.isChecked() else None
        if folder:
            self.settings.last_export_dir = os.path.dirname(os.path.abspath(folder))
        self.results.export(folder, trial.number if trial else None)

    def _busy(self, what: str, busy: bool) -> None:
        if what != "export":
            return
        self.busy.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.export_button.setEnabled(not busy and self.study.board is not None
                                      and self.study.board.best is not None)
        if busy:
            self.files_list.clear()
            self.messages.show_message("export", "info", "Refitting the model on all rows and "
                                       "writing the bundle…")

    def register(self) -> None:
        if not self._exported:
            return
        self.register_button.setEnabled(False)
        self.jobs.run("register", register_exported, self._exported, self.study.name,
                      self.study.storage_url or None, on_done=self._registered,
                      on_error=lambda exc: self.messages.show_message(
                          "register", "error", user_message(exc)))

    def _registered(self, done) -> None:
        version, event = done
        alias = f" ({event.alias})" if event else ""
        self.messages.show_message("register", "success", f"Registered as {version.model} "
                                   f"version {version.version}{alias}; see the Models step.")

    def _show_result(self, result: ExportResult) -> None:
        self._exported = result.bundle_dir
        self.register_button.setEnabled(True)
        self.messages.clear("register")
        self.messages.show_message("export", "success",
                                   f"Bundle written to {result.bundle_dir}")
        self.files_list.clear()
        self.files_list.addItems(list(result.files))
        self.predict_edit.setText(result.predict_command)
        self.serve_edit.setText(result.serve_command)


def _command_line() -> QLineEdit:
    edit = QLineEdit()
    edit.setReadOnly(True)
    edit.setObjectName("command")
    edit.setPlaceholderText("Export a bundle first")
    return edit


def _copy(text: str) -> None:
    if text:
        QApplication.clipboard().setText(text)
