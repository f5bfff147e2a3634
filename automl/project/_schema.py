"""The project file's schema (version 1): one TOML document that defines a run.

The run settings are ``RunConfig``'s fields, laid out in sections by ``FIELDS``: that table
is the only place that says where a setting lives in the file, and a test checks that it
covers every field of ``RunConfig``. TOML has no null, so a setting whose ``RunConfig``
value is None is written as ``"auto"`` (``metric``, ``cv_repeats``, ``trial_timeout_s``),
``0`` (``n_trials``: no cap), ``[]`` (``families``: all that fit) or ``""`` (storage).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from automl.errors import ConfigError
from automl.search import RunConfig

SCHEMA_VERSION = 1
SUFFIX = ".automl.toml"
NAME_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,99}$")
RUN_ONLY = frozenset({"resume"})  # RunConfig fields that are flags of one run, not of a project


class ProjectError(ConfigError):
    """A project file is unreadable, of an unknown version, or holds a bad key or value.

    Args:
        message: ``KEY: reason`` and what to do.
        key: The dotted key concerned (``search.cv``), if any.
    """

    def __init__(self, message: str, *, key: str | None = None):
        super().__init__(message, field=key)
        self.key = key


NEVER = type("Never", (), {"__repr__": lambda self: "NEVER"})()


@dataclass(frozen=True)
class Setting:
    """Where one RunConfig field lives in the file and how its None is spelled."""

    section: str
    key: str
    attr: str
    kind: type | tuple[type, ...]
    none: Any = NEVER  # the file's spelling of None; NEVER: the field is never None


FIELDS: tuple[Setting, ...] = (
    Setting("target", "column", "target", str),
    Setting("target", "task", "task", str),
    Setting("target", "metric", "metric", str, "auto"),
    Setting("target", "exclude", "exclude", list),
    Setting("search", "time_budget_s", "budget_s", (int, float)),
    Setting("search", "n_trials", "n_trials", int, 0),
    Setting("search", "families", "families", list, []),
    Setting("search", "cv", "cv", int),
    Setting("search", "cv_repeats", "cv_repeats", (int, str), "auto"),
    Setting("search", "seed", "seed", int),
    Setting("search", "n_jobs", "n_jobs", int),
    Setting("search", "trial_timeout_s", "trial_timeout_s", (int, float, str), "auto"),
    Setting("search", "holdout_rows", "holdout_rows", int),
    Setting("search", "max_search_rows", "max_search_rows", int),
    Setting("search", "max_data_mb", "max_data_mb", (int, float)),
    Setting("storage", "url", "storage_url", str, ""),
    Setting("storage", "study", "study_name", str, ""),
)
_BY_ATTR = {s.attr: s for s in FIELDS}
_STRINGS = {"target", "task", "metric", "storage_url", "study_name"}
DATA_KEYS = {"path": str, "sha256": str, "rows": int, "sep": str, "encoding": str, "sheet": str}
SECTIONS = ("data", "target", "search", "storage", "monitor")
TOP_KEYS = ("schema_version", "name", *SECTIONS)


@dataclass(frozen=True)
class DataRef:
    """The training data a project points at.

    Attributes:
        path: The file; relative to the project file when stored, as given in memory.
        sha256: Content fingerprint when the project was saved ("" if never read).
        rows: Row count when saved (0 if unknown).
        sep, encoding, sheet: Reader options ("" for detected / the first sheet).
    """

    path: str
    sha256: str = ""
    rows: int = 0
    sep: str = ""
    encoding: str = ""
    sheet: str = ""

    def read_options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if self.sep:
            opts["sep"] = self.sep
        if self.encoding:
            opts["encoding"] = self.encoding
        if self.sheet:
            opts["sheet"] = int(self.sheet) if self.sheet.isdigit() else self.sheet
        return opts


@dataclass(frozen=True)
class Project:
    """Everything a run needs: the model's name, the data and the run's settings.

    Attributes:
        name: The registered model's name (letters, digits, ``_ . -``).
        data: The data reference.
        config: The run settings (``resume`` is never part of a project).
        monitor: Overrides of the drift policy, kept as written.
    """

    name: str
    data: DataRef
    config: RunConfig
    monitor: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.config.resume:
            object.__setattr__(self, "config", dataclasses.replace(self.config, resume=False))

    def to_document(self) -> dict[str, Any]:
        """The TOML document (a plain dict), every setting written out."""
        doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "name": self.name}
        doc["data"] = {k: getattr(self.data, k) for k in DATA_KEYS}
        for s in FIELDS:
            value = getattr(self.config, s.attr)
            if value is None:
                value = s.none
            elif isinstance(value, tuple):
                value = list(value)
            doc.setdefault(s.section, {})[s.key] = value
        doc["monitor"] = dict(self.monitor)
        return doc


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ProjectError(f"name: {name!r} is not a usable model name; use letters, digits, "
                           "'_', '.' or '-' (at most 100, starting with a letter or digit).",
                           key="name")
    return name


def from_document(doc: dict[str, Any], where: str = "project") -> Project:
    """Validate a version-1 document and build the Project.

    Raises:
        ProjectError: An unknown key or section, a value of the wrong type, or a setting
            RunConfig refuses; the message names the key and the reason.
    """
    _no_unknown(doc, TOP_KEYS, where, "")
    for section in SECTIONS:
        if section in doc and not isinstance(doc[section], dict):
            raise ProjectError(f"{where}: {section}: must be a table ([{section}]).", key=section)
    data_doc = doc.get("data") or {}
    _no_unknown(data_doc, tuple(DATA_KEYS), where, "data.")
    for key, kind in DATA_KEYS.items():
        if key in data_doc:
            _check_type(data_doc[key], kind, f"data.{key}", where)
    if not data_doc.get("path"):
        raise ProjectError(f"{where}: data.path: missing; say which file to train on.",
                           key="data.path")
    if data_doc.get("rows", 0) < 0:
        raise ProjectError(f"{where}: data.rows: must be 0 or more, got {data_doc['rows']}.",
                           key="data.rows")
    data = DataRef(**data_doc)
    settings: dict[str, Any] = {}
    for section in ("target", "search", "storage"):
        table = doc.get(section) or {}
        known = tuple(s.key for s in FIELDS if s.section == section)
        _no_unknown(table, known, where, f"{section}.")
    for s in FIELDS:
        table = doc.get(s.section) or {}
        if s.key not in table:
            continue
        settings[s.attr] = _value(s, table[s.key], where)
    if "target" not in settings or not settings["target"]:
        raise ProjectError(f"{where}: target.column: missing; name the column to predict.",
                           key="target.column")
    try:
        config = RunConfig(**settings)
    except ConfigError as exc:
        key = _key_of(exc.field)
        raise ProjectError(f"{where}: {key}: {exc}", key=key) from None
    name = doc.get("name", "")
    if not isinstance(name, str):
        raise ProjectError(f"{where}: name: must be a string, got {name!r}.", key="name")
    return Project(name=name, data=data, config=config, monitor=dict(doc.get("monitor") or {}))


def _value(s: Setting, value: Any, where: str) -> Any:
    key = f"{s.section}.{s.key}"
    _check_type(value, s.kind, key, where)
    if s.none is not NEVER and value == s.none:
        return None
    if isinstance(value, str) and s.attr not in _STRINGS:  # only "auto" may spell a number
        raise ProjectError(f"{where}: {key}: expected a number or {s.none!r}, got {value!r}.",
                           key=key)
    if isinstance(value, list):
        bad = [v for v in value if not isinstance(v, str)]
        if bad:
            raise ProjectError(f"{where}: {key}: expected a list of names, got {bad[0]!r} in it.",
                               key=key)
        return tuple(value)
    return value


def _kinds(kind) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _check_type(value: Any, kind, key: str, where: str) -> None:
    kinds = _kinds(kind)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join({int: "an integer", float: "a number", str: "a string",
                             list: "a list"}[k] for k in kinds)
        raise ProjectError(f"{where}: {key}: expected {names}, got {value!r}.", key=key)


def _no_unknown(table: dict[str, Any], known: tuple[str, ...], where: str, prefix: str) -> None:
    for key in table:
        if key not in known:
            raise ProjectError(f"{where}: {prefix}{key}: unknown key; known keys here are "
                               f"{', '.join(known)}.", key=f"{prefix}{key}")


def _key_of(attr: str | None) -> str:
    s = _BY_ATTR.get(attr or "")
    return f"{s.section}.{s.key}" if s else (attr or "settings")


def key_of(attr: str) -> str:
    """The dotted file key of a RunConfig field (``budget_s`` -> ``search.time_budget_s``)."""
    return _key_of(attr)
