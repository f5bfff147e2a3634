"""``automl insights``: the data behind the Results plots of a stored trial, and the plots.

The trial is scored again on the study's own folds (``automl.insights.trial_insights``),
which takes as long as one trial of the search took; the GUI runs this command in a child
process so it can be cancelled. ``--json`` prints one document (``automl.cli.documents``); ``--plots DIR``
draws the Results step's plots with the engine's drawing code into PNG files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from automl.errors import ConfigError

# The model card's figure sizes (automl.export's card), so the two look alike.
WIDE = (6.0, 3.6)
SQUARE = (4.8, 4.2)
TALL = (6.0, 4.2)


def add_command(sub) -> None:
    ins = sub.add_parser(
        "insights", help="score a stored trial again on its folds: the Results plots' data "
        "(confusion matrix, ROC, residuals, feature importances) as JSON or PNG files")
    ins.add_argument("--study", required=True)
    ins.add_argument("--storage", help="the study's storage URL (default: the default storage)")
    ins.add_argument("--trial", type=int, help="trial number (default: the best)")
    ins.add_argument("--data", help="training data (default: the file the study recorded)")
    ins.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    ins.add_argument("--plots", metavar="DIR", help="write the Results plots as PNG files "
                     "into DIR (the trial's, and the study's: history, families, parameters)")
    ins.set_defaults(func=cmd_insights)


def cmd_insights(args, started_at: float) -> int:
    from automl.cli._commands import _print_json
    from automl.cli.documents import insights_to_dict
    from automl.insights import trial_insights

    out = Path(args.plots) if args.plots else None
    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--plots {args.plots!r} is a file; give a folder for the PNG files.")
    data = trial_insights(args.study, args.storage, args.trial, data=args.data)
    written = write_plots(data, args.study, args.storage, out) if out is not None else []
    if args.json:
        doc = insights_to_dict(data)
        if out is not None:
            doc["plots"] = [str(p) for p in written]
        _print_json(doc)
    else:
        print(describe(data))
    if written:
        print(f"{len(written)} plots written to {out}", file=sys.stderr)
    return 0


def write_plots(data, study: str, storage: str | None, out: Path) -> list[Path]:
    """The Results step's plots as PNG files in ``out``; returns the files written."""
    from automl import insights
    from automl.records import Leaderboard

    board = Leaderboard.from_study(study, storage)
    figures = [("history", insights.draw_history, insights.history_data(board), WIDE),
               ("families", insights.draw_family_scores, insights.family_scores(board), WIDE)]
    params = insights.param_importances(study, storage)
    if params.importances:
        figures.append(("parameters", _draw_param_importances, params.importances, TALL))
    if data.confusion is not None:
        figures.append(("confusion", insights.draw_confusion, data.confusion, SQUARE))
    if data.roc is not None:
        figures.append(("roc", insights.draw_roc, data.roc, SQUARE))
    if data.residuals is not None:
        figures += [("predicted_actual", insights.draw_predicted_actual, data.residuals, WIDE),
                    ("residuals", insights.draw_residuals, data.residuals, WIDE)]
    if data.importances:
        figures.append(("importances", insights.draw_importances, data.importances, TALL))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw, values, size in figures:
        path = out / f"{name}.png"
        _render(draw, values, size, path)
        written.append(path)
    return written


def _render(draw, values, size, path: Path) -> None:
    # A bare Figure renders with Agg: no pyplot, no backend chosen for anyone else.
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    draw(fig.add_subplot(), values)
    fig.savefig(path, format="png")


def _draw_param_importances(ax, importances: dict[str, float]) -> None:
    """The engine's bar chart, titled for search parameters (as the Results step shows it)."""
    from automl import insights

    shown = {k: v for k, v in importances.items() if v >= 0.005}
    insights.draw_importances(ax, shown, top=10)
    if shown:
        ax.set_title("Search parameter importance")
        ax.set_xlabel("share of the score's variation explained")


def describe(data) -> str:
    """A few lines for a terminal: what the plots would show."""
    lines = [f"study {data.study_name!r}, trial {data.trial_number} ({data.family}, "
             f"{data.task}), out-of-fold predictions"]
    if data.confusion is not None:
        width = max(len(c) for c in data.confusion.classes)
        cell = max(6, width)
        lines.append("confusion matrix (rows: actual, columns: predicted):")
        lines.append(" " * (width + 4) + "  ".join(c.rjust(cell) for c in data.confusion.classes))
        for label, row in zip(data.confusion.classes, data.confusion.matrix, strict=True):
            lines.append(f"  {label.ljust(width)}  " + "  ".join(str(v).rjust(cell) for v in row))
    if data.roc is not None:
        lines.append(f"ROC AUC {data.roc.auc:.4f} (positive class {data.roc.positive_class!r})")
    if data.residuals is not None and data.residuals.actual:
        errors = [a - p for a, p in zip(data.residuals.actual, data.residuals.predicted,
                                        strict=True)]
        mae = sum(abs(e) for e in errors) / len(errors)
        lines.append(f"{len(errors)} predictions, mean absolute error {mae:.4g}")
    if data.importances:
        lines.append("feature importances (score lost when the column is shuffled):")
        lines += [f"  {name}: {value:.4g}" for name, value in list(data.importances.items())[:10]]
    lines += [f"note: {note}" for note in data.notes]
    return "\n".join(lines)
