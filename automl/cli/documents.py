"""The JSON documents of ``automl insights --json`` and ``automl export --json``.

Another program reads them back: the GUI runs both commands in a child process and draws
from what comes out. So each document has a writer and a reader here, and the reader gives
back the engine's own dataclasses (``insights_from_dict(insights_to_dict(x)) == x``): the
GUI draws from the same types whether the numbers were computed in its process or not.

JSON has no NaN: a non-finite number is written as null and read back as NaN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl.insights import ConfusionData
from automl.insights import ResidualData
from automl.insights import RocData
from automl.insights import TrialInsights

__all__ = [
    "ExportDocument",
    "export_document",
    "export_from_dict",
    "insights_from_dict",
    "insights_to_dict",
]


def _num(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _floats(values) -> tuple[float, ...]:
    return tuple(_float(v) for v in values)


# -- trial insights -------------------------------------------------------------------------

def insights_to_dict(data: TrialInsights) -> dict[str, Any]:
    """A JSON-ready dict of a trial's plot data (the dataclass's field names as keys)."""
    confusion = roc = residuals = None
    if data.confusion is not None:
        confusion = {"classes": list(data.confusion.classes),
                     "matrix": [list(row) for row in data.confusion.matrix]}
    if data.roc is not None:
        roc = {"fpr": [_num(v) for v in data.roc.fpr], "tpr": [_num(v) for v in data.roc.tpr],
               "positive_class": data.roc.positive_class, "auc": _num(data.roc.auc)}
    if data.residuals is not None:
        residuals = {"actual": [_num(v) for v in data.residuals.actual],
                     "predicted": [_num(v) for v in data.residuals.predicted]}
    return {
        "study_name": data.study_name, "trial_number": data.trial_number,
        "family": data.family, "task": data.task,
        "confusion": confusion, "roc": roc, "residuals": residuals,
        "importances": {str(k): _num(v) for k, v in data.importances.items()},
        "notes": list(data.notes),
    }


def insights_from_dict(doc: Mapping[str, Any]) -> TrialInsights:
    """The TrialInsights a document describes (keys it does not know are ignored).

    Raises:
        KeyError, TypeError, ValueError: Not a trial-insights document.
    """
    confusion = roc = residuals = None
    if doc.get("confusion") is not None:
        c = doc["confusion"]
        confusion = ConfusionData(tuple(str(k) for k in c["classes"]),
                                  tuple(tuple(int(v) for v in row) for row in c["matrix"]))
    if doc.get("roc") is not None:
        r = doc["roc"]
        roc = RocData(_floats(r["fpr"]), _floats(r["tpr"]), str(r["positive_class"]),
                      _float(r["auc"]))
    if doc.get("residuals") is not None:
        r = doc["residuals"]
        residuals = ResidualData(_floats(r["actual"]), _floats(r["predicted"]))
    return TrialInsights(
        str(doc["study_name"]), int(doc["trial_number"]), str(doc["family"]), str(doc["task"]),
        confusion, roc, residuals,
        {str(k): _float(v) for k, v in (doc.get("importances") or {}).items()},
        tuple(str(n) for n in doc.get("notes") or ()),
    )


# -- export ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportDocument:
    """What ``automl export --json`` reports about the bundle it wrote.

    Attributes:
        bundle: The bundle folder (absolute).
        study: The study the trial came from.
        trial: The exported trial's number (the best one when none was asked for).
        final_model: ``model.final`` of the bundle's metadata: kind, label and reason.
        files: The bundle's files, relative to ``bundle``, sorted.
    """

    bundle: str
    study: str
    trial: int | None
    final_model: dict[str, str]
    files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "study": self.study, "trial": self.trial,
                "final_model": dict(self.final_model), "files": list(self.files)}


def export_document(bundle_dir: str | Path, study: str) -> ExportDocument:
    """Describe a bundle just written (its metadata.json and its files)."""
    path = Path(bundle_dir).resolve()
    meta = json.loads((path / "metadata.json").read_text("utf-8"))
    files = tuple(sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()))
    trial = meta.get("lineage", {}).get("trial")
    return ExportDocument(str(path), study, None if trial is None else int(trial),
                          dict(meta.get("model", {}).get("final") or {}), files)


def export_from_dict(doc: Mapping[str, Any]) -> ExportDocument:
    """The ExportDocument a document describes.

    Raises:
        KeyError, TypeError, ValueError: Not an export document.
    """
    trial = doc.get("trial")
    return ExportDocument(str(doc["bundle"]), str(doc["study"]),
                          None if trial is None else int(trial),
                          {str(k): str(v) for k, v in (doc.get("final_model") or {}).items()},
                          tuple(str(f) for f in doc.get("files") or ()))
