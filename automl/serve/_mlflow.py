"""MLflow's scoring protocol for ``POST /invocations``: parse the body into a frame, shape
the answer and the errors as ``mlflow models serve`` does."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi.responses import JSONResponse

from automl.export import Prediction

MLFLOW_FORMATS = ("dataframe_records", "dataframe_split", "instances", "inputs")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def plain(values: np.ndarray) -> list:
    """A JSON-safe list: numpy scalars to Python, NaN/inf to null."""
    def fix(v):
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return [fix(v) for v in np.asarray(values).tolist()]


class MlflowInputError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def mlflow_error(status: int, message: str) -> JSONResponse:
    from automl.serve._guard import MLFLOW_CODES

    return JSONResponse({"error_code": MLFLOW_CODES.get(status, "BAD_REQUEST"), "message": message},
                        status_code=status)


def mlflow_frame(body: bytes, content_type: str) -> pd.DataFrame:
    mime, *params = [p.strip() for p in content_type.split(";")]
    charset = dict(p.partition("=")[::2] for p in params).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise MlflowInputError("The scoring server only supports UTF-8.", 415)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MlflowInputError(f"The body is not UTF-8 text (byte {exc.start}).") from exc
    if mime == "text/csv":
        try:
            frame = pd.read_csv(io.StringIO(text))
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise MlflowInputError(f"The body is not readable CSV: {_one_line(exc)}") from exc
    elif mime in ("application/json", "") or mime.endswith("+json"):
        frame = _json_frame(text)
    else:
        raise MlflowInputError(f"Content type {mime!r} is not supported; use application/json "
                                "(dataframe_records or dataframe_split) or text/csv.", 415)
    if frame.empty:
        raise MlflowInputError("The input has no rows to predict.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


class _NotJson(ValueError):
    pass


def _no_constant(name: str):
    raise _NotJson(name)


def _json_frame(text: str) -> pd.DataFrame:
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except _NotJson as exc:
        raise MlflowInputError(f"The body holds {exc}, which JSON does not allow; send null for "
                               "a missing value.") from exc
    except json.JSONDecodeError as exc:
        raise MlflowInputError(f"The body is not valid JSON ({exc.msg} at line {exc.lineno}, "
                                f"column {exc.colno}).") from exc
    except RecursionError as exc:
        raise MlflowInputError("The body's JSON is nested too deeply; a table needs two "
                                "levels (records of values).") from exc
    if not isinstance(doc, dict):
        raise MlflowInputError("The input must be a JSON object with exactly one of the fields "
                                f"{', '.join(MLFLOW_FORMATS)}.")
    present = [k for k in MLFLOW_FORMATS if k in doc]
    if len(present) != 1:
        raise MlflowInputError(
            "The input must be a JSON object with exactly one of the fields "
            f"{', '.join(MLFLOW_FORMATS)}; got {', '.join(map(repr, doc)) or 'none'}.")
    key = present[0]
    data = doc[key]
    try:
        if key == "dataframe_split":
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise MlflowInputError('dataframe_split must be {"columns": [...], "data": [[...], ...]}.')
            columns = data.get("columns")
            if isinstance(columns, list) and len(set(map(str, columns))) < len(columns):
                twice = sorted({str(c) for c in columns if list(map(str, columns)).count(str(c)) > 1})
                raise MlflowInputError(f"dataframe_split names column(s) {', '.join(map(repr, twice))} "
                                        "more than once.")
            return pd.DataFrame(data["data"], columns=columns, index=data.get("index"))
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return pd.DataFrame.from_records(data)
        if key != "dataframe_records" and isinstance(data, dict) and all(
                isinstance(v, list) for v in data.values()):
            return pd.DataFrame(data)
    except (ValueError, TypeError) as exc:  # ragged rows, columns that do not match the data
        raise MlflowInputError(f"{key} does not describe a table: {_one_line(exc)}") from exc
    raise MlflowInputError(f"{key} must be a list of records like [{{column: value, ...}}, ...].")


def mlflow_records(prediction: Prediction) -> list[dict[str, Any]]:
    """Rows as the bundle's MLflow loader returns them: prediction, then proba_<class>."""
    columns = {"prediction": plain(prediction.predictions)}
    if prediction.probabilities is not None:
        proba = plain(prediction.probabilities)
        for j, c in enumerate(prediction.classes):
            columns[f"proba_{c}"] = [row[j] for row in proba]
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def invocations_openapi() -> dict[str, Any]:
    records = {"type": "array", "items": {"$ref": "#/components/schemas/Record"}}
    split = {"type": "object", "required": ["columns", "data"], "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "data": {"type": "array", "items": {"type": "array", "items": {}}}}}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [
            {"type": "object", "required": ["dataframe_records"],
             "properties": {"dataframe_records": records}},
            {"type": "object", "required": ["dataframe_split"],
             "properties": {"dataframe_split": split}},
        ]}},
        "text/csv": {"schema": {"type": "string"}},
    }}}
