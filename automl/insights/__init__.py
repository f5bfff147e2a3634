"""What the Results step and the model card show: plot data, its drawings, and the re-scoring
of a stored trial that produces it.

* plot data (``_data``): frozen dataclasses of numbers computed once from records and
  predictions (no matplotlib, no Qt);
* drawings (``_plots``): ``draw_*(ax, data)`` onto a given matplotlib Axes, for the model card
  (Agg) and the GUI alike;
* trial insights (``_trial``): a stored trial's out-of-fold predictions and importances
  recomputed through ``automl.search.reopen``, and the importance of the search parameters.
"""

from automl.insights._data import ConfusionData
from automl.insights._data import FamilyScores
from automl.insights._data import HistoryData
from automl.insights._data import ResidualData
from automl.insights._data import RocData
from automl.insights._data import confusion_data
from automl.insights._data import family_scores
from automl.insights._data import history_data
from automl.insights._data import residual_data
from automl.insights._data import roc_data
from automl.insights._plots import draw_confusion
from automl.insights._plots import draw_family_scores
from automl.insights._plots import draw_history
from automl.insights._plots import draw_importances
from automl.insights._plots import draw_predicted_actual
from automl.insights._plots import draw_residuals
from automl.insights._plots import draw_roc
from automl.insights._trial import MIN_TRIALS_FOR_IMPORTANCE
from automl.insights._trial import ParamImportances
from automl.insights._trial import TrialInsights
from automl.insights._trial import param_importances
from automl.insights._trial import trial_insights

__all__ = [
    "MIN_TRIALS_FOR_IMPORTANCE",
    "ConfusionData",
    "FamilyScores",
    "HistoryData",
    "ParamImportances",
    "ResidualData",
    "RocData",
    "TrialInsights",
    "confusion_data",
    "draw_confusion",
    "draw_family_scores",
    "draw_history",
    "draw_importances",
    "draw_predicted_actual",
    "draw_residuals",
    "draw_roc",
    "family_scores",
    "history_data",
    "param_importances",
    "residual_data",
    "roc_data",
    "trial_insights",
]
