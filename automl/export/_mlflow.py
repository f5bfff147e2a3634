"""MLflow files of a bundle: the ``python_function`` flavour with a loader shipped in code/.

MLflow's sklearn flavour expects a pickle named model.pkl; instead the pyfunc flavour
points at ``code/automl_pyfunc.py``, which loads model.joblib (after checking its sha256)
and predicts. ``mlflow.pyfunc.load_model(BUNDLE)`` and ``mlflow models serve -m BUNDLE``
then work with no second copy of the model. MLflow itself is never imported here.
"""

from __future__ import annotations

import json
import platform
import uuid
from datetime import UTC
from datetime import datetime
from typing import Any

from automl.search._versions import library_versions

LOADER = '''"""MLflow pyfunc loader for an AutoML Studio bundle (written at export)."""

import hashlib
import json
import os

import joblib
import pandas as pd


class _Model:
    def __init__(self, bundle_dir):
        meta_path = os.path.join(bundle_dir, "metadata.json")
        with open(meta_path, encoding="utf-8") as fh:
            self.metadata = json.load(fh)
        model_path = os.path.join(bundle_dir, "model.joblib")
        h = hashlib.sha256()
        with open(model_path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != self.metadata["model_sha256"]:
            raise RuntimeError("model.joblib does not match its recorded sha256; refusing to load")
        self.pipeline = joblib.load(model_path)
        self.columns = [c["name"] for c in self.metadata["input_schema"]]
        self.task = self.metadata["task"]["kind"]

    def predict(self, model_input, params=None):
        frame = pd.DataFrame(model_input)
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise ValueError(f"input lacks columns: {missing}")
        X = frame[self.columns]
        out = pd.DataFrame({"prediction": self.pipeline.predict(X)})
        if self.task != "regression":
            proba = self.pipeline.predict_proba(X)
            for j, c in enumerate(self.pipeline.classes_):
                out[f"proba_{c}"] = proba[:, j]
        return out


def _load_pyfunc(path):
    # MLflow passes the bundle directory (data = ".") or a file inside it.
    bundle_dir = path if os.path.isdir(path) else os.path.dirname(path)
    return _Model(bundle_dir)
'''


def mlflow_files(metadata: dict[str, Any], input_example: list[dict[str, Any]]) -> dict[str, str]:
    versions = library_versions()
    py = platform.python_version()
    reqs = [f"{name}=={versions[name]}" for name in ("scikit-learn", "numpy", "pandas", "scipy", "joblib")
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
