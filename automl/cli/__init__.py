"""The ``automl`` command: parse, call the engine, print. Exit codes: 0 ok, 2 user error
(one line, no traceback), 1 internal error (traceback with --debug), 130 stopped by the user."""

from __future__ import annotations

import time

_T0 = time.monotonic()  # the budget promise counts from process start, imports included

import argparse  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402

from automl.errors import AutoMLError  # noqa: E402

__all__ = ["main"]

TRUST_PICKLE_HELP = ("load model.joblib (a pickle, which can run any code) when the bundle has no "
                     "model.skops; only for bundles from a source you trust")


def data_help() -> str:
    """The formats a data argument accepts, from the engine's format registry."""
    from automl.data import FORMATS

    return "a table: " + "; ".join(f"{f.title} ({' '.join(f.suffixes)})" for f in FORMATS)


def _parser() -> argparse.ArgumentParser:
    from automl.cli import _commands as c

    p = argparse.ArgumentParser(prog="automl", description="AutoML Studio from the command line.")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="search models for a dataset (or run a project file) and "
                       "(optionally) export the best")
    r.add_argument("data", nargs="?", help=data_help())
    add_search_options(r)
    r.add_argument("--project", metavar="FILE", help="run a project file (NAME.automl.toml): its "
                   "settings, its data, the model registered as its next version")
    r.add_argument("--data", dest="new_data", metavar="NEW_DATA",
                   help="with --project: train on this file instead of the project's")
    r.add_argument("--registry", help="with --project: registry folder or URL (default: "
                   "$AUTOML_REGISTRY or $AUTOML_HOME/registry)")
    r.add_argument("--resume", action="store_true", help="continue an existing study")
    r.add_argument("--out", metavar="BUNDLE_DIR", help="export the best model to this folder")
    r.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    r.add_argument("--events", action="store_true", help="print JSON-lines progress events on stdout")
    r.set_defaults(func=c.cmd_run)

    pr = sub.add_parser("predict", help="score a file with a bundle")
    pr.add_argument("bundle")
    pr.add_argument("data")
    pr.add_argument("--out", help="output CSV (default: stdout)")
    pr.add_argument("--proba", action="store_true", help="add proba_<class> columns")
    pr.add_argument("--id-column", help="input column copied to the output to join rows back")
    pr.add_argument("--chunk-rows", type=int, default=200_000)
    pr.add_argument("--trust-pickle", action="store_true", help=TRUST_PICKLE_HELP)
    pr.set_defaults(func=c.cmd_predict)

    lb = sub.add_parser("leaderboard", help="show the trials of a study")
    lb.add_argument("--storage")
    lb.add_argument("--study", help="study name (default: the newest)")
    lb.add_argument("--top", type=int, default=20)
    lb.add_argument("--json", action="store_true")
    lb.set_defaults(func=c.cmd_leaderboard)

    st = sub.add_parser("studies", help="list the studies in the storage")
    st.add_argument("--storage")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=c.cmd_studies)

    pf = sub.add_parser("profile", help="profile a dataset: column kinds, stats, warnings")
    pf.add_argument("data")
    pf.add_argument("--target")
    pf.add_argument("--json", action="store_true")
    pf.set_defaults(func=c.cmd_profile)

    ex = sub.add_parser("export", help="refit a stored trial and write its bundle")
    ex.add_argument("--study", required=True)
    ex.add_argument("--storage")
    ex.add_argument("--trial", type=int, help="trial number (default: the best)")
    ex.add_argument("--data", help="training data (default: the file the study recorded)")
    ex.add_argument("--out", required=True, metavar="BUNDLE_DIR")
    ex.add_argument("--json", action="store_true")
    ex.set_defaults(func=c.cmd_export)

    dr = sub.add_parser("drift", help="compare new data with a bundle's training data")
    dr.add_argument("bundle")
    dr.add_argument("data")
    dr.add_argument("--json", action="store_true")
    dr.add_argument("--fail-on", choices=["drift", "warning", "never"], default="never",
                    help="exit 3 when the report reaches this level (for scheduled checks)")
    dr.add_argument("--trust-pickle", action="store_true", help=TRUST_PICKLE_HELP)
    dr.set_defaults(func=c.cmd_drift)

    wk = sub.add_parser("worker", help="join an existing study and add trials to it "
                        "(several workers, even on several machines with PostgreSQL, share one search)")
    wk.add_argument("--study", required=True)
    wk.add_argument("--storage", help="the study's storage URL (default: the default storage)")
    wk.add_argument("--data", help="training data (default: the file the study recorded)")
    wk.add_argument("--time-budget", type=float, default=60.0, metavar="SECONDS")
    wk.add_argument("--n-trials", type=int, metavar="N")
    wk.add_argument("--n-jobs", type=int, default=2)
    wk.add_argument("--json", action="store_true")
    wk.set_defaults(func=c.cmd_worker)

    c.add_extra_commands(sub)
    from automl.cli import _insights
    from automl.cli import _project
    from automl.cli import _registry

    _insights.add_command(sub)
    _project.add_commands(sub)
    _registry.add_commands(sub)
    return p


