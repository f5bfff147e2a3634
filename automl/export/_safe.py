"""The bundle's safe model file: writing and loading ``model.skops`` against one trusted list.

``model.joblib`` is a pickle: loading it runs whatever code it holds. ``model.skops`` (the
``skops.io`` format) is a zip of JSON and ``.npy`` arrays (read with ``allow_pickle=False``)
from which skops rebuilds only objects whose types it is told to trust; it never unpickles.

What is trusted is skops' own default set (scikit-learn estimators, numpy arrays and dtypes,
scipy sparse matrices, built-in containers) plus :data:`TRUSTED_TYPES` below: the few
scikit-learn and numpy internals the engine's pipelines hold that skops does not trust by
default, and the engine's own estimators and functions. Nothing else: a file that needs any
other type is refused with the type names, before any object is built. The list was read
off the pipelines of every model family and input style (``tests/security`` rebuilds them
and fails when a new family needs a type that is not listed here).
"""

from __future__ import annotations

import contextlib
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from automl.errors import BundleError

SKOPS_FILE = "model.skops"

ENGINE_TYPES = (
    "automl.models._ensemble.WeightedEnsemble",
    "automl.models._lgbm.LGBMClassifier",  # its booster is saved as checked arrays, not C++'s text
    "automl.models._lgbm.LGBMRegressor",
    "automl.models._trees.ExtraTreesClassifier",
    "automl.models._trees.ExtraTreesRegressor",
    "automl.models._trees.GradientBoostingClassifier",
    "automl.models._trees.GradientBoostingRegressor",
    "automl.models._trees.HistGradientBoostingClassifier",
    "automl.models._trees.HistGradientBoostingRegressor",
    "automl.models._trees.RandomForestClassifier",
    "automl.models._trees.RandomForestRegressor",
    "automl.preprocess._transformers.DatetimeFeatures",
    "automl.preprocess._transformers.ImputeWithIndicators",
    "automl.preprocess._transformers.TargetEncoder",  # its categories saved as text arrays
    "automl.preprocess._transformers.TextVectorizer",
    "automl.preprocess._transformers.text_column",
    "automl.preprocess._transformers.to_category_strings",
)
"""The engine's own estimator classes and the functions its FunctionTransformers call."""

LIBRARY_TYPES = (
    "functools.partial",  # HistGradientBoosting keeps partial(check_array, ...); its parts are audited
    "numpy.dtype",
    "scipy.sparse._csr.csr_matrix",  # models fit on text features keep sparse arrays (no pickle)
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",  # k-NN's KD-tree, p=2
    "sklearn.metrics._dist_metrics.ManhattanDistance64",  # k-NN's KD-tree, p=1
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.neighbors._kd_tree.KDTree",  # k-NN on dense inputs
    "sklearn.tree._tree.Tree",
    "sklearn.utils.validation.check_array",
)
"""scikit-learn and numpy types the engine's pipelines hold that skops does not trust by default."""

EARLIER_TYPES = (
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
)
"""Types that only bundles of earlier versions hold (HistGradientBoosting's trees before they
were packed), trusted so those bundles still load; ``check_trees`` bounds their nodes too."""

TRUSTED_TYPES = ENGINE_TYPES + LIBRARY_TYPES + EARLIER_TYPES


def skops_available() -> bool:
    try:
        import skops.io  # noqa: F401
    except ImportError:
        return False
    return True


def untrusted_types(path: str | os.PathLike) -> list[str]:
    """Types in a skops file that are neither skops' defaults nor on :data:`TRUSTED_TYPES`.

    Raises:
        BundleError: The file is not a readable skops file.
    """
    import skops.io as sio

    try:
        found = sio.get_untrusted_types(file=Path(path))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise BundleError(f"{Path(path).name} is not a readable skops file ({type(exc).__name__}). "
                          "The file was damaged or replaced; export the model again.") from exc
    return sorted(set(found) - set(TRUSTED_TYPES))


