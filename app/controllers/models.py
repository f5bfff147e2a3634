"""Models: the registry's models, their versions and aliases; promotion and rollback.

Reads and alias moves run on the thread pool (a registry call is one small transaction);
the page only renders what this controller reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.controllers.wizard import user_message
from app.workers import JobRunner
from automl.registry import AliasEvent
from automl.registry import ModelVersion
from automl.registry import Registry


@dataclass(frozen=True)
class ModelView:
    """One model as the page shows it."""

    name: str
    versions: tuple[ModelVersion, ...]
    aliases: dict[str, int]

    def aliases_of(self, version: int) -> list[str]:
        return sorted(a for a, v in self.aliases.items() if v == version)


def _read(location: str | None) -> tuple[ModelView, ...]:
    reg = Registry.open(location)
    try:
        return tuple(ModelView(n, reg.versions(n), reg.aliases(n)) for n in reg.models())
    finally:
        reg.store.close()


def _move(location: str | None, name: str, alias: str, version: int | None,
          reason: str) -> AliasEvent:
    reg = Registry.open(location)
    try:
        if version is None:
            return reg.rollback(name, alias, reason=reason)
        return reg.set_alias(name, alias, version, reason=reason)
    finally:
        reg.store.close()


def lineage_text(v: ModelVersion) -> str:
    """One paragraph: where a version came from."""
    src = v.source
    parts = [f"{v.model} version {v.version}, registered {v.created_at[:19].replace('T', ' ')}"]
    if src.get("mode"):
        parts.append(f"made by {src['mode']}")
    if src.get("study"):
        parts.append(f"study {src['study']}, trial {src.get('trial')}")
    if src.get("project"):
        parts.append(f"project {src['project']} (sha256 {str(src.get('project_sha256', ''))[:12]})")
    if src.get("parent_version"):
        parts.append(f"retrained from version {src['parent_version']}")
    parts.append(f"trained on {v.rows:,} rows (data sha256 {v.data_sha256[:12]})")
    return "; ".join(parts) + "."


def register_exported(bundle_dir: str, study_name: str, storage_url: str | None,
                      location: str | None = None) -> tuple[ModelVersion, AliasEvent | None]:
    """Register an exported bundle as the next version of its project's model (the study's
    project names it; a study without one gives its own name)."""
    from automl.records import StudyRecord
    from automl.records import load_study

    record = StudyRecord.from_study(load_study(study_name, storage_url), strict=False)
    name = (record.project or {}).get("document", {}).get("name") or re.sub(
        r"[^A-Za-z0-9_.-]+", "-", study_name).strip("-._") or "model"
    reg = Registry.open(location)
    try:
        return reg.register(bundle_dir, name, source={"mode": "export"},
                            reason="registered from the Export step")
    finally:
        reg.store.close()


class ModelsController(QObject):
    """Signals: loaded(tuple[ModelView]), moved(str) one line, failed(str) one line."""

    loaded = Signal(object)
    moved = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, location: str | None = None):
        super().__init__(parent)
        self.location = location
        self.models: tuple[ModelView, ...] = ()
        self.jobs = JobRunner(self)

    def refresh(self) -> None:
        self.jobs.run("read", _read, self.location, on_done=self._loaded,
                      on_error=lambda exc: self.failed.emit(user_message(exc)))

    def _loaded(self, models: tuple[ModelView, ...]) -> None:
        self.models = models
        self.loaded.emit(models)

    def model(self, name: str) -> ModelView | None:
        return next((m for m in self.models if m.name == name), None)

    def describe_move(self, name: str, alias: str, version: int | None) -> str:
        """What a promotion (``version``) or rollback (None) would change, in words."""
        view = self.model(name)
        now = view.aliases.get(alias) if view else None
        if version is None:
            return (f"{name}@{alias} goes back from version {now} to the version it pointed at "
                    "before. Predictions and endpoints that use it change model.")
        before = f"version {now}" if now is not None else "no version"
        return (f"{name}@{alias} moves from {before} to version {version}. Predictions and "
                "endpoints that use it change model.")

    def move(self, name: str, alias: str, version: int | None, reason: str = "") -> None:
        """Promote (point ``alias`` at ``version``) or roll back (``version`` None)."""
        why = reason or ("rolled back in AutoML Studio" if version is None
                         else "promoted in AutoML Studio")
        self.jobs.run("move", _move, self.location, name, alias, version, why,
                      on_done=self._moved, on_error=lambda exc: self.failed.emit(user_message(exc)))

    def _moved(self, event: AliasEvent) -> None:
        self.moved.emit(f"{event.model}@{event.alias}: version {event.from_version} -> "
                        f"version {event.to_version}")
        self.refresh()

    def close(self) -> None:
        self.jobs.close()
