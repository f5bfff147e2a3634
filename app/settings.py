"""GUI preferences in QSettings: recent files, window geometry, last folders.

Only preferences live here. Anything that defines a run (data, target, budget, families)
belongs to the engine's records, not to GUI settings. The store carries a
``schema_version`` and small migration functions, one per version step.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QByteArray
from PySide6.QtCore import QSettings

ORGANIZATION = "AutoML Studio"
APPLICATION = "automl-studio"
SCHEMA_VERSION = 2
MAX_RECENT = 8

_K_VERSION = "schema_version"
_K_RECENT = "data/recent_files"
_K_RECENT_PROJECTS = "projects/recent"
_K_DATA_DIR = "folders/last_data_dir"
_K_EXPORT_DIR = "folders/last_export_dir"
_K_GEOMETRY = "window/geometry"


def _migrate_1_to_2(s: QSettings) -> None:
    """Version 1 kept a single ``last_dir`` for every dialog."""
    last = s.value("last_dir")
    if last:
        s.setValue(_K_DATA_DIR, last)
        s.setValue(_K_EXPORT_DIR, last)
    s.remove("last_dir")


_MIGRATIONS: dict[int, Callable[[QSettings], None]] = {1: _migrate_1_to_2}


class AppSettings:
    """Typed access to the application's QSettings store."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings or QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                        ORGANIZATION, APPLICATION)
        self._migrate()

    def _migrate(self) -> None:
        version = _int(self._s.value(_K_VERSION), 0)
        if version == 0 and not self._s.allKeys():
            version = SCHEMA_VERSION  # a fresh store
        while version < SCHEMA_VERSION:
            step = _MIGRATIONS.get(version)
            if step is not None:
                step(self._s)
            version += 1
        self._s.setValue(_K_VERSION, SCHEMA_VERSION)

    @property
    def schema_version(self) -> int:
        return _int(self._s.value(_K_VERSION), 0)

    # -- recent files -------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self._s.value(_K_RECENT) or []
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value if v][:MAX_RECENT]

    def add_recent_file(self, path: str) -> None:
        path = os.path.abspath(path)
        files = [p for p in self.recent_files() if p != path]
        self._s.setValue(_K_RECENT, [path, *files][:MAX_RECENT])
        self.last_data_dir = os.path.dirname(path)

    def remove_recent_file(self, path: str) -> None:
        self._s.setValue(_K_RECENT, [p for p in self.recent_files() if p != path])

    def recent_projects(self) -> list[str]:
        value = self._s.value(_K_RECENT_PROJECTS) or []
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value if v][:MAX_RECENT]

    def add_recent_project(self, path: str) -> None:
        path = os.path.abspath(path)
        files = [p for p in self.recent_projects() if p != path]
        self._s.setValue(_K_RECENT_PROJECTS, [path, *files][:MAX_RECENT])

    def remove_recent_project(self, path: str) -> None:
        self._s.setValue(_K_RECENT_PROJECTS, [p for p in self.recent_projects() if p != path])

    # -- folders --------------------------------------------------------------------------

    @property
    def last_data_dir(self) -> str:
        return str(self._s.value(_K_DATA_DIR) or os.path.expanduser("~"))

    @last_data_dir.setter
    def last_data_dir(self, value: str) -> None:
        self._s.setValue(_K_DATA_DIR, value)

    @property
    def last_export_dir(self) -> str:
        return str(self._s.value(_K_EXPORT_DIR) or os.path.expanduser("~"))

    @last_export_dir.setter
    def last_export_dir(self, value: str) -> None:
        self._s.setValue(_K_EXPORT_DIR, value)

    # -- window -----------------------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        value = self._s.value(_K_GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, value: QByteArray) -> None:
        self._s.setValue(_K_GEOMETRY, value)

    def sync(self) -> None:
        self._s.sync()


def _int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
