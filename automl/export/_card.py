"""The model card: what a reviewer reads before trusting a model (Markdown + HTML)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import PurePath
from typing import Any

# A bare Figure renders with Agg: no pyplot, so no backend switch under the GUI.
from matplotlib.figure import Figure

from automl.data import Profile
from automl.insights import draw_confusion
from automl.insights import draw_history
from automl.insights import draw_importances
from automl.insights import draw_predicted_actual
from automl.insights import draw_residuals
from automl.insights import draw_roc
from automl.records import Leaderboard
from automl.search import library_versions


def render_png(draw, data, size=(6.0, 3.6)) -> bytes:
    fig = Figure(figsize=size, dpi=100, layout="constrained")
    draw(fig.add_subplot(), data)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def card_plots(task_kind: str, importances: dict[str, float], insights: dict[str, Any]) -> dict[str, bytes]:
    """PNG bytes by file name for the card's figures."""
    out = {}
    if importances:
        out["plots/importances.png"] = render_png(draw_importances, importances, (6.0, 4.2))
    if insights.get("confusion") is not None:
        out["plots/confusion.png"] = render_png(draw_confusion, insights["confusion"], (4.8, 4.2))
    if insights.get("roc") is not None:
        out["plots/roc.png"] = render_png(draw_roc, insights["roc"], (4.8, 4.2))
    if insights.get("residuals") is not None:
        out["plots/predicted_actual.png"] = render_png(draw_predicted_actual, insights["residuals"])
        out["plots/residuals.png"] = render_png(draw_residuals, insights["residuals"])
    if insights.get("history") is not None:
        out["plots/history.png"] = render_png(draw_history, insights["history"])
    return out


def model_card(metadata: dict[str, Any], profile: Profile, board: Leaderboard,
               figures: dict[str, bytes]) -> tuple[str, str]:
    """Markdown and HTML versions of the card."""
    md = _markdown(metadata, profile, board, figures)
    return md, _html(md, figures)


def _fmt(v, digits=4) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _final_line(model: dict) -> str:
    """How the final model was made (bundles from before it say nothing)."""
    final = model.get("final")
    if not final:
        return "- **Final model**: refit on all rows"
    reason = f" ({final['reason']})" if final.get("reason") else ""
    return f"- **Final model**: {final['label']}{reason}"


