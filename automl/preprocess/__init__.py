"""Preprocessing built from the profile; it lives inside each trial's Pipeline."""

from automl.preprocess._build import FeaturePlan
from automl.preprocess._build import Style
from automl.preprocess._build import build_preprocessor
from automl.preprocess._build import native_categorical_indices
from automl.preprocess._build import text_components_for
from automl.preprocess._transformers import DatetimeFeatures

__all__ = ["DatetimeFeatures", "FeaturePlan", "Style", "build_preprocessor", "native_categorical_indices", "text_components_for"]
