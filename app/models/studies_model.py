"""The studies of a storage (History step) as a table."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt

from app.models._rows import RowsTableModel
from automl.records import StudyInfo

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Study", "Trials", "Best score", "Metric", "Target", "Task", "Data", "Started")
INFO_ROLE = Qt.ItemDataRole.UserRole + 2


class StudiesTableModel(RowsTableModel):
    """One row per ``StudyInfo``, newest first (as ``list_studies`` returns them)."""

    headers = HEADERS

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: tuple[StudyInfo, ...] = ()

    def set_studies(self, studies: tuple[StudyInfo, ...]) -> None:
        self.beginResetModel()
        self._rows = tuple(studies)
        self.endResetModel()

    def study(self, row: int) -> StudyInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, name: str) -> int:
        return next((i for i, s in enumerate(self._rows) if s.name == name), -1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        if role == INFO_ROLE:
            return s
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 6:
            return s.source
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        values = (
            s.name, str(s.n_trials), "" if s.best_score is None else f"{s.best_score:.4f}",
            s.metric or "", s.target or "", s.task or "",
            os.path.basename(s.source) if s.source else "",
            (s.started_at or "").replace("T", " "),
        )
        return values[index.column()]
