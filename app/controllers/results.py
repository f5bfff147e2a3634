"""Results and Export: plot data of a trial, parameter importances, writing a bundle.

Every number here comes from the engine. A trial's plot data (a re-run of its
cross-validation) and an export (a refit on all rows) are ``automl insights --json`` and
``automl export --json`` in child processes (``app.child_process``): a long fit holds the
child's GIL, not the window's, and a newer request, leaving the step or closing the window
kills it. Parameter importances (a storage read) stay on the thread pool. This controller
decides when to ask and caches answers per study and trial, so flipping between tabs never
recomputes.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.child_process import CommandJobs
from app.child_process import automl_arguments
from app.controllers.study import StudyController
from app.controllers.wizard import WizardController
from app.controllers.wizard import user_message
from app.workers import JobRunner
from automl.cli.documents import ExportDocument
from automl.cli.documents import export_from_dict
from automl.cli.documents import insights_from_dict
from automl.insights import ParamImportances
from automl.insights import TrialInsights
from automl.insights import param_importances
from automl.metrics import METRICS
from automl.records import TrialRecord
from automl.storage import mask_url


@dataclass(frozen=True)
class ExportResult:
    """A written bundle and how to use it."""

    bundle_dir: str
    files: tuple[str, ...]  # paths relative to bundle_dir
    predict_command: str
    serve_command: str
    trial: int | None = None  # the trial written
    final_model: str = ""  # its kind ("single_refit", ...)


def export_result(doc: ExportDocument, classification: bool) -> ExportResult:
    """What the Export step shows of ``automl export --json``'s document."""
    bundle = shlex.quote(doc.bundle)
    predict = f"automl predict {bundle} data.csv --out preds.csv"
    if classification:
        predict += " --proba"
    return ExportResult(doc.bundle, doc.files, predict, f"automl serve {bundle} --port 8000",
                        doc.trial, doc.final_model.get("kind", ""))


def study_arguments(study_name: str, storage_url: str | None
                    ) -> tuple[list[str], dict[str, str]]:
    """``--study NAME [--storage URL]`` and the child's extra environment.

    The child reads the study's recorded data itself (as ``automl worker`` does). A URL with
    a password goes through ``AUTOML_STORAGE`` (the CLI's default storage) instead of the
    command line, which every local user can read in the process list.
    """
    args = ["--study", study_name]
    if not storage_url:
        return args, {}
    if mask_url(storage_url) != storage_url:
        return args, {"AUTOML_STORAGE": storage_url}
    return [*args, "--storage", storage_url], {}


def insights_command(study_name: str, storage_url: str | None, trial_number: int | None
                     ) -> tuple[list[str], dict[str, str]]:
    """The child's arguments (for the interpreter) and environment for a trial's plot data."""
    args, env = study_arguments(study_name, storage_url)
    trial = [] if trial_number is None else ["--trial", trial_number]
    return automl_arguments("insights", *args, *trial, "--json"), env


def export_command(study_name: str, storage_url: str | None, trial_number: int | None,
                   out_dir: str) -> tuple[list[str], dict[str, str]]:
    """The child's arguments and environment for exporting a trial (None: the best)."""
    args, env = study_arguments(study_name, storage_url)
    trial = [] if trial_number is None else ["--trial", trial_number]
    return automl_arguments("export", *args, *trial, "--out", out_dir, "--json"), env


def is_ensemble(record: TrialRecord) -> bool:
    return bool(getattr(record, "members", ())) or record.family == "ensemble"


