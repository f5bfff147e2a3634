"""A matplotlib canvas for the engine's drawing functions (``automl.plots``).

The GUI draws nothing itself: a page hands a ``draw_*`` function and its data to
:meth:`PlotCanvas.plot`, which calls it on this canvas's Axes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("QtAgg")

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

matplotlib.rcParams.update({
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelcolor": "#3e4c59",
    "axes.edgecolor": "#cbd2d9",
    "xtick.color": "#52606d",
    "ytick.color": "#52606d",
    "axes.spines.top": False,
    "axes.spines.right": False,
})


class PlotCanvas(FigureCanvasQTAgg):
    """One Axes on a Qt widget; redrawn only when asked (and then lazily)."""

    def __init__(self, parent=None, width: float = 5.0, height: float = 3.2):
        self.figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
        self.figure.patch.set_facecolor("white")
        super().__init__(self.figure)
        self.setParent(parent)
        self.axes = self.figure.add_subplot(111)
        self.setMinimumSize(240, 180)
        self.placeholder("Nothing to show yet")

    def plot(self, draw: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Call an ``automl.plots.draw_*`` function on this canvas and repaint."""
        self.axes.clear()
        for side in ("left", "bottom"):
            self.axes.spines[side].set_visible(True)
        draw(self.axes, *args, **kwargs)
        self.axes.title.set_wrap(True)  # long titles over narrow (square) axes
        self.draw_idle()

    def placeholder(self, text: str) -> None:
        """An empty chart with a grey note (no data, too few trials, computing...)."""
        self.axes.clear()
        self.axes.text(0.5, 0.5, text, ha="center", va="center", transform=self.axes.transAxes,
                       color="#9aa5b1", wrap=True)
        self.axes.set_xticks([])
        self.axes.set_yticks([])
        for side in ("left", "bottom"):
            self.axes.spines[side].set_visible(False)
        self.draw_idle()

    def plot_text(self) -> str:
        """The title and any notes on the chart (tests read what a user would see)."""
        texts = [self.axes.get_title()] + [t.get_text() for t in self.axes.texts]
        return " ".join(t for t in texts if t)
