"""``StudyRecord``: a study's identity, read from its user attributes in one place.

What a run wrote when it created the study (config, task, data, features, CV plan, library
versions, time) and, for a project run, the project document itself. Workers, export,
retraining and the registry read a study through this record, never through raw attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

import optuna

from automl.errors import ConfigError
from automl.records import _keys as K

STUDY_PROJECT = "automl_project"  # {"document": project TOML as a dict, "file", "sha256"}


@dataclass(frozen=True)
class StudyRecord:
    """A study as AutoML Studio recorded it.

    Attributes:
        name: Study name.
        created_at: ISO time the study was created (None for a foreign study).
        config: The RunConfig as a dict (``RunConfig.from_dict`` reads it).
        task: The TaskSpec as a dict (``kind``, ``target``, ``metric``, ``classes``...).
        dataset: ``source``, ``sha256``, ``n_rows``, ``n_cols`` of the data it ran on.
        features: Feature columns.
        cv: The CV plan (``kind``, ``n_splits``, ...).
        versions: Library versions at creation.
        project: The project it was run from: ``document``, ``file``, ``sha256`` (or None).
    """

    name: str
    created_at: str | None
    config: dict[str, Any]
    task: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    cv: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    project: dict[str, Any] | None = None

    @classmethod
    def from_study(cls, study: optuna.Study, *, strict: bool = True) -> StudyRecord:
        """Read a study's record.

        Args:
            strict: Refuse a study AutoML Studio did not create (else its record is empty).

        Raises:
            ConfigError: ``strict`` and the study records no run settings.
        """
        ua = study.user_attrs
        if strict and K.STUDY_CONFIG not in ua:
            raise ConfigError(f"Study {study.study_name!r} was not created by AutoML Studio "
                              "(it records no run settings); use a study made by `automl run`.",
                              field="study_name")
        return cls(
            name=study.study_name, created_at=ua.get(K.STUDY_CREATED),
            config=dict(ua.get(K.STUDY_CONFIG) or {}), task=dict(ua.get(K.STUDY_TASK) or {}),
            dataset=dict(ua.get(K.STUDY_DATASET) or {}),
            features=tuple(ua.get(K.STUDY_FEATURES) or ()), cv=dict(ua.get(K.STUDY_CV) or {}),
            versions=dict(ua.get(K.STUDY_VERSIONS) or {}), project=ua.get(STUDY_PROJECT),
        )

    @property
    def metric(self) -> str | None:
        return self.task.get("metric")

    @property
    def data_sha256(self) -> str | None:
        return self.dataset.get("sha256")


def record_project(study: optuna.Study, document: dict[str, Any], file: str, sha256: str) -> None:
    """Store the project a study was run from (the TOML document, its file and sha256); a
    password in its storage URL is masked (anyone who can read the study can read this)."""
    from automl.storage import mask_url

    storage = dict(document.get("storage") or {})
    if storage.get("url"):
        document = {**document, "storage": {**storage, "url": mask_url(storage["url"])}}
    study.set_user_attr(STUDY_PROJECT, {"document": document, "file": file, "sha256": sha256})
