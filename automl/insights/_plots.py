"""Matplotlib drawings of the plot data (automl.insights._data) onto a given Axes.

Used by the model card (Agg canvas) and by the GUI (QtAgg canvas): one drawing code, two
places. Nothing here imports Qt or chooses a backend.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from automl.insights._data import ConfusionData
from automl.insights._data import FamilyScores
from automl.insights._data import HistoryData
from automl.insights._data import ResidualData
from automl.insights._data import RocData

ACCENT = "#2f6fde"
MUTED = "#9aa5b1"


def draw_history(ax, data: HistoryData) -> None:
    ax.clear()
    if not data.numbers:
        _empty(ax, "No completed trial yet")
        return
    ax.scatter(data.numbers, data.scores, s=14, color=MUTED, label="trial", zorder=2)
    ax.step(data.numbers, data.best_so_far, where="post", color=ACCENT, lw=2, label="best so far",
            zorder=3)
    ax.set_xlabel("trial")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(data.metric)
    ax.set_title("Optimization history")
    ax.legend(loc="best", frameon=False)
    ax.grid(alpha=0.3)


def draw_family_scores(ax, data: FamilyScores) -> None:
    ax.clear()
    fams = [f for f, s in zip(data.families, data.scores, strict=True) if s]
    if not fams:
        _empty(ax, "No completed trial yet")
        return
    scores = [s for s in data.scores if s]
    ax.boxplot(scores, orientation="horizontal", widths=0.6, showfliers=False)
    for i, s in enumerate(scores, start=1):
        jitter = np.linspace(-0.15, 0.15, len(s)) if len(s) > 1 else [0]
        ax.scatter(s, np.full(len(s), i) + jitter, s=10, color=ACCENT, alpha=0.7, zorder=3)
    ax.set_yticks(range(1, len(fams) + 1), fams)
    ax.invert_yaxis()
    ax.set_xlabel(data.metric)
    ax.set_title("Score by model family")
    ax.grid(axis="x", alpha=0.3)


def draw_importances(ax, importances: dict[str, float], top: int = 15) -> None:
    ax.clear()
    items = list(importances.items())[:top]
    if not items:
        _empty(ax, "No importances")
        return
    names = [_short(k) for k, _ in items][::-1]
    values = [v for _, v in items][::-1]
    ax.barh(names, values, color=ACCENT)
    ax.set_xlabel("score lost when the column is shuffled")
    ax.set_title("Feature importance (permutation)")
    ax.grid(axis="x", alpha=0.3)


def draw_confusion(ax, data: ConfusionData) -> None:
    ax.clear()
    m = np.asarray(data.matrix)
    ax.imshow(m, cmap="Blues")
    n = len(data.classes)
    ax.set_xticks(range(n), [_short(c, 12) for c in data.classes], rotation=45, ha="right")
    ax.set_yticks(range(n), [_short(c, 12) for c in data.classes])
    top = m.max() if m.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(j, i, str(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > top / 2 else "black", fontsize=9)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title("Confusion matrix (cross-validation)")


def draw_roc(ax, data: RocData) -> None:
    ax.clear()
    ax.plot(data.fpr, data.tpr, color=ACCENT, lw=2, label=f"AUC {data.auc:.3f}")
    ax.plot([0, 1], [0, 1], color=MUTED, ls="--", lw=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"ROC curve (positive: {_short(data.positive_class, 20)})")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(alpha=0.3)


def draw_predicted_actual(ax, data: ResidualData) -> None:
    ax.clear()
    ax.scatter(data.actual, data.predicted, s=8, alpha=0.5, color=ACCENT)
    if data.actual:
        lo, hi = min(data.actual), max(data.actual)
        ax.plot([lo, hi], [lo, hi], color=MUTED, ls="--", lw=1)
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.set_title("Predicted vs actual (cross-validation)")
    ax.grid(alpha=0.3)


def draw_residuals(ax, data: ResidualData) -> None:
    ax.clear()
    residuals = np.asarray(data.actual) - np.asarray(data.predicted)
    ax.scatter(data.predicted, residuals, s=8, alpha=0.5, color=ACCENT)
    ax.axhline(0, color=MUTED, ls="--", lw=1)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual - predicted")
    ax.set_title("Residuals (cross-validation)")
    ax.grid(alpha=0.3)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=MUTED)
    ax.set_xticks([])
    ax.set_yticks([])


def _short(text: str, n: int = 28) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"
