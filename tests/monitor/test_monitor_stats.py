"""Each drift statistic, computed from the stored distribution, against scipy on the raw rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from automl.data import distribution_of
from automl.monitor import DriftPolicy
from automl.monitor import DriftTest
from automl.monitor._stats import category_counts
from automl.monitor._stats import chi_square
from automl.monitor._stats import jensen_shannon
from automl.monitor._stats import ks_test
from automl.monitor._stats import wasserstein_normed

KS_TOLERANCE = 1 / 200 + 1e-9  # the stored quantiles fix the training CDF to within 1/Q


def _samples(rng, shape: str, n: int, m: int):
    if shape == "normal":
        return rng.normal(size=n), rng.normal(rng.uniform(-0.3, 0.3), size=m)
    if shape == "integers":  # many ties
        return rng.integers(0, 12, n).astype(float), rng.integers(0, 13, m).astype(float)
    return rng.exponential(size=n), rng.exponential(rng.uniform(0.9, 1.2), size=m)


@pytest.mark.parametrize("shape", ["normal", "integers", "exponential"])
def test_ks_from_quantiles_matches_scipy(shape):
    rng = np.random.default_rng(1)
    for _ in range(40):
        n, m = int(rng.integers(50, 1001)), int(rng.integers(30, 2000))
        ref, new = _samples(rng, shape, n, m)
        d, p = ks_test(distribution_of(pd.Series(ref), numeric=True), new)
        exact = stats.ks_2samp(ref, new)
        assert abs(d - exact.statistic) <= KS_TOLERANCE
        asymp = stats.ks_2samp(ref, new, method="asymp").pvalue
        if asymp < 0.02 or asymp > 0.12:  # clear cases: the same decision at p < 0.05
            assert (p < 0.05) == (exact.pvalue < 0.05), (d, p, exact)


def test_ks_of_identical_samples_is_zero():
    values = np.random.default_rng(0).normal(size=500)
    d, p = ks_test(distribution_of(pd.Series(values), numeric=True), values)
    assert d <= KS_TOLERANCE and p > 0.99


def test_wasserstein_from_quantiles_matches_scipy():
    rng = np.random.default_rng(2)
    for shift, scale in [(0.0, 1.0), (0.2, 1.3), (0.5, 1.0), (-1.0, 0.7)]:
        ref = rng.normal(3.0, 2.0, size=5000)
        new = rng.normal(3.0 + shift * 2.0, 2.0 * scale, size=3000)
        std = ref.std(ddof=1)
        ours = wasserstein_normed(distribution_of(pd.Series(ref), numeric=True), new, std)
        exact = stats.wasserstein_distance(ref, new) / std
        assert ours == pytest.approx(exact, abs=0.01)


def _categories(rng, n, shares, labels="abcd"):
    return pd.Series(rng.choice(list(labels[: len(shares)]), size=n, p=shares))


def test_chi_square_and_jensen_shannon_are_exact():
    rng = np.random.default_rng(3)
    ref = _categories(rng, 800, [0.4, 0.3, 0.2, 0.1])
    new = pd.concat([_categories(rng, 300, [0.3, 0.3, 0.3, 0.1]), pd.Series(["zz"] * 5)])
    buckets, rc, nc = category_counts(distribution_of(ref, numeric=False), new)
    assert buckets[-1] == "(unseen)" and nc[-1] == 5
    table = pd.crosstab(pd.concat([ref, new]).to_numpy(),
                        np.r_[np.zeros(len(ref)), np.ones(len(new))])
    expected = stats.chi2_contingency(table.to_numpy().T, correction=False)
    stat, p = chi_square(rc, nc)
    assert stat == pytest.approx(expected.statistic, rel=1e-9)
    assert p == pytest.approx(expected.pvalue, rel=1e-9)
    shares_ref = table[0.0] / table[0.0].sum()
    shares_new = table[1.0] / table[1.0].sum()
    assert jensen_shannon(rc, nc) == pytest.approx(jensenshannon(shares_ref, shares_new), rel=1e-9)


def test_many_levels_keep_an_other_bucket():
    rng = np.random.default_rng(4)
    ref = pd.Series(rng.integers(0, 300, 5000).astype(str))
    dist = distribution_of(ref, numeric=False)
    assert len(dist.levels) == 100 and dist.other + sum(dist.level_counts) == 5000
    buckets, rc, nc = category_counts(dist, ref)
    assert buckets[-1] == "(other)" and jensen_shannon(rc, nc) == pytest.approx(0.0, abs=1e-12)


def test_policy_defaults_pick_tests_by_reference_size():
    policy = DriftPolicy()
    assert policy.test_for(categorical=False, reference_rows=1000) is DriftTest.KS
    assert policy.test_for(categorical=True, reference_rows=1000) is DriftTest.CHI_SQUARE
    assert policy.test_for(categorical=False, reference_rows=1001) is DriftTest.WASSERSTEIN
    assert policy.test_for(categorical=True, reference_rows=1001) is DriftTest.JENSEN_SHANNON
    assert policy.drifted(DriftTest.KS, 0.049) and not policy.drifted(DriftTest.KS, 0.05)
    assert policy.drifted(DriftTest.WASSERSTEIN, 0.1) and not policy.drifted(DriftTest.JENSEN_SHANNON, 0.099)


def test_policy_from_project_table():
    from automl.errors import ConfigError

    policy = DriftPolicy.from_dict({"p_value": 0.01, "numeric_test": "wasserstein"})
    assert policy.p_value == 0.01
    assert policy.test_for(categorical=False, reference_rows=10) is DriftTest.WASSERSTEIN
    assert DriftPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ConfigError, match="Unknown monitor setting"):
        DriftPolicy.from_dict({"pvalue": 0.01})
    with pytest.raises(ConfigError, match="must be in"):
        DriftPolicy.from_dict({"p_value": 2})
