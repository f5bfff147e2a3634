"""Metrics as data (the registry of each task kind's metrics) and the permutation importance
that scores a fitted model's input columns with one of them."""

from automl.metrics._importance import permutation_importances
from automl.metrics._registry import METRICS
from automl.metrics._registry import Metric
from automl.metrics._registry import TaskKind
from automl.metrics._registry import default_metric
from automl.metrics._registry import get_metric
from automl.metrics._registry import metrics_for

__all__ = ["METRICS", "Metric", "TaskKind", "default_metric", "get_metric", "metrics_for",
           "permutation_importances"]
