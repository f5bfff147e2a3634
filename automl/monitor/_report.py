"""A monitoring check as files: JSON, Markdown and one self-contained HTML page with plots.

``write_report(report, folder)`` writes ``report.json``, ``report.md``, ``report.html`` (every
plot embedded as a PNG data URI: one small training-vs-new chart per drifted column and
output) and appends one line to ``history.jsonl``, the folder's record of checks over time.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from automl.monitor._check import MonitorReport
from automl.monitor._drift import ColumnCheck

__all__ = ["HISTORY_FILE", "draw_drift", "history_entry", "monitoring_folder", "read_history", "record_comparison", "to_markdown",
           "write_report"]

HISTORY_FILE = "history.jsonl"
COMPARISONS_FILE = "comparisons.jsonl"


def write_report(report: MonitorReport, folder: str | Path) -> Path:
    """Write the three report files into ``folder`` (created) and append to its history."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    doc = report.to_dict(plots=True)
    (out / "report.json").write_text(json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n",
                                     encoding="utf-8")
    (out / "report.md").write_text(to_markdown(report), encoding="utf-8")
    (out / "report.html").write_text(to_html(report), encoding="utf-8")
    with open(out / HISTORY_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(history_entry(report), allow_nan=False, default=str) + "\n")
    return out


def monitoring_folder(model: str, bundle_path: str | Path, version_key: str = "") -> Path:
    """Where a model's checks are kept when no folder is given.

    A bundle folder named on the command line: ``<bundle>.monitoring`` beside it. A registry
    URI (whose bundle copy must not change): ``<workspace>/monitoring/<version_key>`` (e.g.
    ``churn-v3``: one history per registered version, whichever alias pointed at it).
    """
    bundle = Path(bundle_path)
    if Path(model).is_dir():
        return bundle.with_name(bundle.name + ".monitoring")
    from automl.storage import workspace_dir

    return workspace_dir() / "monitoring" / (version_key or f"{bundle.parent.name}-{bundle.name}")


def history_entry(report: MonitorReport) -> dict[str, Any]:
    """The one-line summary of a check kept in the history."""
    return {"created_at": report.created_at, "model": report.model, "data": report.data,
            "verdict": report.verdict.value, "rows": report.drift.rows,
            "drifted": list(report.drift.drifted_columns), "drifted_share": report.drift.share,
            "prediction_drift": any(c.drifted for c in report.prediction),
            "estimate": report.estimate.to_dict() if report.estimate else None,
            "realised": report.realised.to_dict() if report.realised else None}


