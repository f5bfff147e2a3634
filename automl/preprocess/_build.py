"""One ColumnTransformer from the profile: what each column kind needs for each model style."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import OrdinalEncoder
from sklearn.preprocessing import StandardScaler

from automl.data._types import ColumnKind
from automl.data._types import Profile
from automl.preprocess._transformers import DatetimeFeatures
from automl.preprocess._transformers import ImputeWithIndicators
from automl.preprocess._transformers import TargetEncoder
from automl.preprocess._transformers import TextVectorizer
from automl.preprocess._transformers import text_column
from automl.preprocess._transformers import to_category_strings

ONE_HOT_MAX_LEVELS = 20  # above this, a categorical column is target-encoded (scaled style)
NATIVE_MAX_LEVELS = 250  # HistGradientBoosting's native categorical limit (max_bins 255)
TEXT_MAX_FEATURES = 5000
TEXT_SVD_COMPONENTS = 64  # at most; see text_components_for
MIN_TEXT_SVD_COMPONENTS = 8
# Rows x components a second of budget affords: the tree styles' cost grows with the
# feature count, and 64 components of a 17,000-row, 4-class table left boosting and
# forests unable to finish one fold in a 60 s run (docs/benchmarks.md).
TEXT_CELLS_PER_BUDGET_S = 5_000


def text_components_for(budget_s: float, n_rows: int) -> int:
    """SVD components of each text column for the tree styles, sized to the budget."""
    fit = int(budget_s * TEXT_CELLS_PER_BUDGET_S / max(1, n_rows))
    return max(MIN_TEXT_SVD_COMPONENTS, min(TEXT_SVD_COMPONENTS, fit))


class Style(enum.StrEnum):
    """How a model family wants its inputs.

    SCALED: imputed, standardised, one-hot (linear models, k-NN, SVM, naive Bayes); sparse
        when there is text.
    TREE: imputed with missing indicators (for features missing in 10+ rows), ordinal-encoded
        categories, dense (forests, trees).
    NATIVE: NaN kept, categories ordinal-encoded and declared categorical, dense with
        names (HistGradientBoosting handles both natively).
    """

    SCALED = "scaled"
    TREE = "tree"
    NATIVE = "native"


@dataclass(frozen=True)
class FeaturePlan:
    """The columns of each kind that feed the model (from the profile, minus exclusions)."""

    numeric: tuple[str, ...]
    low_card: tuple[str, ...]  # categorical/boolean with few levels
    high_card: tuple[str, ...]  # categorical with many levels
    datetime: tuple[str, ...]
    text: tuple[str, ...]
    text_components: int = TEXT_SVD_COMPONENTS  # SVD size of each text column (tree styles)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.numeric + self.low_card + self.high_card + self.datetime + self.text

    @classmethod
    def from_profile(
        cls, profile: Profile, target: str, exclude: tuple[str, ...] = (), style: Style = Style.SCALED
    ) -> FeaturePlan:
        limit = ONE_HOT_MAX_LEVELS if style is Style.SCALED else NATIVE_MAX_LEVELS
        groups: dict[str, list[str]] = {k: [] for k in ("num", "low", "high", "dt", "text")}
        for name in profile.feature_columns(target, exclude):
            col = profile.column(name)
            if col.kind is ColumnKind.NUMERIC:
                groups["num"].append(name)
            elif col.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
                groups["low" if col.n_distinct <= limit else "high"].append(name)
            elif col.kind is ColumnKind.DATETIME:
                groups["dt"].append(name)
            elif col.kind is ColumnKind.TEXT:
                groups["text"].append(name)
        return cls(*(tuple(groups[k]) for k in ("num", "low", "high", "dt", "text")))


def _cross_fit(classification: bool, seed: int):
    """The folds TargetEncoder cross-fits on (seeded, shuffled)."""
    splitter = StratifiedKFold if classification else KFold
    return splitter(n_splits=5, shuffle=True, random_state=seed)


def _categories():
    return FunctionTransformer(to_category_strings, feature_names_out="one-to-one")


def build_preprocessor(
    plan: FeaturePlan, style: Style, *, classification: bool, seed: int = 0
) -> ColumnTransformer:
    """Build the (unfitted) ColumnTransformer for one model style.

    Args:
        plan: Which columns are of which kind.
        style: The input style the model family needs.
        classification: Whether the target is a class (target encoding mode).
        seed: Seed for the randomised parts (target-encoding folds, SVD).

    Returns:
        A ColumnTransformer that drops every column not in the plan.
    """
    scaled = style is Style.SCALED
    parts = []
    if plan.numeric:
        if style is Style.NATIVE:
            numeric = "passthrough"
        elif scaled:
            numeric = make_pipeline(ImputeWithIndicators(), StandardScaler())
        else:
            numeric = ImputeWithIndicators()
        parts.append(("num", numeric, list(plan.numeric)))
    if plan.low_card:
        if scaled:
            encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=2)
            low = make_pipeline(_categories(), SimpleImputer(strategy="constant", fill_value="<missing>"), encoder)
        else:
            missing = np.nan if style is Style.NATIVE else -1
            low = make_pipeline(
                _categories(),
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=missing,
                    encoded_missing_value=missing, dtype=np.float64,
                ),
            )
        parts.append(("cat", low, list(plan.low_card)))
    if plan.high_card:
        target_type = "auto" if classification else "continuous"
        high = make_pipeline(
            _categories(),
            SimpleImputer(strategy="constant", fill_value="<missing>"),
            TargetEncoder(target_type=target_type, cv=_cross_fit(classification, seed)),
        )
        if scaled:
            high.steps.append(("scale", StandardScaler()))
        parts.append(("te", high, list(plan.high_card)))
    if plan.datetime:
        steps = [DatetimeFeatures()]
        if style is not Style.NATIVE:
            steps.append(ImputeWithIndicators())
        if scaled:
            steps.append(StandardScaler())
        parts.append(("dt", make_pipeline(*steps), list(plan.datetime)))
    for i, name in enumerate(plan.text):
        tfidf = TextVectorizer(max_features=TEXT_MAX_FEATURES, sublinear_tf=True, min_df=2)
        steps = [FunctionTransformer(text_column), tfidf]
        if not scaled:  # trees want few dense columns
            components = getattr(plan, "text_components", TEXT_SVD_COMPONENTS)  # older plans
            steps.append(TruncatedSVD(n_components=components, random_state=seed))
        parts.append((f"text{i}", make_pipeline(*steps), [name]))
    transformer = ColumnTransformer(
        parts, remainder="drop", sparse_threshold=0.3 if scaled and plan.text else 0.0,
        verbose_feature_names_out=False,
    )
    return transformer


def native_categorical_indices(plan: FeaturePlan) -> list[int] | None:
    """For the NATIVE style: output column indices of the categorical features, or None.

    The NATIVE ColumnTransformer emits the numeric columns first (passthrough, one output
    each), then the low-cardinality categories (one output each), then everything else.
    """
    if not plan.low_card:
        return None
    start = len(plan.numeric)
    return list(range(start, start + len(plan.low_card)))
