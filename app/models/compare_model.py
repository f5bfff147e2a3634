"""One or more trials side by side: score, fold scores and parameters as rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from app.models.leaderboard_model import family_label
from app.models.leaderboard_model import format_score
from app.models.leaderboard_model import trial_message
from automl.records import TrialRecord

_Index = QModelIndex | QPersistentModelIndex


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _members(t: TrialRecord) -> str:
    parts = []
    for m in getattr(t, "members", ()) or ():
        weight = m.get("weight")
        share = f" × {weight:.2f}" if isinstance(weight, float) else ""
        parts.append(f"#{m.get('trial', '?')} {m.get('family', '?')}{share}")
    return ", ".join(parts)


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


class TrialCompareTableModel(QAbstractTableModel):
    """Rows are properties (family, score, folds, each parameter); columns are trials.

    With one trial selected it is that trial's details; with several, a comparison.
    Values that differ between the compared trials are shown in bold.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._trials: tuple[TrialRecord, ...] = ()
        self._rows: list[tuple[str, tuple[str, ...]]] = []

    def set_trials(self, trials: tuple[TrialRecord, ...] | list[TrialRecord]) -> None:
        self.beginResetModel()
        self._trials = tuple(trials)
        self._rows = self._build(self._trials)
        self.endResetModel()

    @property
    def trials(self) -> tuple[TrialRecord, ...]:
        return self._trials

    @staticmethod
    def _build(trials: tuple[TrialRecord, ...]) -> list[tuple[str, tuple[str, ...]]]:
        if not trials:
            return []
        rows: list[tuple[str, tuple[str, ...]]] = [
            ("Family", tuple(family_label(t.family) for t in trials)),
            ("Status", tuple(t.status for t in trials)),
            ("Score (mean ± std)", tuple(format_score(t.score, t.score_std) for t in trials)),
            ("Fit seconds (all folds)", tuple(_seconds(t.fit_seconds) for t in trials)),
            ("Duration seconds", tuple(_seconds(t.duration_seconds) for t in trials)),
        ]
        n_folds = max(len(t.fold_scores) for t in trials)
        for i in range(n_folds):
            rows.append((f"Fold {i + 1} score", tuple(
                f"{t.fold_scores[i]:.4f}" if i < len(t.fold_scores) else "" for t in trials)))
        names: list[str] = []
        for t in trials:
            names.extend(k for k in t.params if k not in names)
        for name in names:
            rows.append((f"{name}", tuple(_fmt(t.params.get(name)) for t in trials)))
        members = tuple(_members(t) for t in trials)
        if any(members):
            rows.append(("Ensemble members", members))
        messages = tuple(trial_message(t) for t in trials)
        if any(messages):
            rows.append(("Message", messages))
        return rows

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._trials)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._trials):
                return f"Trial {self._trials[section].number}"
            return None
        return self._rows[section][0] if 0 <= section < len(self._rows) else None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._trials):
            return None
        values = self._rows[index.row()][1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return values[index.column()]
        if role == Qt.ItemDataRole.FontRole and len(set(values)) > 1:
            font = QFont()
            font.setBold(True)
            return font
        return None
