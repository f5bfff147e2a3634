"""Running a project, and retraining its model: search (or refit), export, register.

``run_project`` is ``automl run --project``: the project's settings on its data (or new
data), the result registered as the next version of the project's model. ``retrain`` is
``automl retrain``: ``refit`` the champion's configuration on new rows without a search,
``warm`` a search seeded with the champion study's best configurations, or ``search`` a
fresh one; the result is registered as ``challenger`` with lineage to the champion.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from automl.data import Dataset
from automl.data import load_dataset
from automl.errors import ConfigError
from automl.export import export_search_result
from automl.export import export_trial
from automl.project._io import LoadedProject
from automl.project._io import data_change
from automl.project._io import file_document
from automl.project._seed import best_configurations
from automl.project._seed import seed_study
from automl.records import Leaderboard
from automl.records import StudyRecord
from automl.records import load_study
from automl.records import record_project
from automl.registry import CHALLENGER
from automl.registry import CHAMPION
from automl.registry import AliasEvent
from automl.registry import ModelVersion
from automl.registry import Registry
from automl.search import SearchResult
from automl.search import run_search
from automl.storage import default_storage_url

WARM_SEEDS = 5


class RetrainMode(StrEnum):
    REFIT = "refit"  # the champion's configuration refit on the new rows, no search
    WARM = "warm"  # a search seeded with the champion study's best configurations
    SEARCH = "search"  # a fresh search


@dataclass(frozen=True)
class ProjectRun:
    """What a project run or a retrain produced.

    Attributes:
        study: The study of the run; ``storage_url`` its storage.
        mode: run, refit, warm or search.
        best_trial, best_score: The study's best trial (None when stopped early).
        stop_reason: budget, n_trials, cancelled... ("refit" for a refit).
        trials: complete / pruned / failed counts.
        version: The registered version (None when stopped before a model).
        alias: The alias event of the registration (champion / challenger), if any.
        notes: What the user should know (a changed data fingerprint).
    """

    study: str
    storage_url: str
    mode: str
    best_trial: int | None
    best_score: float | None
    stop_reason: str
    trials: dict[str, int]
    version: ModelVersion | None
    alias: AliasEvent | None
    bundle: str | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "storage": self.storage_url, "mode": self.mode,
                "best_trial": self.best_trial, "best_score": self.best_score,
                "stop_reason": self.stop_reason, "trials": self.trials, "bundle": self.bundle,
                "model": self.version.model if self.version else None,
                "version": self.version.version if self.version else None,
                "alias": self.alias.alias if self.alias else None, "notes": list(self.notes)}


def read_data(loaded: LoadedProject, data: str | os.PathLike | Dataset | None) -> tuple[Dataset, tuple[str, ...]]:
    """The project's data (or ``data``), and a note when its fingerprint changed."""
    project = loaded.project
    if isinstance(data, Dataset):
        dataset = data
    else:
        dataset = load_dataset(data or project.data.path, **project.data.read_options())
    note = data_change(project, dataset)
    return dataset, ((note,) if note else ())


def run_project(loaded: LoadedProject, data: str | os.PathLike | Dataset | None = None, *,
                registry: Registry | None = None, out: str | os.PathLike | None = None,
                on_event: Callable | None = None, should_stop: Callable[[], bool] | None = None,
                started_at: float | None = None) -> ProjectRun:
    """Run the project's search and register the model as the next version of its name."""
    dataset, notes = read_data(loaded, data)
    result = run_search(loaded.project.config, dataset, on_event=on_event, should_stop=should_stop,
                        refit=True, started_at=started_at)
    return _finish(loaded, dataset, result, "run", registry, out, notes, None)