def add_search_options(r: argparse.ArgumentParser) -> None:
    """The options that define a run (``automl run`` and ``automl project init``)."""
    r.add_argument("--target", help="column to predict")
    r.add_argument("--task", default="auto",
                   choices=["auto", "binary", "multiclass", "regression", "classification"])
    r.add_argument("--metric", help="roc_auc, log_loss, accuracy, balanced_accuracy, f1, rmse, mae, r2")
    r.add_argument("--time-budget", type=float, default=60.0, metavar="SECONDS")
    r.add_argument("--n-trials", type=int, metavar="N")
    r.add_argument("--cv", type=int, default=5, metavar="K")
    r.add_argument("--cv-repeats", type=int, metavar="R",
                   help="repeat the k-fold R times (default: 3 under 500 rows, 2 under 1000, else 1)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--families", help="comma-separated family names (default: all that fit)")
    r.add_argument("--exclude", help="comma-separated columns not to use as features")
    r.add_argument("--n-jobs", type=int, default=2, help="trials in parallel (default 2)")
    r.add_argument("--trial-timeout", type=float, metavar="SECONDS",
                   help="hard limit of one trial (default: a quarter of the budget, at least 10 s)")
    r.add_argument("--max-data-mb", type=float, default=2048.0,
                   help="memory budget of the training table; larger tables are sampled (default 2048)")
    r.add_argument("--max-search-rows", type=int, default=250_000,
                   help="trials score at most this many sampled rows; the refit uses all (default 250000)")
    r.add_argument("--holdout-rows", type=int, default=100_000,
                   help="from this many rows a single 80/20 holdout replaces k-fold (default 100000)")
    r.add_argument("--storage", help="Optuna storage URL (default: $AUTOML_STORAGE or the "
                   "SQLite file in $AUTOML_HOME)")
    r.add_argument("--study", help="study name (default: derived from file, target and time)")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    code = _dispatch(args)
    if argv is None and args.command == "run":
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End the process without the interpreter's teardown.

    A run's promise counts to the process exit, and freeing a search's modules and data
    took 0.5-2 s (2 s on a loaded 2-core machine) after the bundle was on disk. Everything
    that matters is written and closed by then (the bundle, the study's last commit, the
    worker processes); the SQLite connections are closed here, so the database's ``-wal``
    and ``-shm`` files go, and the output streams and log handlers are flushed. Only for the
    command itself (``main()`` called with no arguments), never for an in-process caller.
    """
    from automl.storage import release_connections

    release_connections()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _dispatch(args) -> int:
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        return int(args.func(args, started_at=_T0) or 0)
    except AutoMLError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `automl predict ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI's edge: report, never a bare traceback
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(run with --debug for the traceback)", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
