"""Reading tables, profiling them and detecting the task."""

from automl.data._distribution import ColumnDistribution
from automl.data._distribution import distribution_of
from automl.data._distribution import level_name
from automl.data._formats import FORMATS
from automl.data._formats import TableFormat
from automl.data._formats import format_of
from automl.data._profile import profile_dataset
from automl.data._readers import load_dataset
from automl.data._suggest import suggest_target
from automl.data._task import detect_task
from automl.data._types import ColumnKind
from automl.data._types import ColumnProfile
from automl.data._types import Dataset
from automl.data._types import Profile
from automl.data._types import QualityWarning
from automl.data._types import Severity
from automl.data._types import TaskKind
from automl.data._types import TaskSpec

__all__ = [
    "ColumnDistribution",
    "ColumnKind",
    "ColumnProfile",
    "Dataset",
    "FORMATS",
    "Profile",
    "QualityWarning",
    "Severity",
    "TableFormat",
    "TaskKind",
    "TaskSpec",
    "detect_task",
    "distribution_of",
    "format_of",
    "level_name",
    "load_dataset",
    "profile_dataset",
    "suggest_target",
]
