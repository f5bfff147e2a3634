"""The registry over its store: registration, automatic aliases, rollback, deletion, the
artifact copy and its tamper check, URIs."""

from __future__ import annotations

import json
import os
import stat

import pytest

from automl.registry import Registry
from automl.registry import RegistryError
from automl.registry import check_alias
from automl.registry import parse_model_uri
from automl.registry import resolve_model_uri


def test_first_version_is_champion_later_project_versions_challenger(registry, bundles):
    v1, ev1 = registry.register(bundles(), "churn", source={"project": "churn.automl.toml"})
    v2, ev2 = registry.register(bundles(score=0.95), "churn", source={"project": "churn.automl.toml"})
    v3, ev3 = registry.register(bundles(), "churn")  # by hand: no alias unless asked
    assert (ev1.alias, ev2.alias, ev3) == ("champion", "challenger", None)
    assert registry.aliases("churn") == {"champion": 1, "challenger": 2}
    assert v2.score == 0.95 and v2.family == "hgb" and v2.rows == 80 and v2.task == "binary"
    assert v1.source["study"] == "s1" and v1.source["trial"] == 3
    assert set(v1.files) == {"model.joblib", "metadata.json", "profile.json", "model_card.md"}
    doc = registry.describe("churn")
    assert doc["aliases"] == {"champion": 1, "challenger": 2}
    assert [v["version"] for v in doc["versions"]] == [1, 2, 3]
    assert {"version", "created_at", "score", "family", "data_sha256", "source"} <= set(doc["versions"][0])


def test_rollback_walks_back_through_the_alias_history(registry, bundles):
    for _ in range(3):
        registry.register(bundles(), "m")
    registry.set_alias("m", "champion", 2, reason="better on March data")
    registry.set_alias("m", "champion", 3)
    back = registry.rollback("m", "champion", reason="v3 misbehaves")
    assert (back.from_version, back.to_version, back.kind.value) == (3, 2, "rollback")
    assert registry.rollback("m", "champion").to_version == 1
    with pytest.raises(RegistryError, match="no earlier version to go back to"):
        registry.rollback("m", "champion")
    history = [e.to_dict() for e in registry.history("m")]
    assert [(e["from"], e["to"]) for e in history] == [(None, 1), (1, 2), (2, 3), (3, 2), (2, 1)]
    assert history[3]["reason"] == "v3 misbehaves" and history[1]["reason"] == "better on March data"
    assert set(history[0]) >= {"alias", "from", "to", "at", "reason"}


def test_rollback_skips_deleted_versions(registry, bundles):
    for _ in range(3):
        registry.register(bundles(), "m")
    registry.set_alias("m", "champion", 2)
    registry.set_alias("m", "champion", 3)
    registry.set_alias("m", "other", 1)
    registry.set_alias("m", "other", 3)
    registry.delete("m", 2)
    assert registry.rollback("m", "champion").to_version == 1


def test_deleting_an_aliased_version_is_refused_and_the_copy_kept(registry, bundles):
    version, _ = registry.register(bundles(), "m")
    with pytest.raises(RegistryError, match="champion; move the alias first"):
        registry.delete("m", 1)
    assert (registry.artifact_root / version.artifact / "model.joblib").is_file()
    registry.register(bundles(), "m")
    registry.set_alias("m", "champion", 2)
    registry.delete("m", 1)
    assert not (registry.artifact_root / version.artifact).exists()


@pytest.mark.parametrize("alias", ["latest", "LATEST", "v1", "V12", "a b", "x/y", "", "é@"])
def test_alias_names_follow_mlflow_rules(alias):
    with pytest.raises(RegistryError):
        check_alias(alias)


@pytest.mark.parametrize("alias", ["champion", "challenger", "prod_eu-2", "v1a", "latest2"])
def test_good_alias_names(alias):
    assert check_alias(alias) == alias


def test_bad_names_and_non_bundles_are_refused(registry, bundles, tmp_path):
    with pytest.raises(RegistryError, match="not a usable model name"):
        registry.register(bundles(), "a b")
    with pytest.raises(RegistryError, match="not a bundle folder"):
        registry.register(tmp_path / "nope", "m")
    half = bundles()
    (half / "profile.json").unlink()
    with pytest.raises(RegistryError, match="profile.json missing"):
        registry.register(half, "m")
    swapped = bundles()
    (swapped / "model.joblib").write_bytes(b"other")
    with pytest.raises(RegistryError, match="does not match the sha256"):
        registry.register(swapped, "m")


