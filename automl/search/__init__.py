"""The search: RunConfig in, a recorded Optuna study (and a final model) out.

``reopen`` gives the problem a search scored back (from a config and data, a stored study or
a finished search), to refit or re-score one trial: export, trial insights and retraining
reach the search's internals only through it.
"""

from automl.search._config import RunConfig
from automl.search._reopen import FoldResult
from automl.search._reopen import Reopened
from automl.search._reopen import reopen
from automl.search._reopen import study_dataset
from automl.search._result import FinalKind
from automl.search._result import FinalModel
from automl.search._result import Refit
from automl.search._result import SearchResult
from automl.search._run import run_search
from automl.search._versions import library_versions

__all__ = ["FinalKind", "FinalModel", "FoldResult", "Refit", "Reopened", "RunConfig",
           "SearchResult", "library_versions", "reopen", "run_search", "study_dataset"]
