"""Reading studies back as typed records (the GUI and the CLI both use these)."""

from automl.records import _keys as keys
from automl.records._records import Leaderboard
from automl.records._records import StudyInfo
from automl.records._records import TrialRecord
from automl.records._records import TrialStatus
from automl.records._records import list_studies
from automl.records._records import load_study
from automl.records._records import read_trials
from automl.records._study import StudyRecord
from automl.records._study import record_project
from automl.records._watch import StudyWatch
from automl.records._watch import WatchSnapshot

__all__ = ["Leaderboard", "StudyInfo", "StudyRecord", "TrialRecord", "TrialStatus", "keys", "list_studies", "load_study",
           "read_trials", "record_project", "StudyWatch", "WatchSnapshot"]
