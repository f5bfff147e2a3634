"""Errors a user can cause, each with a message that says what is wrong and what to do.

Every class also inherits a built-in exception where one fits, so generic callers
(``except ValueError``) keep working, as scikit-learn does with ``NotFittedError``.
The CLI prints these as one line and exits 2; the GUI shows them in the window.
"""

from __future__ import annotations

__all__ = [
    "AutoMLError",
    "BundleError",
    "ConfigError",
    "DataError",
    "SchemaError",
    "SearchError",
]


class AutoMLError(Exception):
    """Root of every error AutoML Studio raises on purpose."""


class DataError(AutoMLError, ValueError):
    """The data cannot be used as given: unreadable file, bad target, no usable feature.

    Args:
        message: What is wrong, the value involved and what to do.
        path: The file concerned, if any.
        column: The column concerned, if any (the GUI highlights it).
    """

    def __init__(self, message: str, *, path: str | None = None, column: str | None = None):
        super().__init__(message)
        self.path = path
        self.column = column


class ConfigError(AutoMLError, ValueError):
    """A run or export setting is invalid (unknown metric, family, negative budget...).

    Args:
        message: What is wrong and the allowed values.
        field: The setting concerned.
        choices: The allowed values, when the set is closed.
    """

    def __init__(
        self, message: str, *, field: str | None = None, choices: tuple[str, ...] | None = None
    ):
        super().__init__(message)
        self.field = field
        self.choices = choices


class BundleError(AutoMLError, ValueError):
    """A model bundle is missing, incomplete, tampered with or of an unknown format."""


class SchemaError(BundleError):
    """Input rows do not match the bundle's input schema (missing columns, wrong kinds).

    Args:
        message: What is wrong, naming the columns.
        columns: The offending columns.
    """

    def __init__(self, message: str, *, columns: tuple[str, ...] = ()):
        super().__init__(message)
        self.columns = columns


class SearchError(AutoMLError, RuntimeError):
    """The search could not produce a model (e.g. every trial failed)."""
