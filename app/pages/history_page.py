"""Step 7, History: the studies in a storage; open one to see its results again."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton

from app.controllers.history import HistoryController
from app.models.studies_model import INFO_ROLE
from app.pages.base import Page
from app.pages.base import make_table
from app.pages.base import row


class HistoryPage(Page):
    """Lists studies; ``study_opened(name, storage_url)`` when the user opens one."""

    title = "History"
    help_text = ("Every search is recorded in the study storage. Open a study to see its "
                 "leaderboard and plots again, or to export one of its models.")
    study_opened = Signal(str, str)

    def __init__(self, history: HistoryController, parent=None):
        super().__init__(parent)
        self.history = history
        self.storage_edit = QLineEdit(history.storage_url)
        self.storage_edit.setToolTip("The Optuna storage URL to list studies from.")
        self.storage_edit.returnPressed.connect(self.refresh)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.body.addLayout(row(QLabel("Storage"), self.storage_edit, self.refresh_button))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(history.model)
        self.table = make_table(self.proxy, sortable=True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((250, 64, 100, 80, 110, 90, 160)):
            header.resizeSection(col, width)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.body.addWidget(self.table, 1)
        self.open_button = QPushButton("Open study")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.open_selected)
        self.count_label = QLabel("")
        self.count_label.setObjectName("hint")
        self.body.addLayout(row(self.count_label, None, self.open_button))
        history.studies_loaded.connect(self._loaded)
        history.studies_failed.connect(
            lambda m: self.messages.show_message("storage", "error", m))
        history.loading_changed.connect(
            lambda busy: self.count_label.setText("Reading the storage…") if busy else None)
        self._enable()

    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.messages.clear("storage")
        self.history.refresh(self.storage_edit.text())

    def set_storage_url(self, url: str) -> None:
        self.storage_edit.setText(url)

    def _loaded(self, count: int) -> None:
        self.storage_edit.setText(self.history.storage_url)
        self.count_label.setText(f"{count} stud{'y' if count == 1 else 'ies'} in this storage")
        if count == 0:
            self.messages.show_message("storage", "info", "No study in this storage yet. Run a "
                                       "search, or point the storage field at another database.")
        self._enable()

    def select_study(self, name: str) -> bool:
        source_row = self.history.model.row_of(name)
        if source_row < 0:
            return False
        index = self.proxy.mapFromSource(self.history.model.index(source_row, 0))
        self.table.selectRow(index.row())
        return True

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        info = self.proxy.data(rows[0], INFO_ROLE)
        if info is not None:
            self.study_opened.emit(info.name, self.history.storage_url)

    def _enable(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
