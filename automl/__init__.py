"""AutoML Studio engine: headless, no Qt. See docs/architecture.md.

Public entry points: :class:`AutoML` (Python API), ``automl.data``, ``automl.search``,
``automl.records``, ``automl.export``; the ``automl`` command is ``automl.cli``.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["AutoML", "__version__"]


def __getattr__(name: str):
    # Lazy: `import automl` stays cheap (the CLI's budget clock includes imports).
    if name == "AutoML":
        from automl.api import AutoML

        return AutoML
    raise AttributeError(name)
