"""Engine commands in child processes: ``python -m automl ...`` under a QProcess.

The search (``search_process.py``: JSON lines while it runs, stopped politely) and the
Results step's one-shot commands (``automl insights --json``, ``automl export --json``: one
JSON document at the end) start their child the same way: in its own session, so that a
kill of its process group takes any workers along; with vfork, so that starting it does not
copy this large process's page tables; and below the window's CPU priority, so that its work
never wins the CPU from the window. A child holds its own GIL: the window stays responsive
however long a fit takes, and a cancel ends it at once.

``CommandJobs`` keeps one live command per key, like ``workers.JobRunner``: a newer command
under the same key kills the older one, and what an older one prints is never delivered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import QProcess
from PySide6.QtCore import QProcessEnvironment
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

log = logging.getLogger(__name__)

CHILD_NICENESS = 10
KILL_GRACE_MS = 1500  # after SIGTERM, the process group is killed
MAX_STDERR_CHARS = 20_000
EXIT_USER_ERROR = 2  # the CLI's "bad input": one line on stderr
EXIT_STOPPED = 130


def automl_arguments(*args: object) -> list[str]:
    """``-m automl ARGS`` (the interpreter is the program): this environment's engine."""
    return ["-m", "automl", *map(str, args)]


def new_process(parent: QObject, env: dict[str, str] | None = None) -> QProcess:
    """A QProcess set up as every engine child is (not started yet)."""
    process = QProcess(parent)
    environment = QProcessEnvironment.systemEnvironment()
    environment.insert("PYTHONUNBUFFERED", "1")
    environment.insert("PYTHONIOENCODING", "utf-8")
    for key, value in (env or {}).items():
        environment.insert(key, value)
    process.setProcessEnvironment(environment)
    if hasattr(QProcess, "UnixProcessParameters") and os.name == "posix":
        # Own session = own process group: a hard stop takes the child's workers along.
        # vfork: starting the child does not copy this (large) process's page tables.
        params = QProcess.UnixProcessParameters()
        params.flags = (QProcess.UnixProcessFlag.CreateNewSession
                        | QProcess.UnixProcessFlag.UseVFork)
        process.setUnixProcessParameters(params)
    return process


def lower_priority(process: QProcess) -> None:
    """Run the child below the window's CPU priority (its workers inherit it).

    On a machine whose cores the child keeps busy, a GUI thread holding Python's GIL could
    otherwise wait in the run queue behind it, and the window would stall while it waits.
    """
    pid = int(process.processId())
    if pid > 0 and hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, CHILD_NICENESS)


def kill_group(process: QProcess) -> None:
    """SIGKILL the child's whole process group (it leads its own session), then the child."""
    pid = int(process.processId())
    if pid > 0 and os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    process.kill()


