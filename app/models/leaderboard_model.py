"""The leaderboard as a Qt table: one row per ``TrialRecord``, updated in place.

A live search calls :meth:`LeaderboardTableModel.update` about once a second with the
whole (re-read) leaderboard. New trials become row inserts and changed ones ``dataChanged``,
never a model reset, so the user's selection, sort order and scroll position survive.
Sorting and filtering happen in :class:`LeaderboardProxyModel`, which can also show only each
family's best trial; :func:`write_csv` saves a table as it is shown.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtCore import QModelIndex
from PySide6.QtCore import QPersistentModelIndex
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush
from PySide6.QtGui import QColor

from app.models._rows import RowsTableModel
from automl.errors import ConfigError
from automl.models import get_family
from automl.records import Leaderboard
from automl.records import TrialRecord

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Rank", "Trial", "Family", "Score ± std", "Fit s", "Status", "Message")
COL_RANK, COL_TRIAL, COL_FAMILY, COL_SCORE, COL_FIT, COL_STATUS, COL_MESSAGE = range(7)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3
STATUSES = ("complete", "running", "pruned", "failed")
_STATUS_BRUSH = {
    "failed": QBrush(QColor("#c0392b")),
    "pruned": QBrush(QColor("#7b8794")),
    "running": QBrush(QColor("#2f6fde")),
}


def family_label(name: str | None) -> str:
    if not name:
        return "?"
    if name == "ensemble":  # the final model's ensemble is recorded as a trial of its own
        return "Weighted ensemble"
    try:
        return get_family(name).label
    except ConfigError:
        return name


def trial_message(r: TrialRecord) -> str:
    """What a person needs to know about a trial that did not simply complete."""
    if r.error_type or r.error_message:
        return f"{r.error_type or 'Error'}: {r.error_message or ''}".strip()
    return r.reason or ""


class LeaderboardTableModel(RowsTableModel):
    """Trials of one study, in the order they arrived; the proxy sorts them.

    Signals:
        updated(): after each ``update``/``clear``, once the rows are in their new state.
    """

    headers = HEADERS
    updated = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._records: list[TrialRecord] = []
        self._row_of: dict[int, int] = {}
        self._rank: dict[int, int] = {}
        self._labels: dict[str, str] = {}
        self.metric: str | None = None
        self.greater_is_better = True

    # -- updates -------------------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._records, self._row_of, self._rank = [], {}, {}
        self.metric = None
        self.endResetModel()
        self.updated.emit()

    def update(self, board: Leaderboard) -> None:
        """Merge a re-read leaderboard: inserts new trials, refreshes changed ones."""
        self.metric, self.greater_is_better = board.metric, board.greater_is_better
        incoming = {r.number: r for r in board.records}
        if any(n not in incoming for n in self._row_of):
            self._reset(board)  # a trial vanished: another study, or the storage was replaced
            self.updated.emit()
            return
        new_rank = {r.number: i for i, r in enumerate(board.completed, start=1)}
        last = self.columnCount() - 1
        for number, row in self._row_of.items():
            record = incoming[number]
            if record != self._records[row]:
                self._records[row] = record
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
            elif new_rank.get(number) != self._rank.get(number):
                self.dataChanged.emit(self.index(row, COL_RANK), self.index(row, COL_RANK))
        self._rank = new_rank
        fresh = sorted((r for n, r in incoming.items() if n not in self._row_of),
                       key=lambda r: r.number)
        if fresh:
            first = len(self._records)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for r in fresh:
                self._row_of[r.number] = len(self._records)
                self._records.append(r)
            self.endInsertRows()
        self.updated.emit()

    def _reset(self, board: Leaderboard) -> None:
        self.beginResetModel()
        self._records = sorted(board.records, key=lambda r: r.number)
        self._row_of = {r.number: i for i, r in enumerate(self._records)}
        self._rank = {r.number: i for i, r in enumerate(board.completed, start=1)}
        self.endResetModel()

    # -- reading -----------------------------------------------------------------------------

    @property
    def records(self) -> tuple[TrialRecord, ...]:
        return tuple(self._records)

    def _items(self) -> list[TrialRecord]:
        return self._records

    def record(self, row: int) -> TrialRecord | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == COL_SCORE and self.metric:
                return f"{self.metric} ± std"
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_SCORE:
            better = "higher" if self.greater_is_better else "lower"
            return f"Cross-validated score: mean ± standard deviation over folds; {better} is better."
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._records):
            return None
        r = self._records[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == SORT_ROLE:
            return self._sort_value(r, col)
        if role == RECORD_ROLE:
            return r
        if role == STATUS_ROLE:
            return r.status
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == COL_FAMILY:
                return r.family
            message = trial_message(r)
            return message or None
        if role == Qt.ItemDataRole.ForegroundRole and col in (COL_STATUS, COL_MESSAGE):
            return _STATUS_BRUSH.get(r.status)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_RANK, COL_TRIAL, COL_SCORE,
                                                                 COL_FIT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, r: TrialRecord, col: int) -> str:
        if col == COL_RANK:
            rank = self._rank.get(r.number)
            return str(rank) if rank is not None else ""
        if col == COL_TRIAL:
            return str(r.number)
        if col == COL_FAMILY:
            if r.family not in self._labels:
                self._labels[r.family or ""] = family_label(r.family)
            return self._labels[r.family or ""]
        if col == COL_SCORE:
            return format_score(r.score, r.score_std)
        if col == COL_FIT:
            return "" if r.fit_seconds is None else f"{r.fit_seconds:.2f}"
        if col == COL_STATUS:
            return r.status
        if col == COL_MESSAGE:
            return trial_message(r)
        return ""

    def _sort_value(self, r: TrialRecord, col: int) -> Any:
        if col == COL_RANK:
            return self._rank.get(r.number)
        if col == COL_TRIAL:
            return r.number
        if col == COL_SCORE:
            return r.score
        if col == COL_FIT:
            return r.fit_seconds
        return self._display(r, col).lower()


def format_score(score: float | None, std: float | None = None) -> str:
    if score is None or not math.isfinite(score):
        return ""
    if std is None or not math.isfinite(std):
        return f"{score:.4f}"
    return f"{score:.4f} ± {std:.4f}"


class LeaderboardProxyModel(QSortFilterProxyModel):
    """Sorting (empty values always last) plus a text filter, a status filter and, when
    ``best_per_family`` is on, only the best trial of each family among those the filters pass
    (its best ranked trial; a family with none ranked shows its latest trial)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self._status: str | None = None
        self._best_only = False
        self._best_rows: frozenset[int] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: QAbstractItemModel) -> None:  # noqa: N802 - Qt API
        super().setSourceModel(model)
        # "About to": the proxy filters the new rows as soon as they exist.
        for signal in (model.modelAboutToBeReset, model.rowsAboutToBeInserted,
                       model.dataChanged):
            signal.connect(self._forget_best)
        if isinstance(model, LeaderboardTableModel):
            model.updated.connect(self._refilter_best)

    @property
    def best_per_family(self) -> bool:
        return self._best_only

    def set_best_per_family(self, on: bool) -> None:
        self.beginFilterChange()
        self._best_only, self._best_rows = bool(on), None
        self.endFilterChange()

    def _forget_best(self, *_args) -> None:
        self._best_rows = None

    def _refilter_best(self) -> None:
        # A new trial can replace its family's best: rows other than the changed one move.
        if self._best_only:
            self.set_best_per_family(True)

    def _best(self, model: LeaderboardTableModel) -> frozenset[int]:
        if self._best_rows is None:
            chosen: dict[str, tuple[tuple, int]] = {}
            for row in range(model.rowCount()):
                record = model.record(row)
                if record is None or not self._passes(record):
                    continue
                rank = model.index(row, COL_RANK).data(SORT_ROLE)
                key = (0, rank) if rank is not None else (1, -record.number)
                family = record.family or ""
                if family not in chosen or key < chosen[family][0]:
                    chosen[family] = (key, row)
            self._best_rows = frozenset(row for _key, row in chosen.values())
        return self._best_rows

    def set_text_filter(self, text: str) -> None:
        self.beginFilterChange()
        self._text, self._best_rows = text.strip().lower(), None
        self.endFilterChange()

    def set_status_filter(self, status: str | None) -> None:
        self.beginFilterChange()
        self._status, self._best_rows = status or None, None
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        record = model.record(source_row) if isinstance(model, LeaderboardTableModel) else None
        if record is None:
            return True
        if self._best_only:
            return source_row in self._best(model)
        return self._passes(record)

    def _passes(self, record: TrialRecord) -> bool:
        """The text and status filters."""
        if self._status and record.status != self._status:
            return False
        if not self._text:
            return True
        haystack = " ".join([
            str(record.number), record.family or "", family_label(record.family), record.status,
            trial_message(record), " ".join(f"{k}={v}" for k, v in record.params.items()),
        ]).lower()
        return self._text in haystack

    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        if a is None or b is None:
            if a is None and b is None:
                return left.row() < right.row()
            # Empty last in both directions (Qt reverses the answer when descending).
            return (b is None) == ascending
        if a == b:
            return left.row() < right.row()
        return a < b


def write_csv(model: QAbstractItemModel, path: str | os.PathLike[str]) -> int:
    """Save a table as it is shown (its rows in view order, its header and cell texts).

    UTF-8 with a byte-order mark, so that spreadsheet programs read "±" and accents right.
    Written to a temporary name and renamed: a failure never leaves half a file.

    Returns:
        The number of rows written.

    Raises:
        OSError: The file cannot be written.
    """
    path = Path(path)
    columns = range(model.columnCount())
    display = Qt.ItemDataRole.DisplayRole
    header = [str(model.headerData(c, Qt.Orientation.Horizontal, display) or "") for c in columns]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for r in range(model.rowCount()):
                writer.writerow(["" if (v := model.index(r, c).data(display)) is None else str(v)
                                 for c in columns])
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return model.rowCount()