def load_skops(path: str | os.PathLike) -> Any:
    """Load a skops model file, trusting only skops' defaults and :data:`TRUSTED_TYPES`.

    Raises:
        BundleError: skops is missing, the file is unreadable, or it needs a type that is
            not trusted (the message names them).
    """
    if not skops_available():
        raise BundleError("Loading model.skops needs the skops package, which is not installed. "
                          "Install it: pip install skops.")
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    name = Path(path).name
    try:
        model = sio.load(Path(path), trusted=list(TRUSTED_TYPES))  # audits every node first
    except UntrustedTypesFoundException as exc:
        refused = sorted(exc.args[0]) if exc.args and isinstance(exc.args[0], set | list) else [str(exc)]
        raise BundleError(
            f"{name} needs types that are not on the trusted list: {', '.join(refused)}. "
            "Refusing to load it; the bundle was edited or made by other code. Export it again "
            "with AutoML Studio.") from exc
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise BundleError(f"{name} is not a readable skops file ({type(exc).__name__}). "
                          "The file was damaged or replaced; export the model again.") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged file can fail in many ways; none runs code
        raise BundleError(f"{name} cannot be loaded: {type(exc).__name__}: "
                          f"{' '.join(str(exc).split())[:200]}. Export the model again.") from exc
    check_trees(model, name)
    return model


def check_trees(model: Any, name: str = SKOPS_FILE) -> None:
    """Refuse tree structures whose node indices point outside their arrays.

    scikit-learn indexes a tree's child and feature arrays without bounds checks, so a
    crafted file could make ``predict`` read out of bounds or crash (skops' own warning about
    ``Tree`` and ``TreePredictor``, which the engine's tree families need trusted).
    """
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    from automl.models._trees import predictor_fits

    seen: set[int] = set()
    todo = [model]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | bool | type(None)):
            continue
        seen.add(id(obj))
        if isinstance(obj, Tree):
            n = obj.node_count
            left, right, feature = obj.children_left, obj.children_right, obj.feature
            leaf = left == -1
            ok = (len(left) == len(right) == len(feature) == n and ((left >= -1) & (left < n)).all()
                  and ((right >= -1) & (right < n)).all() and ((right == -1) == leaf).all()
                  and ((feature[~leaf] >= 0) & (feature[~leaf] < obj.n_features)).all())
        elif isinstance(obj, TreePredictor):
            ok = predictor_fits(obj.nodes, [obj.binned_left_cat_bitsets,
                                            obj.raw_left_cat_bitsets], None)
        else:
            ok = True
            if isinstance(obj, dict):
                todo.extend(obj.values())
            elif isinstance(obj, list | tuple | set):
                todo.extend(obj)
            elif isinstance(obj, np.ndarray):
                if obj.dtype == object:
                    todo.extend(obj.ravel().tolist())
            elif hasattr(obj, "__dict__"):
                todo.extend(vars(obj).values())
        if not ok:
            raise BundleError(f"{name} holds a tree whose nodes point outside it; the file was "
                              "crafted or damaged. Refusing to load it; export the model again.")


def dump_skops(model: Any, path: str | os.PathLike) -> list[str]:
    """Write ``model`` as a skops file at ``path`` if it loads back with the trusted list.

    Returns:
        The types that kept it from being written (empty when written). A model that needs
        other types (e.g. a family added with ``register_family``) gets no safe file, and
        its bundle then loads only with an explicit trust in the pickle.
    """
    import skops.io as sio

    path = Path(path)
    # Deflated: an uncompressed skops zip is 8-30 times the joblib pickle (one .npy per array).
    # Level 1: a 39 MB forest wrote in 9.0 s as 8.6 MB, against 15.2 s as 6.9 MB at level 6
    # (loaded 2-core machine); the export is inside the run's time promise.
    lgbm = sys.modules.get("automl.models._lgbm")  # imported if the model holds LightGBM
    with lgbm.packing_once() if lgbm else contextlib.nullcontext():
        sio.dump(model, path, compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    refused = untrusted_types(path)
    if refused:
        path.unlink()
    return refused
