"""The dataset profile as a table: one row per column, its quality warnings next to it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor

from app.models._rows import RowsTableModel
from app.widgets.icons import severity_icon
from automl.data import ColumnProfile
from automl.data import Profile
from automl.data import QualityWarning

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Column", "Kind", "Missing %", "Distinct", "Summary", "Warnings")
COL_NAME, COL_KIND, COL_MISSING, COL_DISTINCT, COL_SUMMARY, COL_WARNINGS = range(6)
SEVERITY_BRUSH = {
    "error": QBrush(QColor("#fdecea")),
    "warning": QBrush(QColor("#fff6e0")),
    "info": QBrush(QColor("#eef4fd")),
}
_RANK = {"error": 0, "warning": 1, "info": 2}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class ProfileTableModel(RowsTableModel):
    """Columns of a Profile with kind, missing share, distinct count and warnings."""

    headers = HEADERS

    def __init__(self, parent=None):
        super().__init__(parent)
        self._profile: Profile | None = None
        self._rows: tuple[ColumnProfile, ...] = ()
        self._warnings: dict[str, list[QualityWarning]] = {}

    def set_profile(self, profile: Profile | None) -> None:
        self.beginResetModel()
        self._profile = profile
        self._rows = profile.columns if profile else ()
        self._warnings = {}
        for w in profile.warnings if profile else ():
            if w.column is not None:
                self._warnings.setdefault(w.column, []).append(w)
        self.endResetModel()

    def warnings_for(self, column: str) -> list[QualityWarning]:
        return list(self._warnings.get(column, ()))

    def row_of(self, column: str) -> int:
        for i, c in enumerate(self._rows):
            if c.name == column:
                return i
        return -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        c = self._rows[index.row()]
        col = index.column()
        warns = self._warnings.get(c.name, [])
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(c, col, warns)
        if role == SORT_ROLE:
            return self._sort_key(c, col, warns)
        if role == Qt.ItemDataRole.ToolTipRole:
            if warns:
                return "\n".join(f"• {w.message}" for w in warns)
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == COL_WARNINGS and warns:
            return severity_icon(_worst(warns))
        if role == Qt.ItemDataRole.BackgroundRole and warns:
            return SEVERITY_BRUSH.get(_worst(warns))
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_MISSING, COL_DISTINCT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(c: ColumnProfile, col: int, warns: list[QualityWarning]) -> str | None:
        if col == COL_NAME:
            return c.name
        if col == COL_KIND:
            return c.kind.value
        if col == COL_MISSING:
            return f"{c.missing_pct:.1f}"
        if col == COL_DISTINCT:
            return f"{c.n_distinct:,}"
        if col == COL_SUMMARY:
            return summary(c)
        if col == COL_WARNINGS:
            if not warns:
                return ""
            first = warns[0].message
            return first if len(warns) == 1 else f"{first} (+{len(warns) - 1} more)"
        return None

    @staticmethod
    def _sort_key(c: ColumnProfile, col: int, warns: list[QualityWarning]) -> Any:
        if col == COL_MISSING:
            return c.missing_pct
        if col == COL_DISTINCT:
            return c.n_distinct
        if col == COL_WARNINGS:
            return min((_RANK.get(w.severity, 3) for w in warns), default=9) * 100 - len(warns)
        return ProfileTableModel._display(c, col, warns)


def summary(c: ColumnProfile) -> str:
    """A short description of a column's values."""
    if c.mean is not None and c.min is not None:
        return f"{_num(c.min)} … {_num(c.max)}, mean {_num(c.mean)}"
    if c.min is not None and c.max is not None:
        return f"{c.min} … {c.max}"
    if c.top:
        return ", ".join(f"{v} ({n:,})" for v, n in c.top[:3])
    return ""


def _num(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _worst(warns: list[QualityWarning]) -> str:
    return min((w.severity for w in warns), key=lambda s: _RANK.get(s, 3))
