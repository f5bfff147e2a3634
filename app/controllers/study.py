"""The study on screen: its name, storage and leaderboard, read from the storage.

The storage is the record of truth, so a live search, a study reopened from History and a
study fed by other machines all come through :meth:`StudyController.refresh`: one
``Leaderboard.from_study`` on a worker thread, coalesced (at most one read in flight; a
request that arrives meanwhile triggers exactly one more read afterwards) and paced: a read
of a big study is Python work that competes with the GUI thread for the GIL, so the next
read waits at least ``1 / MAX_READ_SHARE`` times as long as the last one took.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from app.controllers.wizard import user_message
from app.models.leaderboard_model import LeaderboardTableModel
from app.workers import JobRunner
from automl.records import Leaderboard

MIN_READ_INTERVAL_S = 0.5
MAX_READ_SHARE = 0.2  # a live study is read at most 20% of the time


class StudyController(QObject):
    """Holds the current study and keeps ``leaderboard_model`` in step with the storage.

    Signals:
        study_changed(name, storage_url): another study is on screen ("" when none).
        board_changed(board): a fresh Leaderboard was read.
        board_failed(message): the storage could not be read.
    """

    study_changed = Signal(str, str)
    board_changed = Signal(object)
    board_failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = JobRunner(self)
        self.name: str = ""
        self.storage_url: str = ""
        self.board: Leaderboard | None = None
        self.leaderboard_model = LeaderboardTableModel(self)
        self._again = False
        self._next_read_at = 0.0
        self._read_started = 0.0
        self._pace = QTimer(self)
        self._pace.setSingleShot(True)
        self._pace.timeout.connect(self.refresh)
        self._poll = QTimer(self)
        self._poll.setInterval(1000)
        self._poll.timeout.connect(self.refresh)

    def open(self, name: str, storage_url: str) -> None:
        """Show another study (a model reset), then read its trials."""
        if (name, storage_url) == (self.name, self.storage_url):
            self.refresh()
            return
        self.jobs.cancel("board")
        self._again = False
        self._pace.stop()
        self._next_read_at = 0.0
        self.name, self.storage_url = name, storage_url
        self.board = None
        self.leaderboard_model.clear()
        self.study_changed.emit(name, storage_url)
        if name:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the leaderboard (coalesced with a read already in flight)."""
        if not self.name:
            return
        if self.jobs.is_busy("board"):
            self._again = True
            return
        wait_s = self._next_read_at - time.monotonic()
        if wait_s > 0:
            if not self._pace.isActive():
                self._pace.start(int(wait_s * 1000) + 1)
            return
        self._read_started = time.monotonic()
        self.jobs.run("board", Leaderboard.from_study, self.name, self.storage_url or None,
                      on_done=self._read, on_error=self._failed)

    def set_polling(self, on: bool) -> None:
        """Re-read every second while a search writes to this study."""
        if on:
            self._poll.start()
        else:
            self._poll.stop()

    def _paced(self) -> None:
        took = time.monotonic() - self._read_started
        self._next_read_at = time.monotonic() + max(MIN_READ_INTERVAL_S, took / MAX_READ_SHARE)

    def _read(self, board: Leaderboard) -> None:
        self._paced()
        if board.study_name != self.name:
            return
        self.board = board
        self.leaderboard_model.update(board)
        self.board_changed.emit(board)
        self._schedule_again()

    def _failed(self, exc: BaseException) -> None:
        self._paced()
        self.board_failed.emit(user_message(exc))
        self._schedule_again()

    def _schedule_again(self) -> None:
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.refresh)

    def close(self) -> None:
        self._poll.stop()
        self._pace.stop()
        self.jobs.close()
