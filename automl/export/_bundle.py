"""The deployable bundle: write it atomically, load it with integrity checks, predict.

Layout (format version 1)::

    model.joblib      fitted Pipeline(preprocess, model), refit on all training rows
    metadata.json     task, metric and CV scores, family and params, input schema,
                      lineage, library versions, sha256 of model.joblib
    profile.json      training-data profile (reference for drift checks)
    model_card.md     + model_card.html (plots embedded)
    MLmodel, requirements.txt, python_env.yaml, input_example.json, code/automl_pyfunc.py
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from automl.data import Profile
from automl.errors import BundleError
from automl.export._schema import InputColumn
from automl.export._schema import check_input
from automl.search._versions import library_versions

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
PROFILE_FILE = "profile.json"
REQUIRED = (MODEL_FILE, METADATA_FILE, PROFILE_FILE)
CHECKED_VERSIONS = ("scikit-learn", "numpy", "pandas", "joblib")


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Prediction:
    """Predictions for a batch of rows.

    Attributes:
        predictions: Predicted class labels or values, one per row.
        probabilities: n_rows x n_classes (classification), columns in ``classes`` order.
        classes: Class labels (classification).
        notes: What the schema check reported (ignored columns, unseen categories).
    """

    predictions: np.ndarray
    probabilities: np.ndarray | None
    classes: tuple[Any, ...]
    notes: tuple[str, ...]

    def to_frame(self, proba: bool = False) -> pd.DataFrame:
        out = pd.DataFrame({"prediction": self.predictions})
        if proba and self.probabilities is not None:
            for j, c in enumerate(self.classes):
                out[f"proba_{c}"] = self.probabilities[:, j]
        return out


class Bundle:
    """A loaded, verified bundle. Use :meth:`load`; predict with :meth:`predict`."""

    def __init__(self, path: Path, metadata: dict[str, Any], pipeline, profile: Profile):
        self.path = path
        self.metadata = metadata
        self.pipeline = pipeline
        self.profile = profile
        self.schema = tuple(InputColumn.from_dict(c) for c in metadata["input_schema"])

    @property
    def task(self) -> str:
        return self.metadata["task"]["kind"]

    @property
    def classes(self) -> tuple[Any, ...]:
        return tuple(self.metadata["task"].get("classes") or ())

    @classmethod
    def load(cls, path: str | os.PathLike, *, verify: bool = True) -> Bundle:
        """Load a bundle, refusing a tampered or incomplete one.

        Raises:
            BundleError: Not a bundle, a missing file, unknown format version, or a model
                file whose sha256 differs from the recorded one.

        Warns:
            UserWarning: A library version differs from the one the model was saved with.
        """
        path = Path(path)
        if not path.is_dir():
            raise BundleError(f"{str(path)!r} is not a bundle folder (no such directory).")
        missing = [f for f in REQUIRED if not (path / f).is_file()]
        if missing:
            raise BundleError(f"{str(path)!r} is not a complete bundle: {', '.join(missing)} "
                              "missing. Export the model again.")
        try:
            metadata = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
            profile = Profile.from_dict(json.loads((path / PROFILE_FILE).read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleError(f"The bundle's metadata is unreadable ({exc}). Export the model again.") from exc
        if metadata.get("format_version") != FORMAT_VERSION:
            raise BundleError(f"Bundle format {metadata.get('format_version')!r} is not supported "
                              f"by this version (it reads format {FORMAT_VERSION}).")
        if verify:
            actual = sha256_file(path / MODEL_FILE)
            if actual != metadata.get("model_sha256"):
                raise BundleError(
                    "The bundle's model.joblib does not match its recorded sha256: the file was "
                    "changed or truncated after export. Refusing to load it; export it again.")
            _check_versions(metadata.get("versions", {}))
        try:
            pipeline = joblib.load(path / MODEL_FILE)
        except Exception as exc:  # noqa: BLE001 - unpickling can raise anything
            raise BundleError(f"model.joblib cannot be loaded: {type(exc).__name__}: {exc}") from exc
        return cls(path, metadata, pipeline, profile)

    def predict(self, frame: pd.DataFrame, *, proba: bool = True) -> Prediction:
        """Check rows against the input schema and predict.

        Raises:
            SchemaError: Missing columns or values of the wrong kind (message names them).
        """
        X, notes = check_input(frame, self.schema)
        probabilities = None
        if proba and self.task != "regression" and hasattr(self.pipeline, "predict_proba"):
            raw = self.pipeline.predict_proba(X)
            # Every family predicts the most probable class: one pass through the pipeline.
            predictions = np.asarray(self.pipeline.classes_)[np.argmax(raw, axis=1)]
            probabilities = _aligned(raw, self.pipeline.classes_, self.classes)
        else:
            predictions = self.pipeline.predict(X)
        return Prediction(np.asarray(predictions), probabilities, self.classes, tuple(notes))


def _aligned(proba, model_classes, classes) -> np.ndarray:
    model_classes = [str(c) for c in model_classes]
    order = [model_classes.index(str(c)) for c in classes]
    return proba[:, order]


def _check_versions(recorded: dict[str, str]) -> None:
    now = library_versions()
    for name in CHECKED_VERSIONS:
        if recorded.get(name) and now.get(name) and recorded[name] != now[name]:
            warnings.warn(
                f"This bundle was saved with {name} {recorded[name]}; {now[name]} is installed. "
                "Predictions may differ; re-export with the current versions if they matter.",
                UserWarning, stacklevel=3,
            )


def write_bundle(
    out_dir: str | os.PathLike,
    model_path: str | os.PathLike,
    metadata: dict[str, Any],
    profile: Profile,
    extra_files: dict[str, str | bytes],
) -> Path:
    """Write a bundle atomically: into a temporary sibling folder, then renamed.

    A failure half way (disk full, killed) leaves no folder that looks like a bundle
    under ``out_dir``; an existing bundle there is replaced only once the new one is
    complete. A non-empty folder that is not a bundle is never overwritten.

    Raises:
        BundleError: ``out_dir`` is a non-empty folder that is not a bundle, or a file.
    """
    out = Path(out_dir).resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / METADATA_FILE).exists())):
        raise BundleError(f"{str(out_dir)!r} exists and is not a bundle; choose an empty or new folder.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        shutil.copyfile(model_path, tmp / MODEL_FILE)
        metadata = {
            **metadata,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model_sha256": sha256_file(tmp / MODEL_FILE),
            "versions": library_versions(),
        }
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=_json_default) + "\n",
                                         encoding="utf-8")
        (tmp / PROFILE_FILE).write_text(json.dumps(profile.to_dict(), indent=2, default=_json_default) + "\n",
                                        encoding="utf-8")
        for name, content in extra_files.items():
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        _fsync_dir(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _fsync_dir(folder: Path) -> None:
    for f in folder.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, pd.Timestamp | datetime):
        return o.isoformat()
    return str(o)
