"""Reading and writing project files: TOML in, TOML out (atomically), paths relative."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from automl.data import Dataset
from automl.data import load_dataset
from automl.project._migrations import migrate
from automl.project._schema import SUFFIX
from automl.project._schema import DataRef
from automl.project._schema import Project
from automl.project._schema import ProjectError
from automl.project._schema import check_name
from automl.project._schema import from_document
from automl.search import RunConfig

HEADER = ("# AutoML Studio project: one definition of a run (`automl run --project FILE`).\n"
          "# Paths are relative to this file. \"auto\", 0, [] and \"\" mean the default.\n")


@dataclass(frozen=True)
class LoadedProject:
    """A project read from a file.

    Attributes:
        project: The project; ``data.path`` resolved against the file's folder.
        path: The file.
        sha256: The file's content fingerprint (recorded as a model version's source).
        read_version: The schema version the file was written in (older ones are migrated).
    """

    project: Project
    path: Path
    sha256: str
    read_version: int


def load_project(path: str | os.PathLike) -> LoadedProject:
    """Read, migrate and validate a project file.

    Raises:
        ProjectError: Missing or unreadable file, bad TOML, unknown key, bad value.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"Cannot read the project file {str(path)!r}: "
                           f"{exc.strerror or exc}. Check the path.") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(f"{path.name}: not valid TOML ({exc}). Fix the file or write a new "
                           "one with `automl project init`.") from None
    doc, version = migrate(doc, path.name)
    project = from_document(doc, path.name)
    data_path = Path(project.data.path)
    if not data_path.is_absolute():
        data_path = path.parent / data_path
    project = dataclasses.replace(project, data=dataclasses.replace(
        project.data, path=os.path.abspath(str(data_path))))
    if not project.name:
        project = dataclasses.replace(project, name=_stem(path))
    return LoadedProject(project, path, hashlib.sha256(raw).hexdigest(), version)


def save_project(project: Project, path: str | os.PathLike) -> Path:
    """Write ``project`` to ``path`` atomically (a temporary sibling, then renamed); the
    data path is written relative to the file's folder."""
    path = Path(path)
    text = HEADER + tomli_w.dumps(_drop_empty_tables(file_document(project, path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def file_document(project: Project, path: str | os.PathLike) -> dict[str, Any]:
    """The document as the file at ``path`` holds it (the data path relative to its folder)."""
    doc = project.to_document()
    doc["data"]["path"] = _relative(project.data.path, Path(path).parent)
    return doc


def new_project(data: str | os.PathLike | Dataset, config: RunConfig, name: str | None = None,
                **read_options: Any) -> Project:
    """A project for ``config`` on ``data``, fingerprinted now (sha256 and rows).

    Args:
        data: The data file (or a Dataset read from one).
        config: The run settings.
        name: The registered model's name (default: the data file's stem).
        read_options: ``sep``, ``encoding``, ``sheet`` for the reader.
    """
    dataset = data if isinstance(data, Dataset) else load_dataset(data, **read_options)
    if dataset.source == "<dataframe>":
        raise ProjectError("A project needs its data in a file; save the table first.",
                           key="data.path")
    columns = [str(c) for c in dataset.columns]
    missing = [c for c in (config.target, *config.exclude) if c not in columns]
    if missing:
        key = "target.column" if missing[0] == config.target else "target.exclude"
        shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
        raise ProjectError(f"{key}: {missing[0]!r} is not a column of {Path(dataset.source).name}; "
                           f"its columns: {shown}.", key=key)
    ref = DataRef(path=str(dataset.source), sha256=dataset.sha256, rows=int(dataset.n_rows),
                  **{k: str(v) for k, v in read_options.items() if v is not None})
    return Project(name=check_name(name or _stem(dataset.source)), data=ref, config=config)


def data_change(project: Project, dataset: Dataset) -> str | None:
    """A sentence when ``dataset`` differs from the data the project was saved with."""
    ref = project.data
    if not ref.sha256 or ref.sha256 == dataset.sha256:
        return None
    rows = f", {ref.rows:,} rows then, {dataset.n_rows:,} now" if ref.rows else ""
    return (f"the data differs from when the project was saved (fingerprint {ref.sha256[:12]} "
            f"then, {dataset.sha256[:12]} now{rows}); training on the new data")


def _stem(path: str | os.PathLike) -> str:
    name = Path(path).name
    name = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else Path(name).stem
    cleaned = "".join(c if c.isalnum() or c in "_.-" else "-" for c in name).strip("-._")
    return cleaned or "model"


def _relative(data_path: str, folder: Path) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(data_path), os.path.abspath(folder))
    except ValueError:  # another drive on Windows: keep it absolute
        return Path(data_path).as_posix()
    return Path(rel).as_posix()


def _drop_empty_tables(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if not (k == "monitor" and not v)}
