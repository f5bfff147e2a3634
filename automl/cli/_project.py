"""``automl project init``, ``automl run --project`` and ``automl retrain``.

One mapping from the run options to ``RunConfig`` (``config_from_args``) serves ``automl
run`` and ``automl project init``; a project file then carries the settings everywhere.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time

from automl.errors import ConfigError
from automl.events import StopReason

SEARCH_DESTS = ("task", "metric", "time_budget", "n_trials", "cv", "cv_repeats", "seed", "families",
                "exclude", "n_jobs", "trial_timeout", "max_data_mb", "max_search_rows",
                "holdout_rows", "storage", "study")


def _split(value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def config_from_args(args, target: str | None = None):
    """The RunConfig the run options describe (the CLI's only mapping of them)."""
    from automl.search import RunConfig

    return RunConfig(
        target=target or args.target, task=args.task, metric=args.metric,
        budget_s=args.time_budget, n_trials=args.n_trials, cv=args.cv,
        cv_repeats=args.cv_repeats, seed=args.seed, families=_split(args.families),
        exclude=_split(args.exclude) or (), storage_url=args.storage, study_name=args.study,
        n_jobs=args.n_jobs, trial_timeout_s=args.trial_timeout, max_data_mb=args.max_data_mb,
        max_search_rows=args.max_search_rows, holdout_rows=args.holdout_rows,
        resume=getattr(args, "resume", False),
    )


def add_commands(sub) -> None:
    from automl.cli import add_search_options

    pj = sub.add_parser("project", help="project files: one definition of a run")
    psub = pj.add_subparsers(dest="project_command", required=True, metavar="ACTION")
    init = psub.add_parser("init", help="write a project file for DATA and the run options")
    init.add_argument("data", help="the training data (stored relative to the project file)")
    add_search_options(init)
    init.add_argument("--name", help="the registered model's name (default: the data file's name)")
    init.add_argument("--out", required=True, metavar="FILE.automl.toml")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.add_argument("--json", action="store_true")
    init.set_defaults(func=cmd_project_init)

    rt = sub.add_parser("retrain", help="retrain a project's model on new data; registers a "
                        "challenger")
    rt.add_argument("project", metavar="FILE")
    rt.add_argument("--data", required=True, metavar="NEW_DATA")
    rt.add_argument("--mode", choices=["refit", "warm", "search"], default="refit",
                    help="refit: the champion's configuration on the new rows, no search; warm: "
                    "a search seeded with the champion's best configurations; search: a fresh "
                    "search (default refit)")
    rt.add_argument("--registry")
    rt.add_argument("--out", metavar="BUNDLE_DIR", help="also keep the bundle in this folder")
    rt.add_argument("--json", action="store_true")
    rt.add_argument("--events", action="store_true")
    rt.set_defaults(func=cmd_retrain)


def cmd_project_init(args, started_at: float) -> int:
    from pathlib import Path

    from automl.project import SUFFIX
    from automl.project import new_project
    from automl.project import save_project

    if not args.target:
        raise ConfigError("automl project init needs --target COL: the column to predict.")
    out = Path(args.out)
    if not out.name.endswith(SUFFIX):
        raise ConfigError(f"The project file's name must end with {SUFFIX} (got {out.name!r}).")
    if out.exists() and not args.force:
        raise ConfigError(f"{args.out} exists; choose another name or add --force to replace it.")
    project = new_project(args.data, config_from_args(args), name=args.name)
    save_project(project, out)
    if args.json:
        _print_json({"project": str(out), **project.to_document()})
    else:
        print(f"project {project.name!r} written to {out} ({project.data.rows:,} rows, "
              f"data sha256 {project.data.sha256[:12]})", file=sys.stderr)
    return 0


def _refuse_run_flags(args) -> None:
    from automl.cli import _parser

    defaults = _parser().parse_args(["run", "x"])
    given = [d for d in SEARCH_DESTS if getattr(args, d) != getattr(defaults, d)]
    if args.target:
        given.insert(0, "target")
    if args.data or args.resume or given:
        what = "DATA" if args.data else "--resume" if args.resume else f"--{given[0].replace('_', '-')}"
        raise ConfigError(f"{what} cannot be combined with --project: the project file holds the "
                          "run's settings (edit it), and --data NEW_DATA replaces its data.")


def _emitter(args):
    from automl.events import SearchStarted
    from automl.events import TrialFinished
    from automl.events import event_to_json

    def emit(event) -> None:
        if args.events:
            sys.stdout.write(event_to_json(event) + "\n")
            sys.stdout.flush()
        elif isinstance(event, SearchStarted):
            for note in event.notes:
                print(f"note: {note}", file=sys.stderr)
        elif isinstance(event, TrialFinished) and not args.json:
            score = f"{event.score:.5g}" if event.score is not None else event.status
            print(f"trial {event.number:>4}  {event.family:<7} {score:<10} {event.duration_s:6.2f} s",
                  file=sys.stderr)
    return emit


def _stopper() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def cmd_run_project(args, started_at: float) -> int:
    from automl.project import load_project
    from automl.project._runner import run_project

    _refuse_run_flags(args)
    loaded = load_project(args.project)
    return _run_and_report(args, started_at, lambda emit, stop, reg: run_project(
        loaded, args.new_data, registry=reg, out=args.out, on_event=emit,
        should_stop=stop.is_set, started_at=started_at))


def cmd_retrain(args, started_at: float) -> int:
    from automl.project import load_project
    from automl.project._runner import retrain

    loaded = load_project(args.project)
    return _run_and_report(args, started_at, lambda emit, stop, reg: retrain(
        loaded, args.data, args.mode, registry=reg, out=args.out, on_event=emit,
        should_stop=stop.is_set, started_at=started_at))


def _run_and_report(args, started_at, call) -> int:
    from automl.events import RunFailed
    from automl.events import RunFinished
    from automl.registry import Registry

    emit = _emitter(args)
    stop = _stopper()
    registry = Registry.open(args.registry)
    try:
        run = call(emit, stop, registry)
    except Exception as exc:
        if args.events:
            emit(RunFailed(type(exc).__name__, " ".join(str(exc).split())))
        raise
    elapsed = round(time.monotonic() - started_at, 3)
    for note in run.notes:
        print(f"note: {note}", file=sys.stderr)
    emit(RunFinished(run.study, run.best_trial, run.best_score, sum(run.trials.values()), elapsed,
                     run.stop_reason, run.bundle))
    if args.json:
        _print_json({**run.to_dict(), "elapsed_s": elapsed})
    elif not args.events:
        v = run.version
        print(f"study {run.study!r}: {run.trials.get('complete', 0)} complete in {elapsed:.1f} s "
              f"({run.stop_reason})", file=sys.stderr)
        if v is not None:
            alias = f" as {run.alias.alias}" if run.alias else ""
            print(f"registered {v.model} version {v.version}{alias} ({v.family}, {v.metric} "
                  f"{v.score:.5g})" if v.score is not None else
                  f"registered {v.model} version {v.version}{alias}", file=sys.stderr)
    if run.stop_reason == StopReason.CANCELLED:
        print("stopped by the user; nothing was registered.", file=sys.stderr)
        return 130
    return 0


def _print_json(doc) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=str, allow_nan=False) + "\n")
