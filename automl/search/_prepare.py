"""From a dataset and a RunConfig to the Problem the workers score: task, features, folds."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace

import numpy as np
from sklearn.model_selection import RepeatedKFold
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.model_selection import ShuffleSplit
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.model_selection import train_test_split

from automl.data import Dataset
from automl.data import Profile
from automl.data import TaskSpec
from automl.data import detect_task
from automl.data import profile_dataset
from automl.errors import ConfigError
from automl.errors import DataError
from automl.preprocess import FeaturePlan
from automl.preprocess import Style
from automl.preprocess import text_components_for
from automl.search._config import RunConfig
from automl.search._evaluate import Problem

HOLDOUT_FRACTION = 0.2
# Small tables get their k-fold repeated with fresh shuffles: one 5-fold split of 300 rows
# scores a trial on ~60 rows a fold, noisy enough that the search "finds" configurations that
# only fit that split (measured in docs/benchmarks.md). Trials on such tables take
# milliseconds, so the repeats cost little. (rows below, repeats)
REPEATS_BY_ROWS = ((500, 3), (1000, 2))
# A table too large for k-fold within the budget is scored on a holdout instead (like FLAML's
# rule, calibrated on this engine): k-fold when rows x features <= this x budget seconds.
# 5 fits a trial on 40,000 x 9 diamonds leave 15 s room for 2 trials; a holdout, for 10.
KFOLD_CELLS_PER_BUDGET_S = 6_000
# What a column costs in those cells: a free-text column becomes thousands of TF-IDF columns
# (or the SVD components for trees), a target-encoded column one per class.
TEXT_COLUMN_WEIGHT = 20
MIN_HOLDOUT_ROWS = 5_000  # below this a 20% holdout is too small to select on: k-fold
# Under this budget a run has room for a few fits at most (imports and export take seconds
# of it): 3 folds, no repeats, unless the user set them, so the first trial ends in time.
SMALL_BUDGET_S = 10.0
SMALL_BUDGET_FOLDS = 3


@dataclass(frozen=True)
class Prepared:
    profile: Profile
    task: TaskSpec
    features: tuple[str, ...]
    problem: Problem  # the rows the search scores (maybe a sample)
    full: Problem  # every usable row, for the final refit
    cv: dict  # {"kind", "n_splits", "rows"}; k-fold adds "folds" and "repeats"
    notes: tuple[str, ...] = ()  # what the user should know (e.g. rows sampled for memory)

    @property
    def cv_label(self) -> str:
        if self.cv["kind"] == "holdout":
            return f"holdout {int(HOLDOUT_FRACTION * 100)}%"
        repeats = self.cv.get("repeats", 1)
        folds = self.cv.get("folds", self.cv["n_splits"])
        return f"{folds}-fold" + (f" x{repeats}" if repeats > 1 else "")


def prepare(config: RunConfig, dataset: Dataset, profile: Profile | None = None) -> Prepared:
    """Validate the data against the config and build the Problem.

    Raises:
        DataError: Bad target, no usable feature.
        ConfigError: Excluded columns that do not exist.
    """
    frame = dataset.frame
    missing = [c for c in config.exclude if c not in frame.columns]
    if missing:
        raise ConfigError(f"Cannot exclude {', '.join(map(repr, missing))}: no such column.",
                          field="exclude")
    profile = profile or profile_dataset(dataset, target=config.target)
    task = detect_task(dataset, config.target, task=config.task, metric=config.metric,
                       profile=profile)
    features = profile.feature_columns(config.target, config.exclude)
    if not features:
        raise DataError(
            "No column can be used to predict "
            f"{config.target!r}: every other column is empty, constant, an identifier or "
            "excluded. Add informative columns.",
            column=config.target,
        )
    rows = frame[config.target].notna().to_numpy()
    X = frame.loc[rows, list(features)].reset_index(drop=True)
    y = _target_values(frame.loc[rows, config.target], task)
    notes = []
    data_mb = (X.memory_usage(deep=True, index=False).sum() + y.nbytes) / 2**20
    if data_mb > config.max_data_mb:
        keep = max(100, int(len(y) * config.max_data_mb / data_mb))
        X, y = _sample(X, y, keep, task, config.seed)
        X = X.reset_index(drop=True)
        notes.append(f"the training data takes {data_mb:,.1f} MB, over the memory budget of "
                     f"{config.max_data_mb:g} MB: using a stratified sample of "
                     f"{keep:,} of {task.n_rows:,} rows (raise max_data_mb / --max-data-mb to use more)")
    components = text_components_for(config.budget_s, len(y))
    plans = {s: replace(FeaturePlan.from_profile(profile, config.target, config.exclude, s),
                        text_components=components) for s in Style}
    full = Problem(X, y, task, plans, (), config.seed)

    Xs, ys = X, y
    if len(y) > config.max_search_rows:
        Xs, ys = _sample(X, y, config.max_search_rows, task, config.seed)
        notes.append(f"trials are scored on a sample of {config.max_search_rows:,} rows; the final "
                     f"model is refit on all {len(y):,}")
    splits, cv = _splits(ys, task, config, n_features=_cost_features(plans[Style.TREE], task))
    if cv.get("small_budget"):
        notes.append(f"the {config.budget_s:g} s budget leaves room for {cv['folds']}-fold "
                     "cross-validation without repeats (set the folds or give more time)")
    if cv["kind"] == "holdout" and len(ys) < config.holdout_rows:
        notes.append(f"trials are scored on a {HOLDOUT_FRACTION:.0%} holdout: {config.cv}-fold "
                     f"cross-validation of {len(ys):,} rows x {len(features)} features would "
                     f"leave the {config.budget_s:g} s budget room for few trials")
    problem = Problem(Xs.reset_index(drop=True), ys, task, plans, splits, config.seed,
                      repeats=cv.get("repeats", 1))
    return Prepared(profile, task, features, problem, full, cv, tuple(notes))


def _cost_features(plan: FeaturePlan, task: TaskSpec) -> int:
    """The table's width as the k-fold rule counts it (``TEXT_COLUMN_WEIGHT``)."""
    per_class = len(task.classes) if task.kind.value == "multiclass" else 1
    return (len(plan.numeric) + len(plan.low_card) + len(plan.datetime)
            + per_class * len(plan.high_card) + TEXT_COLUMN_WEIGHT * len(plan.text))


