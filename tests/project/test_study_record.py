"""StudyRecord: a study's identity from one reader; a foreign study is refused clearly."""

from __future__ import annotations

import optuna
import pytest

from automl.errors import ConfigError
from automl.records import StudyRecord
from automl.records import keys as K
from automl.records import record_project


def test_a_study_reads_back_as_one_record():
    study = optuna.create_study(study_name="s")
    study.set_user_attr(K.STUDY_CONFIG, {"target": "y"})
    study.set_user_attr(K.STUDY_TASK, {"metric": "roc_auc", "kind": "binary"})
    study.set_user_attr(K.STUDY_DATASET, {"sha256": "ab", "n_rows": 3})
    record_project(study, {"name": "m"}, "m.automl.toml", "cd")
    record = StudyRecord.from_study(study)
    assert record.config == {"target": "y"} and record.metric == "roc_auc"
    assert record.data_sha256 == "ab" and record.project == {
        "document": {"name": "m"}, "file": "m.automl.toml", "sha256": "cd"}


def test_a_foreign_study_is_refused_unless_asked_leniently():
    study = optuna.create_study(study_name="foreign")
    with pytest.raises(ConfigError, match="'foreign' was not created by AutoML Studio"):
        StudyRecord.from_study(study)
    assert StudyRecord.from_study(study, strict=False).dataset == {}
