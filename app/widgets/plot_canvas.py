"""A chart widget for the engine's drawing functions (``automl.insights.draw_*``), rendered off
the GUI thread.

The GUI draws nothing itself: a page hands a ``draw_*`` function and its data to
:meth:`PlotCanvas.plot`. Rendering a matplotlib figure takes 30-150 ms (more while a search
keeps both cores busy), far too long for the GUI thread of a window that must never stall,
so the figure is drawn with matplotlib's Agg canvas on a dedicated single-thread pool (one
figure at a time: matplotlib's text and font caches are not made for concurrent use) and
the finished image is painted by this widget. Resizing re-renders after a short pause.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QSize
from PySide6.QtCore import Qt
from PySide6.QtCore import QThreadPool
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtGui import QImage
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy
from PySide6.QtWidgets import QWidget

from app.workers import JobRunner
from app.workers import named_pool

# The window's chart style, applied while a chart is drawn (matplotlib.rc_context), not to
# matplotlib's globals when this module is imported: other figures of the process (the model
# card's, drawn by the same engine code) keep their own style.
CHART_STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelcolor": "#3e4c59",
    "axes.edgecolor": "#cbd2d9",
    "xtick.color": "#52606d",
    "ytick.color": "#52606d",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
RESIZE_DELAY_MS = 150
PLACEHOLDER_COLOR = QColor("#9aa5b1")


def render_pool() -> QThreadPool:
    """One thread renders every chart, one after the other."""
    return named_pool("render", 1)


@dataclass(frozen=True)
class RenderedPlot:
    """An RGBA image of a drawn figure and the texts on it (titles, notes)."""

    rgba: bytes
    width: int
    height: int
    texts: tuple[str, ...]


def render_plot(draw: Callable[..., None], args: tuple, kwargs: dict, width: int, height: int,
                dpi: float) -> RenderedPlot:
    """Draw ``draw(ax, *args, **kwargs)`` on a fresh Agg figure of the given pixel size."""
    with matplotlib.rc_context(CHART_STYLE):  # text and axes take the style as they are made
        figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
        figure.patch.set_facecolor("white")
        canvas = FigureCanvasAgg(figure)
        ax = figure.add_subplot(111)
        draw(ax, *args, **kwargs)
        ax.title.set_wrap(True)  # long titles over narrow (square) axes
        canvas.draw()
    w, h = canvas.get_width_height(physical=True)
    texts = tuple(t for t in [ax.get_title()] + [t.get_text() for t in ax.texts] if t)
    result = RenderedPlot(bytes(canvas.buffer_rgba()), w, h, texts)
    del figure, canvas, ax
    gc.collect()  # a figure is thousands of objects in reference cycles: free them now, in
    return result  # small steps, rather than in one long collection later (see app.warmup)


class PlotCanvas(QWidget):
    """Shows one chart, or a grey one-line note while there is nothing to chart.

    Signals:
        rendered(): a new image is on screen (tests and screenshots wait for it).
    """

    rendered = Signal()

    def __init__(self, parent=None, width: float = 5.0, height: float = 3.2):
        super().__init__(parent)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._hint = (int(width * 100), int(height * 100))
        self._jobs = JobRunner(self, pool=render_pool())
        self._request: tuple[Callable[..., None], tuple, dict] | None = None
        self._image: QImage | None = None
        self._texts: tuple[str, ...] = ()
        self._note = "Nothing to show yet"
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.timeout.connect(self._render)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(*self._hint)

    # -- what to show ---------------------------------------------------------------------

    def plot(self, draw: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Render ``draw(ax, *args, **kwargs)`` (``automl.insights.draw_*``) in the background."""
        self._request = (draw, args, kwargs)
        self._render()

    def placeholder(self, text: str) -> None:
        """Show a grey note instead of a chart (no data, too few trials, computing...)."""
        self._jobs.cancel("render")
        self._request = None
        self._image = None
        self._texts = (text,) if text else ()
        self._note = text
        self.update()

    def plot_text(self) -> str:
        """Titles and notes currently shown (tests read what a user would see)."""
        return " ".join(self._texts)

    def is_rendering(self) -> bool:
        return self._jobs.is_busy("render")

    # -- rendering ------------------------------------------------------------------------------

    def _render(self) -> None:
        if self._request is None:
            return
        ratio = self.devicePixelRatioF()
        width = max(self.width(), 120)
        height = max(self.height(), 90)
        draw, args, kwargs = self._request
        self._jobs.run("render", render_plot, draw, args, kwargs, int(width * ratio),
                       int(height * ratio), 100 * ratio, on_done=self._show,
                       on_error=lambda exc: self.placeholder(f"Could not draw this chart: {exc}"))

    def _show(self, result: RenderedPlot) -> None:
        image = QImage(result.rgba, result.width, result.height, result.width * 4,
                       QImage.Format.Format_RGBA8888).copy()
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self._image = image
        self._texts = result.texts
        self.update()
        self.rendered.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self._request is not None:
            self._resize_timer.start(RESIZE_DELAY_MS)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if self._image is not None:
            # While a resize re-renders, the old image is stretched for a moment.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.rect(), self._image)
        elif self._note:
            painter.setPen(PLACEHOLDER_COLOR)
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._note)
        painter.end()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._jobs.close()
        super().closeEvent(event)
