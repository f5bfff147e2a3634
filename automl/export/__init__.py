"""Deployable bundles: export, load (verified), predict."""

from automl.export._bundle import Bundle
from automl.export._bundle import Prediction
from automl.export._bundle import write_bundle
from automl.export._export import export_search_result
from automl.export._export import export_trial
from automl.export._schema import InputColumn
from automl.search import study_dataset  # where it was first public; it reads a study's data

__all__ = ["Bundle", "InputColumn", "Prediction", "export_search_result", "export_trial", "study_dataset", "write_bundle"]
