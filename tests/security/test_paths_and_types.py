"""Bundle files stay inside their folder, files follow the umask, and the trusted-type list
covers every model family and input style the engine builds (and nothing is left to chance)."""

from __future__ import annotations

import json
import os
import shutil
import stat

import numpy as np
import pytest

from automl.errors import BundleError
from automl.export import Bundle


def test_a_symlink_inside_a_copied_bundle_is_refused(bundle, tmp_path):
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    folder = shutil.copytree(bundle, tmp_path / "b")
    (folder / "profile.json").unlink()
    (folder / "profile.json").symlink_to(outside)
    with pytest.raises(BundleError, match=r"symbolic link \(profile.json\)"):
        Bundle.load(folder)


def test_a_linked_folder_inside_a_bundle_is_refused(bundle, tmp_path):
    folder = shutil.copytree(bundle, tmp_path / "b")
    shutil.rmtree(folder / "code")
    (folder / "code").symlink_to(tmp_path)
    with pytest.raises(BundleError, match="symbolic link"):
        Bundle.load(folder)


def test_the_bundle_folder_itself_may_be_a_link(bundle, tmp_path):
    (tmp_path / "latest").symlink_to(bundle, target_is_directory=True)
    assert Bundle.load(tmp_path / "latest").model_file == "model.skops"


@pytest.mark.parametrize("name", ["../model.skops", "/etc/passwd", "code/../../x", "a\\..\\b", ""])
def test_file_names_that_leave_the_bundle_are_refused(bundle, tmp_path, name):
    folder = shutil.copytree(bundle, tmp_path / "b")
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files_sha256"] = {**meta["files_sha256"], name: "0" * 64}
    (folder / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="outside its folder"):
        Bundle.load(folder)


def test_writing_refuses_extra_files_that_leave_the_folder(bundle, tmp_path):
    from automl.export import write_bundle

    loaded = Bundle.load(bundle)
    for name in ("../escape.txt", str(tmp_path.parent / "escape.txt")):  # relative, absolute
        with pytest.raises(BundleError, match="outside its folder"):
            write_bundle(tmp_path / "out", bundle / "model.joblib", {}, loaded.profile, {name: "x"},
                         pipeline=loaded.pipeline)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()
    assert not (tmp_path.parent / "escape.txt").exists()


def test_bundle_files_follow_the_umask_and_are_not_world_writable(bundle):
    for path in [bundle, *bundle.rglob("*")]:
        mode = path.stat().st_mode
        assert not mode & stat.S_IWOTH, path
    old = os.umask(0)
    os.umask(old)
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o777 & ~old


def _pipelines():
    """A fitted pipeline of every family on every task, on a table with every column kind."""
    import optuna

    from automl.data import load_dataset
    from automl.models import families_for
    from automl.models._families import FAMILIES

    BUILT_IN = {f.name for f in FAMILIES}  # noqa: N806
    from automl.search import RunConfig
    from automl.search._evaluate import Evaluator
    from automl.search._prepare import prepare

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    rng = np.random.default_rng(0)
    from serve_helpers import rich_frame

    frame = rich_frame(120)
    words = np.array([f"word{i}" for i in range(120)])  # enough for 64 SVD components
    frame["note"] = [" ".join(rng.choice(words, 6)) + f" order {i}" for i in range(len(frame))]
    frame["city"] = [f"city{i % 40}" for i in range(len(frame))]
    frame.loc[:12, "spend"] = np.nan
    frame["amount"] = frame["spend"].fillna(0) * 2
    for target, task, drop in (("churn", "auto", "amount"), ("amount", "regression", "churn")):
        dataset = load_dataset(frame.drop(columns=[drop]))
        prepared = prepare(RunConfig(target=target, task=task, n_trials=1, cv=2), dataset)
        evaluator = Evaluator(prepared.full)
        for family in [f for f in families_for(prepared.task.kind, sparse=True)  # text: sparse
                       if f.name in BUILT_IN]:  # not the test doubles other modules register
            trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1)).ask()
            params = family.space(trial, prepared.full.context(family.style, len(prepared.full.y)))
            params = {k: min(v, 20) if k in ("max_iter", "n_estimators") else v  # quick fits
                      for k, v in params.items()}
            yield f"{target}/{family.name}", evaluator.refit(family.name, params), prepared.full.X
            if task == "regression" and family.name in ("hgb", "lgbm"):  # on the log scale too
                log = {**params, "target_transform": "log"}
                yield f"{target}/{family.name}-log", evaluator.refit(family.name, log), prepared.full.X
        # Dense inputs (no text): k-nearest neighbours builds a KD-tree with the family's
        # Manhattan or Euclidean distance instead of searching by brute force.
        dense = load_dataset(frame.drop(columns=[drop, "note"]))
        full = prepare(RunConfig(target=target, task=task, n_trials=1, cv=2), dense).full
        for p in (1, 2):
            knn = Evaluator(full).refit("knn", {"n_neighbors": 5, "weights": "uniform", "p": p})
            yield f"{target}/knn-p{p}", knn, full.X


def test_the_trusted_list_covers_every_family_and_style(tmp_path):
    """Binary and regression pipelines of every family, with numeric, missing, categorical,
    high-cardinality, boolean, date and text columns (multiclass adds no type)."""
    import skops.io as sio

    from automl.export._safe import EARLIER_TYPES
    from automl.export._safe import TRUSTED_TYPES
    from automl.models._ensemble import WeightedEnsemble

    needed: set[str] = set()
    fitted = []
    for name, pipe, X in _pipelines():
        data = sio.dumps(pipe)
        needed |= set(sio.get_untrusted_types(data=data))
        back = sio.loads(data, trusted=list(TRUSTED_TYPES))
        a, b = pipe.predict(X.head(10)), back.predict(X.head(10))
        assert (a == b).all() if a.dtype.kind in "OUb" else np.allclose(a, b), name
        fitted.append(pipe)
    sio.dump(WeightedEnsemble(fitted[:2], [0.5, 0.5]), tmp_path / "e.skops")
    needed |= set(sio.get_untrusted_types(file=tmp_path / "e.skops"))
    assert needed <= set(TRUSTED_TYPES), sorted(needed - set(TRUSTED_TYPES))
    unused = set(TRUSTED_TYPES) - needed - set(EARLIER_TYPES)
    assert not needed & set(EARLIER_TYPES), "today's pipelines should not need earlier types"
    assert not unused, f"trusted but never needed (drop them): {sorted(unused)}"
