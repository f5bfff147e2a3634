"""The CLI's commands: each parses nothing and decides nothing, it calls the engine and prints."""

from __future__ import annotations

import json
import shutil
import signal
import sys
import threading
from typing import Any

from automl.errors import ConfigError
from automl.events import StopReason


def _split(value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=str, allow_nan=False) + "\n")


def _fmt(v, digits: int = 5) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def format_leaderboard(board, top: int, width: int | None = None) -> str:
    """The table; with a ``worker`` column when several workers fed the study or trials run.

    Notes are shortened at a word boundary so that a line fits ``width`` (a terminal's), or
    to 60 characters when None.
    """
    from automl.cli._progress import fit_width

    shown = board.top(top)
    workers = {r.worker for r in board.records if r.worker}
    where = len(workers) > 1 or any(r.status == "running" for r in board.records)
    rows = [("rank", "trial", "family", board.metric or "score", "± std", "fit s", "status")
            + (("worker",) if where else ()) + ("note",)]
    for i, r in enumerate(shown, start=1):
        note = r.error_message or r.reason or ""
        if r.error_type:
            note = f"{r.error_type}: {note}"
        rows.append((str(i), str(r.number), r.family or "?", _fmt(r.score), _fmt(r.score_std, 3),
                     _fmt(r.fit_seconds, 3), r.status) + ((r.worker or "-",) if where else ())
                    + (note,))
    fixed = sum(max(len(row[j]) for row in rows) + 2 for j in range(len(rows[0]) - 1))
    room = 60 if width is None else max(20, width - 1 - fixed)
    rows = [row if n == 0 else (*row[:-1], fit_width(row[-1], room)) for n, row in enumerate(rows)]
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- run ----------------------------------------------------------------------------------

def cmd_run(args, started_at: float) -> int:
    from automl.cli._project import cmd_run_project
    from automl.cli._project import config_from_args

    if args.project:
        return cmd_run_project(args, started_at)
    if not args.data or not args.target:
        raise ConfigError("automl run needs DATA and --target COL, or --project FILE.")
    from automl.cli._progress import RunPrinter
    from automl.data import load_dataset
    from automl.events import RunFailed
    from automl.events import RunFinished
    from automl.events import SearchStarted
    from automl.events import event_to_json
    from automl.records import Leaderboard
    from automl.search import run_search

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    printer = RunPrinter(sys.stderr)  # a live status line on a terminal, trial lines in a log

    def emit(event) -> None:
        if args.events:
            sys.stdout.write(event_to_json(event) + "\n")
            sys.stdout.flush()
        elif isinstance(event, SearchStarted) or not args.json:
            printer(event)  # with --json: only the notes, on stderr

    try:
        dataset = load_dataset(args.data)
        config = config_from_args(args)
        from automl.export._preload import preload

        result = run_search(config, dataset, on_event=emit, should_stop=stop.is_set,
                            refit=bool(args.out), started_at=started_at,
                            background=preload if args.out else None)  # overlaps the search
        bundle = None
        if args.out and result.refit is not None:
            # Imported now, not before the search: forked workers would each count its pages.
            from automl.export import export_search_result

            bundle = str(export_search_result(result, dataset, args.out))
    except Exception as exc:
        if args.events:
            emit(RunFailed(type(exc).__name__, " ".join(str(exc).split())))
        raise
    finally:
        printer.close()  # the error message or the leaderboard starts on a clean line
    import time

    elapsed = time.monotonic() - started_at
    emit(RunFinished(result.study_name, result.best_trial, result.best_score,
                     result.n_complete + result.n_pruned + result.n_failed, round(elapsed, 3),
                     result.stop_reason, bundle))
    board = Leaderboard.from_study(result.study_name, result.storage_url)
    if args.json:
        from automl.storage import mask_url

        _print_json({
            "study": result.study_name, "storage": mask_url(result.storage_url),
            "task": result.prepared.task.to_dict(), "cv": result.prepared.cv,
            "best_trial": result.best_trial, "best_score": result.best_score,
            "trials": {"complete": result.n_complete, "pruned": result.n_pruned,
                       "failed": result.n_failed},
            "elapsed_s": round(elapsed, 3), "stop_reason": result.stop_reason, "bundle": bundle,
            "final_model": ({"kind": result.refit.kind.value, "reason": result.refit.reason}
                            if result.refit is not None else None),
            "leaderboard": [r.to_dict() for r in board.top(10)],
        })
    elif not args.events:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        print(format_leaderboard(board, 10, width))
        print(f"\nstudy {result.study_name!r}: {result.n_complete} complete, {result.n_pruned} pruned, "
              f"{result.n_failed} failed in {elapsed:.1f} s ({result.stop_reason})", file=sys.stderr)
        if bundle:
            print(f"bundle written to {bundle}", file=sys.stderr)
    if result.stop_reason == StopReason.CANCELLED:
        print(f"stopped by the user; the trials are kept. Continue with: automl run {args.data} "
              f"--target {args.target} --study {result.study_name} --resume", file=sys.stderr)
        return 130
    return 0


# -- predict --------------------------------------------------------------------------------

def cmd_predict(args, started_at: float) -> int:
    from automl.export import Bundle
    from automl.export._batch import predict_file
    from automl.registry import resolve_model_uri

    bundle = Bundle.load(resolve_model_uri(args.bundle), trust_pickle=args.trust_pickle)
    result = predict_file(bundle, args.data, args.out, proba=args.proba, id_column=args.id_column,
                          chunk_rows=args.chunk_rows)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.out:
        print(f"{result.rows} predictions written to {args.out}", file=sys.stderr)
    return 0


