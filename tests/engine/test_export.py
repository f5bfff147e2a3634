"""Bundles: what they hold, loading with integrity checks, schema checks on input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.errors import BundleError
from automl.errors import SchemaError
from automl.export import Bundle
from automl.export import export_search_result
from automl.export import export_trial
from automl.search import RunConfig
from automl.search import run_search


@pytest.fixture(scope="module")
def built_bundle(tmp_path_factory, frame_of):
    """One search and export for the module; the tests that alter a bundle alter a copy."""
    from automl.data import load_dataset

    folder = tmp_path_factory.mktemp("export")
    dataset = load_dataset(frame_of("binary"))  # the same table as ``binary_dataset``
    config = RunConfig(target="target", budget_s=30, n_trials=4, cv=3,
                       storage_url=f"sqlite:///{(folder / 'studies.db').as_posix()}",
                       study_name="s", families=("linear", "hgb"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOML_HOME", str(folder))
        result = run_search(config, dataset)
    return export_search_result(result, dataset, folder / "bundle")


@pytest.fixture
def bundle_dir(built_bundle, tmp_path):
    """A private copy of the module's bundle: a test may tamper with it."""
    return Path(shutil.copytree(built_bundle, tmp_path / "bundle"))


def test_bundle_holds_every_file_and_lineage(built_bundle, binary_dataset):
    bundle_dir = built_bundle  # the export's own folder, to see what it left beside it
    names = {p.name for p in bundle_dir.iterdir()}
    assert {"model.joblib", "metadata.json", "profile.json", "model_card.md", "model_card.html",
            "MLmodel", "requirements.txt", "python_env.yaml", "input_example.json", "code"} <= names
    meta = json.loads((bundle_dir / "metadata.json").read_text())
    assert meta["lineage"]["dataset_sha256"] == binary_dataset.sha256
    assert meta["lineage"]["study"] == "s"
    assert [c["name"] for c in meta["input_schema"]] == ["x1", "x2", "color"]
    assert meta["task"]["classes"] == ["no", "yes"]
    card = (bundle_dir / "model_card.md").read_text()
    assert "Leaderboard (top 10)" in card and "Limits" in card
    assert not list(bundle_dir.parent.glob(".bundle.tmp-*")), "no temporary folder left behind"


def test_bundle_predicts_with_probabilities_in_class_order(bundle_dir, binary_dataset):
    bundle = Bundle.load(bundle_dir)
    X = binary_dataset.frame.drop(columns="target")
    pred = bundle.predict(X)
    assert pred.probabilities.shape == (len(X), 2)
    np.testing.assert_allclose(pred.probabilities.sum(axis=1), 1.0)
    expected = np.where(pred.probabilities[:, 1] > 0.5, "yes", "no")
    assert (pred.predictions == expected).mean() > 0.95


def test_tampered_model_is_refused(bundle_dir):
    model = bundle_dir / "model.joblib"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="does not match its recorded sha256"):
        Bundle.load(bundle_dir)


def test_truncated_bundle_is_refused(bundle_dir):
    (bundle_dir / "metadata.json").unlink()
    with pytest.raises(BundleError, match="metadata.json missing"):
        Bundle.load(bundle_dir)


def test_missing_column_is_named(bundle_dir, binary_dataset):
    X = binary_dataset.frame.drop(columns=["target", "color"])
    with pytest.raises(SchemaError, match="'color'"):
        Bundle.load(bundle_dir).predict(X)


def test_text_in_numeric_column_is_refused_with_examples(bundle_dir, binary_dataset):
    X = binary_dataset.frame.drop(columns="target").astype({"x1": object})
    X.loc[3, "x1"] = "twelve"
    with pytest.raises(SchemaError, match="'x1' must hold numbers.*'twelve'"):
        Bundle.load(bundle_dir).predict(X)


def test_unseen_category_and_extra_columns_are_reported(bundle_dir, binary_dataset):
    X = binary_dataset.frame.drop(columns="target").head(5).copy()
    X["color"] = ["purple", "red", "red", "blue", "green"]
    X["unused"] = 1
    pred = Bundle.load(bundle_dir).predict(X)
    assert len(pred.predictions) == 5
    assert any("purple" in n for n in pred.notes)
    assert any("unused" in n for n in pred.notes)


def test_numbers_as_text_are_accepted(bundle_dir, binary_dataset):
    X = binary_dataset.frame.drop(columns="target").head(10)
    as_text = X.astype({"x1": str})
    a = Bundle.load(bundle_dir).predict(X).probabilities
    b = Bundle.load(bundle_dir).predict(as_text).probabilities
    np.testing.assert_allclose(a, b)


