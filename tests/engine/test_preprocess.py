"""Preprocessing: missing indicators only where there is enough missingness to learn from."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from automl.preprocess._transformers import ImputeWithIndicators


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
