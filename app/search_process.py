"""The search as a child process: ``python -m automl run --project FILE --events`` under a
QProcess.

The child is started as every engine child is (``app.child_process``: own session, vfork,
below the window's priority). It writes one JSON event per line on stdout (``automl.events``);
this wrapper parses them back into the engine's dataclasses and emits them. Stop asks
politely first (SIGTERM: the engine records the finished trials and exits 130), then kills
the whole process group after a grace period, so the child and its trial workers are gone
within ``STOP_GRACE_MS`` plus a blink. A crash, a non-zero exit or a ``RunFailed`` event ends as ``finished`` with an
outcome and a message a person can read; the app itself never goes down with it.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtCore import QProcess
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from app.child_process import CHILD_NICENESS
from app.child_process import EXIT_STOPPED
from app.child_process import KILL_GRACE_MS
from app.child_process import MAX_STDERR_CHARS
from app.child_process import automl_arguments
from app.child_process import kill_group
from app.child_process import last_line as _last_line
from app.child_process import lower_priority
from app.child_process import new_process
from automl.events import RunFailed
from automl.events import RunFinished
from automl.events import event_from_json

log = logging.getLogger(__name__)

STOP_GRACE_MS = KILL_GRACE_MS
SEARCH_NICENESS = CHILD_NICENESS


@dataclass(frozen=True)
class SearchOutcome:
    """How a search process ended.

    Attributes:
        status: "finished", "stopped", "failed" (the engine reported an error) or
            "crashed" (the process died or could not start).
        exit_code: The process's exit code (-1 when it crashed or never started).
        message: One paragraph for the user (empty when all went well).
        finished: The RunFinished event, when the engine sent one.
        stderr: What the process wrote on stderr (last part), for details.
    """

    status: str
    exit_code: int
    message: str
    finished: RunFinished | None = None
    stderr: str = ""


def search_arguments(project_file: str) -> list[str]:
    """The command line of a search (without the interpreter): the project file is the one
    definition of the run, so every setting reaches the engine as the file holds it."""
    return automl_arguments("run", "--project", project_file, "--events")


class SearchProcess(QObject):
    """One search child process at a time.

    Signals:
        started(): the process is running.
        event_received(event): a parsed ``automl.events`` dataclass.
        output_received(text): a stdout line that is not an event, or stderr text.
        finished(outcome): a :class:`SearchOutcome`; emitted exactly once per start.
    """

    started = Signal()
    event_received = Signal(object)
    output_received = Signal(str)
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None, program: str | None = None):
        super().__init__(parent)
        self._program = program or sys.executable
        self._process: QProcess | None = None
        self._stdout = bytearray()
        self._stderr = ""
        self._failed: RunFailed | None = None
        self._run_finished: RunFinished | None = None
        self._stop_requested = False
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

    # -- control ----------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._process is not None

    def pid(self) -> int | None:
        return int(self._process.processId()) if self._process is not None else None

    def start(self, args: list[str], env: dict[str, str] | None = None) -> None:
        """Start ``python <args>``; raises RuntimeError when one is already running."""
        if self._process is not None:
            raise RuntimeError("a search is already running")
        self._stdout.clear()
        self._stderr = ""
        self._failed = None
        self._run_finished = None
        self._stop_requested = False
        process = new_process(self, env)  # own session (the trial workers go with it), vfork
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        process.started.connect(self._on_started)
        self._process = process
        log.info("starting search: %s %s", self._program, " ".join(args))
        process.start(self._program, args)

    def _on_started(self) -> None:
        if self._process is not None:
            lower_priority(self._process)  # the user never wants the search to win the CPU
        self.started.emit()

    def stop(self) -> None:
        """Ask the search to stop (SIGTERM), and kill it after ``STOP_GRACE_MS``."""
        if self._process is None or self._stop_requested:
            return
        self._stop_requested = True
        self._process.terminate()
        self._kill_timer.start(STOP_GRACE_MS)

    def kill_now(self) -> None:
        """Kill the process group without a grace period (application shutdown)."""
        if self._process is not None:
            self._stop_requested = True
            self._kill()
            self._process.waitForFinished(2000)

    # -- reading ------------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        if self._process is None:
            return
        self._stdout += bytes(self._process.readAllStandardOutput())
        while True:
            end = self._stdout.find(b"\n")
            if end < 0:
                break
            line = bytes(self._stdout[:end]).decode("utf-8", errors="replace").strip()
            del self._stdout[:end + 1]
            if line:
                self._handle_line(line)

    def _handle_line(self, line: str) -> None:
        try:
            event = event_from_json(line)
        except (ValueError, TypeError):
            self.output_received.emit(line)
            return
        if isinstance(event, RunFailed):
            self._failed = event
        elif isinstance(event, RunFinished):
            self._run_finished = event
        self.event_received.emit(event)

    def _read_stderr(self) -> None:
        if self._process is None:
            return
        text = bytes(self._process.readAllStandardError()).decode("utf-8", errors="replace")
        self._stderr = (self._stderr + text)[-MAX_STDERR_CHARS:]
        if text.strip():
            self.output_received.emit(text.rstrip())

    # -- ending ---------------------------------------------------------------------------------

    def _kill(self) -> None:
        if self._process is not None:
            kill_group(self._process)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._end(SearchOutcome(
                "crashed", -1, f"The search could not start: {self._process.errorString()}. "
                f"Check that {self._program!r} can run `python -m automl`."))

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        if self._stdout.strip():
            self._handle_line(bytes(self._stdout).decode("utf-8", errors="replace").strip())
            self._stdout.clear()
        self._end(self._outcome(exit_code, exit_status))

    def _outcome(self, code: int, status: QProcess.ExitStatus) -> SearchOutcome:
        stderr = self._stderr.strip()
        if self._failed is not None:
            return SearchOutcome("failed", code, self._failed.message, self._run_finished, stderr)
        if self._stop_requested:
            return SearchOutcome("stopped", code, "", self._run_finished, stderr)
        if status == QProcess.ExitStatus.CrashExit:
            return SearchOutcome("crashed", -1, "The search process crashed"
                                 + (f": {_last_line(stderr)}" if stderr else ".")
                                 + " Trials finished before the crash are kept.",
                                 self._run_finished, stderr)
        if code == 0:
            return SearchOutcome("finished", 0, "", self._run_finished, stderr)
        if code == EXIT_STOPPED:
            return SearchOutcome("stopped", code, "", self._run_finished, stderr)
        reason = _last_line(stderr) or f"it exited with code {code}"
        return SearchOutcome("crashed" if code != 2 else "failed", code,
                             f"The search stopped with an error: {reason}", self._run_finished,
                             stderr)

    def _end(self, outcome: SearchOutcome) -> None:
        process = self._process
        if process is None:
            return
        self._kill_timer.stop()
        self._process = None
        process.deleteLater()
        self.finished.emit(outcome)
