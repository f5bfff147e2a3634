"""The registry: a store of records plus an artifact folder of immutable bundle copies.

Location: ``--registry`` / ``$AUTOML_REGISTRY`` / ``$AUTOML_HOME/registry``. A folder holds
``registry.db`` (SQLite) and ``artifacts/``; a SQLAlchemy URL (``postgresql://...``) puts
the records there and the artifacts in ``$AUTOML_REGISTRY_ARTIFACTS`` (default
``$AUTOML_HOME/registry/artifacts``).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import shutil
import stat
import uuid
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from automl.registry._sql import SqlRegistryStore
from automl.registry._store import CHALLENGER
from automl.registry._store import CHAMPION
from automl.registry._store import AliasEvent
from automl.registry._store import EventKind
from automl.registry._store import ModelVersion
from automl.registry._store import RegistryError
from automl.registry._store import RegistryStore
from automl.registry._store import check_alias
from automl.registry._store import check_model_name
from automl.storage import workspace_dir

BUNDLE_REQUIRED = ("model.joblib", "metadata.json", "profile.json")
AUTO = "auto"


def default_location() -> str:
    return os.environ.get("AUTOML_REGISTRY") or str(workspace_dir() / "registry")


class Registry:
    """Models, versions and aliases over a ``RegistryStore`` and an artifact folder."""

    def __init__(self, store: RegistryStore, artifact_root: str | os.PathLike, location: str = ""):
        self.store = store
        self.artifact_root = Path(artifact_root)
        self.location = location

    @classmethod
    def open(cls, location: str | os.PathLike | None = None) -> Registry:
        """Open (creating if needed) the registry at a folder or SQLAlchemy URL."""
        location = str(location or default_location())
        if "://" in location:
            artifacts = os.environ.get("AUTOML_REGISTRY_ARTIFACTS") or str(
                workspace_dir() / "registry" / "artifacts")
            return cls(SqlRegistryStore(location), artifacts, location)
        folder = Path(location)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RegistryError(f"Cannot create the registry folder {location!r}: "
                                f"{exc.strerror or exc}.") from None
        return cls(SqlRegistryStore(f"sqlite:///{(folder / 'registry.db').as_posix()}"),
                   folder / "artifacts", location)

    # -- registering ---------------------------------------------------------------------------

    def register(self, bundle: str | os.PathLike, name: str, *, source: dict[str, Any] | None = None,
                 alias: str | None = AUTO, notes: str = "", tags: dict[str, str] | None = None,
                 reason: str = "") -> tuple[ModelVersion, AliasEvent | None]:
        """Copy a bundle into the artifact folder and record it as ``name``'s next version.

        Args:
            bundle: The bundle folder (checked: complete, model file matching its sha256).
            name: The registered model.
            source: Lineage (study, trial, project, project_sha256, mode, parent_version);
                study and trial default to the bundle's own lineage.
            alias: An alias to point at the new version; ``"auto"``: ``champion`` for a
                model's first version, ``challenger`` for a later one from a project run.
            reason: Why (recorded with the alias event).

        Raises:
            RegistryError: A bad name or alias, or a folder that is not a complete bundle.
        """
        check_model_name(name)
        if alias not in (None, AUTO):
            check_alias(alias)
        src = Path(bundle)
        metadata = _bundle_metadata(src)
        staging = self.artifact_root / name / f".{uuid.uuid4().hex}.tmp"
        final = self.artifact_root / name / uuid.uuid4().hex
        try:
            shutil.copytree(src, staging, ignore=shutil.ignore_patterns(".*", "__pycache__"))
            files = hash_tree(staging)
            os.replace(staging, final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise RegistryError(f"Cannot copy the bundle into the registry: {exc}.") from None
        _read_only(final)
        lineage = metadata.get("lineage", {})
        scores = metadata.get("scores", {})
        task = metadata.get("task", {})
        src_doc = {"study": lineage.get("study"), "trial": lineage.get("trial"), "mode": "register",
                   **(source or {})}
        record = ModelVersion(
            model=name, version=0, created_at=_now(),
            artifact=final.relative_to(self.artifact_root).as_posix(), files=files,
            source=src_doc, data_sha256=lineage.get("dataset_sha256") or "",
            rows=int(lineage.get("rows") or 0), task=task.get("kind", ""),
            metric=scores.get("metric", ""), score=scores.get("cv_mean"),
            family=metadata.get("model", {}).get("family", ""), notes=notes, tags=dict(tags or {}))
        try:
            version = self.store.add_version(record)
        except BaseException:
            _remove(final)
            raise
        if alias == AUTO:
            alias = self._auto_alias(name, version)
        event = None
        if alias:
            event = self.set_alias(name, alias, version.version,
                                   reason=reason or f"registered version {version.version}")
        return version, event

    def _auto_alias(self, name: str, version: ModelVersion) -> str | None:
        aliases = self.store.get_aliases(name)
        if CHAMPION not in aliases:
            return CHAMPION
        if version.source.get("project") or version.source.get("parent_version"):
            return CHALLENGER
        return None

    # -- reading ---------------------------------------------------------------------------------

    def models(self) -> tuple[str, ...]:
        return self.store.list_models()

    def versions(self, name: str) -> tuple[ModelVersion, ...]:
        return self.store.list_versions(name)

    def version(self, name: str, version: int) -> ModelVersion:
        return self.store.get_version(name, version)

    def aliases(self, name: str) -> dict[str, int]:
        return self.store.get_aliases(name)

    def history(self, name: str) -> tuple[AliasEvent, ...]:
        return self.store.list_events(name)

    def by_alias(self, name: str, alias: str) -> ModelVersion:
        aliases = self.store.get_aliases(name)
        if alias not in aliases:
            raise RegistryError(f"Model {name!r} has no alias {alias!r}; its aliases: "
                                f"{', '.join(f'{a}=v{v}' for a, v in aliases.items()) or 'none'}.")
        return self.store.get_version(name, aliases[alias])

    def describe(self, name: str) -> dict[str, Any]:
        """The ``registry show --json`` document."""
        return {"name": name, "versions": [v.to_dict() for v in self.versions(name)],
                "aliases": self.aliases(name)}

    # -- aliases ------------------------------------------------------------------------------------

    def set_alias(self, name: str, alias: str, version: int, *, reason: str = "") -> AliasEvent:
        check_alias(alias)
        return self.store.move_alias(name, alias, int(version), kind=EventKind.SET, who=_who(),
                                     reason=reason or "set by hand", at=_now())

    def rollback(self, name: str, alias: str, *, reason: str = "") -> AliasEvent:
        """Move ``alias`` back to the version it pointed at before its latest move.

        The alias's past is a stack: each move pushes a version, each rollback pops one, so
        rolling back twice goes two moves back. Versions deleted since are skipped.

        Raises:
            RegistryError: No such alias, or no earlier version to go back to.
        """
        check_alias(alias)
        current = self.by_alias(name, alias).version
        stack: list[int] = []
        for ev in self.store.list_events(name):
            if ev.alias != alias:
                continue
            if ev.kind is EventKind.ROLLBACK:
                if stack:
                    stack.pop()
            else:
                stack.append(ev.to_version)
        live = {v.version for v in self.store.list_versions(name)}
        if stack and stack[-1] == current:
            stack.pop()
        previous = next((v for v in reversed(stack) if v in live and v != current), None)
        if previous is None:
            raise RegistryError(f"{alias!r} of {name!r} has no earlier version to go back to "
                                f"(it points at version {current}).")
        return self.store.move_alias(name, alias, previous, kind=EventKind.ROLLBACK, who=_who(),
                                     reason=reason or f"rolled back from version {current}",
                                     at=_now())

    def delete(self, name: str, version: int) -> ModelVersion:
        """Delete a version and its bundle copy; refused while an alias points at it."""
        removed = self.store.delete_version(name, version)
        _remove(self.artifact_root / removed.artifact)
        return removed

    # -- loading -------------------------------------------------------------------------------------

    def bundle_path(self, name: str, version: int) -> Path:
        """The verified bundle folder of a version: every file present, unchanged, and no
        file added since registration.

        Raises:
            RegistryError: A missing, changed or extra file (the bundle copy was tampered with).
        """
        record = self.store.get_version(name, version)
        folder = self.artifact_root / record.artifact
        if not folder.is_dir():
            raise RegistryError(f"The bundle of {name}/{version} is missing from the artifact "
                                f"folder ({folder}); register the model again.")
        actual = hash_tree(folder)
        changed = sorted(f for f, h in record.files.items() if actual.get(f) != h)
        added = sorted(set(actual) - set(record.files))
        if changed or added:
            what = ", ".join([*(f"{f} changed" if f in actual else f"{f} missing" for f in changed),
                              *(f"{f} added" for f in added)][:5])
            raise RegistryError(f"The bundle of {name}/{version} does not match what was "
                                f"registered ({what}); refusing to load it. Register a good "
                                "copy as a new version.")
        return folder


def hash_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by ``/``-separated relative path."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    h.update(chunk)
            out[path.relative_to(folder).as_posix()] = h.hexdigest()
    return out


def _bundle_metadata(path: Path) -> dict[str, Any]:
    if not path.is_dir():
        raise RegistryError(f"{str(path)!r} is not a bundle folder (no such directory).")
    missing = [f for f in BUNDLE_REQUIRED if not (path / f).is_file()]
    if missing:
        raise RegistryError(f"{str(path)!r} is not a complete bundle ({', '.join(missing)} "
                            "missing); export the model again.")
    try:
        metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RegistryError(f"The bundle's metadata.json is unreadable ({exc}).") from None
    model_sha = hash_tree(path).get("model.joblib")
    if metadata.get("model_sha256") != model_sha:
        raise RegistryError(f"{str(path)!r}: model.joblib does not match the sha256 in its "
                            "metadata; export the model again.")
    return metadata


def _read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _remove(folder: Path) -> None:
    def unlock(func, path, _exc):
        os.chmod(path, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
        func(path)

    if folder.exists():
        for path in folder.rglob("*"):
            if path.is_file():
                path.chmod(stat.S_IWUSR | stat.S_IRUSR)
        shutil.rmtree(folder, onerror=unlock)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"
