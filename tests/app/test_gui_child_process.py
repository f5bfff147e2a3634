"""One-shot engine commands in child processes (``app.child_process``): the JSON document,
one-line errors, and cancelling, which kills the child. Tiny stand-in scripts, no search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.child_process import CommandJobs
from app.child_process import automl_arguments


def alive(pid: int) -> bool:
    """Running and not a zombie (a killed child is reaped by Qt a moment later)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def run(qtbot, jobs: CommandJobs, code: str, key: str = "k", parse=lambda doc: doc):
    done, errors = [], []
    jobs.run(key, ["-c", code], parse=parse, on_done=done.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(done or errors), timeout=10_000)
    qtbot.waitUntil(jobs.is_idle, timeout=5_000)
    return done, errors


def test_the_document_on_stdout_is_delivered(qtbot):
    jobs = CommandJobs()
    busy = []
    jobs.busy_changed.connect(lambda key, b: busy.append((key, b)))
    code = "import json, sys; sys.stderr.write('a note\\n'); print(json.dumps({'a': [1, 2]}))"
    done, errors = run(qtbot, jobs, code, parse=lambda doc: doc["a"])
    assert done == [[1, 2]] and not errors
    assert busy == [("k", True), ("k", False)]


def test_errors_are_the_clis_one_line(qtbot):
    jobs = CommandJobs()
    code = "import sys; sys.stderr.write('error: No study named \\'x\\' in the storage.\\n'); sys.exit(2)"
    assert run(qtbot, jobs, code) == ([], ["No study named 'x' in the storage."])
    code = ("import sys; sys.stderr.write('internal error: KeyError: x (run with --debug for the "
            "traceback)\\n'); sys.exit(1)")
    assert run(qtbot, jobs, code)[1] == ["Unexpected error (KeyError: x). Details are in the "
                                          "log file."]
    _, errors = run(qtbot, jobs, "import os; os.abort()")
    assert errors and "crashed" in errors[0]
    _, errors = run(qtbot, jobs, "print('not json')")
    assert errors and "no JSON document" in errors[0]
    _, errors = run(qtbot, jobs, "print('{}')", parse=lambda doc: doc["missing"])
    assert errors and "unexpected document" in errors[0]


def test_a_newer_command_kills_the_older_and_only_its_result_arrives(qtbot):
    jobs = CommandJobs()
    done = []
    slow = "import json, time; time.sleep(60); print(json.dumps('old'))"
    jobs.run("k", ["-c", slow], on_done=done.append)
    qtbot.waitUntil(lambda: bool(jobs.pid("k")), timeout=5_000)
    old = jobs.pid("k")
    jobs.run("k", ["-c", "import json; print(json.dumps('new'))"], on_done=done.append)
    qtbot.waitUntil(lambda: not alive(old), timeout=5_000)
    qtbot.waitUntil(jobs.is_idle, timeout=10_000)
    assert done == ["new"]


def test_cancel_kills_the_child_and_its_process_group(qtbot, tmp_path):
    jobs = CommandJobs()
    pid_file = tmp_path / "grandchild"
    # The child starts a grandchild in its group and ignores SIGTERM: only the group kill
    # after the grace period ends them both.
    code = ("import signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
            "time.sleep(60)\n")
    done, errors = [], []
    jobs.run("k", ["-c", code], on_done=done.append, on_error=errors.append)
    qtbot.waitUntil(lambda: pid_file.exists() and bool(pid_file.read_text().strip()), timeout=10_000)
    child, grandchild = jobs.pid("k"), int(pid_file.read_text())
    jobs.cancel("k")
    assert not jobs.is_busy("k")
    qtbot.waitUntil(lambda: not alive(child) and not alive(grandchild), timeout=5_000)
    qtbot.waitUntil(jobs.is_idle, timeout=5_000)
    assert not done and not errors  # a cancelled command reports nothing


def test_close_kills_and_reaps_at_once(qtbot):
    jobs = CommandJobs()
    jobs.run("a", ["-c", "import time; time.sleep(60)"])
    jobs.run("b", ["-c", "import time; time.sleep(60)"])
    qtbot.waitUntil(lambda: bool(jobs.pid("a") and jobs.pid("b")), timeout=5_000)
    pids = [jobs.pid("a"), jobs.pid("b")]
    jobs.close()
    assert jobs.is_idle() and not any(alive(p) for p in pids)
    jobs.run("a", ["-c", "print(1)"])  # a closed runner starts nothing
    assert not jobs.is_busy("a")


def test_arguments_run_this_environments_engine():
    assert automl_arguments("insights", "--trial", 3) == ["-m", "automl", "insights",
                                                          "--trial", "3"]




DROPPED_RUNNER = """
import os, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.child_process import CommandJobs

def once():
    jobs = CommandJobs()
    done = []
    jobs.run("k", ["-c", "print(1)"], on_done=done.append, on_error=done.append)
    while not done:
        app.processEvents()
        time.sleep(0.001)
    return done  # the runner goes with this frame, before Qt's deferred deletes ran

for i in range(3):
    assert once() == [1]
    end = time.monotonic() + 0.3
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    print("round", i, flush=True)
os._exit(0)  # not the interpreter's teardown: PySide 6.12 on Python 3.11 can crash there
"""


def test_a_runner_dropped_after_its_command_ends_leaves_nothing_dangling(tmp_path):
    # Once crashed the process (in a process of its own, as it took pytest down): a lambda
    # connected to the command's signal held the last reference to the command's wrapper.
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", DROPPED_RUNNER], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["round", "0", "round", "1", "round", "2"]
