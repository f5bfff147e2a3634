"""The search: RunConfig in, a recorded Optuna study (and a refit model) out."""

from automl.search._config import RunConfig
from automl.search._run import Refit
from automl.search._run import SearchResult
from automl.search._run import run_search

__all__ = ["Refit", "RunConfig", "SearchResult", "run_search"]
