"""Step 7, History: the studies in a storage; open one to see its results again.

Selecting a study shows it live below the list: progress, the trials running now and on
which worker (``host:pid``), and the leaderboard, re-read in the background. That is how a
study fed by ``automl worker`` processes on other machines (PostgreSQL) is watched.
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton

from app.controllers.history import HistoryController
from app.models.leaderboard_model import COL_RANK
from app.models.leaderboard_model import LeaderboardProxyModel
from app.models.studies_model import INFO_ROLE
from app.pages.base import Page
from app.pages.base import make_table
from app.pages.base import row
from app.pages.base import section_label


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
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.body.addWidget(self.table, 1)
        self._add_live_view(history)
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

    def _add_live_view(self, history: HistoryController) -> None:
        self.live_label = QLabel("Select a study to follow it live: progress, the trials "
                                 "running now and where, and its leaderboard.")
        self.live_label.setObjectName("hint")
        self.live_label.setWordWrap(True)
        self.body.addWidget(section_label("Live view"))
        self.body.addWidget(self.live_label)
        self.running_table = make_table(history.watch_running)
        self.running_table.setMaximumHeight(130)
        self.body.addWidget(self.running_table)
        self.live_proxy = LeaderboardProxyModel(self)
        self.live_proxy.setSourceModel(history.watch_board)
        self.live_table = make_table(self.live_proxy, sortable=True)
        self.live_table.sortByColumn(COL_RANK, Qt.SortOrder.AscendingOrder)
        self.body.addWidget(self.live_table, 1)
        history.watch_changed.connect(self._watched)
        history.watch_failed.connect(lambda m: self.live_label.setText(f"Cannot read: {m}"))

    def _selected(self) -> None:
        self._enable()
        info = self._selected_info()
        self.history.watch(info.name if info is not None and self.isVisible() else "")

    def _selected_info(self):
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.data(rows[0], INFO_ROLE) if rows else None

    def _watched(self, snap) -> None:
        counts = snap.board.counts()
        best = snap.board.best
        parts = [f"{counts.get(k, 0)} {k}" for k in ("complete", "pruned", "failed")]
        parts.append(f"{len(snap.running)} running on {len(snap.workers)} "
                     f"worker{'s' if len(snap.workers) != 1 else ''}")
        if best is not None:
            parts.append(f"best {snap.board.metric or 'score'} {best.score:.4g} (trial "
                         f"{best.number}{', ' + best.worker if best.worker else ''})")
        parts.append(f"{snap.per_minute:.0f} trials in the last minute")
        self.live_label.setText(f"{snap.board.study_name}: " + " · ".join(parts))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        info = self._selected_info()
        if info is not None:
            self.history.watch(info.name)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().hideEvent(event)
        self.history.stop_watching()  # nobody looks: no reads

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
        info = self._selected_info()
        if info is not None:
            self.study_opened.emit(info.name, self.history.storage_url)

    def _enable(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
