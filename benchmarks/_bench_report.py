"""Tables from ``runs.jsonl``: CSV files and a markdown report (also printed).

Scores are medians over seeds of the runs that finished; the project is compared with every
other system on those medians. Win / tie / loss: a tie is within 0.002 ROC AUC (absolute)
or within 1% (relative) of log loss or RMSE; otherwise the better score wins.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

PROJECT = "automl"
ORDER = ("automl", "flaml", "autogluon", "hgb")
LABEL = {"automl": "AutoML Studio", "flaml": "FLAML", "autogluon": "AutoGluon", "hgb": "HGB default"}
TIE_AUC = 0.002
TIE_REL = 0.01


def outcome(metric: str, ours: float | None, theirs: float | None) -> str | None:
    """'win', 'tie' or 'loss' of ``ours`` against ``theirs`` (None if either is missing)."""
    if ours is None or theirs is None or pd.isna(ours) or pd.isna(theirs):
        return None
    if metric == "roc_auc":
        d = ours - theirs
        return "tie" if abs(d) <= TIE_AUC else ("win" if d > 0 else "loss")
    rel = (ours - theirs) / abs(theirs) if theirs else float("inf")
    return "tie" if abs(rel) <= TIE_REL else ("win" if ours < theirs else "loss")


def load_runs(out: Path) -> pd.DataFrame:
    rows = [json.loads(x) for x in (out / "runs.jsonl").read_text().splitlines() if x.strip()]
    df = pd.DataFrame(rows)
    if "rows" not in df:
        df["rows"] = None
    return df


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    out = []
    keys = ["budget", "dataset", "rows", "system"]
    runs = runs.assign(rows=runs["rows"].fillna(0).astype(int))
    for key, g in runs.groupby(keys, sort=False):
        ok = g[g["status"] == "ok"]
        held = [h for h in g["budget_held"].tolist() if h is not None and not pd.isna(h)]
        best = ok["best_model"].astype(str).value_counts()
        out.append(dict(zip(keys, key, strict=True), task=g["task"].iloc[0], metric=g["metric"].iloc[0],
                        n_runs=len(g), n_ok=len(ok),
                        score=ok["score"].median() if len(ok) else None,
                        score_min=ok["score"].min() if len(ok) else None,
                        score_max=ok["score"].max() if len(ok) else None,
                        wall_s=g["wall_s"].median(), wall_max_s=g["wall_s"].max(),
                        peak_rss_mb=g["peak_rss_mb"].median(),
                        peak_pss_mb=(g["peak_pss_mb"].median() if "peak_pss_mb" in g
                                     else float("nan")),
                        trials=ok["trials"].median() if len(ok) else None,
                        best_model=best.index[0] if len(best) else None,
                        budget_held=(all(bool(h) for h in held) if held else None),
                        status=",".join(sorted(set(g["status"]))),
                        error=next((e for e in g.get("error", pd.Series(dtype=object)) if e), None)))
    return pd.DataFrame(out)


def compare(summary: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (budget, dataset, rows), g in summary.groupby(["budget", "dataset", "rows"], sort=False):
        by = g.set_index("system")
        if PROJECT not in by.index:
            continue
        ours = by.loc[PROJECT, "score"]
        metric = by.loc[PROJECT, "metric"]
        for other in ORDER[1:]:
            if other not in by.index:
                continue
            theirs = by.loc[other, "score"]
            res = outcome(metric, ours, theirs)
            ratio = (ours / theirs) if res is not None and theirs else None
            out.append(dict(budget=budget, dataset=dataset, rows=rows, metric=metric, other=other,
                            ours=ours, theirs=theirs, ratio=ratio, outcome=res))
    return pd.DataFrame(out)


def _f(x, nd=4) -> str:
    if x is None or pd.isna(x):
        return "—"
    return f"{x:.{nd}f}" if abs(x) < 100 else f"{x:.1f}"


def _cv(cv) -> str:
    if not isinstance(cv, dict):
        return "—"
    if cv.get("n_splits"):
        return f"{cv.get('kind')} {cv['n_splits']} on {cv.get('rows')}"
    return f"{cv.get('kind')} on {cv.get('rows')}"


def _text(x) -> str:
    return x if isinstance(x, str) else ""


def _counts(comp: pd.DataFrame, other: str) -> str:
    c = comp[comp["other"] == other]["outcome"].value_counts()
    n = int(c.sum())
    if not n:
        return "not run"
    return f"{int(c.get('win', 0))} W / {int(c.get('tie', 0))} T / {int(c.get('loss', 0))} L (of {n})"


def _md(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _matrix_report(runs: pd.DataFrame, summary: pd.DataFrame, comp: pd.DataFrame) -> str:
    parts = []
    systems = [s for s in ORDER if s in set(summary["system"])]
    seeds = sorted(set(runs["seed"]))
    for budget in sorted(set(summary["budget"]), reverse=True):
        s = summary[summary["budget"] == budget]
        c = comp[comp["budget"] == budget] if len(comp) else comp
        datasets = list(dict.fromkeys(s["dataset"]))
        parts.append(f"### Budget {budget:g} s — seeds {', '.join(map(str, seeds))} "
                     f"({'median over seeds' if len(seeds) > 1 else 'one seed'})\n")
        parts.append("Test score (ROC AUC ↑ binary, log loss ↓ multiclass, RMSE ↓ regression); "
                     "`ratio` = AutoML Studio / other, with the outcome for AutoML Studio.\n")
        header = ["dataset", "metric"] + [LABEL[x] for x in systems] + \
                 [f"vs {LABEL[x]}" for x in systems if x != PROJECT]
        rows = []
        for d in datasets:
            g = s[s["dataset"] == d].set_index("system")
            metric = g["metric"].iloc[0]
            scores = {x: g.loc[x, "score"] if x in g.index else None for x in systems}
            valid = {k: v for k, v in scores.items() if v is not None and not pd.isna(v)}
            best = (max if metric == "roc_auc" else min)(valid, key=valid.get) if valid else None
            cells = []
            for x in systems:
                v = scores[x]
                if x in g.index and g.loc[x, "n_ok"] == 0:
                    cells.append(g.loc[x, "status"])
                else:
                    cells.append(f"**{_f(v)}**" if x == best else _f(v))
            for x in systems:
                if x == PROJECT:
                    continue
                cc = c[(c["dataset"] == d) & (c["other"] == x)] if len(c) else c
                if len(cc) and isinstance(cc["outcome"].iloc[0], str):
                    cells.append(f"{cc['ratio'].iloc[0]:.3f} {cc['outcome'].iloc[0]}")
                else:
                    cells.append("—")
            rows.append([d, metric] + cells)
        parts.append(_md(header, rows) + "\n")
        if len(c):
            parts.append("**AutoML Studio win / tie / loss** — " + "; ".join(
                f"vs {LABEL[x]}: {_counts(c, x)}" for x in systems if x != PROJECT) + "\n")
        # cost table
        header = (["dataset"] + [f"{LABEL[x]} wall s / RSS MB / PSS MB / trials" for x in systems]
                  + ["memory vs FLAML (RSS, PSS)", "load"])
        rows = []
        for d in datasets:
            g = s[s["dataset"] == d].set_index("system")
            cells = []
            for x in systems:
                if x not in g.index:
                    cells.append("—")
                    continue
                r = g.loc[x]
                flag = " ⚠ over budget" if r["budget_held"] is False else ""
                trials = "—" if r["trials"] is None or pd.isna(r["trials"]) else f"{r['trials']:.0f}"
                cells.append(f"{_f(r['wall_s'], 1)} / {_f(r['peak_rss_mb'], 0)} / "
                             f"{_f(r.get('peak_pss_mb'), 0)} / {trials}{flag}")
            lr = runs[(runs["budget"] == budget) & (runs["dataset"] == d)]
            load = lr["load_end"].max() if "load_end" in lr else None
            rows.append([d] + cells + [_memory_ratio(g), _f(load, 1)])
        parts.append(f"Wall time (fit phase, median; limit {budget * 1.1 + 5:g} s), peak RSS and "
                     "peak PSS summed over the process tree (RSS counts pages a forked worker "
                     "shares with its parent once per process; PSS splits them), trials (models "
                     "the system evaluated); load = highest 1-minute "
                     "load average at the end of a run on that dataset (about 2 when the "
                     "benchmark had the 2 cores alone):\n")
        parts.append(_md(header, rows) + "\n")
        # project details
        pr = runs[(runs["budget"] == budget) & (runs["system"] == PROJECT)]
        if len(pr):
            rows = []
            for _, r in pr.iterrows():
                det = r.get("detail") or {}
                fams = det.get("families") or {}
                fam_txt = ", ".join(
                    f"{k} {v['complete']}/{v['pruned']}/{v['failed']}" + (f" ({_f(v['best'])})" if v.get("best") is not None else "")
                    for k, v in sorted(fams.items(), key=lambda kv: -(kv[1]["complete"] + kv[1]["pruned"] + kv[1]["failed"])))
                fails = "; ".join(f"{n}× {m}" for m, n in (det.get("failures") or {}).items())[:300]
                t = det.get("trials") or {}
                final = (det.get("final_model") or {}).get("kind", "—")
                rows.append([r["dataset"], str(r["seed"]), f"`{r.get('engine')}`",
                             f"{r.get('best_model') or '—'} ({final})",
                             _f(det.get("best_cv")), f"{t.get('complete', '—')}/{t.get('pruned', '—')}/{t.get('failed', '—')}",
                             str(det.get("stop_reason") or "—"), _cv(det.get("cv")), fam_txt or "—",
                             fails or _text(r.get("error"))[:200] or "—"])
            parts.append("AutoML Studio's studies (trials complete/pruned/failed; per family "
                         "complete/pruned/failed and best CV score):\n")
            parts.append(_md(["dataset", "seed", "engine", "best family (final model)", "best CV",
                              "trials c/p/f", "stop",
                              "cv", "families", "failures"], rows) + "\n")
        over = runs[(runs["budget"] == budget) & (runs["budget_held"] == False)]  # noqa: E712
        bad = runs[(runs["budget"] == budget) & (runs["status"] != "ok")]
        if len(over):
            parts.append("Budget overruns: " + "; ".join(
                f"{r.system} on {r.dataset} s{r.seed}: {r.wall_s:.1f} s" for r in over.itertuples()) + "\n")
        else:
            parts.append(f"Budget overruns: none (every run ≤ {budget * 1.1 + 5:g} s).\n")
        if len(bad):
            parts.append("Runs that did not finish: " + "; ".join(
                f"{r.system} on {r.dataset} s{r.seed}: {r.status} ({_text(r.error)[:200]})"
                for r in bad.itertuples()) + "\n")
    return "\n".join(parts)


def memory_ratio(g: pd.DataFrame, col: str = "peak_pss_mb") -> float | None:
    """AutoML Studio's peak memory over FLAML's on one table (``g``: its summary by system)."""
    if PROJECT not in g.index or "flaml" not in g.index:
        return None
    a, b = g.loc[PROJECT].get(col), g.loc["flaml"].get(col)
    return None if a is None or b is None or pd.isna(a) or pd.isna(b) or not b else a / b


def _memory_ratio(g: pd.DataFrame) -> str:
    """AutoML Studio's peak memory over FLAML's, as RSS sums and as PSS sums."""
    if PROJECT not in g.index or "flaml" not in g.index:
        return "—"
    ratios = (memory_ratio(g, col) for col in ("peak_rss_mb", "peak_pss_mb"))
    return " / ".join("—" if r is None else f"{r:.2f}" for r in ratios)


def _scaling_report(runs: pd.DataFrame, summary: pd.DataFrame) -> str:
    parts = []
    for budget in sorted(set(summary["budget"]), reverse=True):
        s = summary[summary["budget"] == budget]
        ds = s["dataset"].iloc[0]
        parts.append(f"### Scaling: {ds}, budget {budget:g} s (limit {budget * 1.1 + 5:g} s)\n")
        rows = []
        for n in sorted(set(s["rows"])):
            g = s[s["rows"] == n].set_index("system")
            base = g.loc["hgb", "score"] if "hgb" in g.index else None
            for x in [x for x in ORDER if x in g.index]:
                r = g.loc[x]
                res = outcome(r["metric"], r["score"], base) if x != "hgb" else None
                held = {True: "yes", False: "**NO**", None: "n/a"}[r["budget_held"]]
                pr = runs[(runs["rows"] == n) & (runs["system"] == x) & (runs["budget"] == budget)]
                det = pr["detail"].iloc[0] if len(pr) else {}
                extra = ""
                if x == PROJECT and isinstance(det, dict):
                    extra = f"{_cv(det.get('cv'))}, stop={det.get('stop_reason')}"
                rows.append([f"{n:,}", LABEL[x], r["metric"], _f(r["score"]) if r["n_ok"] else r["status"],
                             _f(r["wall_s"], 1), _f(r["peak_rss_mb"], 0),
                             "—" if pd.isna(r["trials"]) else f"{r['trials']:.0f}",
                             str(r["best_model"]), held, res or "—", extra])
        parts.append(_md(["rows", "system", "metric", "test score", "wall s", "peak RSS MB", "trials",
                          "best", "budget held", "vs HGB", "notes"], rows) + "\n")
    return "\n".join(parts)


def build_report(out: Path) -> str:
    out = Path(out)
    runs = load_runs(out)
    flat = runs.drop(columns=["detail"], errors="ignore")
    flat.to_csv(out / "runs.csv", index=False)
    summary = summarise(runs)
    summary.to_csv(out / "summary.csv", index=False)
    comp = compare(summary)
    comp.to_csv(out / "comparisons.csv", index=False)
    meta = json.loads((out / "meta.json").read_text()) if (out / "meta.json").exists() else {}
    m = meta.get("machine", {})
    engines = sorted(set(runs.loc[runs["system"] == PROJECT, "engine"].dropna())) if "engine" in runs else []
    head = [f"# Benchmark results: {out.name}\n",
            f"Machine: {m.get('nproc')} CPUs, {m.get('ram_gb')} GB RAM, {m.get('cpu')}; "
            f"Python {m.get('python')}; " + ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items() if v) + "\n",
            "Command(s): " + "; ".join("`" + " ".join(i["argv"]) + "`" for i in meta.get("invocations", [])) + "\n",
            "Engine (git) of the AutoML Studio runs: " + ", ".join(f"`{e}`" for e in engines) + "\n"]
    scaling = runs["rows"].notna().any() and (runs["rows"].fillna(0) > 0).any()
    if scaling:
        body = _scaling_report(runs, summary)
    else:
        from _bench_goals import goals_report  # it builds on this module's tables

        body = ("## Issue 10's goals\n\n" + goals_report(runs, summary, comp) + "\n## Every system\n\n"
                + _matrix_report(runs, summary, comp))
    text = "\n".join(head) + "\n" + body
    (out / "report.md").write_text(text, encoding="utf-8")
    return text
