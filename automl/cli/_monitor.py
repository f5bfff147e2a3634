"""``automl monitor`` and ``automl compare``: parse, call ``automl.monitor``, print.

Exit codes: 0 ok (also "not enough rows"), 3 the dataset drifted, 2 a user error (one line).
"""

from __future__ import annotations

import json
import sys

__all__ = ["add_commands"]

EXIT_DRIFT = 3
TRUST_HELP = ("load model.joblib (pickle: runs code) when a bundle has no model.skops; only for "
              "bundles from a source you trust")


def add_commands(sub) -> None:
    mo = sub.add_parser("monitor", help="check new data against a model's training data: drift per "
                        "column, prediction drift, estimated performance (exit 3 on drift)")
    mo.add_argument("model", metavar="MODEL", help="bundle folder, MODEL@ALIAS or MODEL/N")
    mo.add_argument("data", metavar="NEW_DATA", help="the new rows (CSV, Excel, Parquet, JSON)")
    mo.add_argument("--labels", metavar="COL", help="column with the true target: adds the realised metric")
    mo.add_argument("--report", metavar="DIR", help="write report.json/.md/.html here and append to "
                    "DIR/history.jsonl (default: BUNDLE.monitoring beside a bundle folder, or the "
                    "workspace's monitoring folder for a registry URI)")
    mo.add_argument("--project", metavar="FILE", help="take drift-policy overrides from this "
                    "project file's [monitor] table")
    mo.add_argument("--registry", help="registry folder or URL for MODEL@ALIAS (default: the workspace's)")
    mo.add_argument("--trust-pickle", action="store_true", help=TRUST_HELP)
    mo.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    mo.set_defaults(func=cmd_monitor)

    co = sub.add_parser("compare", help="champion A against challenger B on the same labelled rows "
                        "(paired bootstrap interval of the difference)")
    co.add_argument("a", metavar="A", help="champion: bundle folder, MODEL@ALIAS or MODEL/N")
    co.add_argument("b", metavar="B", help="challenger: bundle folder, MODEL@ALIAS or MODEL/N")
    co.add_argument("data", metavar="LABELLED_DATA", help="rows with the true target")
    co.add_argument("--metric", help="metric to compare on (default: A's)")
    co.add_argument("--target", help="the label column (default: A's target)")
    co.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    co.add_argument("--seed", type=int, default=0)
    co.add_argument("--registry", help="registry folder or URL for MODEL@ALIAS")
    co.add_argument("--trust-pickle", action="store_true", help=TRUST_HELP)
    co.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    co.set_defaults(func=cmd_compare)


def load_model(target: str, registry: str | None = None, *, trust_pickle: bool = False):
    """A bundle from a folder, or from ``MODEL@ALIAS`` / ``MODEL/N`` through the registry."""
    from automl.export import Bundle
    from automl.registry import resolve_model_uri

    return Bundle.load(resolve_model_uri(target, registry), trust_pickle=trust_pickle)


def version_key(target: str, registry: str | None = None) -> str:
    """``MODEL-vN`` for a registry URI (its monitoring history's name), "" for a folder."""
    from pathlib import Path

    from automl.registry import Registry
    from automl.registry import parse_model_uri

    if Path(target).is_dir():
        return ""
    uri = parse_model_uri(target)
    if uri is None:
        return ""
    if uri.version is not None:
        return f"{uri.model}-v{uri.version}"
    reg = Registry.open(registry)
    try:
        return f"{uri.model}-v{reg.by_alias(uri.model, uri.alias).version}"
    finally:
        reg.store.close()


def cmd_monitor(args, started_at: float = 0.0) -> int:
    from automl.data import load_dataset
    from automl.monitor import DriftPolicy
    from automl.monitor import Verdict
    from automl.monitor import monitor_bundle
    from automl.monitor import monitoring_folder
    from automl.monitor import write_report

    policy = DriftPolicy()
    if args.project:
        from automl.project import load_project

        policy = DriftPolicy.from_dict(load_project(args.project).project.monitor)
    bundle = load_model(args.model, args.registry, trust_pickle=args.trust_pickle)
    dataset = load_dataset(args.data)
    report = monitor_bundle(bundle, dataset.frame, labels=args.labels, policy=policy,
                            model=str(args.model), data=str(args.data))
    folder = write_report(report, args.report or monitoring_folder(
        args.model, bundle.path, version_key(args.model, args.registry)))
    if args.json:
        doc = {**report.to_dict(), "report": str(folder)}
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False, default=str) + "\n")
    else:
        print(_summary(report))
        print(f"report written to {folder}", file=sys.stderr)
    return EXIT_DRIFT if report.verdict is Verdict.DRIFT else 0


def _summary(report) -> str:
    d = report.drift
    lines = [f"{report.verdict.value}: {len(d.drifted_columns)} of {len(d.columns)} columns drifted "
             f"({d.share:.0%}) in {d.rows:,} new rows"]
    for c in (*d.columns, *report.prediction):
        if c.drifted or c.findings:
            stat = "-" if c.statistic is None else f"{c.statistic:.4g}"
            what = "; ".join(c.findings)
            lines.append(f"  {'drift' if c.drifted else 'note':<6} {c.column}: {c.test or '-'} {stat} "
                         f"(threshold {c.threshold}){'  ' + what if what else ''}")
    for label, e in (("estimated", report.estimate), ("realised", report.realised)):
        if e is not None:
            span = f" [{e.low:.4f}, {e.high:.4f}]" if e.low is not None else ""
            lines.append(f"{label} {e.metric}: {e.value:.4f}{span}")
    lines += [f"not run: {n}" for n in (*d.not_run, *report.notes)]
    return "\n".join(lines)


def cmd_compare(args, started_at: float = 0.0) -> int:
    from automl.data import load_dataset
    from automl.monitor import compare_bundles
    from automl.monitor import monitoring_folder
    from automl.monitor import record_comparison

    a = load_model(args.a, args.registry, trust_pickle=args.trust_pickle)
    b = load_model(args.b, args.registry, trust_pickle=args.trust_pickle)
    frame = load_dataset(args.data).frame
    result = compare_bundles(a, b, frame, target=args.target, metric=args.metric,
                             n_boot=args.n_boot, seed=args.seed)
    kept = record_comparison(monitoring_folder(args.b, b.path, version_key(args.b, args.registry)),
                             {**result.to_dict(), "a_model": str(args.a), "b_model": str(args.b),
                              "data": str(args.data), "created_at": _now()})
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n")
    else:
        print(f"{result.metric}: A {result.a:.4f}, B {result.b:.4f}; B - A {result.difference:+.4f} "
              f"(95% interval {result.low:+.4f} .. {result.high:+.4f}, {result.rows:,} rows): "
              f"{result.verdict.value}")
        print(f"kept in {kept}", file=sys.stderr)
    return 0


def _now() -> str:
    from datetime import UTC
    from datetime import datetime

    return datetime.now(UTC).isoformat(timespec="seconds")
