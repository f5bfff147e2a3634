"""Running a search: start/stop the child process, turn its events into progress.

The leaderboard is not rebuilt from events: each TrialFinished (and a one-second poll)
asks the StudyController to re-read the storage, so what the user sees is what was
recorded, the same as when the study is reopened later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import replace

from PySide6.QtCore import QObject
from PySide6.QtCore import QTimer
from PySide6.QtCore import Signal

from app.controllers.study import StudyController
from app.controllers.wizard import WizardController
from app.controllers.wizard import user_message
from app.search_process import SearchOutcome
from app.search_process import SearchProcess
from app.search_process import search_arguments
from automl.errors import ConfigError
from automl.events import Progress
from automl.events import RunFailed
from automl.events import RunFinished
from automl.events import SearchStarted
from automl.events import TrialFinished
from automl.storage import default_storage_url

TICK_MS = 250


@dataclass(frozen=True)
class SearchStatus:
    """What the Search step shows; emitted a few times a second at most."""

    state: str = "idle"  # idle | starting | running | stopping
    elapsed_s: float = 0.0
    budget_s: float = 0.0
    n_complete: int = 0
    n_pruned: int = 0
    n_failed: int = 0
    best_score: float | None = None
    best_trial: int | None = None
    metric: str | None = None
    greater_is_better: bool = True
    phase: str = ""
    study_name: str = ""

    @property
    def n_trials(self) -> int:
        return self.n_complete + self.n_pruned + self.n_failed

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.budget_s - self.elapsed_s)

    @property
    def fraction(self) -> float:
        return min(1.0, self.elapsed_s / self.budget_s) if self.budget_s > 0 else 0.0


class SearchController(QObject):
    """Starts and stops the search process and reports its progress.

    Signals:
        status_changed(status): a new :class:`SearchStatus` (throttled to ``TICK_MS``).
        trial_finished(event): a TrialFinished event from the engine.
        search_ended(outcome): the process ended (a ``SearchOutcome``).
        output_added(text): text from the process that is not an event (log view).
    """

    status_changed = Signal(object)
    trial_finished = Signal(object)
    search_ended = Signal(object)
    output_added = Signal(str)

    def __init__(self, wizard: WizardController, study: StudyController,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.wizard = wizard
        self.study = study
        self.process = SearchProcess(self)
        self.process.event_received.connect(self._on_event)
        self.process.output_received.connect(self.output_added)
        self.process.finished.connect(self._on_finished)
        self.status = SearchStatus()
        self.last_outcome: SearchOutcome | None = None
        self._clock_base = (0.0, 0.0)  # (engine elapsed, local monotonic time) at last event
        self._started_at = 0.0
        self._storage_url = ""
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)

    # -- control ---------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.process.is_running()

    def start(self) -> None:
        """Start a search with the wizard's draft.

        Raises:
            ConfigError: The draft is not runnable (the message says why).
        """
        if self.process.is_running():
            raise ConfigError("A search is already running. Stop it first.")
        config = self.wizard.config()
        problem = self.wizard.validation_error()
        if problem:
            raise ConfigError(problem)
        path = self.wizard.data_path()
        if path is None:
            raise ConfigError("The data is not in a file the search can read. Open a file.")
        self.last_outcome = None
        self._started_at = time.monotonic()
        self._clock_base = (0.0, self._started_at)
        # The study is opened with this URL, not the event's (which hides the password).
        self._storage_url = config.storage_url or default_storage_url()
        self._set_status(SearchStatus(state="starting", budget_s=config.budget_s,
                                      metric=self.wizard.task.metric if self.wizard.task else None,
                                      phase="starting"), force=True)
        self.process.start(search_arguments(self.wizard.run_project_file()))
        self._tick.start()

    def stop(self) -> None:
        """Stop politely (the engine records finished trials), killing after a grace period."""
        if self.process.is_running():
            self._set_status(replace(self.status, state="stopping", phase="stopping"), force=True)
            self.process.stop()

    def shutdown(self) -> None:
        """Application exit: end the process now."""
        self._tick.stop()
        self.process.kill_now()

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event) -> None:
        now = time.monotonic()
        if isinstance(event, SearchStarted):
            self._clock_base = (now - self._started_at, now)
            self._set_status(replace(
                self.status, state="running", budget_s=event.budget_s, metric=event.metric,
                greater_is_better=event.greater_is_better, phase="search",
                study_name=event.study_name))
            self.study.open(event.study_name, self._storage_url or event.storage_url)
            self.study.set_polling(True)
        elif isinstance(event, Progress):
            self._clock_base = (event.elapsed_s, now)
            self._set_status(replace(
                self.status, elapsed_s=event.elapsed_s, n_complete=event.n_complete,
                n_pruned=event.n_pruned, n_failed=event.n_failed, best_score=event.best_score,
                best_trial=event.best_trial,
                phase=event.phase if self.status.state != "stopping" else "stopping"))
        elif isinstance(event, TrialFinished):
            self.trial_finished.emit(event)
            self.study.refresh()
        elif isinstance(event, RunFinished | RunFailed):
            pass  # the outcome arrives with the process's exit

    def _on_tick(self) -> None:
        if self.status.state in ("running", "stopping") and self.status.phase in ("search",
                                                                                 "stopping"):
            base, at = self._clock_base
            elapsed = min(self.status.budget_s, base + time.monotonic() - at)
            self._set_status(replace(self.status, elapsed_s=max(self.status.elapsed_s, elapsed)))

    def _on_finished(self, outcome: SearchOutcome) -> None:
        self._tick.stop()
        self.study.set_polling(False)
        self.study.refresh()
        self.last_outcome = outcome
        done = outcome.finished
        status = replace(self.status, state="idle", phase=outcome.status)
        if done is not None:
            status = replace(status, elapsed_s=done.elapsed_s, best_score=done.best_score,
                             best_trial=done.best_trial)
        self._set_status(status, force=True)
        self.search_ended.emit(outcome)

    def _set_status(self, status: SearchStatus, force: bool = False) -> None:
        if status == self.status and not force:
            return
        self.status = status
        self.status_changed.emit(status)


def outcome_text(outcome: SearchOutcome) -> tuple[str, str]:
    """(level, message) for the Search step's message area."""
    done = outcome.finished
    if outcome.status == "finished":
        if done is None:
            return "success", "The search finished."
        if done.best_trial is None:
            return "warning", (f"The search ended after {done.elapsed_s:.0f} s with no completed "
                               f"trial ({done.n_trials} tried). See the messages in the table.")
        return "success", (f"The search finished in {done.elapsed_s:.0f} s: {done.n_trials} "
                           f"trials, best score {done.best_score:.4f} (trial {done.best_trial}).")
    if outcome.status == "stopped":
        n = f" {done.n_trials} trials" if done is not None else " The trials finished so far"
        return "info", f"Search stopped.{n} are kept in the study."
    if outcome.status == "failed":
        return "error", f"The search failed: {outcome.message}"
    return "error", outcome.message or "The search process ended unexpectedly."


__all__ = ["SearchController", "SearchStatus", "outcome_text", "user_message"]