def record_comparison(folder: str | Path, doc: dict[str, Any]) -> Path:
    """Append a comparison (``automl compare --json``'s document) to ``folder``/comparisons.jsonl."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / COMPARISONS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, allow_nan=False, default=str) + "\n")
    return out / COMPARISONS_FILE


def read_history(folder: str | Path) -> list[dict[str, Any]]:
    """The checks recorded in a report folder, oldest first (unreadable lines skipped)."""
    path = Path(folder) / HISTORY_FILE
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def _stat(c: ColumnCheck) -> str:
    if c.test is None:
        return "not run"
    return f"{c.statistic:.4g}" if c.statistic is not None else "-"


def _rows(checks) -> list[str]:
    lines = ["| column | test | statistic | threshold | drifted | findings |",
             "| --- | --- | --- | --- | --- | --- |"]
    for c in checks:
        what = "; ".join(c.findings) or c.note or ""
        lines.append(f"| {c.column} | {c.test or '-'} | {_stat(c)} | {c.threshold if c.threshold is not None else '-'} "
                     f"| {'**yes**' if c.drifted else 'no'} | {what} |")
    return lines


def _estimate_line(label: str, e) -> str:
    if e is None:
        return ""
    span = f" (95% interval {e.low:.4f} .. {e.high:.4f})" if e.low is not None else ""
    return f"- {label}: {e.metric} {e.value:.4f}{span} on {e.rows:,} rows; {e.note}"


def to_markdown(report: MonitorReport) -> str:
    d = report.drift
    lines = [f"# Monitoring check: {report.verdict.value}", "",
             f"- model: `{report.model}`", f"- data: `{report.data}` ({d.rows:,} rows)",
             f"- checked: {report.created_at}",
             f"- drifted columns: {len(d.drifted_columns)} of {len(d.columns)} "
             f"({d.share:.0%}; importance-weighted "
             f"{'-' if d.weighted_share is None else f'{d.weighted_share:.0%}'}); the dataset drifts "
             f"at {report.policy.drift_share:.0%}", ""]
    if d.columns:
        lines += ["## Columns", "", *_rows(d.columns), ""]
    if report.prediction:
        lines += ["## Prediction drift", "", *_rows(report.prediction), ""]
    perf = [x for x in (_estimate_line("estimate", report.estimate),
                        _estimate_line("realised", report.realised)) if x]
    if perf:
        lines += ["## Performance", "", *perf, ""]
    if d.not_run or report.notes:
        lines += ["## Could not run", "", *[f"- {n}" for n in (*d.not_run, *report.notes)], ""]
    return "\n".join(lines) + "\n"


def to_html(report: MonitorReport) -> str:
    """The Markdown's content as one HTML page, with a plot per drifted column and output."""
    d = report.drift
    body = [f"<h1>Monitoring check: {html.escape(report.verdict.value)}</h1>",
            f"<p>model <code>{html.escape(report.model)}</code>, data <code>{html.escape(report.data)}</code>"
            f" ({d.rows:,} rows), checked {html.escape(report.created_at)}. Drifted columns: "
            f"{len(d.drifted_columns)} of {len(d.columns)} ({d.share:.0%}).</p>"]
    for title, checks in (("Columns", d.columns), ("Prediction drift", report.prediction)):
        if not checks:
            continue
        body.append(f"<h2>{title}</h2><table><tr><th>column</th><th>test</th><th>statistic</th>"
                    "<th>threshold</th><th>drifted</th><th>findings</th></tr>")
        for c in checks:
            what = html.escape("; ".join(c.findings) or c.note or "")
            cls = ' class="drift"' if c.drifted else ""
            body.append(f"<tr{cls}><td>{html.escape(c.column)}</td><td>{c.test or '-'}</td><td>{_stat(c)}</td>"
                        f"<td>{c.threshold if c.threshold is not None else '-'}</td>"
                        f"<td>{'yes' if c.drifted else 'no'}</td><td>{what}</td></tr>")
        body.append("</table>")
        for c in checks:
            if c.drifted and c.plot:
                body.append(f"<figure><img alt='{html.escape(c.column)}' src='data:image/png;base64,"
                            f"{plot_png_base64(c)}'><figcaption>{html.escape(c.column)}: training vs new"
                            "</figcaption></figure>")
    perf = [x for x in (_estimate_line("estimate", report.estimate),
                        _estimate_line("realised", report.realised)) if x]
    if perf:
        body.append("<h2>Performance</h2><ul>" + "".join(f"<li>{html.escape(p[2:])}</li>" for p in perf) + "</ul>")
    if d.not_run or report.notes:
        body.append("<h2>Could not run</h2><ul>" + "".join(
            f"<li>{html.escape(n)}</li>" for n in (*d.not_run, *report.notes)) + "</ul>")
    style = ("body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
             "tr.drift{background:#fde2e2}figure{display:inline-block;margin:8px}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Monitoring check</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def draw_drift(ax, plot: dict[str, Any] | None, title: str = "") -> None:
    """Draw one column's training-vs-new shares (histogram or bars) on a matplotlib Axes."""
    p = plot or {}
    if p.get("type") == "histogram":
        edges = p["edges"]
        centers = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
        widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
        ax.bar(centers, p["reference"], width=widths, alpha=0.5, label="training", color="#4c72b0")
        ax.bar(centers, p["new"], width=widths, alpha=0.5, label="new", color="#dd8452")
        outside = p.get("below", 0.0) + p.get("above", 0.0)
        if outside:
            ax.text(0.99, 0.97, f"{outside:.0%} of new rows outside the training range",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7)
    elif p.get("type") == "bar":
        xs = list(range(len(p["labels"])))
        ax.bar([x - 0.2 for x in xs], p["reference"], width=0.4, label="training", color="#4c72b0")
        ax.bar([x + 0.2 for x in xs], p["new"], width=0.4, label="new", color="#dd8452")
        ax.set_xticks(xs, [str(s)[:10] for s in p["labels"]], rotation=30, fontsize=7)
    else:
        ax.text(0.5, 0.5, "no distribution to show", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel("share", fontsize=8)
    ax.tick_params(labelsize=7)
    if p.get("type"):
        ax.legend(fontsize=7)


def plot_png(check: ColumnCheck, *, width: float = 4.0, height: float = 2.6) -> bytes:
    """A small training-vs-new chart of one column, as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=90)
    draw_drift(fig.add_subplot(), check.plot, check.column)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def plot_png_base64(check: ColumnCheck) -> str:
    return base64.b64encode(plot_png(check)).decode("ascii")
