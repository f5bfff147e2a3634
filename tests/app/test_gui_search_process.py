"""The QProcess wrapper: events parsed from stdout, outcomes of every way a child can end.

These use tiny stand-in child scripts (no search), so each runs in well under a second.
"""

from __future__ import annotations

import pytest

from app.search_process import SearchProcess
from app.search_process import search_arguments
from automl.events import RunFailed
from automl.events import RunFinished
from automl.events import TrialFinished
from automl.events import event_to_json


def run_child(qtbot, code: str, stop: bool = False):
    process = SearchProcess()
    events, outputs = [], []
    process.event_received.connect(events.append)
    process.output_received.connect(outputs.append)
    with qtbot.waitSignal(process.finished, timeout=10_000) as blocker:
        process.start(["-c", code])
        if stop:
            qtbot.waitUntil(lambda: bool(events), timeout=5_000)
            process.stop()
    return blocker.args[0], events, outputs


def _print(event) -> str:
    return f"print({event_to_json(event)!r}, flush=True)"


def test_events_are_parsed_and_a_clean_exit_finishes(qtbot):
    trial = TrialFinished(0, "linear", "complete", 0.9, (0.8, 1.0), 0.1)
    done = RunFinished("s", 0, 0.9, 1, 1.0, "budget")
    code = "\n".join([_print(trial), "print('not an event')", _print(done)])
    outcome, events, outputs = run_child(qtbot, code)
    assert outcome.status == "finished"
    assert events == [trial, done]
    assert outcome.finished == done
    assert "not an event" in outputs


def test_run_failed_event_gives_the_engine_message(qtbot):
    failed = RunFailed("ConfigError", "A study named 'x' already exists.")
    code = _print(failed) + "\nimport sys; sys.stderr.write('error: A study...\\n'); sys.exit(2)"
    outcome, _, _ = run_child(qtbot, code)
    assert outcome.status == "failed"
    assert "already exists" in outcome.message


def test_a_crash_is_reported_with_stderr(qtbot):
    code = "import os, sys; sys.stderr.write('Segmentation fault in a model\\n'); sys.stderr.flush(); os.abort()"
    outcome, _, _ = run_child(qtbot, code)
    assert outcome.status == "crashed"
    assert "Segmentation fault in a model" in outcome.message


def test_internal_error_exit_is_reported(qtbot):
    code = "import sys; sys.stderr.write('internal error: KeyError: x\\n'); sys.exit(1)"
    outcome, _, _ = run_child(qtbot, code)
    assert outcome.status == "crashed"
    assert "KeyError: x" in outcome.message


def test_stop_kills_a_child_that_ignores_sigterm(qtbot):
    code = ("import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            + _print(TrialFinished(0, "nb", "complete", 0.5, (0.5,), 0.0)) +
            "\nwhile True: time.sleep(0.05)\n")
    outcome, events, _ = run_child(qtbot, code, stop=True)
    assert outcome.status == "stopped"
    assert len(events) == 1


def test_arguments_run_the_project_file():
    args = search_arguments("/d/churn.automl.toml")
    assert args == ["-m", "automl", "run", "--project", "/d/churn.automl.toml", "--events"]


def test_a_second_start_while_running_is_refused(qtbot):
    process = SearchProcess()
    with qtbot.waitSignal(process.finished, timeout=10_000):
        process.start(["-c", "import time; time.sleep(0.3)"])
        with pytest.raises(RuntimeError):
            process.start(["-c", "pass"])
