"""The wizard's state: the dataset, its profile, the task and the draft RunConfig.

A QObject without widgets. Pages call its setters and render its signals; it decides what
the choices mean by asking the engine (``load_dataset``, ``profile_dataset``,
``detect_task``, ``RunConfig``), running anything slow on the thread pool.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal

from app.samples import sample_path
from app.workers import JobRunner
from automl.data import Dataset
from automl.data import Profile
from automl.data import TaskSpec
from automl.data import detect_task
from automl.data import load_dataset
from automl.data import profile_dataset
from automl.data import suggest_target
from automl.errors import AutoMLError
from automl.errors import ConfigError
from automl.metrics import Metric
from automl.metrics import metrics_for
from automl.models import FAMILIES
from automl.models import FamilySpec
from automl.models import families_for
from automl.project import RUN_ONLY
from automl.project import SUFFIX
from automl.project import Project
from automl.project import new_project
from automl.project import save_project
from automl.search import RunConfig
from automl.storage import default_storage_url
from automl.storage import workspace_dir

DEFAULT_BUDGET_S = 60.0
TASK_CHOICES = ("auto", "binary", "multiclass", "regression")


_DEFAULTS = {f.name: f.default for f in dataclasses.fields(RunConfig)}


@dataclass(frozen=True)
class Draft:
    """The run being prepared: RunConfig's fields (a test keeps them in step) plus the model's
    name; it becomes a RunConfig, then a project, once a target is chosen."""

    target: str | None = None
    task: str = "auto"
    metric: str | None = None
    exclude: tuple[str, ...] = ()
    budget_s: float = DEFAULT_BUDGET_S
    families: tuple[str, ...] | None = None  # None: every family that fits the task
    cv: int = _DEFAULTS["cv"]
    seed: int = _DEFAULTS["seed"]
    storage_url: str = ""
    study_name: str = ""
    n_trials: int | None = None
    n_jobs: int = _DEFAULTS["n_jobs"]
    cv_repeats: int | None = None
    trial_timeout_s: float | None = None
    holdout_rows: int = _DEFAULTS["holdout_rows"]
    max_search_rows: int = _DEFAULTS["max_search_rows"]
    max_data_mb: float = _DEFAULTS["max_data_mb"]
    name: str = ""  # the registered model's name ("" : the data file's name)


def draft_from_config(config: RunConfig, name: str = "") -> Draft:
    """The draft that edits ``config`` (a project read from a file)."""
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(Draft)
              if f.name in _DEFAULTS}
    values["storage_url"] = config.storage_url or ""
    values["study_name"] = config.study_name or ""
    values["task"] = config.task if config.task in TASK_CHOICES else "auto"
    return Draft(**values, name=name)


def user_message(exc: BaseException) -> str:
    """The text to show for an exception from the engine or a worker."""
    if isinstance(exc, AutoMLError):
        return " ".join(str(exc).split())
    if isinstance(exc, MemoryError):
        return "Not enough memory for this operation. Use a smaller file or sample its rows."
    if isinstance(exc, OSError):
        return f"{exc.strerror or type(exc).__name__}: {exc.filename or exc}"
    return f"Unexpected error ({type(exc).__name__}: {exc}). Details are in the log file."


class WizardController(QObject):
    """Owns the data and the draft run; the pages only render and edit it.

    Signals:
        loading_changed(busy): a file is being read or profiled.
        dataset_loaded(dataset): a table is in memory (the preview can show).
        dataset_failed(message): the file could not be read.
        profile_changed(profile): the table's profile (with target checks once chosen).
        target_changed(target): the target column changed ("" for none).
        task_changed(task): the validated TaskSpec, or None.
        task_failed(message): the target/task choice is not usable; the reason.
        draft_changed(): any run setting changed.
    """

    loading_changed = Signal(bool)
    dataset_loaded = Signal(object)
    dataset_failed = Signal(str)
    profile_changed = Signal(object)
    target_changed = Signal(str)
    task_changed = Signal(object)
    task_failed = Signal(str)
    draft_changed = Signal()
    project_saved = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.jobs = JobRunner(self)
        self.source: str | None = None
        self.dataset: Dataset | None = None
        self.profile: Profile | None = None
        self.task: TaskSpec | None = None
        self.task_error: str | None = None
        self.draft = Draft(storage_url=default_storage_url())
        self.project_path: str | None = None  # the open project file (ProjectController)
        self._pending: Draft | None = None  # a project's settings, applied once its data loads

    # -- data -----------------------------------------------------------------------------

    def open_file(self, path: str) -> None:
        """Read and profile a file in the background (newer calls supersede older ones)."""
        self.jobs.cancel("profile")
        self.jobs.cancel("task")
        self.source = str(path)
        self.loading_changed.emit(True)
        self.jobs.run("load", load_dataset, str(path), on_done=self._loaded,
                      on_error=self._load_failed)

    def open_sample(self, name: str) -> None:
        self.loading_changed.emit(True)
        self.jobs.run("load", lambda: load_dataset(sample_path(name)), on_done=self._loaded,
                      on_error=self._load_failed)

    def _loaded(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.source = dataset.source
        self.profile = None
        self.task = None
        self.task_error = None
        pending, self._pending = self._pending, None
        if pending is not None:
            self.draft = dataclasses.replace(pending, storage_url=pending.storage_url
                                             or default_storage_url())
        else:
            self.draft = dataclasses.replace(self.draft, target=None, task="auto", metric=None,
                                             exclude=(), families=None, study_name="")
        self.dataset_loaded.emit(dataset)
        self.profile_changed.emit(None)
        self.task_changed.emit(None)
        target = () if pending is None or not pending.target else (pending.target,)
        self.jobs.run("profile", profile_dataset, dataset, *target, on_done=self._profiled,
                      on_error=self._load_failed)
        if pending is not None:
            self.draft_changed.emit()
            self.target_changed.emit(self.draft.target or "")
            self._detect()

    def _load_failed(self, exc: BaseException) -> None:
        self.loading_changed.emit(False)
        self.dataset_failed.emit(user_message(exc))

    def _profiled(self, profile: Profile) -> None:
        first = self.profile is None and self.draft.target is None
        self.profile = profile
        self.loading_changed.emit(False)
        self.profile_changed.emit(profile)
        if first:
            suggestion = suggest_target(profile)
            if suggestion:
                self.set_target(suggestion)

    def is_loading(self) -> bool:
        return self.jobs.is_busy("load") or self.jobs.is_busy("profile")

    # -- target and task --------------------------------------------------------------------

    def set_target(self, target: str | None) -> None:
        target = target or None
        if target == self.draft.target:
            return
        exclude = tuple(c for c in self.draft.exclude if c != target)
        self._update(target=target, exclude=exclude)
        self.target_changed.emit(target or "")
        self._detect()
        if target and self.dataset is not None:
            self.jobs.run("profile", profile_dataset, self.dataset, target,
                          on_done=self._target_profiled, on_error=self._task_error)

    def _target_profiled(self, profile: Profile) -> None:
        if profile.target == self.draft.target:
            self.profile = profile
            self.profile_changed.emit(profile)

    def set_task_choice(self, task: str) -> None:
        if task not in TASK_CHOICES:
            raise ValueError(f"unknown task choice {task!r}")
        if task != self.draft.task:
            self._update(task=task)
            self._detect()

    def set_metric(self, metric: str | None) -> None:
        if metric != self.draft.metric:
            self._update(metric=metric)
            if self.task is not None and metric:
                self.task = dataclasses.replace(self.task, metric=metric)
                self.task_changed.emit(self.task)

    def set_excluded(self, columns: tuple[str, ...] | list[str]) -> None:
        self._update(exclude=tuple(c for c in columns if c != self.draft.target))

    def _detect(self) -> None:
        self.task = None
        self.task_error = None
        self.task_changed.emit(None)
        if self.dataset is None or not self.draft.target:
            return
        self.jobs.run("task", detect_task, self.dataset, self.draft.target, task=self.draft.task,
                      metric=None, on_done=self._detected, on_error=self._task_error)

    def _detected(self, spec: TaskSpec) -> None:
        metric = self.draft.metric
        allowed = {m.name for m in metrics_for(spec.kind)}
        if metric in allowed:
            spec = dataclasses.replace(spec, metric=metric)
        elif metric is not None:
            self._update(metric=None)
        families = self.draft.families
        if families is not None:
            fitting = {f.name for f in families_for(spec.kind)}
            kept = tuple(f for f in families if f in fitting)
            self._update(families=kept or None)
        self.task = spec
        self.task_changed.emit(spec)

    def _task_error(self, exc: BaseException) -> None:
        self.task = None
        self.task_error = user_message(exc)
        self.task_failed.emit(self.task_error)

    def metrics(self) -> tuple[Metric, ...]:
        """Metric choices for the current task, default first."""
        return metrics_for(self.task.kind) if self.task else ()

    def families(self) -> tuple[FamilySpec, ...]:
        """Families that can do the current task (all of them before a task is known)."""
        if self.task is None:
            return tuple(FAMILIES)
        return families_for(self.task.kind)

    # -- settings --------------------------------------------------------------------------

    def set_budget(self, seconds: float) -> None:
        self._update(budget_s=float(seconds))

    def set_families(self, names: tuple[str, ...] | list[str] | None) -> None:
        if names is not None:
            names = tuple(names)
            if set(names) == {f.name for f in self.families()}:
                names = None  # everything ticked: let the engine pick all that fit
        self._update(families=names)

    def set_cv(self, folds: int) -> None:
        self._update(cv=int(folds))

    def set_seed(self, seed: int) -> None:
        self._update(seed=int(seed))

    def set_storage_url(self, url: str) -> None:
        self._update(storage_url=url.strip())

    def set_study_name(self, name: str) -> None:
        self._update(study_name=name.strip())

    def set_n_trials(self, n: int | None) -> None:
        self._update(n_trials=n or None)

    def _update(self, **changes) -> None:
        new = dataclasses.replace(self.draft, **changes)
        if new != self.draft:
            self.draft = new
            self.draft_changed.emit()

    # -- the run ------------------------------------------------------------------------------

    def config(self) -> RunConfig:
        """The draft as a validated RunConfig.

        Raises:
            ConfigError: No data, no target, an unusable task, or an invalid setting.
        """
        d = self.draft
        if self.dataset is None:
            raise ConfigError("No data yet. Open a file or a sample on the Data step.",
                              field="data")
        if not d.target:
            raise ConfigError("No target column chosen. Pick the column to predict on the "
                              "Target step.", field="target")
        if self.task_error:
            raise ConfigError(self.task_error, field="task")
        if d.families is not None and not d.families:
            raise ConfigError("Choose at least one model family.", field="families")
        values = {f.name: getattr(d, f.name) for f in dataclasses.fields(RunConfig)
                  if f.name not in RUN_ONLY}
        values.update(task=self.task.kind.value if self.task else d.task,
                      metric=d.metric or (self.task.metric if self.task else None),
                      storage_url=d.storage_url or None, study_name=d.study_name or None)
        return RunConfig(**values)

    def validation_error(self) -> str | None:
        """Why the draft cannot run yet, or None."""
        try:
            self.config()
        except ConfigError as exc:
            return user_message(exc)
        if self.task is None:
            return "Checking the target…"
        return None

    def open_project_settings(self, project: Project) -> None:
        """Open a project: read its data file, then take its target and run settings."""
        self._pending = draft_from_config(project.config, project.name)
        self.open_file(project.data.path)

    def project(self) -> Project:
        """The draft as a project (the data fingerprinted as loaded).

        Raises:
            ConfigError: The draft is not complete, or the data is not in a file.
        """
        config = self.config()
        if config.storage_url == default_storage_url():  # the workspace default: stored as ""
            config = dataclasses.replace(config, storage_url=None)
        if self.data_path() is None:
            raise ConfigError("A project needs its data in a file; open a file on the Data "
                              "step.", field="data")
        return new_project(self.dataset, config, name=self.draft.name or None)

    def run_project_file(self) -> str:
        """The project file a search runs: the open project, saved first (a run is the
        project as shown), or for an untitled one a file in the workspace's ``projects``.

        Raises:
            ConfigError: The draft is not complete.
        """
        project = self.project()
        if self.project_path:
            path = str(save_project(project, self.project_path))
            self.project_saved.emit(path)
            return path
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = workspace_dir() / "projects" / f"{project.name}-{stamp}{SUFFIX}"
        return str(save_project(project, path))

    def set_model_name(self, name: str) -> None:
        self._update(name=name.strip())

    def data_path(self) -> str | None:
        """The file the search process reads (the one that was opened)."""
        if self.dataset is None or self.dataset.source == "<dataframe>":
            return None
        return self.dataset.source

    def close(self) -> None:
        self.jobs.close()