def _markdown(meta, profile: Profile, board: Leaderboard, figures) -> str:
    task, scores, lineage = meta["task"], meta["scores"], meta["lineage"]
    lines = [f"# Model card: predict `{task['target']}`", ""]
    lines += ["## Summary", "",
              f"- **Task**: {task['kind']}" + (f" ({len(task['classes'])} classes: "
                                                 f"{', '.join(map(str, task['classes'][:10]))})"
                                                 if task.get("classes") else ""),
              f"- **Model**: {meta['model']['label']} (`{meta['model']['family']}`), trial "
              f"{lineage['trial']} of study `{lineage['study']}`",
              _final_line(meta["model"]),
              _score_line(scores),
              ]
    if scores.get("holdout") is not None:
        lines.append(f"- **Holdout {scores['metric_label']}**: {_fmt(scores['holdout'])} "
                     f"({_direction(scores)})")
    lines += ["", "## Data", "",
              f"- Name: {PurePath(str(lineage['source'])).name}",
              f"- Source: `{lineage['source']}`",
              f"- Rows used: {lineage['rows']:,} (of {profile.n_rows:,}; rows without a target dropped)",
              f"- Columns: {profile.n_cols} ({len(meta['input_schema'])} used as features)",
              f"- Fingerprint (sha256): `{lineage['dataset_sha256']}`", ""]
    if profile.warnings:
        lines += ["Data-quality warnings at training time:", ""]
        lines += [f"- {w.message}" for w in profile.warnings[:15]]
        lines.append("")
    lines += ["## Leaderboard (top 10)", "", "| rank | trial | family | score | ± std | fit s | status |",
              "| ---: | ---: | --- | ---: | ---: | ---: | --- |"]
    for i, r in enumerate(board.top(10), start=1):
        lines.append(f"| {i} | {r.number} | {r.family} | {_fmt(r.score)} | {_fmt(r.score_std)} | "
                     f"{_fmt(r.fit_seconds, 3)} | {r.status} |")
    counts = board.counts()
    lines += ["", f"Trials in the study: {sum(counts.values())} "
              f"({', '.join(f'{v} {k}' for k, v in counts.items())}).", ""]
    lines += ["## Chosen model", "", f"Family: {meta['model']['label']}", "", "| parameter | value |",
              "| --- | --- |"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in meta["model"]["params"].items()]
    lines.append("")
    if meta.get("importances"):
        lines += ["## Feature importance", "", "| column | importance |", "| --- | ---: |"]
        lines += [f"| {k} | {_fmt(v, 3)} |" for k, v in list(meta["importances"].items())[:15]]
        lines.append("")
    for name, title in (("importances", "Feature importance"), ("confusion", "Confusion matrix"),
                        ("roc", "ROC curve"), ("predicted_actual", "Predicted vs actual"),
                        ("residuals", "Residuals"), ("history", "Optimization history")):
        if f"plots/{name}.png" in figures:
            lines += [f"![{title}](plots/{name}.png)", ""]
    lines += ["## Limits", "",
              "The model has only seen data like its training data. Predictions for values outside "
              "these ranges or for unseen categories are extrapolations:", "",
              "| column | kind | range or categories seen |", "| --- | --- | --- |"]
    for col in meta["input_schema"]:
        if col["kind"] in ("numeric", "datetime"):
            seen = f"{_fmt(col['min'])} … {_fmt(col['max'])}"
        elif col["categories"]:
            cats = col["categories"]
            seen = ", ".join(map(str, cats[:8])) + (f" (+{len(cats) - 8} more)" if len(cats) > 8 else "")
        else:
            seen = "free values"
        lines.append(f"| {col['name']} | {col['kind']} | {seen} |")
    lines += ["", "How new rows are checked before predicting: a missing column or a value of the wrong "
              "kind (text in a number column, an infinite number, a date that is not a date) is "
              "refused with an error naming the column; an unseen category is predicted as "
              "\"unknown\" and reported; extra columns are ignored and reported."]
    lines += ["", "## Software", "",
              ", ".join(f"{k} {v}" for k, v in library_versions().items()), ""]
    lines += ["", "## Use it", "", "```",
              "automl predict BUNDLE_DIR new_rows.csv --out predictions.csv --proba",
              "automl serve BUNDLE_DIR --port 8000",
              "mlflow models serve -m BUNDLE_DIR --env-manager local",
              "```", "",
              "A bundle runs code when it is loaded (joblib/pickle): load bundles only from places you trust.",
              ""]
    return "\n".join(lines)


def _direction(scores) -> str:
    return "higher is better" if scores.get("greater_is_better") else "lower is better"


def _score_line(scores) -> str:
    label, plan = scores["metric_label"], str(scores["cv"])
    if plan.startswith("holdout"):  # one split: no spread to show
        return f"- **{label}** ({plan} of the rows held out): {_fmt(scores['cv_mean'])} ({_direction(scores)})"
    folds = ", ".join(_fmt(s) for s in scores["fold_scores"])
    return (f"- **{label}** ({plan} cross-validation): {_fmt(scores['cv_mean'])} ± "
            f"{_fmt(scores['cv_std'])} over folds {folds} ({_direction(scores)})")


def _html(md: str, figures: dict[str, bytes]) -> str:
    body = []
    in_table = False
    in_code = False
    for line in md.splitlines():
        if line.startswith("```"):
            body.append("</pre>" if in_code else "<pre>")
            in_code = not in_code
            continue
        if in_code:
            body.append(html.escape(line))
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
                body.append("<tr>" + "".join(f"<th>{_inline(c)}</th>" for c in cells) + "</tr>")
            else:
                body.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("!["):
            name = line[line.index("(") + 1: -1]
            data = base64.b64encode(figures[name]).decode()
            body.append(f'<p><img alt="{html.escape(name)}" src="data:image/png;base64,{data}"></p>')
        elif line.startswith("## "):
            body.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("- "):
            body.append(f"<li>{_inline(line[2:])}</li>")
        elif line:
            body.append(f"<p>{_inline(line)}</p>")
    if in_table:
        body.append("</table>")
    style = ("body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#1f2933}"
             "table{border-collapse:collapse}td,th{border:1px solid #d9e2ec;padding:4px 8px}"
             "th{background:#f0f4f8}img{max-width:100%}pre{background:#f0f4f8;padding:1em}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Model card</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def _inline(text: str) -> str:
    out = html.escape(text)
    parts = out.split("`")
    out = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    parts = out.split("**")
    return "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
