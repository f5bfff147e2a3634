"""The registry's store: what any back end (SQLite, PostgreSQL, ...) must do.

One abstract class, each method's contract in its docstring; ``tests/registry`` runs one
contract test over every implementation. A store keeps records only; the bundle files live
in the artifact folder, managed by ``Registry``.
"""

from __future__ import annotations

import abc
import re
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

from automl.errors import AutoMLError

ALIAS_RE = re.compile(r"^[\w-]+$")
RESERVED_ALIAS_RE = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)
MODEL_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,99}$")
CHAMPION = "champion"
CHALLENGER = "challenger"


class RegistryError(AutoMLError, ValueError):
    """A registry request that cannot be done: unknown model, version or alias, a refused
    deletion, a tampered artifact. The message says what to do."""


class EventKind(StrEnum):
    """How an alias moved."""

    SET = "set"  # pointed at a version (created or moved)
    ROLLBACK = "rollback"  # moved back to the version it pointed at before


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model.

    Attributes:
        model: The registered model's name.
        version: 1, 2, ...; never reused, even after a deletion.
        created_at: ISO time (UTC) of the registration.
        artifact: The bundle copy's folder, relative to the artifact root.
        files: sha256 of every file of the bundle copy, by relative path (``/`` separated).
        source: Lineage: ``study``, ``trial``, ``project`` (file name), ``project_sha256``,
            ``mode`` (run, register, refit, warm, search), ``parent_version``.
        data_sha256: Fingerprint of the training data.
        rows: Training rows.
        task, metric, score, family: From the bundle's metadata (CV score, natural units).
        notes, tags: Free text and labels.
    """

    model: str
    version: int
    created_at: str
    artifact: str
    files: dict[str, str]
    source: dict[str, Any] = field(default_factory=dict)
    data_sha256: str = ""
    rows: int = 0
    task: str = ""
    metric: str = ""
    score: float | None = None
    family: str = ""
    notes: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AliasEvent:
    """One move of an alias: from a version (None: the alias is new) to a version."""

    model: str
    alias: str
    kind: EventKind
    from_version: int | None
    to_version: int
    at: str
    who: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "from": self.from_version, "to": self.to_version,
                "at": self.at, "who": self.who, "reason": self.reason, "kind": self.kind.value}


def check_model_name(name: str) -> str:
    if not isinstance(name, str) or not MODEL_RE.match(name):
        raise RegistryError(f"{name!r} is not a usable model name; use letters, digits, '_', "
                            "'.' or '-' (starting with a letter or digit).")
    return name


def check_alias(alias: str) -> str:
    """MLflow's rules: letters, digits, ``_`` and ``-``; not ``latest``, not ``v<digits>``."""
    if not isinstance(alias, str) or not ALIAS_RE.match(alias):
        raise RegistryError(f"{alias!r} is not a usable alias; use letters, digits, '_' or '-'.")
    if RESERVED_ALIAS_RE.match(alias):
        raise RegistryError(f"{alias!r} is reserved (it reads as a version); choose another "
                            "alias, such as 'champion' or 'challenger'.")
    return alias


class RegistryStore(abc.ABC):
    """Records of models, versions, aliases and alias events.

    Every method is atomic: it fully happens or not at all, also when several processes use
    one database. Names are checked by the caller (``check_model_name``, ``check_alias``);
    times are ISO strings in UTC. Unknown models, versions or aliases raise
    ``RegistryError`` with a message naming them.
    """

    @abc.abstractmethod
    def add_version(self, version: ModelVersion) -> ModelVersion:
        """Record a new version of ``version.model`` (the model is created on first use).

        ``version.version`` is ignored: the store gives the next number, one more than the
        highest ever given for that model (deleted numbers are not reused). Returns the
        version as stored, with its number.
        """

    @abc.abstractmethod
    def get_version(self, model: str, version: int) -> ModelVersion:
        """The version; ``RegistryError`` for an unknown model or version."""

    @abc.abstractmethod
    def list_versions(self, model: str) -> tuple[ModelVersion, ...]:
        """Every version of ``model``, oldest first; ``RegistryError`` for an unknown model."""

    @abc.abstractmethod
    def list_models(self) -> tuple[str, ...]:
        """Names of the registered models, sorted (a model whose versions were all deleted
        stays listed)."""

    @abc.abstractmethod
    def get_aliases(self, model: str) -> dict[str, int]:
        """Alias -> version of ``model``; ``RegistryError`` for an unknown model."""

    @abc.abstractmethod
    def move_alias(self, model: str, alias: str, version: int, *, kind: EventKind, who: str,
                   reason: str, at: str) -> AliasEvent:
        """Point ``alias`` at ``version`` and record the event, in one transaction.

        ``RegistryError`` for an unknown model or version. Moving an alias to the version it
        already points at records nothing and returns an event with ``from == to``.
        """

    @abc.abstractmethod
    def list_events(self, model: str) -> tuple[AliasEvent, ...]:
        """Every alias event of ``model``, oldest first."""

    @abc.abstractmethod
    def delete_version(self, model: str, version: int) -> ModelVersion:
        """Remove the version's record and return it.

        ``RegistryError`` when an alias points at it (naming the aliases), or for an
        unknown model or version. Alias events that mention it are kept.
        """
