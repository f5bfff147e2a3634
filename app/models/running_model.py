"""The trials running now in a watched study, and where: one row per running TrialRecord."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt

from app.models._rows import RowsTableModel
from app.models.leaderboard_model import family_label

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Trial", "Family", "Worker", "Running for")


class RunningTrialsTableModel(RowsTableModel):
    """A handful of rows, replaced on each read (a reset is cheaper than a diff here)."""

    headers = HEADERS

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self._rows[index.row()]
        col = index.column()
        if col == 0:
            return str(r.number)
        if col == 1:
            return family_label(r.family)
        if col == 2:
            return r.worker or "?"
        return _age(r.started_at)


def _age(started_at: str | None) -> str:
    if not started_at:
        return "-"
    seconds = max(0.0, time.time() - datetime.fromisoformat(started_at).timestamp())
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
