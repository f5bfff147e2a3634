"""Results and Export: plot data of a trial, parameter importances, writing a bundle.

Every number here comes from the engine (``automl.insights``, ``automl.export``),
computed on the thread pool; this controller only decides when to ask and caches answers
per study and trial, so flipping between tabs never recomputes.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.controllers.study import StudyController
from app.controllers.wizard import WizardController
from app.controllers.wizard import user_message
from app.workers import JobRunner
from automl.data import Dataset
from automl.errors import DataError
from automl.export import export_trial
from automl.insights import ParamImportances
from automl.insights import TrialInsights
from automl.insights import param_importances
from automl.insights import trial_insights
from automl.metrics import METRICS
from automl.records import TrialRecord


def _with_data(fn: Callable[..., Any], dataset: Dataset | None, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn(..., data=dataset)``; if it is not the study's data, let it re-read its own."""
    if dataset is not None:
        try:
            return fn(*args, data=dataset, **kwargs)
        except DataError:
            pass  # another file than the study's: fall back to the recorded source
    return fn(*args, data=None, **kwargs)


@dataclass(frozen=True)
class ExportResult:
    """A written bundle and how to use it."""

    bundle_dir: str
    files: tuple[str, ...]  # paths relative to bundle_dir
    predict_command: str
    serve_command: str


def export_with_commands(study_name: str, storage_url: str | None, trial_number: int | None,
                         out_dir: str, dataset: Dataset | None, classification: bool
                         ) -> ExportResult:
    """Export a trial (worker thread) and describe the result."""
    path = Path(_with_data(export_trial, dataset, study_name, out_dir, storage_url=storage_url,
                           trial_number=trial_number))
    files = tuple(sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()))
    bundle = shlex.quote(str(path))
    predict = f"automl predict {bundle} data.csv --out preds.csv"
    if classification:
        predict += " --proba"
    return ExportResult(str(path), files, predict, f"automl serve {bundle} --port 8000")


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
        self.jobs = JobRunner(self)
        self.jobs.busy_changed.connect(self.busy_changed)
        self.selected: tuple[TrialRecord, ...] = ()
        self._insights: dict[tuple[str, int | None], TrialInsights] = {}
        self._params: dict[tuple[str, int], ParamImportances] = {}
        self.last_export: ExportResult | None = None
        study.study_changed.connect(self._study_changed)

    def _study_changed(self, name: str, url: str) -> None:
        self.jobs.cancel("insights")
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
            self.jobs.cancel("insights")
            self.insights_failed.emit("No completed trial yet: the model plots appear once a "
                                      "trial completes.")
            return
        key = (self.study.name, trial.number)
        cached = self._insights.get(key)
        if cached is not None:
            self.jobs.cancel("insights")
            self.insights_ready.emit(cached)
            return
        self.jobs.run("insights", _with_data, trial_insights, self.wizard.dataset,
                      self.study.name, self.study.storage_url or None, trial.number,
                      on_done=lambda result: self._insights_done(key, result),
                      on_error=lambda exc: self.insights_failed.emit(user_message(exc)))

    def _insights_done(self, key, result: TrialInsights) -> None:
        self._insights[key] = result
        self.insights_ready.emit(result)

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
        """Export the given trial (None: the best) into ``out_dir`` on a worker."""
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
        self.jobs.run("export", export_with_commands, self.study.name,
                      self.study.storage_url or None, trial_number, os.path.abspath(out_dir),
                      self.wizard.dataset, classification,
                      on_done=self._exported,
                      on_error=lambda exc: self.export_failed.emit(user_message(exc)))

    def _exported(self, result: ExportResult) -> None:
        self.last_export = result
        self.exported.emit(result)

    def is_exporting(self) -> bool:
        return self.jobs.is_busy("export")

    def close(self) -> None:
        self.jobs.close()
