"""The project file: one versioned TOML document that defines a run (data, target, search
settings, storage, the registered model's name). Read, migrate, validate, write."""

from automl.project._io import LoadedProject
from automl.project._io import data_change
from automl.project._io import file_document
from automl.project._io import load_project
from automl.project._io import new_project
from automl.project._io import save_project
from automl.project._migrations import MIGRATIONS
from automl.project._migrations import migrate
from automl.project._schema import FIELDS
from automl.project._schema import RUN_ONLY
from automl.project._schema import SCHEMA_VERSION
from automl.project._schema import SUFFIX
from automl.project._schema import DataRef
from automl.project._schema import Project
from automl.project._schema import ProjectError
from automl.project._schema import from_document
from automl.project._schema import key_of

__all__ = ["FIELDS", "MIGRATIONS", "RUN_ONLY", "SCHEMA_VERSION", "SUFFIX", "DataRef", "LoadedProject",
           "Project", "ProjectError", "data_change", "file_document", "from_document", "key_of", "load_project",
           "migrate", "new_project", "save_project"]
