"""A read-only table model over a pandas DataFrame, lazy enough for millions of rows.

``data()`` never touches the whole frame: the view asks only for visible cells, and the
model formats them a block of rows at a time (``BLOCK_ROWS``), keeping a few blocks in a
small LRU cache. Opening a 1,000,000-row table costs the same as opening a 100-row one.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor

BLOCK_ROWS = 256
MAX_BLOCKS = 16
MISSING_TEXT = "—"
_MISSING_BRUSH = QBrush(QColor("#9aa5b1"))
_Index = QModelIndex | QPersistentModelIndex


class DataFrameTableModel(QAbstractTableModel):
    """Rows and columns of a DataFrame, formatted on demand."""

    def __init__(self, frame: pd.DataFrame | None = None, parent=None):
        super().__init__(parent)
        self._frame = pd.DataFrame() if frame is None else frame
        self._columns = [str(c) for c in self._frame.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(t) for t in self._frame.dtypes]
        self._blocks: OrderedDict[int, list[list[str | None]]] = OrderedDict()

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._frame = pd.DataFrame() if frame is None else frame
        self._columns = [str(c) for c in self._frame.columns]
        self._numeric = [pd.api.types.is_numeric_dtype(t) for t in self._frame.dtypes]
        self._blocks.clear()
        self.endResetModel()

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._frame) and 0 <= col < len(self._columns)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._cell(row, col)
            return MISSING_TEXT if text is None else text
        if role == Qt.ItemDataRole.ForegroundRole:
            return _MISSING_BRUSH if self._cell(row, col) is None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._numeric[col]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._columns):
                name = self._columns[section]
                if role == Qt.ItemDataRole.ToolTipRole:
                    return f"{name} ({self._frame.dtypes.iloc[section]})"
                return name
            return None
        if 0 <= section < len(self._frame):
            return str(section + 1)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- the lazy part ---------------------------------------------------------------------

    def _cell(self, row: int, col: int) -> str | None:
        start = row - row % BLOCK_ROWS
        block = self._blocks.get(start)
        if block is None:
            block = self._format_block(start)
            self._blocks[start] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(start)
        return block[row - start][col]

    def _format_block(self, start: int) -> list[list[str | None]]:
        part = self._frame.iloc[start:start + BLOCK_ROWS]
        columns = [[_format(v) for v in part.iloc[:, j].tolist()] for j in range(part.shape[1])]
        return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _format(value: Any) -> str | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return None
        return f"{value:.6g}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ") if value.time() != pd.Timestamp(0).time() else str(value.date())
    return str(value)
