"""Step 1, Data: open a file (dialog, drag-and-drop, recent files) or a sample; preview and
profile it."""

from __future__ import annotations

import os

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QMenu
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableView
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.controllers.wizard import WizardController
from app.models.dataframe_model import DataFrameTableModel
from app.models.profile_model import SORT_ROLE
from app.models.profile_model import ProfileTableModel
from app.pages.base import Page
from app.pages.base import make_table
from app.pages.base import row
from app.samples import list_samples
from app.settings import AppSettings
from app.widgets.icons import severity_icon
from automl.data import FORMATS

PREVIEW_FIT_ROWS = 50
MAX_PREVIEW_COLUMN_WIDTH = 240


def file_filter() -> str:
    """The open dialog's filter: every format the engine reads (its registry), then each one."""
    def patterns(suffixes) -> str:
        return " ".join(f"*{s}" for s in suffixes)

    every = patterns(s for f in FORMATS for s in f.suffixes)
    each = ";;".join(f"{f.title} ({patterns(f.suffixes)})" for f in FORMATS)
    return f"Data files ({every});;{each};;All files (*)"


FILE_FILTER = file_filter()


class DataPage(Page):
    """Open, preview and profile a table.

    Signals:
        file_requested(path): the user chose a file (dialog, recent list or drop).
    """

    title = "Data"
    help_text = (f"Open a table ({', '.join(f.title for f in FORMATS)}), drop a file on the "
                 "window, or start with a sample dataset.")
    file_requested = Signal(str)

    def __init__(self, controller: WizardController, settings: AppSettings, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.settings = settings
        self.setAcceptDrops(True)

        self.open_button = QPushButton("Open file…")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.choose_file)
        self.recent_button = QToolButton()
        self.recent_button.setText("Recent")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.recent_button.setMenu(self.recent_menu)
        self.sample_combo = QComboBox()
        for s in list_samples():
            self.sample_combo.addItem(s.label, s.name)
            self.sample_combo.setItemData(self.sample_combo.count() - 1, s.description,
                                          Qt.ItemDataRole.ToolTipRole)
        self.sample_button = QPushButton("Use sample")
        self.sample_button.clicked.connect(self._open_sample)
        drop_hint = QLabel("or drop a file anywhere on the window")
        drop_hint.setObjectName("hint")
        self.body.addLayout(row(self.open_button, self.recent_button, drop_hint, None,
                                QLabel("Sample:"), self.sample_combo, self.sample_button))

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(6)
        self.busy.setVisible(False)
        self.body.addWidget(self.busy)
        self.info_label = QLabel("No data yet.")
        self.info_label.setObjectName("infoLine")
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.info_label)

        self.preview_model = DataFrameTableModel(parent=self)
        self.preview = make_table(self.preview_model, stretch_last=False)
        self.preview.verticalHeader().setVisible(True)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        self.preview.horizontalHeader().setDefaultSectionSize(110)
        self.preview.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)

        self.profile_model = ProfileTableModel(self)
        self.profile_proxy = QSortFilterProxyModel(self)
        self.profile_proxy.setSourceModel(self.profile_model)
        self.profile_proxy.setSortRole(SORT_ROLE)
        self.profile_view = make_table(self.profile_proxy, sortable=True)
        self.profile_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        header = self.profile_view.horizontalHeader()
        for col, width in enumerate((190, 100, 90, 80, 280)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.warning_list = QListWidget()
        self.warning_list.setObjectName("warningList")
        self.warning_list.setWordWrap(True)
        self.warning_list.itemActivated.connect(self._show_warning_column)
        self.warning_list.itemClicked.connect(self._show_warning_column)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.profile_view, "Profile")
        self.tabs.addTab(self.warning_list, "Quality warnings")
        preview_box = QWidget()
        box = QVBoxLayout(preview_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.preview)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(preview_box)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.body.addWidget(self.splitter, 1)

        controller.loading_changed.connect(self._set_busy)
        controller.dataset_loaded.connect(self._show_dataset)
        controller.dataset_failed.connect(self._show_failure)
        controller.profile_changed.connect(self._show_profile)

    # -- user actions --------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a data file",
                                              self.settings.last_data_dir, FILE_FILTER)
        if path:
            self.file_requested.emit(path)

    def _open_sample(self) -> None:
        name = self.sample_combo.currentData()
        if name:
            self.messages.clear("load")
            self.controller.open_sample(name)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            action = self.recent_menu.addAction("No recent files")
            action.setEnabled(False)
            return
        for path in files:
            action = self.recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.file_requested.emit(p))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if _dropped_file(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        path = _dropped_file(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.file_requested.emit(path)

    # -- controller signals -------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.open_button.setEnabled(not busy)
        self.sample_button.setEnabled(not busy)
        if busy:
            self.messages.clear("load")
            if self.controller.dataset is None:
                self.info_label.setText("Reading…")

    def _show_dataset(self, dataset) -> None:
        self.messages.clear("load")
        self.preview_model.set_frame(dataset.frame)
        self._fit_preview_columns()
        name = os.path.basename(dataset.source)
        self.info_label.setText(f"<b>{name}</b> · {dataset.n_rows:,} rows × "
                                f"{len(dataset.columns)} columns · profiling…")
        self.info_label.setToolTip(dataset.source)
        notes = list(dataset.notes)
        if notes:
            self.messages.show_message("notes", "info", "Read with: " + "; ".join(notes) + ".")
        else:
            self.messages.clear("notes")

    def _fit_preview_columns(self) -> None:
        """Column widths from the header and the first rows only (fast on any row count)."""
        header = self.preview.horizontalHeader()
        header.setResizeContentsPrecision(PREVIEW_FIT_ROWS)
        self.preview.resizeColumnsToContents()
        for col in range(self.preview_model.columnCount()):
            width = header.sectionSize(col)
            header.resizeSection(col, max(60, min(MAX_PREVIEW_COLUMN_WIDTH, width + 8)))

    def _show_failure(self, message: str) -> None:
        self.messages.show_message("load", "error", message)
        if self.controller.dataset is None:
            self.info_label.setText("No data yet.")

    def _show_profile(self, profile) -> None:
        self.profile_model.set_profile(profile)
        self.warning_list.clear()
        if profile is None:
            self.tabs.setTabText(1, "Quality warnings")
            return
        for w in profile.warnings:
            item = QListWidgetItem(severity_icon(w.severity), w.message)
            item.setData(Qt.ItemDataRole.UserRole, w.column)
            item.setToolTip(f"{w.code}" + (f" · column {w.column}" if w.column else ""))
            self.warning_list.addItem(item)
        n = len(profile.warnings)
        self.tabs.setTabText(1, f"Quality warnings ({n})")
        dataset = self.controller.dataset
        name = os.path.basename(dataset.source) if dataset else ""
        dup = f" · {profile.n_duplicate_rows:,} duplicate rows" if profile.n_duplicate_rows else ""
        self.info_label.setText(f"<b>{name}</b> · {profile.n_rows:,} rows × {profile.n_cols} "
                                f"columns{dup} · {n} quality warning{'s' if n != 1 else ''}")
        if n:
            self.messages.show_message("quality", "warning", (
                f"{n} data-quality finding{'s' if n != 1 else ''}: see the highlighted columns "
                "and the Quality warnings tab."))
        else:
            self.messages.clear("quality")

    def _show_warning_column(self, item: QListWidgetItem) -> None:
        column = item.data(Qt.ItemDataRole.UserRole)
        if not column:
            return
        source_row = self.profile_model.row_of(column)
        if source_row < 0:
            return
        index = self.profile_proxy.mapFromSource(self.profile_model.index(source_row, 0))
        self.tabs.setCurrentIndex(0)
        self.profile_view.selectRow(index.row())
        self.profile_view.scrollTo(index)


def _dropped_file(mime) -> str | None:
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None