class ResultsController(QObject):
    """Selection, plot data and export for the study on screen.

    Signals:
        selection_changed(records): the trials selected in the leaderboard.
        insights_ready(insights) / insights_failed(message): plot data of a trial.
        params_ready(importances) / params_failed(message): parameter importances.
        exported(result) / export_failed(message): the Export step's job.
        busy_changed(what, busy): "insights", "params" or "export" started/ended.
    """

    selection_changed = Signal(object)
    insights_ready = Signal(object)
    insights_failed = Signal(str)
    params_ready = Signal(object)
    params_failed = Signal(str)
    exported = Signal(object)
    export_failed = Signal(str)
    busy_changed = Signal(str, bool)

    def __init__(self, wizard: WizardController, study: StudyController,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.wizard = wizard
        self.study = study
        self.jobs = JobRunner(self)  # parameter importances: a storage read
        self.jobs.busy_changed.connect(self.busy_changed)
        self.children = CommandJobs(self)  # insights and export: child processes
        self.children.busy_changed.connect(self.busy_changed)
        self._insights_running: tuple[str, int] | None = None
        self.selected: tuple[TrialRecord, ...] = ()
        self._insights: dict[tuple[str, int | None], TrialInsights] = {}
        self._params: dict[tuple[str, int], ParamImportances] = {}
        self.last_export: ExportResult | None = None
        study.study_changed.connect(self._study_changed)

    def _study_changed(self, name: str, url: str) -> None:
        self.cancel_insights()
        self.jobs.cancel("params")
        self.set_selection(())
        self._insights.clear()
        self._params.clear()

    # -- selection ---------------------------------------------------------------------------

    def set_selection(self, records: tuple[TrialRecord, ...] | list[TrialRecord]) -> None:
        records = tuple(records)
        if records != self.selected:
            self.selected = records
            self.selection_changed.emit(records)

    def focus_trial(self) -> TrialRecord | None:
        """The trial the plots describe: the single selected completed one, else the best.

        An ensemble has no single configuration to re-score: the best single trial stands in.
        """
        if (len(self.selected) == 1 and self.selected[0].status == "complete"
                and not is_ensemble(self.selected[0])):
            return self.selected[0]
        board = self.study.board
        if board is None:
            return None
        return next((r for r in board.completed if not is_ensemble(r)), board.best)

    # -- plot data ------------------------------------------------------------------------------

    def request_insights(self) -> None:
        trial = self.focus_trial()
        if trial is None or not self.study.name:
            self.cancel_insights()
            self.insights_failed.emit("No completed trial yet: the model plots appear once a "
                                      "trial completes.")
            return
        key = (self.study.name, trial.number)
        cached = self._insights.get(key)
        if cached is not None:
            self.cancel_insights()
            self.insights_ready.emit(cached)
            return
        if key == self._insights_running and self.children.is_busy("insights"):
            return  # already on its way (a live search re-reads the board every second)
        args, env = insights_command(self.study.name, self.study.storage_url or None,
                                     trial.number)
        self._insights_running = key
        self.children.run("insights", args, env=env, parse=insights_from_dict,
                          on_done=lambda result: self._insights_done(key, result),
                          on_error=self._insights_error)

    def cancel_insights(self) -> None:
        """Kill the plot-data child, if one runs (its result is never shown)."""
        self._insights_running = None
        self.children.cancel("insights")

    def _insights_done(self, key, result: TrialInsights) -> None:
        self._insights_running = None
        self._insights[key] = result
        self.insights_ready.emit(result)

    def _insights_error(self, message: str) -> None:
        self._insights_running = None
        self.insights_failed.emit(message)

    def request_param_importances(self) -> None:
        board = self.study.board
        if board is None or not self.study.name:
            return
        key = (self.study.name, len(board.completed))
        cached = self._params.get(key)
        if cached is not None:
            self.params_ready.emit(cached)
            return
        if self.jobs.is_busy("params"):
            return  # the running read will be followed by a request for the newer state
        self.jobs.run("params", param_importances, self.study.name,
                      self.study.storage_url or None,
                      on_done=lambda result: self._params_done(key, result),
                      on_error=lambda exc: self.params_failed.emit(user_message(exc)))

    def _params_done(self, key, result: ParamImportances) -> None:
        self._params[key] = result
        self.params_ready.emit(result)

    # -- export ---------------------------------------------------------------------------------

    def export(self, out_dir: str, trial_number: int | None = None) -> None:
        """Export the given trial (None: the best) into ``out_dir`` in a child process."""
        if not self.study.name:
            self.export_failed.emit("No study to export from. Run a search or open one in "
                                    "History.")
            return
        if not out_dir:
            self.export_failed.emit("Choose a folder for the bundle first.")
            return
        board = self.study.board
        metric = METRICS.get(board.metric or "") if board else None
        classification = bool(metric and metric.tasks[0].is_classification)
        args, env = export_command(self.study.name, self.study.storage_url or None,
                                   trial_number, os.path.abspath(out_dir))
        self.children.run("export", args, env=env,
                          parse=lambda doc: export_result(export_from_dict(doc), classification),
                          on_done=self._exported, on_error=self.export_failed.emit)

    def cancel_export(self) -> None:
        """Kill a running export (SIGTERM first: it removes its half-written folder)."""
        self.children.cancel("export")

    def _exported(self, result: ExportResult) -> None:
        self.last_export = result
        self.exported.emit(result)

    def is_exporting(self) -> bool:
        return self.children.is_busy("export")

    def close(self) -> None:
        self.jobs.close()
        self.children.close()