def _target_values(s, task: TaskSpec) -> np.ndarray:
    """Target as an array scikit-learn reads as labels (or values), in the classes' types.

    An object array of ints is "unknown" to scikit-learn, so labels keep a concrete dtype:
    bool, int64 (integer-valued numbers, as ``detect_task`` reports them) or str.
    """
    if not task.kind.is_classification:
        return s.to_numpy(dtype=float)
    classes = task.classes
    if all(isinstance(c, bool) for c in classes):
        return s.astype(bool).to_numpy()
    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return s.astype("int64").to_numpy()
    return s.astype(str).to_numpy(dtype=object)


def _sample(X, y, n, task, seed):
    stratify = y if task.kind.is_classification and _min_count(y) >= 2 else None
    Xs, _, ys, _ = train_test_split(X, y, train_size=n, random_state=seed, stratify=stratify)
    return Xs, ys


def _min_count(y) -> int:
    _, counts = np.unique(y.astype(str), return_counts=True)
    return int(counts.min())


def _splits(y, task: TaskSpec, config: RunConfig, n_features: int = 1):
    n = len(y)
    classification = task.kind.is_classification
    if n < 4:
        raise DataError(f"Only {n} rows with a target value: too few to train and validate a "
                        "model. Provide at least a few dozen rows.", column=task.target)
    too_slow = n * n_features > KFOLD_CELLS_PER_BUDGET_S * config.budget_s
    if n >= config.holdout_rows or (too_slow and n >= MIN_HOLDOUT_ROWS):
        cls = StratifiedShuffleSplit if classification else ShuffleSplit
        splitter = cls(n_splits=1, test_size=HOLDOUT_FRACTION, random_state=config.seed)
        cv = {"kind": "holdout", "n_splits": 1, "rows": n}
    else:
        k = min(config.cv, n // 2)
        repeats = config.cv_repeats or _auto_repeats(n)
        small = config.budget_s < SMALL_BUDGET_S and config.cv_repeats is None
        if small and (k > SMALL_BUDGET_FOLDS or repeats > 1):
            k, repeats = min(k, SMALL_BUDGET_FOLDS), 1
        else:
            small = False
        if classification and _min_count(y) >= 2:
            k = min(k, _min_count(y))
            splitter = RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats,
                                               random_state=config.seed)
        else:
            splitter = RepeatedKFold(n_splits=k, n_repeats=repeats, random_state=config.seed)
        cv = {"kind": "kfold", "n_splits": k * repeats, "folds": k, "repeats": repeats,
              "rows": n}
        if small:
            cv["small_budget"] = True
    labels = y.astype(str) if classification else y
    splits = tuple((tr, va) for tr, va in splitter.split(np.zeros(n), labels))
    return splits, cv


def _auto_repeats(n_rows: int) -> int:
    return next((r for limit, r in REPEATS_BY_ROWS if n_rows < limit), 1)
