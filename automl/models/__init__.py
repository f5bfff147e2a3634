"""The registry of model families, as data (see ``FamilySpec``)."""

from __future__ import annotations

from automl.data._types import TaskKind
from automl.errors import ConfigError
from automl.models._families import FAMILIES
from automl.models._spec import FamilySpec
from automl.models._spec import SpaceContext

__all__ = ["FAMILIES", "FamilySpec", "SpaceContext", "families_for", "get_family", "register_family"]

_REGISTRY: dict[str, FamilySpec] = {f.name: f for f in FAMILIES}


def register_family(spec: FamilySpec) -> None:
    """Add (or replace) a family, e.g. an optional LightGBM family or a test double."""
    _REGISTRY[spec.name] = spec


def get_family(name: str) -> FamilySpec:
    """Look a family up by name.

    Raises:
        ConfigError: Unknown name (the message lists the known ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"Unknown model family {name!r}. Known families: {', '.join(_REGISTRY)}.",
            field="families", choices=tuple(_REGISTRY),
        ) from None


def families_for(
    kind: TaskKind, names: tuple[str, ...] | None = None, n_rows: int | None = None,
    sparse: bool = False,
) -> tuple[FamilySpec, ...]:
    """Families to search for a task, in registry order (cheap strong ones first).

    Args:
        kind: The task kind.
        names: Restrict to these families (validated); None for all.
        n_rows: Training rows; families whose ``max_rows`` is exceeded are left out.
        sparse: Whether the scaled inputs are sparse (text columns).

    Raises:
        ConfigError: An unknown name, or a named family that cannot do this task.
    """
    kind = TaskKind(kind)
    chosen = [get_family(n) for n in names] if names else list(_REGISTRY.values())
    if names:
        wrong = [f.name for f in chosen if not f.supports(kind)]
        if wrong:
            raise ConfigError(
                f"Families {', '.join(wrong)} cannot do {kind.value} tasks.", field="families"
            )
    out = [f for f in chosen if f.supports(kind)]
    if n_rows is not None:
        out = [f for f in out if f.max_rows is None or n_rows <= f.max_rows]
    if sparse:
        out = [f for f in out if f.accepts_sparse]
    return tuple(out)
