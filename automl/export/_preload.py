"""Importing what writing a bundle needs, ahead of time.

A run's promise counts the export: on a 2 s budget the one-off imports of the model card's
renderer (matplotlib's Agg backend and font cache) and of skops took longer than the search
(2-3 s on a loaded 2-core machine). The search itself runs in worker processes, so the
parent is idle and can import them meanwhile; ``automl run --out`` calls :func:`preload` on
a background thread as the search starts. Imports are safe across threads (each module has
its lock), and nothing here draws or writes.
"""

from __future__ import annotations

import contextlib


def preload() -> None:
    """Import the export's heavy dependencies (a no-op for those already imported)."""
    import matplotlib.backends.backend_agg  # noqa: F401 - the renderer the card's figures use
    import matplotlib.font_manager  # noqa: F401 - loads the font cache once

    with contextlib.suppress(ImportError):  # skops is optional for older installs
        import skops.io  # noqa: F401
