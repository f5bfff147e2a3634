"""The target encoder of high-cardinality columns saves its categories as text arrays: the same
encodings after pickle and skops, and a file whose categories do not match is refused."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from automl.errors import BundleError
from automl.export._safe import dump_skops
from automl.export._safe import load_skops
from automl.preprocess._transformers import PACKED_CATEGORY_CHARS
from automl.preprocess._transformers import TargetEncoder

RNG = np.random.default_rng(0)
N = 600
X = RNG.choice([f"level {i}" for i in range(200)] + ["", "<missing>"], size=(N, 2)).astype(object)
TARGETS = {"binary": RNG.integers(0, 2, N), "multiclass": RNG.choice(["a", "b", "c"], N),
           "continuous": RNG.normal(size=N)}
NEW = np.vstack([X[:40], [["never seen", "level 3"]]]).astype(object)


def _fit(kind, rows=X):
    return TargetEncoder(target_type=kind, random_state=0).fit(rows, TARGETS[kind])


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_the_encodings_come_back_the_same(kind, tmp_path):
    encoder = _fit(kind)
    assert "category_text_" in encoder.__getstate__()
    assert all(t.dtype.kind == "U" for t in encoder.__getstate__()["category_text_"])
    assert dump_skops(encoder, tmp_path / "m.skops") == []
    for back in (load_skops(tmp_path / "m.skops"), pickle.loads(pickle.dumps(encoder))):
        assert [c.dtype for c in back.categories_] == [np.dtype(object)] * 2
        assert [c.tolist() for c in back.categories_] == [c.tolist() for c in encoder.categories_]
        np.testing.assert_array_equal(back.transform(NEW), encoder.transform(NEW))


def test_categories_that_would_not_come_back_the_same_are_kept_as_they_were():
    long = X.copy()
    long[0, 1] = "x" * (PACKED_CATEGORY_CHARS + 1)
    trailing = X.copy()
    trailing[0, 1] = "ends in a null\x00"  # fixed-width text would drop the null
    for rows in (long, trailing):
        state = _fit("continuous", rows).__getstate__()
        assert "category_text_" not in state and len(state["categories_"]) == 2


def test_categories_that_do_not_match_the_encodings_are_refused(tmp_path, monkeypatch):
    encoder = _fit("multiclass")
    honest = TargetEncoder.__getstate__

    def crafted(self):
        state = honest(self)
        state["category_text_"][1] = state["category_text_"][1][:-5]
        return state

    monkeypatch.setattr(TargetEncoder, "__getstate__", crafted)
    assert dump_skops(encoder, tmp_path / "m.skops") == []
    with pytest.raises(BundleError, match="cannot be loaded: ValueError: the target encoder's "
                                          "categories do not match its encodings"):
        load_skops(tmp_path / "m.skops")
