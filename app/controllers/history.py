"""History: the studies of a storage, read on a worker."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.controllers.wizard import user_message
from app.models.studies_model import StudiesTableModel
from app.workers import JobRunner
from automl.records import list_studies
from automl.storage import default_storage_url


class HistoryController(QObject):
    """Lists studies; opening one hands it to the StudyController.

    Signals:
        studies_loaded(count): the list was (re)read.
        studies_failed(message): the storage could not be read.
        loading_changed(busy).
    """

    studies_loaded = Signal(int)
    studies_failed = Signal(str)
    loading_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = JobRunner(self)
        self.jobs.busy_changed.connect(lambda _key, busy: self.loading_changed.emit(busy))
        self.storage_url = default_storage_url()
        self.model = StudiesTableModel(self)

    def refresh(self, storage_url: str | None = None) -> None:
        if storage_url is not None:
            self.storage_url = storage_url.strip() or default_storage_url()
        self.jobs.run("list", list_studies, self.storage_url, on_done=self._loaded,
                      on_error=lambda exc: self.studies_failed.emit(user_message(exc)))

    def _loaded(self, studies) -> None:
        self.model.set_studies(studies)
        self.studies_loaded.emit(len(studies))

    def close(self) -> None:
        self.jobs.close()