def retrain(loaded: LoadedProject, data: str | os.PathLike | Dataset, mode: RetrainMode | str, *,
            registry: Registry | None = None, out: str | os.PathLike | None = None,
            on_event: Callable | None = None, should_stop: Callable[[], bool] | None = None,
            started_at: float | None = None) -> ProjectRun:
    """Retrain the project's model on ``data`` and register a ``challenger``.

    Raises:
        ConfigError: An unknown mode; ``refit``/``warm`` without a champion to start from.
        RegistryError: The project's model is not registered (for refit and warm).
    """
    try:
        mode = RetrainMode(mode)
    except ValueError:
        raise ConfigError(f"Unknown retrain mode {mode!r}; choose refit, warm or search.",
                          field="mode") from None
    registry = registry or Registry.open()
    project = loaded.project
    dataset, notes = read_data(loaded, data)
    parent = _champion(registry, project.name, required=mode is not RetrainMode.SEARCH)
    config = project.config
    if mode is RetrainMode.SEARCH:
        result = run_search(config, dataset, on_event=on_event, should_stop=should_stop,
                            refit=True, started_at=started_at)
        return _finish(loaded, dataset, result, mode.value, registry, out, notes, parent)
    storage_url = parent.source.get("storage") or config.storage_url or default_storage_url()
    old = load_study(parent.source["study"], storage_url)
    name = f"{project.name}-{mode.value}-{datetime.now().strftime('%Y%m%d-%H%M%S-%f')}"
    config = replace(config, study_name=name, storage_url=storage_url)
    if mode is RetrainMode.REFIT:
        record = Leaderboard.from_study(old.study_name, storage_url).completed_trial(
            parent.source.get("trial"))
        numbers = [m["trial"] for m in record.members] or [record.number]
        by_number = {t.number: t for t in old.get_trials(deepcopy=False)}
        study, best = seed_study(config, dataset, [by_number[n] for n in numbers],
                                 ensemble=record if record.members else None)
        if record.members:  # the ensemble itself, not its best member
            best = len(load_study(study, storage_url).trials) - 1
        bundle = export_trial(study, _bundle_dir(out), storage_url=storage_url,
                              trial_number=best, data=dataset)
        board = Leaderboard.from_study(study, storage_url)
        return _register(loaded, study, storage_url, mode.value, best, board.best.score if
                         board.best else None, "refit", board.counts(), bundle, registry, notes,
                         parent, out)
    study, _ = seed_study(config, dataset, best_configurations(old, WARM_SEEDS))
    result = run_search(replace(config, resume=True), dataset, on_event=on_event,
                        should_stop=should_stop, refit=True, started_at=started_at)
    return _finish(loaded, dataset, result, mode.value, registry, out, notes, parent)


def _champion(registry: Registry, name: str, required: bool) -> ModelVersion | None:
    if not required and (name not in registry.models() or CHAMPION not in registry.aliases(name)):
        return None
    return registry.by_alias(name, CHAMPION)


def _finish(loaded, dataset, result: SearchResult, mode, registry, out, notes, parent) -> ProjectRun:
    counts = {"complete": result.n_complete, "pruned": result.n_pruned, "failed": result.n_failed}
    bundle = None
    if result.refit is not None:
        bundle = export_search_result(result, dataset, _bundle_dir(out))
    return _register(loaded, result.study_name, result.storage_url, mode, result.best_trial,
                     result.best_score, result.stop_reason, counts, bundle, registry, notes,
                     parent, out)


def _register(loaded, study_name, storage_url, mode, best_trial, best_score, stop_reason, counts,
              bundle, registry, notes, parent, out) -> ProjectRun:
    project = loaded.project
    study = load_study(study_name, storage_url)
    record_project(study, file_document(project, loaded.path), loaded.path.name, loaded.sha256)
    StudyRecord.from_study(study)  # the study now reads back whole
    version = event = None
    registered = None
    if bundle is not None:
        registry = registry or Registry.open()
        source = {"project": loaded.path.name, "project_sha256": loaded.sha256, "mode": mode,
                  "storage": _shareable(project.config.storage_url),
                  "parent_version": parent.version if parent else None}
        alias = CHALLENGER if parent is not None else "auto"
        why = (f"{mode} of version {parent.version} on new data" if parent else
               f"{mode} of project {loaded.path.name}")
        try:
            version, event = registry.register(bundle, project.name, source=source, alias=alias,
                                               reason=why)
        finally:
            if out is None:
                shutil.rmtree(Path(bundle).parent, ignore_errors=True)
        registered = str(registry.artifact_root / version.artifact)
    return ProjectRun(study_name, storage_url, mode, best_trial, best_score, stop_reason, counts,
                      version, event, str(bundle) if out is not None and bundle else registered,
                      notes)


def _shareable(url: str | None) -> str:
    """The study storage to record: "" for the workspace default (found again wherever the
    registry is used), never a URL with a password in it."""
    if not url or "@" in url:
        return ""
    return url


def _bundle_dir(out) -> Path:
    if out is not None:
        return Path(out)
    return Path(tempfile.mkdtemp(prefix="automl-bundle-")) / "bundle"
