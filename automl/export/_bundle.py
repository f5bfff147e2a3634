"""The deployable bundle: write it atomically, load it with integrity checks, predict.

Layout (format version 1)::

    model.skops       the fitted Pipeline(preprocess, model) in the skops format: loads
                      without unpickling, only with trusted types (see ``_safe.py``)
    model.joblib      the same Pipeline as a pickle; loaded only when trusted explicitly
    metadata.json     task, metric and CV scores, family and params, input schema,
                      lineage, library versions, sha256 of model.joblib and model.skops
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
from automl.export._safe import SKOPS_FILE
from automl.export._safe import dump_skops
from automl.export._safe import load_skops
from automl.export._safe import skops_available
from automl.export._schema import InputColumn
from automl.export._schema import check_input
from automl.search import library_versions

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
PROFILE_FILE = "profile.json"
REQUIRED = (METADATA_FILE, PROFILE_FILE)
FILES_KEY = "files_sha256"  # {file name inside the bundle: sha256}, model.skops today
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

    def __init__(self, path: Path, metadata: dict[str, Any], pipeline, profile: Profile,
                 model_file: str = MODEL_FILE):
        self.path = path
        self.metadata = metadata
        self.pipeline = pipeline
        self.profile = profile
        self.model_file = model_file  # the file the pipeline was read from
        self.schema = tuple(InputColumn.from_dict(c) for c in metadata["input_schema"])

    @property
    def task(self) -> str:
        return self.metadata["task"]["kind"]

    @property
    def classes(self) -> tuple[Any, ...]:
        return tuple(self.metadata["task"].get("classes") or ())

    @classmethod
    def load(cls, path: str | os.PathLike, *, verify: bool = True,
             trust_pickle: bool = False) -> Bundle:
        """Load a bundle, refusing a tampered, incomplete or unsafe one.

        The model is read from ``model.skops`` (no code runs: only trusted types are
        rebuilt). A bundle without it (exported before safe bundles, or holding a model
        whose types are not trusted) loads ``model.joblib``, a pickle that can run any
        code, and only with ``trust_pickle=True``.

        Args:
            path: The bundle folder.
            verify: Check the model files' sha256 and the library versions.
            trust_pickle: Allow loading model.joblib when there is no model.skops. Pass it
                only for bundles from a source you trust (or vouched for by a registry).

        Raises:
            BundleError: Not a bundle, a missing file, a link or a file name that leaves
                the folder, an unknown format version, a model file whose sha256 differs
                from the recorded one, a model.skops needing untrusted types, or a
                pickle-only bundle without ``trust_pickle``.

        Warns:
            UserWarning: A library version differs from the one the model was saved with.
        """
        path = Path(path)
        if not path.is_dir():
            raise BundleError(f"{str(path)!r} is not a bundle folder (no such directory).")
        check_members(path)
        missing = [f for f in REQUIRED if not (path / f).is_file()]
        if not (path / SKOPS_FILE).is_file() and not (path / MODEL_FILE).is_file():
            missing.append(f"{SKOPS_FILE} (or {MODEL_FILE})")
        if missing:
            raise BundleError(f"{str(path)!r} is not a complete bundle: {', '.join(missing)} "
                              "missing. Export the model again.")
        try:
            metadata = json.loads((path / METADATA_FILE).read_text(encoding="utf-8"))
            profile = Profile.from_dict(json.loads((path / PROFILE_FILE).read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BundleError(f"The bundle's metadata is unreadable ({exc}). Export the model again.") from exc
        if not isinstance(metadata, dict):
            raise BundleError("The bundle's metadata.json is not a JSON object. Export the model again.")
        if metadata.get("format_version") != FORMAT_VERSION:
            raise BundleError(f"Bundle format {metadata.get('format_version')!r} is not supported "
                              f"by this version (it reads format {FORMAT_VERSION}).")
        recorded = recorded_files(path, metadata)
        safe = (path / SKOPS_FILE).is_file()
        if verify:
            if (path / MODEL_FILE).is_file():
                _check_sha(path, MODEL_FILE, metadata.get("model_sha256"))
            if safe:
                _check_sha(path, SKOPS_FILE, recorded.get(SKOPS_FILE))
            _check_versions(metadata.get("versions", {}))
        if safe:
            return cls(path, metadata, _model(load_skops(path / SKOPS_FILE), SKOPS_FILE), profile,
                       SKOPS_FILE)
        if not trust_pickle:
            raise BundleError(
                f"{str(path)!r} has no {SKOPS_FILE}, only {MODEL_FILE}, a pickle that can run any "
                "code when loaded. If you trust where the bundle came from, pass --trust-pickle "
                "(trust_pickle=True); otherwise export it again with this version.")
        try:
            pipeline = joblib.load(path / MODEL_FILE)
        except Exception as exc:  # noqa: BLE001 - unpickling can raise anything
            raise BundleError(f"model.joblib cannot be loaded: {type(exc).__name__}: {exc}") from exc
        return cls(path, metadata, _model(pipeline, MODEL_FILE), profile, MODEL_FILE)

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


def _model(obj: Any, name: str) -> Any:
    if not callable(getattr(obj, "predict", None)):
        raise BundleError(f"The bundle's {name} holds a {type(obj).__name__}, not a fitted model. "
                          "Export the model again.")
    return obj


def check_members(folder: Path) -> None:
    """Refuse a bundle folder that holds symbolic links (its files must be its own)."""
    for f in sorted(folder.rglob("*")):
        if f.is_symlink():
            raise BundleError(
                f"The bundle holds a symbolic link ({f.relative_to(folder).as_posix()}); a "
                "bundle's files must be inside its folder. Copy it without links (cp -rL) or "
                "export it again.")


def member_path(folder: Path, name: str) -> Path:
    """``folder / name`` for a file name recorded in a bundle, refusing one that leaves it."""
    rel = Path(str(name))
    target = (folder / rel).resolve()
    if (not str(name) or rel.is_absolute() or ".." in rel.parts or "\\" in str(name)
            or not target.is_relative_to(folder.resolve())):
        raise BundleError(f"The bundle names a file outside its folder ({str(name)!r}); it was "
                          "edited by hand or made by other code. Export it again.")
    return target


def recorded_files(folder: Path, metadata: dict[str, Any]) -> dict[str, str]:
    """The {file name: sha256} the metadata records, each name checked to stay inside."""
    files = metadata.get(FILES_KEY) or {}
    if not isinstance(files, dict):
        raise BundleError(f"The bundle's metadata holds a malformed {FILES_KEY!r}. Export it again.")
    for name in files:
        member_path(folder, name)
    return {str(k): str(v) for k, v in files.items()}


def _check_sha(folder: Path, name: str, expected: str | None) -> None:
    if not expected or sha256_file(folder / name) != expected:
        raise BundleError(
            f"The bundle's {name} does not match its recorded sha256: the file was changed or "
            "truncated after export. Refusing to load it; export it again.")


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
    *,
    pipeline: Any = None,
) -> Path:
    """Write a bundle atomically: into a temporary sibling folder, then renamed.

    Besides ``model_path`` (copied as model.joblib) the model is written as model.skops,
    the safe copy, when its types are all trusted (``pipeline``, or else model_path read
    back: a file this process wrote). Files are created with the user's umask.

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
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700; the bundle follows the umask
    try:
        for name in extra_files:
            member_path(tmp, name)
        shutil.copyfile(model_path, tmp / MODEL_FILE)
        files = _write_safe_copy(tmp, pipeline, model_path)
        metadata = {
            **metadata,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "model_sha256": sha256_file(tmp / MODEL_FILE),
            FILES_KEY: files,
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


def _write_safe_copy(tmp: Path, pipeline: Any, model_path) -> dict[str, str]:
    if not skops_available():
        warnings.warn("skops is not installed: the bundle gets no model.skops and will load only "
                      "with --trust-pickle. Install skops and export again.", UserWarning, stacklevel=3)
        return {}
    if pipeline is None:
        pipeline = joblib.load(model_path)  # written by this process a moment ago
    refused = dump_skops(pipeline, tmp / SKOPS_FILE)
    if refused:
        warnings.warn(f"The model needs types that are not on the trusted list ({', '.join(refused)}): "
                      "the bundle gets no model.skops and will load only with --trust-pickle.",
                      UserWarning, stacklevel=3)
        return {}
    return {SKOPS_FILE: sha256_file(tmp / SKOPS_FILE)}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
