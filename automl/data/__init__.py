"""Reading tables, profiling them and detecting the task."""

from automl.data._profile import profile_dataset
from automl.data._readers import load_dataset
from automl.data._task import detect_task
from automl.data._types import ColumnKind
from automl.data._types import ColumnProfile
from automl.data._types import Dataset
from automl.data._types import Profile
from automl.data._types import QualityWarning
from automl.data._types import TaskKind
from automl.data._types import TaskSpec

__all__ = [
    "ColumnKind",
    "ColumnProfile",
    "Dataset",
    "Profile",
    "QualityWarning",
    "TaskKind",
    "TaskSpec",
    "detect_task",
    "load_dataset",
    "profile_dataset",
]
