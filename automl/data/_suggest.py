"""A first guess at the column to predict, so a person can start with one click.

``automl.data.suggest_target``: headless, used by the GUI's Target step (and usable by any
front end). The guess is only a default: the user confirms or changes it, and
``detect_task`` validates the choice.
"""

from __future__ import annotations

import re

from automl.data._types import ColumnKind
from automl.data._types import Profile

__all__ = ["TARGET_NAMES", "suggest_target"]

# Names analysts give the column to predict, most specific first.
TARGET_NAMES = (
    "target", "label", "labels", "class", "y", "outcome", "churn", "churned", "diagnosis",
    "species", "survived", "default", "fraud", "is_fraud", "response", "result", "price",
    "salary", "income", "quality", "progression", "cultivar", "sales", "output",
)
_USABLE = (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def suggest_target(profile: Profile) -> str | None:
    """The likely target column: a conventional name, else the last usable column.

    Returns None for a table without a column that could be a target (every column empty,
    constant, an identifier, free text or a date).
    """
    usable = [c for c in profile.columns if c.kind in _USABLE]
    if not usable:
        return None
    by_key = {_key(c.name): c.name for c in usable}
    for name in TARGET_NAMES:
        if name in by_key:
            return by_key[name]
    for c in usable:
        key = _key(c.name)
        if key.startswith(("target_", "label_")) or key.endswith(("_target", "_label")):
            return c.name
    return usable[-1].name