def last_line(text: str) -> str:
    """The last non-empty line, without the CLI's ``error: `` prefix."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1].removeprefix("error: ") if lines else ""


def internal_error_message(stderr: str) -> str:
    """The GUI's wording of the CLI's ``internal error: Type: message (run with --debug ...)``."""
    line = last_line(stderr).removeprefix("internal error: ")
    line = line.split(" (run with --debug", 1)[0].strip()
    return f"Unexpected error ({line or 'no message'}). Details are in the log file."


@dataclass(frozen=True)
class CommandResult:
    """How a one-shot command ended.

    Attributes:
        status: "finished" (exit 0 and one JSON document), "failed" (the engine refused
            the input: exit 2, or an internal error), "crashed" (killed by a signal, could
            not start, or printed no document) or "cancelled".
        exit_code: The exit code (-1 when it crashed or never started).
        document: The JSON document it printed (when finished).
        message: One line for the user (empty when finished or cancelled).
        stderr: What it wrote on stderr (the last part).
    """

    status: str
    exit_code: int
    document: Any = None
    message: str = ""
    stderr: str = ""


class ChildCommand(QObject):
    """One ``python -m automl ...`` that prints one JSON document on stdout.

    Signals:
        finished(command, result): this command and its :class:`CommandResult`; emitted
            exactly once per start.
    """

    finished = Signal(object, object)

    def __init__(self, args: list[str], parent: QObject | None = None,
                 program: str | None = None, env: dict[str, str] | None = None):
        super().__init__(parent)
        self.args = list(args)
        self.program = program or sys.executable
        self._env = env
        self._process: QProcess | None = None
        self._stdout = bytearray()
        self._stderr = ""
        self._cancelled = False
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)

    @property
    def name(self) -> str:
        """``automl insights`` and the like, for messages and the log."""
        words = [a for a in self.args[2:3] if not a.startswith("-")]
        return " ".join(["automl", *words])

    def start(self) -> None:
        process = new_process(self, self._env)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        process.started.connect(self._on_started)
        self._process = process
        log.info("starting %s", self.name)
        process.start(self.program, self.args)

    def _on_started(self) -> None:
        if self._process is not None:
            lower_priority(self._process)

    def is_running(self) -> bool:
        return self._process is not None

    def pid(self) -> int | None:
        return int(self._process.processId()) if self._process is not None else None

    def cancel(self) -> None:
        """SIGTERM now (an export unwinds and removes its temporary files; other commands
        end at once), the whole process group killed after ``KILL_GRACE_MS``. Never waits."""
        if self._process is None or self._cancelled:
            return
        self._cancelled = True
        self._process.terminate()
        self._kill_timer.start(KILL_GRACE_MS)

    def kill_now(self, wait_ms: int = 2000) -> None:
        """Kill the process group and reap it (application shutdown)."""
        if self._process is not None:
            self._cancelled = True
            process = self._process
            self._kill()
            process.waitForFinished(wait_ms)

    # -- reading and ending ---------------------------------------------------------------------

    def _read_stdout(self) -> None:
        if self._process is not None:
            self._stdout += bytes(self._process.readAllStandardOutput())

    def _read_stderr(self) -> None:
        if self._process is not None:
            text = bytes(self._process.readAllStandardError()).decode("utf-8", errors="replace")
            self._stderr = (self._stderr + text)[-MAX_STDERR_CHARS:]

    def _kill(self) -> None:
        if self._process is not None:
            kill_group(self._process)

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._end(CommandResult("crashed", -1, message=(
                f"{self.name} could not start: {self._process.errorString()}. Check that "
                f"{self.program!r} can run `python -m automl`.")))

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        self._end(self._result(exit_code, exit_status))

    def _result(self, code: int, status: QProcess.ExitStatus) -> CommandResult:
        stderr = self._stderr.strip()
        if self._cancelled:
            return CommandResult("cancelled", code, stderr=stderr)
        if status == QProcess.ExitStatus.CrashExit:
            return CommandResult("crashed", -1, message=f"{self.name} crashed"
                                 + (f": {last_line(stderr)}" if stderr else "."), stderr=stderr)
        if code == EXIT_USER_ERROR:
            return CommandResult("failed", code, message=last_line(stderr)
                                 or f"{self.name} refused its input.", stderr=stderr)
        if code != 0:
            return CommandResult("failed", code, message=internal_error_message(stderr),
                                 stderr=stderr)
        try:
            document = json.loads(bytes(self._stdout).decode("utf-8", errors="replace"))
        except ValueError:
            return CommandResult("crashed", code, message=f"{self.name} printed no JSON "
                                 "document. Details are in the log file.", stderr=stderr)
        return CommandResult("finished", 0, document, stderr=stderr)

    def _end(self, result: CommandResult) -> None:
        process = self._process
        if process is None:
            return
        self._kill_timer.stop()
        self._process = None
        process.deleteLater()
        if result.status in ("failed", "crashed"):
            log.warning("%s ended %s (exit %s): %s", self.name, result.status, result.exit_code,
                        result.stderr or result.message)
        self.finished.emit(self, result)


class CommandJobs(QObject):
    """One live child command per key; a newer one kills the older, stale results are dropped.

    Signals:
        busy_changed(key, busy): a key started or stopped having a live command.
    """

    busy_changed = Signal(str, bool)

    def __init__(self, parent: QObject | None = None, program: str | None = None):
        super().__init__(parent)
        self.program = program  # None: this interpreter (tests put a stand-in here)
        self._live: dict[str, ChildCommand] = {}
        self._ending: set[ChildCommand] = set()  # cancelled, not reaped yet
        self._callbacks: dict[ChildCommand, tuple] = {}  # key, parse, on_done, on_error
        self._closed = False

    def run(self, key: str, args: list[str], *,
            parse: Callable[[Any], Any] = lambda doc: doc,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[str], None] | None = None,
            env: dict[str, str] | None = None) -> None:
        """Start ``python ARGS``; ``on_done(parse(document))`` or ``on_error(message)``
        follow unless a newer command under ``key``, ``cancel`` or ``close`` came first."""
        if self._closed:
            return
        self._drop(key)
        command = ChildCommand(args, self, self.program, env)
        # A bound method, not a lambda holding the command: a closure that owns the last
        # reference to a QObject's wrapper crashed PySide when the QObject was deleted.
        command.finished.connect(self._finished)
        self._callbacks[command] = (key, parse, on_done, on_error)
        self._live[key] = command
        self.busy_changed.emit(key, True)
        command.start()

    def cancel(self, key: str) -> None:
        """Kill the live command of ``key`` (if any); nothing it prints is delivered."""
        if self._drop(key):
            self.busy_changed.emit(key, False)

    def is_busy(self, key: str) -> bool:
        return key in self._live

    def pid(self, key: str) -> int | None:
        command = self._live.get(key)
        return command.pid() if command is not None else None

    def is_idle(self) -> bool:
        """No child of these jobs is alive (live or cancelled and not yet reaped)."""
        return not self._live and not self._ending

    def close(self) -> None:
        """Kill every child and reap it (the owner goes away: the window closes)."""
        self._closed = True
        for key in list(self._live):
            self.cancel(key)
        for command in list(self._ending):
            command.kill_now()

    def _drop(self, key: str) -> bool:
        command = self._live.pop(key, None)
        if command is None:
            return False
        self._ending.add(command)
        command.cancel()
        return True

    def _finished(self, command: ChildCommand, result: CommandResult) -> None:
        key, parse, on_done, on_error = self._callbacks.pop(command)
        self._ending.discard(command)
        command.deleteLater()
        if self._live.get(key) is not command:
            return  # cancelled or superseded: dropped
        del self._live[key]
        self.busy_changed.emit(key, False)
        if result.status == "finished":
            try:
                value = parse(result.document)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("%s printed an unexpected document: %s", command.name, exc)
                if on_error is not None:
                    on_error(f"{command.name} printed an unexpected document. Details are in "
                             "the log file.")
                return
            if on_done is not None:
                on_done(value)
        elif on_error is not None:
            on_error(result.message)
