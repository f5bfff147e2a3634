"""The search: RunConfig in, a recorded Optuna study (and a final model) out."""

from automl.search._config import RunConfig
from automl.search._result import FinalKind
from automl.search._result import FinalModel
from automl.search._result import Refit
from automl.search._result import SearchResult
from automl.search._run import run_search

__all__ = ["FinalKind", "FinalModel", "Refit", "RunConfig", "SearchResult", "run_search"]