def _writable(path):
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_the_artifact_copy_is_read_only_and_checked_file_by_file(registry, bundles):
    source = bundles()
    version, _ = registry.register(source, "m")
    folder = registry.artifact_root / version.artifact
    assert registry.bundle_path("m", 1) == folder
    model = folder / "model.joblib"
    assert not os.access(model, os.W_OK) or os.geteuid() == 0
    (source / "model.joblib").write_bytes(b"changed later")  # the original does not matter
    assert registry.bundle_path("m", 1) == folder
    _writable(model)
    data = bytearray(model.read_bytes())
    data[10] ^= 0xFF  # one byte
    model.write_bytes(bytes(data))
    with pytest.raises(RegistryError, match=r"does not match what was registered \(model.joblib "
                                            r"changed\); refusing to load it"):
        registry.bundle_path("m", 1)


def test_a_bundle_rewritten_with_its_metadata_is_still_refused(registry, bundles):
    import hashlib

    version, _ = registry.register(bundles(), "m")
    folder = registry.artifact_root / version.artifact
    for name in ("model.joblib", "metadata.json"):
        _writable(folder / name)
    (folder / "model.joblib").write_bytes(b"evil")
    meta = json.loads((folder / "metadata.json").read_text())
    meta["model_sha256"] = hashlib.sha256(b"evil").hexdigest()  # consistent with itself
    (folder / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(RegistryError, match="metadata.json changed, model.joblib changed"):
        registry.bundle_path("m", 1)
    (folder / "extra.py").write_text("import os")
    (folder / "profile.json").chmod(0o600)
    (folder / "profile.json").unlink()
    with pytest.raises(RegistryError, match="profile.json missing.*extra.py added"):
        registry.bundle_path("m", 1)


def test_uris_parse_like_mlflow_models_uris():
    assert parse_model_uri("churn@champion").alias == "champion"
    assert parse_model_uri("models:/churn/3").version == 3
    assert str(parse_model_uri("churn/3")) == "churn/3"
    assert parse_model_uri("some/path/bundle") is None and parse_model_uri("a@b@c") is None


def test_resolve_model_uri_through_the_workspace_registry(bundles, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOML_REGISTRY", str(tmp_path / "reg"))
    reg = Registry.open()
    version, _ = reg.register(bundles(), "churn")
    reg.register(bundles(), "churn", alias="challenger")
    expected = reg.artifact_root / version.artifact
    assert resolve_model_uri("churn@champion") == expected
    assert resolve_model_uri("models:/churn@champion") == expected
    assert resolve_model_uri("churn/1") == expected
    assert resolve_model_uri("churn/2") == resolve_model_uri("churn@challenger")
    plain = bundles()
    assert resolve_model_uri(str(plain)) == plain  # a folder is a folder
    with pytest.raises(RegistryError, match="churn@prod: Model 'churn' has no alias 'prod'"):
        resolve_model_uri("churn@prod")
    with pytest.raises(RegistryError, match="churn/9: Model 'churn' has no version 9"):
        resolve_model_uri("churn/9")
    with pytest.raises(RegistryError, match="No model named 'other'"):
        resolve_model_uri("other@champion")
    with pytest.raises(RegistryError, match="No model named 'churn'"):
        resolve_model_uri("churn@champion", tmp_path / "elsewhere")  # another registry


def test_registry_location_is_a_folder_flag_or_environment(tmp_path, monkeypatch):
    from automl.storage import workspace_dir

    monkeypatch.delenv("AUTOML_REGISTRY", raising=False)
    assert Registry.open().location == str(workspace_dir() / "registry")
    monkeypatch.setenv("AUTOML_REGISTRY", str(tmp_path / "env"))
    assert Registry.open().artifact_root == tmp_path / "env" / "artifacts"
    flagged = Registry.open(tmp_path / "flag")
    assert (tmp_path / "flag" / "registry.db").is_file()
    assert flagged.artifact_root == tmp_path / "flag" / "artifacts"
