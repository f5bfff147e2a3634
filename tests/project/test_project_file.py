"""The project file: round trip, refusals with key and reason, migrations, atomic save."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from automl.project import FIELDS
from automl.project import MIGRATIONS
from automl.project import RUN_ONLY
from automl.project import SCHEMA_VERSION
from automl.project import DataRef
from automl.project import Project
from automl.project import ProjectError
from automl.project import data_change
from automl.project import load_project
from automl.project import new_project
from automl.project import save_project
from automl.search import RunConfig

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def tiny(tmp_path) -> Path:
    shutil.copy(FIXTURES / "tiny.csv", tmp_path / "tiny.csv")
    return tmp_path / "tiny.csv"


def test_the_field_table_covers_every_run_setting():
    mapped = {s.attr for s in FIELDS}
    every = {f.name for f in dataclasses.fields(RunConfig)}
    assert mapped == every - RUN_ONLY
    assert len({(s.section, s.key) for s in FIELDS}) == len(FIELDS)


def test_save_then_load_gives_the_same_project(tiny, tmp_path):
    config = RunConfig(target="species", task="multiclass", metric="log_loss", budget_s=12.5,
                       n_trials=7, cv=3, cv_repeats=2, seed=9, families=("linear", "tree"),
                       exclude=("id",), storage_url="sqlite:///s.db", study_name="st", n_jobs=1,
                       trial_timeout_s=4.0, holdout_rows=5000, max_search_rows=1000,
                       max_data_mb=64.0)
    project = new_project(tiny, config, name="peng")
    path = save_project(project, tmp_path / "sub" / "peng.automl.toml")
    text = path.read_text()
    assert 'path = "../tiny.csv"' in text and text.count("schema_version") >= 1
    loaded = load_project(path)
    assert loaded.project == project
    assert loaded.read_version == SCHEMA_VERSION and len(loaded.sha256) == 64
    assert loaded.project.data.rows == 6 and len(loaded.project.data.sha256) == 64


def test_defaults_round_trip_through_their_toml_spelling(tiny, tmp_path):
    project = new_project(tiny, RunConfig(target="species"))
    doc = project.to_document()
    assert doc["target"]["metric"] == "auto" and doc["search"]["cv_repeats"] == "auto"
    assert doc["search"]["n_trials"] == 0 and doc["search"]["families"] == []
    assert load_project(save_project(project, tmp_path / "p.automl.toml")).project == project


def test_save_is_atomic_and_leaves_no_temporary_file(tiny, tmp_path, monkeypatch):
    project = new_project(tiny, RunConfig(target="species"))
    path = save_project(project, tmp_path / "p.automl.toml")
    before = path.read_text()
    import automl.project._io as io

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(io.os, "replace", boom)
    with pytest.raises(OSError):
        save_project(dataclasses.replace(project, name="other"), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


BAD = [
    ("[search]\ncv = \"five\"\n", "search.cv", "expected an integer"),
    ("[search]\ncv = 1\n", "search.cv", "between 2 and 20"),
    ("[search]\ntime_budget_s = -3\n", "search.time_budget_s", "positive"),
    ("[search]\nbudget = 3\n", "search.budget", "unknown key"),
    ("[search]\nfamilies = [1]\n", "search.families", "list of names"),
    ("[search]\ncv_repeats = \"many\"\n", "search.cv_repeats", "expected a number or 'auto'"),
    ("[search]\nn_jobs = true\n", "search.n_jobs", "expected an integer"),
    ("[target]\nmetric = \"accuracy2\"\n", "target.metric", "Unknown metric"),
    ("[targets]\ncolumn = \"y\"\n", "targets", "unknown key"),
    ("[data]\nformat = \"csv\"\n", "data.format", "unknown key"),
]


@pytest.mark.parametrize(("extra", "key", "reason"), BAD, ids=[b[1] for b in BAD])
def test_unknown_keys_and_bad_values_are_refused_with_key_and_reason(tmp_path, extra, key, reason):
    base = {"data": 'path = "tiny.csv"\n', "target": 'column = "species"\n'}
    sections = []
    header, _, body = extra.partition("\n")
    name = header.strip("[]")
    for section, content in base.items():
        if section == name:
            content += body
        sections.append(f"[{section}]\n{content}")
    if name not in base:
        sections.append(extra)
    path = tmp_path / "bad.automl.toml"
    path.write_text("schema_version = 1\n" + "\n".join(sections))
    with pytest.raises(ProjectError) as err:
        load_project(path)
    message = str(err.value)
    assert err.value.key == key
    assert f"{key}:" in message and reason in message and "\n" not in message


def test_a_missing_target_and_not_toml_are_refused(tmp_path):
    path = tmp_path / "p.automl.toml"
    path.write_text('schema_version = 1\n[data]\npath = "x.csv"\n')
    with pytest.raises(ProjectError, match="target.column: missing"):
        load_project(path)
    path.write_text("schema_version = = 1")
    with pytest.raises(ProjectError, match="not valid TOML"):
        load_project(path)
    with pytest.raises(ProjectError, match="Cannot read the project file"):
        load_project(tmp_path / "none.automl.toml")


def test_a_newer_schema_version_is_refused(tmp_path):
    path = tmp_path / "p.automl.toml"
    path.write_text(f"schema_version = {SCHEMA_VERSION + 1}\n")
    with pytest.raises(ProjectError, match="newer than this version"):
        load_project(path)


def test_every_old_version_has_a_migration_and_a_fixture():
    assert set(MIGRATIONS) == set(range(SCHEMA_VERSION))
    for version in range(SCHEMA_VERSION + 1):
        assert (FIXTURES / f"v{version}.automl.toml").is_file()


def test_the_pre_version_file_migrates_to_the_current_schema(tmp_path):
    for name in ("v0.automl.toml", "v1.automl.toml", "tiny.csv"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    old = load_project(tmp_path / "v0.automl.toml")
    new = load_project(tmp_path / "v1.automl.toml")
    assert old.read_version == 0 and new.read_version == 1
    assert old.project == new.project
    c = old.project.config
    assert (c.target, c.task, c.metric, c.budget_s, c.cv, c.seed) == (
        "species", "multiclass", "log_loss", 30, 4, 3)
    assert c.families == ("linear", "tree") and c.exclude == ("id",)
    assert old.project.data.path == str(tmp_path / "tiny.csv")
    # Saving writes the current version; reading it back changes nothing.
    again = load_project(save_project(old.project, tmp_path / "saved.automl.toml"))
    assert again.read_version == SCHEMA_VERSION and again.project == old.project


def test_an_unknown_key_in_a_pre_version_file_is_refused(tmp_path):
    path = tmp_path / "p.automl.toml"
    path.write_text('data = "x.csv"\ntarget = "y"\nbudget = 3\n')
    with pytest.raises(ProjectError, match="budget: unknown key"):
        load_project(path)


def test_a_changed_data_fingerprint_is_reported_not_refused(tiny, tmp_path):
    from automl.data import load_dataset

    project = new_project(tiny, RunConfig(target="species"))
    assert data_change(project, load_dataset(tiny)) is None
    tiny.write_text(tiny.read_text() + "7,40.0,190,Adelie\n")
    note = data_change(project, load_dataset(tiny))
    assert note and "6 rows then, 7 now" in note and project.data.sha256[:12] in note


def test_names_and_columns_are_checked(tiny):
    with pytest.raises(ProjectError, match="not a usable model name"):
        Project(name="a b", data=DataRef("x.csv"), config=RunConfig(target="y"))
    with pytest.raises(ProjectError, match="target.column: 'nope' is not a column"):
        new_project(tiny, RunConfig(target="nope"))
    with pytest.raises(ProjectError, match="target.exclude"):
        new_project(tiny, RunConfig(target="species", exclude=("zzz",)))


def test_resume_is_never_part_of_a_project(tiny):
    project = new_project(tiny, RunConfig(target="species", resume=True))
    assert project.config.resume is False
