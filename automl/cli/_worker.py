"""``automl worker``: join a stored study and add trials to it until its budget or Ctrl-C.

Several workers, on one machine or (with PostgreSQL) on many, share one search: each has its
own sampler seed, sees the others' trials, and marks its own with ``worker = host:pid``.
Ctrl-C or SIGTERM (systemd's stop, Task Scheduler's end) stops it cleanly: the running trials
are recorded as stopped and the process exits 130. See docs/scale-out.md.
"""

from __future__ import annotations

import json
import signal
import sys
import threading


def cmd_worker(args, started_at: float) -> int:
    from dataclasses import replace

    from automl.events import StopReason
    from automl.export import study_dataset
    from automl.records import StudyRecord
    from automl.records import load_study
    from automl.search import RunConfig
    from automl.search import run_search
    from automl.storage import check_shared_sqlite
    from automl.storage import default_storage_url
    from automl.storage import mask_url
    from automl.storage import worker_identity

    url = args.storage or default_storage_url()
    check_shared_sqlite(url)
    stop = threading.Event()

    def on_signal(*_):
        if stop.is_set():  # a second Ctrl-C: the user does not want to wait for the cleanup
            raise KeyboardInterrupt
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    study = load_study(args.study, url)
    record = StudyRecord.from_study(study)  # refuses a study AutoML Studio did not create
    dataset = study_dataset(study, args.data)
    config = replace(RunConfig.from_dict(record.config), resume=True,
                     study_name=args.study, storage_url=url, budget_s=args.time_budget,
                     n_trials=args.n_trials, n_jobs=args.n_jobs)
    if not args.json:
        print(f"worker {worker_identity()} joined study {args.study!r} on {mask_url(url)}; "
              f"it stops after {args.time_budget:g} s or on Ctrl-C", file=sys.stderr)
    result = run_search(config, dataset, should_stop=stop.is_set, refit=False,
                        started_at=started_at)
    doc = {"study": result.study_name, "worker": worker_identity(),
           "complete": result.n_complete, "pruned": result.n_pruned,
           "failed": result.n_failed, "stop_reason": result.stop_reason,
           "best_score_seen": result.best_score}
    if args.json:
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    else:
        print(f"worker {doc['worker']} added {result.n_complete + result.n_pruned + result.n_failed}"
              f" trials to {result.study_name!r} ({result.stop_reason})", file=sys.stderr)
    return 130 if result.stop_reason == StopReason.CANCELLED else 0
