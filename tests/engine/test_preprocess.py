"""Preprocessing: missing indicators only where there is enough missingness to learn from;
a text vocabulary that saves as an array."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from automl.preprocess._transformers import ImputeWithIndicators
from automl.preprocess._transformers import TextVectorizer


def test_indicators_only_for_features_missing_in_enough_rows():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"rare": rng.normal(size=200), "often": rng.normal(size=200),
                      "never": rng.normal(size=200)})
    X.loc[:1, "rare"] = np.nan  # 2 rows: an indicator would only memorise them
    X.loc[10:39, "often"] = np.nan  # 30 rows
    imp = ImputeWithIndicators(min_missing=10).fit(X)
    out = imp.transform(X)
    assert out.shape == (200, 4) and not np.isnan(out).any()
    np.testing.assert_array_equal(out[:, 3], X["often"].isna().to_numpy(dtype=float))
    assert out[0, 0] == np.nanmedian(X["rare"])
    assert list(imp.get_feature_names_out(list(X.columns))) == [
        "rare", "often", "never", "missingindicator_often"]
    # unseen missingness at prediction time is imputed, never a new column
    new = X.head(3).copy()
    new["never"] = np.nan
    assert imp.transform(new).shape == (3, 4)
    assert clone(imp).min_missing == 10


def test_an_all_missing_column_in_a_fold_keeps_the_column_count():
    X = np.array([[np.nan, 1.0], [np.nan, 2.0], [np.nan, 3.0]])
    imp = ImputeWithIndicators(min_missing=2).fit(X)
    assert imp.transform(X).shape == (3, 3)


DOCS = ["the tea was great", "great coffee, great price", "stale tea and bad coffee",
        "bad price", "the coffee arrived stale", "tea tea tea"] * 3


def test_a_text_vocabulary_is_saved_as_one_array_and_comes_back_the_same():
    vec = TextVectorizer(min_df=2, max_features=6).fit(DOCS)
    state = vec.__getstate__()
    assert "vocabulary_" not in state  # skops would write a dict one node per term
    assert state["terms_"].dtype.kind == "U" and len(state["terms_"]) == 6
    back = pickle.loads(pickle.dumps(vec))
    assert back.vocabulary_ == vec.vocabulary_
    assert (back.transform(DOCS) != vec.transform(DOCS)).nnz == 0
    assert clone(vec).get_params() == vec.get_params()


def test_a_text_model_round_trips_through_the_bundles_safe_format(tmp_path):
    pytest.importorskip("skops")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from automl.export._safe import dump_skops
    from automl.export._safe import load_skops

    labels = ["good" if ("great" in d or "tea tea" in d) else "bad" for d in DOCS]
    model = make_pipeline(TextVectorizer(min_df=2), LogisticRegression()).fit(DOCS, labels)
    assert dump_skops(model, tmp_path / "model.skops") == []  # nothing refused
    back = load_skops(tmp_path / "model.skops")
    assert back[0].vocabulary_ == model[0].vocabulary_
    np.testing.assert_allclose(back.predict_proba(DOCS), model.predict_proba(DOCS))


def test_an_unfitted_or_given_vocabulary_comes_back_as_it_was():
    assert "terms_" not in TextVectorizer().__getstate__()
    given = TextVectorizer(vocabulary={"tea": 1, "coffee": 0}).fit(DOCS)
    back = pickle.loads(pickle.dumps(given))
    assert back.vocabulary_ == {"tea": 1, "coffee": 0} and back.fixed_vocabulary_
    assert (back.transform(DOCS) != given.transform(DOCS)).nnz == 0
