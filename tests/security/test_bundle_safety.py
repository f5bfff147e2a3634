"""Bundles that run no code when loaded: a malicious pickle under the real name is never loaded
without explicit trust, model.skops never unpickles, and an untrusted type is refused by name."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pickle
import shlex
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serve_helpers import run_cli
from serve_helpers import start_server

from automl.errors import BundleError
from automl.export import Bundle


class _RunsACommand:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite(folder: Path, **changes) -> None:
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta.update(changes)
    meta_path.write_text(json.dumps(meta))


def _malicious(bundle: Path, tmp_path: Path, keep_skops: bool = False) -> tuple[Path, Path]:
    """A copy of the bundle whose model.joblib runs a command; its sha256 updated to match."""
    folder = shutil.copytree(bundle, tmp_path / "evil")
    marker = tmp_path / "PWNED"
    (folder / "model.joblib").write_bytes(pickle.dumps(_RunsACommand(marker)))
    _rewrite(folder, model_sha256=_sha(folder / "model.joblib"))
    if not keep_skops:
        (folder / "model.skops").unlink()
        _rewrite(folder, files_sha256={})
    return folder, marker


def test_the_malicious_pickle_is_real(bundle, tmp_path):
    """The control: trusting the pickle does run the command (so the refusals below matter)."""
    folder, marker = _malicious(bundle, tmp_path)
    with pytest.raises(BundleError):  # the command ran; the result is no pipeline
        Bundle.load(folder, trust_pickle=True)
    assert marker.exists()


def test_no_path_of_the_app_loads_the_malicious_pickle(bundle, tmp_path):
    folder, marker = _malicious(bundle, tmp_path)
    data = tmp_path / "rows.csv"
    data.write_text(",".join(json.loads((bundle / "input_example.json").read_text())
                             ["dataframe_records"][0]) + "\n")
    with pytest.raises(BundleError, match="--trust-pickle") as err:
        Bundle.load(folder)
    assert "model.skops" in str(err.value) and "\n" not in str(err.value)
    commands = (["predict", folder, data], ["drift", folder, data], ["monitor", folder, data])
    with ThreadPoolExecutor(len(commands)) as pool:  # the CLI runs side by side
        procs = list(pool.map(lambda c: run_cli(tmp_path, *c), commands))
    for command, proc in zip(commands, procs, strict=True):
        assert proc.returncode == 2, (command, proc.stderr)
        assert "--trust-pickle" in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    server = start_server(folder, tmp_path)
    assert not server.url and server.proc.returncode == 2 and "--trust-pickle" in server.output
    loader = _pyfunc_loader(folder)
    with pytest.raises(BundleError, match="--trust-pickle"):
        loader._load_pyfunc(str(folder))
    from automl.api import AutoML

    if hasattr(AutoML, "load"):
        with pytest.raises(BundleError):
            AutoML.load(folder)
    assert not marker.exists(), "the malicious pickle ran"


def test_a_bundle_with_model_skops_never_touches_the_pickle(bundle, tmp_path):
    folder, marker = _malicious(bundle, tmp_path, keep_skops=True)
    loaded = Bundle.load(folder)
    assert loaded.model_file == "model.skops" and not marker.exists()


def test_loading_skops_never_unpickles(bundle, monkeypatch):
    import _pickle

    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("something unpickled")

    for module, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"),
                         (_pickle, "load"), (_pickle, "loads"), (joblib, "load")):
        monkeypatch.setattr(module, name, refuse)
    loaded = Bundle.load(bundle)
    assert loaded.model_file == "model.skops" and hasattr(loaded.pipeline, "predict_proba")


def test_a_pickle_renamed_model_skops_is_refused(bundle, tmp_path):
    folder = shutil.copytree(bundle, tmp_path / "b")
    marker = tmp_path / "PWNED"
    (folder / "model.skops").write_bytes(pickle.dumps(_RunsACommand(marker)))
    _rewrite(folder, files_sha256={"model.skops": _sha(folder / "model.skops")})
    with pytest.raises(BundleError, match="not a readable skops file"):
        Bundle.load(folder)
    assert not marker.exists()


@pytest.mark.parametrize("evil", ["os.system", "test_class"])
def test_an_untrusted_type_in_model_skops_is_refused_by_name(bundle, tmp_path, evil):
    import skops.io as sio
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    folder = shutil.copytree(bundle, tmp_path / "b")
    pipeline = Bundle.load(bundle).pipeline
    extra = FunctionTransformer(os.system) if evil == "os.system" else _Gadget()
    sio.dump(Pipeline([("extra", extra), ("model", pipeline)]), folder / "model.skops")
    _rewrite(folder, files_sha256={"model.skops": _sha(folder / "model.skops")})
    name = "posix.system" if evil == "os.system" else f"{__name__}._Gadget"
    with pytest.raises(BundleError, match="not on the trusted list") as err:
        Bundle.load(folder)
    assert name in str(err.value)


class _Gadget:
    def transform(self, X):
        return X


def test_a_changed_model_skops_is_refused(bundle, tmp_path):
    folder = shutil.copytree(bundle, tmp_path / "b")
    data = bytearray((folder / "model.skops").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "model.skops").write_bytes(bytes(data))
    with pytest.raises(BundleError, match="model.skops does not match its recorded sha256"):
        Bundle.load(folder)


def test_an_old_bundle_needs_trust_and_says_so_in_one_line(bundle, tmp_path):
    folder = shutil.copytree(bundle, tmp_path / "old")
    (folder / "model.skops").unlink()
    meta = json.loads((folder / "metadata.json").read_text())
    del meta["files_sha256"]
    (folder / "metadata.json").write_text(json.dumps(meta))
    proc = run_cli(tmp_path, "predict", folder, tmp_path / "x.csv")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "--trust-pickle" in proc.stderr and "export it again" in proc.stderr
    assert Bundle.load(folder, trust_pickle=True).model_file == "model.joblib"


def _pyfunc_loader(folder: Path):
    spec = importlib.util.spec_from_file_location("automl_pyfunc_test", folder / "code" /
                                                  "automl_pyfunc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop("automl_pyfunc_test", None)
    return module


@pytest.mark.parametrize("kind", ["tree", "hgb", "packed"])
def test_a_crafted_tree_is_refused(tmp_path, kind):
    """skops trusts the file's types, not its numbers: node indices that point outside the
    tree would make predict read out of bounds, so loading checks them."""
    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.tree._tree import Tree

    from automl.export._safe import load_skops
    from automl.models._trees import RandomForestClassifier

    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    if kind in ("tree", "packed"):
        model = (DecisionTreeClassifier(random_state=0) if kind == "tree" else
                 RandomForestClassifier(n_estimators=3, random_state=0)).fit(X, y)
        tree = model if kind == "tree" else model.estimators_[1]  # saved packed with the others
        state = tree.tree_.__getstate__()
        state["nodes"] = state["nodes"].copy()
        state["nodes"]["left_child"][0] = 10**6
        crafted = Tree(tree.tree_.n_features, np.array([2], dtype=np.intp), 1)
        crafted.__setstate__(state)
        tree.tree_ = crafted
    else:
        model = HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=2).fit(X, y)
        nodes = model._predictors[0][0].nodes
        nodes["right"][np.flatnonzero(nodes["is_leaf"] == 0)[0]] = 10**6
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(BundleError, match="nodes point outside"):
        load_skops(tmp_path / "m.skops")


@pytest.mark.parametrize("change", ["child outside", "child loops back", "feature outside",
                                    "bitset outside", "narrow bitsets", "node_count", "dtype"])
def test_packed_histogram_boosting_trees_that_do_not_fit_are_refused(tmp_path, change):
    """A packed HistGradientBoosting's trees are rebuilt only when every node stays inside
    its tree, its inputs and its category bitsets, in scikit-learn's own layouts: predict
    indexes all of them without bounds checks (or loops forever on a cycle)."""
    import numpy as np
    import skops.io as sio

    from automl.export._safe import load_skops
    from automl.models import _trees
    from automl.models._trees import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(80, 2)), rng.integers(0, 5, size=80)])
    y = (X[:, 0] + (X[:, 2] > 2) > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=4, categorical_features=[2],
                                           random_state=0).fit(X, y)
    state = model.__getstate__()
    packed = state[_trees.PACKED_PREDICTORS]
    nodes = packed["nodes"]
    inner = np.flatnonzero(nodes["is_leaf"] == 0)
    cat = np.flatnonzero((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 1))
    assert len(cat), "the model should split on its categorical column"
    if change == "child outside":
        nodes["right"][inner[0]] = 10**6
    elif change == "child loops back":
        nodes["left"][inner[-1]] = inner[-1]  # predict would walk in a circle
    elif change == "feature outside":
        nodes["feature_idx"][inner[0]] = 3  # three columns: 0, 1, 2
    elif change == "bitset outside":
        nodes["bitset_idx"][cat[0]] = 10**6
    elif change == "narrow bitsets":
        for name in ("raw_left_cat_bitsets", "binned_left_cat_bitsets"):
            packed[name] = np.ascontiguousarray(packed[name][:, :1])  # reads past 32 categories
    elif change == "node_count":
        packed["node_count"][0] += 1
    else:
        packed["nodes"] = nodes.astype([(n, "<f8") for n in nodes.dtype.names])
    model.__getstate__ = lambda: state
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(BundleError, match="m.skops cannot be loaded: ValueError: .*packed "
                                          "HistGradientBoosting tree"):
        load_skops(tmp_path / "m.skops")


@pytest.mark.parametrize("change", ["node_count", "n_features", "shape"])
def test_packed_trees_that_do_not_add_up_are_refused(tmp_path, monkeypatch, change):
    """A packed ensemble's counts are numbers from the file: trees are built from them only
    when they agree with the arrays and with the ensemble's inputs."""
    import numpy as np
    import skops.io as sio

    from automl.export._safe import load_skops
    from automl.models import _trees
    from automl.models._trees import GradientBoostingClassifier

    X, y = np.arange(60.0).reshape(20, 3), np.arange(20) % 3
    model = GradientBoostingClassifier(n_estimators=4, random_state=0).fit(X, y)
    pack = _trees.pack_trees

    def crafted(*args):
        packed = pack(*args)
        if change == "node_count":
            packed["node_count"][0] += 5  # a tree that reads past its own nodes
        elif change == "n_features":
            packed["n_features"] = 50  # feature indices up to 49 on 3 columns
        return packed

    monkeypatch.setattr(_trees, "pack_trees", crafted)
    state = model.__getstate__()
    if change == "shape":
        state[_trees.PACKED]["shape"] = [5, 3]  # more places than trees
    model.__getstate__ = lambda: state
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(BundleError, match="m.skops cannot be loaded: ValueError: the packed "
                                          "trees do not"):
        load_skops(tmp_path / "m.skops")
