"""Step: Models. The registry's models and versions (score, data, date, family, aliases), one
version's lineage and model card, promotion and rollback after a confirmation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QTextBrowser

from app.controllers.models import ModelsController
from app.controllers.models import lineage_text
from app.pages.base import Page
from app.pages.base import row
from app.pages.base import section_label
from automl.registry import CHAMPION
from automl.registry import Registry
from automl.registry import RegistryError

COLUMNS = ("version", "created", "family", "metric", "score", "rows", "data", "aliases")


class ModelsPage(Page):
    title = "Models"
    help_text = ("Every registered model and its versions. Select a version for its lineage "
                 "and model card; promote it, or roll an alias back, with a confirmation.")

    def __init__(self, controller: ModelsController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.model_list = QListWidget()
        self.model_list.setMaximumWidth(220)
        self.model_list.currentTextChanged.connect(self._show_model)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_version)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.model_list)
        top.addWidget(self.table)
        top.setStretchFactor(1, 1)
        self.lineage = QLabel("")
        self.lineage.setWordWrap(True)
        self.lineage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card = QTextBrowser()
        self.alias_combo = QComboBox()
        self.alias_combo.setEditable(True)
        self.alias_combo.addItems([CHAMPION, "challenger"])
        self.promote_button = QPushButton("Point alias at this version")
        self.promote_button.setObjectName("primary")
        self.promote_button.clicked.connect(self.promote)
        self.rollback_button = QPushButton("Roll alias back")
        self.rollback_button.clicked.connect(self.rollback)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(controller.refresh)
        self.body.addWidget(top, 2)
        self.body.addLayout(row(QLabel("Alias"), self.alias_combo, self.promote_button,
                                self.rollback_button, None, self.refresh_button))
        self.body.addWidget(section_label("Lineage"))
        self.body.addWidget(self.lineage)
        self.body.addWidget(section_label("Model card"))
        self.body.addWidget(self.card, 3)
        controller.loaded.connect(self._loaded)
        controller.moved.connect(lambda text: self.messages.show_message("move", "info", text))
        controller.failed.connect(lambda text: self.messages.show_message("move", "error", text))
        self._update_buttons()

    def on_shown(self) -> None:
        self.controller.refresh()

    # -- rendering -------------------------------------------------------------------------

    def _loaded(self, models) -> None:
        current = self.model_list.currentItem().text() if self.model_list.currentItem() else None
        self.model_list.blockSignals(True)
        self.model_list.clear()
        for m in models:
            self.model_list.addItem(m.name)
        self.model_list.blockSignals(False)
        if not models:
            self.messages.show_message("empty", "info", "No registered model yet: a search "
                                       "registers its model as a new version.")
            self._show_model("")
            return
        self.messages.clear("empty")
        names = [m.name for m in models]
        self.model_list.setCurrentRow(names.index(current) if current in names else 0)
        self._show_model(self.model_list.currentItem().text())

    def _show_model(self, name: str) -> None:
        view = self.controller.model(name)
        selected = self.selected_version()
        self.table.setRowCount(0)
        for v in (view.versions if view else ()):
            r = self.table.rowCount()
            self.table.insertRow(r)
            cells = (str(v.version), v.created_at[:19].replace("T", " "), v.family, v.metric,
                     f"{v.score:.5g}" if v.score is not None else "-", f"{v.rows:,}",
                     v.data_sha256[:12], ", ".join(view.aliases_of(v.version)))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        rows = [v.version for v in view.versions] if view else []
        if rows:
            self.table.selectRow(rows.index(selected) if selected in rows else len(rows) - 1)
        self._show_version()

    def current_model(self) -> str | None:
        item = self.model_list.currentItem()
        return item.text() if item else None

    def selected_version(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return int(self.table.item(rows[0].row(), 0).text())

    def _show_version(self) -> None:
        view = self.controller.model(self.current_model() or "")
        number = self.selected_version()
        version = next((v for v in view.versions if v.version == number), None) if view else None
        self.lineage.setText(lineage_text(version) if version else "")
        self.card.clear()
        if version is not None:
            try:
                reg = Registry.open(self.controller.location)
                folder = reg.bundle_path(version.model, version.version)
                reg.store.close()
                card = folder / "model_card.md"
                self.card.setSearchPaths([str(folder)])
                self.card.setMarkdown(card.read_text(encoding="utf-8") if card.is_file() else "")
            except (RegistryError, OSError) as exc:
                self.card.setPlainText(str(exc))
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.promote_button.setEnabled(self.selected_version() is not None)
        self.rollback_button.setEnabled(self.current_model() is not None)

    # -- actions ----------------------------------------------------------------------------

    def promote(self) -> bool:
        name, version = self.current_model(), self.selected_version()
        alias = self.alias_combo.currentText().strip()
        if not name or version is None or not alias:
            return False
        if not self._confirm(self.controller.describe_move(name, alias, version)):
            return False
        self.controller.move(name, alias, version)
        return True

    def rollback(self) -> bool:
        name = self.current_model()
        alias = self.alias_combo.currentText().strip()
        if not name or not alias:
            return False
        if not self._confirm(self.controller.describe_move(name, alias, None)):
            return False
        self.controller.move(name, alias, None)
        return True

    def _confirm(self, text: str) -> bool:
        if QGuiApplication.platformName() in ("offscreen", "minimal"):
            self.messages.show_message("confirm", "info", text)  # no one to answer: shown
            return True
        answer = QMessageBox.question(self, "Move the alias?", text)
        return answer == QMessageBox.StandardButton.Yes
