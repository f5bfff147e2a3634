"""The open project: its file, whether the draft has unsaved changes, recent projects.

A project file is the one definition of a run; the GUI edits one (File > New / Open / Save /
Save As) and a search runs it with ``automl run --project FILE --events``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.controllers.wizard import Draft
from app.controllers.wizard import WizardController
from app.settings import AppSettings
from automl.errors import ConfigError
from automl.project import SUFFIX
from automl.project import load_project
from automl.project import save_project
from automl.storage import default_storage_url


class ProjectController(QObject):
    """Signals: changed() when the file or the unsaved-changes state may have changed."""

    changed = Signal()

    def __init__(self, wizard: WizardController, settings: AppSettings,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.wizard = wizard
        self.settings = settings
        self.path: str | None = None
        self._saved: dict | None = None
        wizard.draft_changed.connect(self.changed)
        wizard.dataset_loaded.connect(self._dataset_loaded)
        wizard.project_saved.connect(self._saved_by_run)

    # -- state --------------------------------------------------------------------------------

    def _document(self) -> dict | None:
        try:
            doc = self.wizard.project().to_document()
        except ConfigError:
            return None
        doc["data"] = {k: v for k, v in doc["data"].items() if k not in ("sha256", "rows")}
        return doc

    def is_dirty(self) -> bool:
        """Unsaved changes: a draft that differs from the file (or one never saved)."""
        if self.wizard.dataset is None:
            return False
        return self._saved is None or self._document() != self._saved

    def title(self) -> str:
        name = Path(self.path).name if self.path else "Untitled project"
        return f"{name}{' *' if self.is_dirty() else ''} — AutoML Studio"

    def recent(self) -> list[str]:
        return self.settings.recent_projects()

    # -- actions ---------------------------------------------------------------------------------

    def new(self) -> None:
        """An empty project: no file, no data, default settings."""
        self.path = self.wizard.project_path = None
        self._saved = None
        self.wizard.dataset = None
        self.wizard.profile = None
        self.wizard.task = None
        self.wizard.task_error = None
        self.wizard.draft = Draft(storage_url=default_storage_url())
        self.wizard.profile_changed.emit(None)
        self.wizard.task_changed.emit(None)
        self.wizard.draft_changed.emit()
        self.changed.emit()

    def open(self, path: str) -> None:
        """Open a project file: its data loads in the background, then its settings apply.

        Raises:
            ProjectError: The file is unreadable or invalid (the message names the key).
        """
        loaded = load_project(path)
        self.path = self.wizard.project_path = str(path)
        self._saved = None
        self._opening = True
        self.settings.add_recent_project(str(path))
        self.wizard.open_project_settings(loaded.project)
        self.changed.emit()

    def _dataset_loaded(self, _dataset) -> None:
        if getattr(self, "_opening", False):
            self._opening = False
            self._saved = self._document()
        self.changed.emit()

    def _saved_by_run(self, path: str) -> None:
        if path == self.path:
            self._saved = self._document()
            self.changed.emit()

    def save(self, path: str | None = None) -> str:
        """Save to ``path`` (Save As) or to the open file.

        Raises:
            ConfigError: No file given for an untitled project, or an incomplete draft.
        """
        path = path or self.path
        if not path:
            raise ConfigError("This project has no file yet; use Save As.")
        if not str(path).endswith(SUFFIX):
            path = f"{path}{SUFFIX}"
        save_project(self.wizard.project(), path)
        self.path = self.wizard.project_path = str(path)
        self._saved = self._document()
        self.settings.add_recent_project(self.path)
        self.changed.emit()
        return self.path
