"""MLflow files of a bundle: the ``python_function`` flavour with a loader shipped in code/.

MLflow's sklearn flavour expects a pickle named model.pkl; instead the pyfunc flavour
points at ``code/automl_pyfunc.py``, which loads the bundle with ``Bundle.load`` (model.skops,
sha256 checked; no pickle unless trusted) and predicts. ``mlflow.pyfunc.load_model(BUNDLE)`` and ``mlflow models serve -m BUNDLE``
then work with no second copy of the model. MLflow itself is never imported here.
"""

from __future__ import annotations

import json
import platform
import uuid
from datetime import UTC
from datetime import datetime
from typing import Any

from automl.search import library_versions

LOADER = '''"""MLflow pyfunc loader for an AutoML Studio bundle (written at export).

It delegates to automl.export.Bundle, which the model needs anyway (its preprocessing
steps live in the automl package): the same sha256 check, input-schema checks and class
order as `automl predict` and `automl serve`.
"""

import os

import pandas as pd

from automl.export import Bundle


class _Model:
    def __init__(self, bundle_dir):
        self.bundle = Bundle.load(bundle_dir)

    def predict(self, model_input, params=None):
        result = self.bundle.predict(pd.DataFrame(model_input), proba=self.bundle.task != "regression")
        return result.to_frame(proba=result.probabilities is not None)


def _load_pyfunc(path):
    # MLflow passes the bundle directory (data = ".") or a file inside it.
    bundle_dir = path if os.path.isdir(path) else os.path.dirname(path)
    return _Model(bundle_dir)
'''


def mlflow_files(metadata: dict[str, Any], input_example: list[dict[str, Any]]) -> dict[str, str]:
    versions = library_versions()
    py = platform.python_version()
    reqs = [f"{name}=={versions[name]}" for name in ("scikit-learn", "numpy", "pandas", "scipy", "joblib",
                                                     "lightgbm", "skops")
            if name in versions]
    mlmodel = "\n".join([
        "artifact_path: model",
        "flavors:",
        "  python_function:",
        "    code: code",
        "    data: .",
        "    env:",
        "      virtualenv: python_env.yaml",
        "    loader_module: automl_pyfunc",
        f"    python_version: {py}",
        f"model_uuid: {uuid.uuid4().hex}",
        f"utc_time_created: '{metadata.get('created_at') or datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S.%f')}'",
        "",
    ])
    env = "\n".join([f"python: {py}", "build_dependencies:", "- pip", "dependencies:",
                     "- -r requirements.txt", ""])
    return {
        "MLmodel": mlmodel,
        "requirements.txt": "\n".join(reqs) + "\n",
        "python_env.yaml": env,
        "input_example.json": json.dumps({"dataframe_records": input_example}, indent=2,
                                         default=str) + "\n",
        "code/automl_pyfunc.py": LOADER,
    }