def test_export_a_chosen_trial_later(tmp_path, storage_url, binary_dataset):
    csv = tmp_path / "data.csv"
    binary_dataset.frame.to_csv(csv, index=False)
    from automl.data import load_dataset

    dataset = load_dataset(csv)
    config = RunConfig(target="target", budget_s=30, n_trials=3, cv=3, storage_url=storage_url,
                       study_name="later", families=("linear", "tree"))
    run_search(config, dataset, refit=False)
    from automl.records import Leaderboard

    tree = next(r for r in Leaderboard.from_study("later", storage_url).completed if r.family == "tree")
    out = export_trial("later", tmp_path / "b1", storage_url=storage_url, trial_number=tree.number)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["lineage"]["trial"] == tree.number and meta["model"]["family"] == "tree"
    assert meta["scores"]["cv_mean"] == tree.score
    pd.testing.assert_index_equal(pd.Index(["x1", "x2", "color"]),
                                  pd.Index([c["name"] for c in meta["input_schema"]]))


def test_export_refuses_changed_data(tmp_path, storage_url, binary_dataset):
    from automl.data import load_dataset
    from automl.errors import DataError

    csv = tmp_path / "data.csv"
    binary_dataset.frame.to_csv(csv, index=False)
    config = RunConfig(target="target", budget_s=30, n_trials=2, cv=3, storage_url=storage_url,
                       study_name="changed", families=("linear",))
    run_search(config, load_dataset(csv), refit=False)
    binary_dataset.frame.head(50).to_csv(csv, index=False)
    with pytest.raises(DataError, match="content changed"):
        export_trial("changed", tmp_path / "b2", storage_url=storage_url)


def test_existing_non_bundle_folder_is_not_overwritten(tmp_path, storage_url, binary_dataset):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "thesis.txt").write_text("keep me")
    config = RunConfig(target="target", budget_s=30, n_trials=2, cv=3, storage_url=storage_url,
                       study_name="s2", families=("linear",))
    result = run_search(config, binary_dataset)
    with pytest.raises(BundleError, match="not a bundle"):
        export_search_result(result, binary_dataset, target)
    assert (target / "thesis.txt").read_text() == "keep me"


def test_duplicate_input_columns_are_refused(bundle_dir, binary_dataset):
    X = binary_dataset.frame.drop(columns="target").head(3)
    X = pd.concat([X, X[["x1"]]], axis=1)
    with pytest.raises(SchemaError, match="duplicate column names: 'x1'"):
        Bundle.load(bundle_dir).predict(X)


def test_predictions_are_the_most_probable_class(bundle_dir, binary_dataset):
    bundle = Bundle.load(bundle_dir)
    X = binary_dataset.frame.drop(columns="target")
    with_proba = bundle.predict(X, proba=True)
    without = bundle.predict(X, proba=False)
    assert (with_proba.predictions == without.predictions).all()


def test_library_version_mismatch_warns_naming_both(bundle_dir):
    import sklearn

    meta_path = bundle_dir / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    meta_path.write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match=f"scikit-learn 0.0.1; {sklearn.__version__} is installed"):
        Bundle.load(bundle_dir)


def test_an_ensemble_says_which_members_learnt_the_targets_logarithm(tmp_path, storage_url,
                                                                     regression_dataset):
    from automl.data import load_dataset
    from automl.records import Leaderboard

    frame = regression_dataset.frame.copy()
    frame["target"] = np.exp(frame["target"] / frame["target"].std())  # skewed, price-like
    dataset = load_dataset(frame)
    config = RunConfig(target="target", budget_s=60, n_trials=12, cv=3, cv_repeats=1,
                       storage_url=storage_url, study_name="log", families=("hgb",), n_jobs=1)
    result = run_search(config, dataset, refit=True)
    bundle = Bundle.load(export_search_result(result, dataset, tmp_path / "bundle"))
    model = bundle.metadata["model"]
    assert model["family"] == "ensemble"
    scale = {r.number: r.params["target_transform"]
             for r in Leaderboard.from_study("log", storage_url).records if r.family == "hgb"}
    labels = {m["trial"]: next(k for k in model["params"] if k.endswith(f"(trial {m['trial']})"))
              for m in model["members"]}
    assert {scale[n] for n in labels} == {"none", "log"}  # this seed's ensemble has both
    for n, label in labels.items():
        assert ("on log(1 + target)" in label) == (scale[n] == "log"), label
