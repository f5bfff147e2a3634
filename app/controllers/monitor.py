"""Monitor: a check of a model on new rows, the comparison with a challenger, a promotion.

Each is an ``automl`` command in a child process (``monitor --json``, ``compare --json``,
``registry alias``), as a scheduled job would run it, so the window never waits on scipy or
a model. The command writes its report folder; the full report (with the plot data) and the
history over time are then read from it on the thread pool.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtCore import QProcess
from PySide6.QtCore import Signal

from app.workers import JobRunner
from automl.monitor import read_history

EXIT_DRIFT = 3
KILL_WAIT_MS = 2000


def _read_report(folder: str) -> dict:
    return json.loads((Path(folder) / "report.json").read_text(encoding="utf-8"))


def registry_version(uri: str) -> tuple[str, int] | None:
    """(model, version) of a registry URI (``MODEL/N`` or ``MODEL@ALIAS``), None for a folder."""
    try:
        from automl.registry import Registry
        from automl.registry import parse_model_uri
    except ImportError:
        return None
    if Path(uri).is_dir():
        return None
    parsed = parse_model_uri(uri)
    if parsed is None:
        return None
    if parsed.version is not None:
        return parsed.model, parsed.version
    reg = Registry.open()
    try:
        return parsed.model, reg.by_alias(parsed.model, parsed.alias).version
    finally:
        reg.store.close()


class MonitorController(QObject):
    """Runs checks and comparisons; holds the last report, comparison and history.

    Signals:
        busy_changed(bool): a child process started or ended.
        checked(dict): the full report of a check (``report.json``, plots included).
        history_loaded(list): the model's earlier checks, oldest first.
        compared(dict): ``automl compare --json``'s document.
        promoted(str): the challenger is now the champion (a one-line message).
        failed(str): what went wrong, one line.
    """

    busy_changed = Signal(bool)
    checked = Signal(object)
    history_loaded = Signal(object)
    compared = Signal(object)
    promoted = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, program: str | None = None):
        super().__init__(parent)
        self.program = program or sys.executable
        self.jobs = JobRunner(self)
        self.report: dict | None = None
        self.comparison: dict | None = None
        self.history: list[dict] = []
        self._proc: QProcess | None = None
        self._kind = ""

    def is_busy(self) -> bool:
        return self._proc is not None

    # -- commands --------------------------------------------------------------------------------

    def check(self, model: str, data: str, labels: str = "") -> None:
        args = ["-m", "automl", "monitor", model, data, "--json"]
        if labels:
            args += ["--labels", labels]
        self._start("check", args)

    def compare(self, champion: str, challenger: str, data: str) -> None:
        self._start("compare", ["-m", "automl", "compare", champion, challenger, data, "--json"])

    def promote(self, challenger: str) -> None:
        """Point the champion alias at the challenger's registry version (a person's click)."""
        self.jobs.run("resolve", registry_version, challenger, on_done=self._promote_version,
                      on_error=lambda exc: self.failed.emit(f"Cannot resolve {challenger}: {exc}"))

    def _promote_version(self, found) -> None:
        if found is None:
            self.failed.emit("Only a registered model can be promoted: give the challenger as "
                             "MODEL@challenger or MODEL/N.")
            return
        model, version = found
        self._start("promote", ["-m", "automl", "registry", "alias", model, "champion", str(version),
                                "--reason", "promoted after automl compare"])

    # -- the child process ----------------------------------------------------------------------------

    def _start(self, kind: str, args: list[str]) -> None:
        if self._proc is not None:
            self.failed.emit("A check is already running; wait for it to finish.")
            return
        proc = QProcess(self)
        proc.setProgram(self.program)
        proc.setArguments(args)
        proc.finished.connect(lambda code, _status: self._finished(proc, code))
        proc.errorOccurred.connect(lambda error: self._error(proc, error))
        self._proc, self._kind = proc, kind
        self.busy_changed.emit(True)
        proc.start()

    def _error(self, proc: QProcess, error) -> None:
        if error == QProcess.ProcessError.FailedToStart and proc is self._proc:
            self._end()
            self.failed.emit(f"Could not start {self.program}: {proc.errorString()}")

    def _finished(self, proc: QProcess, code: int) -> None:
        if proc is not self._proc:
            return
        out = bytes(proc.readAllStandardOutput()).decode("utf-8", "replace")
        err = bytes(proc.readAllStandardError()).decode("utf-8", "replace").strip()
        kind = self._kind
        self._end()
        ok = code in (0, EXIT_DRIFT) if kind == "check" else code == 0
        if not ok:
            lines = [ln for ln in err.splitlines() if ln.strip()]
            self.failed.emit(lines[-1] if lines else f"automl exited with code {code}")
            return
        if kind == "promote":
            self.promoted.emit(out.strip() or "The challenger is now the champion.")
            return
        try:
            doc = json.loads(out)
        except ValueError:
            self.failed.emit("The command printed no report (run it in a terminal to see why).")
            return
        if kind == "compare":
            self.comparison = doc
            self.compared.emit(doc)
            return
        folder = doc.get("report", "")
        self.jobs.run("report", _read_report, folder, on_done=self._report_read,
                      on_error=lambda exc: self._report_read(doc))
        self.jobs.run("history", read_history, folder, on_done=self._history_read)

    def _report_read(self, report: dict) -> None:
        self.report = report
        self.checked.emit(report)

    def _history_read(self, entries) -> None:
        self.history = list(entries)
        self.history_loaded.emit(self.history)

    def _end(self) -> None:
        proc, self._proc, self._kind = self._proc, None, ""
        if proc is not None:
            proc.deleteLater()
        self.busy_changed.emit(False)

    def close(self) -> None:
        proc = self._proc
        if proc is not None:
            self._proc = None
            proc.kill()
            proc.waitForFinished(KILL_WAIT_MS)
        self.jobs.close()
