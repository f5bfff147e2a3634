"""The RegistryStore contract, run over every implementation (as Optuna's storage tests)."""

from __future__ import annotations

import pytest

from automl.registry import EventKind
from automl.registry import ModelVersion
from automl.registry import RegistryError


def version(model="m", **kw) -> ModelVersion:
    values = dict(model=model, version=0, created_at="2026-01-01T00:00:00+00:00",
                  artifact=f"{model}/x", files={"model.joblib": "a" * 64},
                  source={"study": "s", "trial": 1}, data_sha256="d" * 64, rows=10,
                  task="binary", metric="roc_auc", score=0.5, family="hgb", notes="n",
                  tags={"k": "v"})
    values.update(kw)
    return ModelVersion(**values)


def move(store, alias, v, kind=EventKind.SET, model="m"):
    return store.move_alias(model, alias, v, kind=kind, who="tester", reason="because",
                            at="2026-01-02T00:00:00+00:00")


def test_versions_are_numbered_from_one_and_read_back_whole(store):
    first = store.add_version(version(score=None))
    second = store.add_version(version(version=99))  # the given number is ignored
    assert (first.version, second.version) == (1, 2)
    assert store.get_version("m", 2) == second
    assert second.files == {"model.joblib": "a" * 64} and second.tags == {"k": "v"}
    assert second.source == {"study": "s", "trial": 1} and first.score is None
    assert [v.version for v in store.list_versions("m")] == [1, 2]
    assert store.list_models() == ("m",)


def test_models_are_independent_and_listed_sorted(store):
    store.add_version(version("b"))
    store.add_version(version("a"))
    assert store.add_version(version("b")).version == 2
    assert store.list_models() == ("a", "b")


def test_unknown_model_and_version_name_what_exists(store):
    store.add_version(version())
    with pytest.raises(RegistryError, match="no version 7; its versions: 1"):
        store.get_version("m", 7)
    for call in (lambda: store.get_version("zz", 1), lambda: store.list_versions("zz"),
                 lambda: store.get_aliases("zz"), lambda: store.list_events("zz")):
        with pytest.raises(RegistryError, match="No model named 'zz'.*registered models: m"):
            call()


def test_deleted_numbers_are_never_reused(store):
    for _ in range(3):
        store.add_version(version())
    removed = store.delete_version("m", 3)
    assert removed.version == 3
    assert store.add_version(version()).version == 4
    assert [v.version for v in store.list_versions("m")] == [1, 2, 4]
    store.delete_version("m", 1)
    with pytest.raises(RegistryError):
        store.delete_version("m", 1)


def test_alias_moves_are_recorded_as_events_in_order(store):
    for _ in range(3):
        store.add_version(version())
    ev = move(store, "champion", 1)
    assert (ev.from_version, ev.to_version, ev.kind) == (None, 1, EventKind.SET)
    move(store, "champion", 2)
    move(store, "challenger", 3)
    move(store, "champion", 1, kind=EventKind.ROLLBACK)
    assert store.get_aliases("m") == {"challenger": 3, "champion": 1}
    events = store.list_events("m")
    assert [(e.alias, e.from_version, e.to_version, e.kind.value) for e in events] == [
        ("champion", None, 1, "set"), ("champion", 1, 2, "set"), ("challenger", None, 3, "set"),
        ("champion", 2, 1, "rollback")]
    assert all(e.who == "tester" and e.reason == "because" for e in events)


def test_moving_an_alias_where_it_is_records_nothing(store):
    store.add_version(version())
    move(store, "champion", 1)
    again = move(store, "champion", 1)
    assert again.from_version == again.to_version == 1
    assert len(store.list_events("m")) == 1


def test_an_alias_cannot_point_at_a_missing_version(store):
    store.add_version(version())
    with pytest.raises(RegistryError, match="no version 5"):
        move(store, "champion", 5)
    assert store.get_aliases("m") == {} and store.list_events("m") == ()


def test_deleting_an_aliased_version_is_refused(store):
    store.add_version(version())
    store.add_version(version())
    move(store, "champion", 1)
    move(store, "challenger", 1)
    with pytest.raises(RegistryError, match="is the challenger, champion; move the alias first"):
        store.delete_version("m", 1)
    assert [v.version for v in store.list_versions("m")] == [1, 2]
    move(store, "champion", 2)
    move(store, "challenger", 2)
    store.delete_version("m", 1)
    assert len(store.list_events("m")) == 4  # the history outlives the version
