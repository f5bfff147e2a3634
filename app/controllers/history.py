"""History: the studies of a storage, read on a worker, and a live view of the selected one.

The live view follows a study that other processes or machines feed (``automl worker`` on
PostgreSQL): ``automl.records.StudyWatch`` reads only what changed, on the thread pool; the
next read is scheduled when the last one is back, at least ``MIN_WATCH_INTERVAL_S`` later and
never more than ``MAX_READ_SHARE`` of the time, so a slow server or a big study slows the
view down instead of the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from app.controllers.wizard import user_message
from app.models.leaderboard_model import LeaderboardTableModel
from app.models.running_model import RunningTrialsTableModel
from app.models.studies_model import StudiesTableModel
from app.workers import JobRunner
from automl.records import StudyWatch
from automl.records import list_studies
from automl.storage import default_storage_url

MIN_WATCH_INTERVAL_S = 1.0
MAX_READ_SHARE = 0.2


class HistoryController(QObject):
    """Lists studies; opening one hands it to the StudyController; watches the selected one.

    Signals:
        studies_loaded(count): the list was (re)read.
        studies_failed(message): the storage could not be read.
        loading_changed(busy).
        watch_changed(snapshot): a fresh ``WatchSnapshot`` of the watched study.
        watch_failed(message): the watched study could not be read (the view keeps polling).
    """

    studies_loaded = Signal(int)
    studies_failed = Signal(str)
    loading_changed = Signal(bool)
    watch_changed = Signal(object)
    watch_failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = JobRunner(self)
        self.jobs.busy_changed.connect(
            lambda key, busy: self.loading_changed.emit(busy) if key == "list" else None)
        self.storage_url = default_storage_url()
        self.model = StudiesTableModel(self)
        self.watch_board = LeaderboardTableModel(self)
        self.watch_running = RunningTrialsTableModel(self)
        self.watched: StudyWatch | None = None
        self.snapshot = None
        self._next = QTimer(self)
        self._next.setSingleShot(True)
        self._next.timeout.connect(self._poll)

    def refresh(self, storage_url: str | None = None) -> None:
        if storage_url is not None:
            self.storage_url = storage_url.strip() or default_storage_url()
        self.jobs.run("list", list_studies, self.storage_url, on_done=self._loaded,
                      on_error=lambda exc: self.studies_failed.emit(user_message(exc)))

    def _loaded(self, studies) -> None:
        self.model.set_studies(studies)
        self.studies_loaded.emit(len(studies))

    # -- the live view -----------------------------------------------------------------------

    def watch(self, name: str) -> None:
        """Follow ``name`` in the current storage ("" stops)."""
        if self.watched and (self.watched.study_name, self.watched.storage_url) == (
                name, self.storage_url):
            return
        self.stop_watching()
        if name:
            self.watched = StudyWatch(name, self.storage_url)
            self._poll()

    def stop_watching(self) -> None:
        self._next.stop()
        self.jobs.cancel("watch")
        self.watched, self.snapshot = None, None
        self.watch_board.clear()
        self.watch_running.set_records(())

    def _poll(self) -> None:
        watched = self.watched
        if watched is None or self.jobs.is_busy("watch"):
            return
        self.jobs.run("watch", watched.poll,
                      on_done=lambda snap: self._watched(watched, snap),
                      on_error=lambda exc: self._watch_error(watched, exc))

    def _watched(self, watched: StudyWatch, snapshot) -> None:
        if watched is not self.watched:
            return  # a late answer about a study no longer shown
        previous, self.snapshot = self.snapshot, snapshot
        if previous is None or previous.board.records != snapshot.board.records:
            self.watch_board.update(snapshot.board)  # the GUI thread's share: skip if same
        if previous is None or previous.running != snapshot.running:
            self.watch_running.set_records(snapshot.running)
        self.watch_changed.emit(snapshot)
        self._schedule(snapshot.read_s)

    def _watch_error(self, watched: StudyWatch, exc: BaseException) -> None:
        if watched is not self.watched:
            return
        self.watch_failed.emit(user_message(exc))
        self._schedule(5.0)  # a server restart: try again, gently

    def _schedule(self, read_s: float) -> None:
        wait_s = max(MIN_WATCH_INTERVAL_S, read_s / MAX_READ_SHARE)
        self._next.start(int(wait_s * 1000))

    def close(self) -> None:
        self._next.stop()
        self.jobs.close()