# -- leaderboard / studies ----------------------------------------------------------------

def cmd_leaderboard(args, started_at: float) -> int:
    from automl.records import Leaderboard
    from automl.records import list_studies

    name = args.study
    if not name:
        studies = list_studies(args.storage)
        if not studies:
            raise ConfigError("The storage holds no study yet. Run `automl run` first.")
        name = studies[0].name
    board = Leaderboard.from_study(name, args.storage)
    running = [r for r in board.records if r.status == "running"]
    if args.json:
        doc = board.to_dict()
        doc["trials"] = doc["trials"][: args.top]
        doc["running"] = [{"number": r.number, "family": r.family, "worker": r.worker,
                           "started_at": r.started_at} for r in running]
        _print_json(doc)
    else:
        print(f"study {name!r} ({board.metric}, {'higher' if board.greater_is_better else 'lower'} is better)")
        print(format_leaderboard(board, args.top))
        if running:
            print("running now: " + ", ".join(f"trial {r.number} ({r.family}) on {r.worker or '?'}"
                                              for r in running))
    return 0


def cmd_studies(args, started_at: float) -> int:
    from dataclasses import asdict

    from automl.records import list_studies

    studies = list_studies(args.storage)
    if args.json:
        _print_json([asdict(s) for s in studies])
        return 0
    for s in studies:
        print(f"{s.name}  {s.n_trials} trials  best {s.metric}={_fmt(s.best_score)}  "
              f"target={s.target}  {s.started_at}")
    return 0


# -- profile ----------------------------------------------------------------------------------

def cmd_profile(args, started_at: float) -> int:
    from automl.data import detect_task
    from automl.data import load_dataset
    from automl.data import profile_dataset

    dataset = load_dataset(args.data)
    profile = profile_dataset(dataset, target=args.target)
    task = detect_task(dataset, args.target, profile=profile) if args.target else None
    if args.json:
        doc = {"source": dataset.source, "sha256": dataset.sha256, "notes": list(dataset.notes),
               "renamed": [list(r) for r in dataset.renamed], **profile.to_dict()}
        if task:
            doc["task"] = task.to_dict()
        _print_json(doc)
        return 0
    print(f"{dataset.source}: {profile.n_rows:,} rows x {profile.n_cols} columns, "
          f"{profile.n_duplicate_rows:,} duplicate rows")
    for note in dataset.notes:
        print(f"  ({note})")
    rows = [("column", "kind", "missing %", "distinct", "summary")]
    for c in profile.columns:
        if c.mean is not None:
            summary = f"{_fmt(c.min, 4)} .. {_fmt(c.max, 4)}, mean {_fmt(c.mean, 4)}"
        elif c.min is not None:
            summary = f"{c.min} .. {c.max}"
        else:
            summary = ", ".join(f"{v} ({n})" for v, n in c.top[:3])
        rows.append((c.name, c.kind.value, f"{c.missing_pct:.1f}", str(c.n_distinct), summary[:60]))
    widths = [max(len(r[j]) for r in rows) for j in range(5)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if task:
        print(f"\ntarget {task.target!r}: {task.kind.value}, metric {task.metric}"
              + (f", classes {', '.join(map(str, task.classes[:10]))}" if task.classes else ""))
    if profile.warnings:
        print("\nwarnings:")
        for w in profile.warnings:
            print(f"  - {w.message}")
    return 0


# -- export ---------------------------------------------------------------------------------

def cmd_export(args, started_at: float) -> int:
    from automl.cli.documents import export_document
    from automl.export import export_trial

    # SIGTERM (how the GUI cancels) unwinds like Ctrl-C: the half-written bundle is removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    path = export_trial(args.study, args.out, storage_url=args.storage, trial_number=args.trial,
                        data=args.data)
    if args.json:  # the trial written (the best when --trial was not given), kind, files
        _print_json(export_document(path, args.study).to_dict())
    else:
        print(f"bundle written to {path}", file=sys.stderr)
    return 0


def cmd_drift(args, started_at: float) -> int:
    from automl.data import load_dataset
    from automl.export import Bundle
    from automl.monitor import drift_report
    from automl.registry import resolve_model_uri

    bundle = Bundle.load(resolve_model_uri(args.bundle), trust_pickle=args.trust_pickle)
    features = tuple(c.name for c in bundle.schema)
    report = drift_report(bundle.profile, load_dataset(args.data).frame, features)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(f"drift check of {report.n_rows:,} rows against the training data: {report.status}")
        for c in report.columns:
            if c.status != "ok":
                print(f"  {c.status:<8} {c.column}: {'; '.join(c.findings)}")
    levels = {"never": 99, "warning": 1, "drift": 2}
    reached = {"ok": 0, "warning": 1, "drift": 2}[report.status]
    return 3 if reached >= levels[args.fail_on] else 0


def cmd_worker(args, started_at: float) -> int:
    from automl.cli._worker import cmd_worker as run_worker

    return run_worker(args, started_at)


def add_extra_commands(sub) -> None:
    """Commands that live in their own modules (serve, drift, worker)."""
    from automl.cli import _monitor

    _monitor.add_commands(sub)  # monitor, compare
    try:
        from automl.cli import _serve
    except ImportError:
        return
    _serve.add_command(sub)
