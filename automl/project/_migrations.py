"""Older project documents brought up to the current schema, one function per version.

``MIGRATIONS[n]`` turns a version-``n`` document into a version ``n + 1`` one. Each is a
pure function of the parsed TOML, so its fixture file in the tests is all it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from automl.project._schema import SCHEMA_VERSION
from automl.project._schema import ProjectError

Document = dict[str, Any]


def _v0_to_v1(doc: Document) -> Document:
    """Version 0 (files written before ``schema_version`` existed) was one flat table
    named after ``RunConfig``'s fields, with the data file as ``data`` and no sections."""
    flat = dict(doc)
    out: Document = {"schema_version": 1, "name": flat.pop("name", ""),
                     "data": {"path": flat.pop("data", "")}, "target": {}, "search": {},
                     "storage": {}}
    moves = {
        "target": ("target", "column"), "task": ("target", "task"),
        "metric": ("target", "metric"), "exclude": ("target", "exclude"),
        "budget_s": ("search", "time_budget_s"), "n_trials": ("search", "n_trials"),
        "families": ("search", "families"), "cv": ("search", "cv"),
        "cv_repeats": ("search", "cv_repeats"), "seed": ("search", "seed"),
        "n_jobs": ("search", "n_jobs"), "storage_url": ("storage", "url"),
        "study_name": ("storage", "study"),
    }
    for old, (section, key) in moves.items():
        if old in flat:
            out[section][key] = flat.pop(old)
    if flat:
        raise ProjectError(f"{', '.join(sorted(flat))}: unknown key(s) in a version-0 project; "
                           "remove them or rewrite the file with `automl project init`.",
                           key=sorted(flat)[0])
    return out


MIGRATIONS: dict[int, Callable[[Document], Document]] = {0: _v0_to_v1}


def migrate(doc: Document, where: str = "project") -> tuple[Document, int]:
    """Bring ``doc`` to ``SCHEMA_VERSION``; returns it and the version it was read as.

    Raises:
        ProjectError: A version newer than this program reads, or not a number.
    """
    version = doc.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectError(f"{where}: schema_version: expected a whole number, got {version!r}.",
                           key="schema_version")
    if version > SCHEMA_VERSION:
        raise ProjectError(f"{where}: schema_version: {version} is newer than this version of "
                           f"AutoML Studio reads ({SCHEMA_VERSION}); upgrade it to open this file.",
                           key="schema_version")
    original = version
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc, original
