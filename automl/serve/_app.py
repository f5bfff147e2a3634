"""The FastAPI application that serves one bundle.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
runtime, and the request model is a class built per bundle inside :func:`build_app`.

Status codes (the body is always JSON with a one-line ``detail``; ``/invocations`` answers
MLflow's ``{"error_code", "message"}`` shape instead):

- 400: the body is not JSON, or not a JSON object of the expected shape;
- 413: the body is larger than ``max_body_bytes``;
- 415: ``/invocations`` with a content type other than JSON or CSV;
- 422: a record misses a column, holds a value of the wrong type, or fails the bundle's
  schema check (``SchemaError``; ``/invocations`` answers 400 for these, as MLflow does);
- 500: only for a defect (logged with its traceback), never for bad input.
"""

import io
import json
import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from automl.errors import ConfigError
from automl.errors import SchemaError
from automl.export import Bundle
from automl.export import Prediction
from automl.serve._models import ErrorResponse
from automl.serve._models import record_model
from automl.serve._models import request_model
from automl.serve._models import response_model

log = logging.getLogger("automl.serve")

MLFLOW_FORMATS = ("dataframe_records", "dataframe_split", "instances", "inputs")
MAX_REPORTED_ERRORS = 20


def build_app(bundle: Bundle, *, max_body_bytes: int) -> FastAPI:
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        raise ConfigError(f"max_body_bytes must be a positive number of bytes, got {max_body_bytes!r}.",
                          field="max_body_bytes")
    Record, field_columns = record_model(bundle.schema)
    PredictRequest = request_model(Record, _input_example(bundle))
    PredictResponse = response_model(bundle.task, bundle.classes)
    meta = bundle.metadata
    target = meta["task"]["target"]
    app = FastAPI(
        title=f"AutoML Studio model: predict {target!r}",
        version=str(meta.get("created_at") or meta.get("format_version")),
        description=(
            f"{meta['task']['kind']} model ({meta['model']['label']}) exported from study "
            f"`{meta['lineage']['study']}`, trial {meta['lineage']['trial']}. "
            "`POST /predict` takes `{\"records\": [{column: value, ...}, ...]}`; "
            "`POST /invocations` speaks MLflow's scoring protocol."),
    )
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=max_body_bytes)
    errors = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
              422: {"model": ErrorResponse}}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc.errors())

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:  # same shape as others
        return JSONResponse({"detail": str(exc.detail), "columns": [], "errors": []},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(SchemaError)
    async def _schema(request: Request, exc: SchemaError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc), "columns": list(exc.columns)}, status_code=422)

    def predict(body) -> JSONResponse:
        rows = [{**{field_columns[k]: getattr(r, k) for k in field_columns}, **(r.model_extra or {})}
                for r in body.records]
        prediction = bundle.predict(pd.DataFrame(rows), proba=True)
        return JSONResponse(_predict_payload(prediction))

    predict.__annotations__ = {"body": PredictRequest, "return": JSONResponse}
    app.post("/predict", response_model=None, summary="Predict rows given as records",
             responses={200: {"model": PredictResponse}, **errors})(predict)

    @app.post("/invocations", response_model=None, summary="Predict (MLflow scoring protocol)",
              openapi_extra=_invocations_openapi(), responses={
                  200: {"description": '{"predictions": [{"prediction": ..., "proba_<class>": '
                        '...}, ...]}, as `mlflow models serve` answers for this bundle'}})
    async def invocations(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            frame = _mlflow_frame(body, request.headers.get("content-type", "application/json"))
            prediction = await run_in_threadpool(bundle.predict, frame, proba=True)
        except _MlflowInputError as exc:
            return _mlflow_error(exc.status, exc.message)
        except SchemaError as exc:
            return _mlflow_error(400, _one_line(exc))
        return JSONResponse({"predictions": _mlflow_records(prediction)})

    @app.get("/health", summary="Liveness: the model is loaded")
    def health() -> dict[str, Any]:
        return {"status": "ok", "task": bundle.task, "target": target,
                "model": meta["model"]["family"], "model_sha256": meta.get("model_sha256")}

    @app.get("/ping", include_in_schema=False)
    def ping() -> PlainTextResponse:  # MLflow's health check
        return PlainTextResponse("\n")

    @app.get("/metadata", summary="Input schema, scores, lineage and versions")
    def metadata() -> dict[str, Any]:
        keys = ("format_version", "created_at", "task", "scores", "model", "input_schema",
                "lineage", "versions", "model_sha256", "importances")
        return {k: meta.get(k) for k in keys}

    return app


# -- /predict -----------------------------------------------------------------------------------

def _predict_payload(prediction: Prediction) -> dict[str, Any]:
    out: dict[str, Any] = {"predictions": _plain(prediction.predictions)}
    if prediction.probabilities is not None:
        keys = [str(c) for c in prediction.classes]
        out["probabilities"] = [dict(zip(keys, row, strict=True))
                                for row in _plain(prediction.probabilities)]
    out["notes"] = list(prediction.notes)
    return out


def _plain(values: np.ndarray) -> list:
    """A JSON-safe list: numpy scalars to Python, NaN/inf to null."""
    def fix(v):
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return [fix(v) for v in np.asarray(values).tolist()]


def _validation_response(errors) -> JSONResponse:
    """One line that says what is wrong, plus the field-level errors (without the input)."""
    body_level = [e for e in errors if e.get("type") == "json_invalid" or tuple(e.get("loc", ())) == ("body",)]
    if body_level:
        e = body_level[0]
        if e.get("type") == "json_invalid":
            reason = (e.get("ctx") or {}).get("error", "invalid JSON")
            detail = (f"The body is not valid JSON ({reason} at character {e['loc'][-1]}). "
                      'Send {"records": [{column: value, ...}, ...]}.')
        else:
            detail = ('The body must be a JSON object like {"records": [{column: value, ...}]}, '
                      "sent with Content-Type: application/json.")
        return JSONResponse({"detail": detail, "columns": [], "errors": []}, status_code=400)
    missing: dict[str, int] = {}
    wrong: list[str] = []
    columns: list[str] = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        where = loc[3] if len(loc) >= 4 and loc[:2] == ["body", "records"] else None
        if e.get("type") == "missing" and where is not None:
            missing[where] = missing.get(where, 0) + 1
        elif where is not None:
            wrong.append(f"record {loc[2]}, column {where!r}: {e.get('msg')} "
                         f"(got {_short(e.get('input'))})")
        else:
            wrong.append(f"{'.'.join(loc[1:]) or 'body'}: {e.get('msg')}")
        if where is not None and where not in columns:
            columns.append(where)
    parts = []
    if missing:
        parts.append("records lack column(s) " + ", ".join(
            f"{name!r} (in {n} record(s))" for name, n in missing.items())
            + "; send null for a missing value")
    parts += wrong[:5]
    if len(wrong) > 5:
        parts.append(f"and {len(wrong) - 5} more")
    cleaned = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
               for e in errors[:MAX_REPORTED_ERRORS]]
    return JSONResponse({"detail": "; ".join(parts) + ".", "columns": columns, "errors": cleaned},
                        status_code=422)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# -- /invocations (MLflow) ----------------------------------------------------------------------

class _MlflowInputError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _mlflow_error(status: int, message: str) -> JSONResponse:
    code = "BAD_REQUEST" if status == 400 else "UNSUPPORTED_MEDIA_TYPE"
    return JSONResponse({"error_code": code, "message": message}, status_code=status)


def _mlflow_frame(body: bytes, content_type: str) -> pd.DataFrame:
    mime, *params = [p.strip() for p in content_type.split(";")]
    charset = dict(p.partition("=")[::2] for p in params).get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise _MlflowInputError("The scoring server only supports UTF-8.", 415)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _MlflowInputError(f"The body is not UTF-8 text (byte {exc.start}).") from exc
    if mime == "text/csv":
        try:
            frame = pd.read_csv(io.StringIO(text))
        except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise _MlflowInputError(f"The body is not readable CSV: {_one_line(exc)}") from exc
    elif mime in ("application/json", "") or mime.endswith("+json"):
        frame = _json_frame(text)
    else:
        raise _MlflowInputError(f"Content type {mime!r} is not supported; use application/json "
                                "(dataframe_records or dataframe_split) or text/csv.", 415)
    if frame.empty:
        raise _MlflowInputError("The input has no rows to predict.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _json_frame(text: str) -> pd.DataFrame:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _MlflowInputError(f"The body is not valid JSON ({exc.msg} at line {exc.lineno}, "
                                f"column {exc.colno}).") from exc
    if not isinstance(doc, dict):
        raise _MlflowInputError("The input must be a JSON object with exactly one of the fields "
                                f"{', '.join(MLFLOW_FORMATS)}.")
    present = [k for k in MLFLOW_FORMATS if k in doc]
    if len(present) != 1:
        raise _MlflowInputError(
            "The input must be a JSON object with exactly one of the fields "
            f"{', '.join(MLFLOW_FORMATS)}; got {', '.join(map(repr, doc)) or 'none'}.")
    key = present[0]
    data = doc[key]
    try:
        if key == "dataframe_split":
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise _MlflowInputError('dataframe_split must be {"columns": [...], "data": [[...], ...]}.')
            columns = data.get("columns")
            if isinstance(columns, list) and len(set(map(str, columns))) < len(columns):
                twice = sorted({str(c) for c in columns if list(map(str, columns)).count(str(c)) > 1})
                raise _MlflowInputError(f"dataframe_split names column(s) {', '.join(map(repr, twice))} "
                                        "more than once.")
            return pd.DataFrame(data["data"], columns=columns, index=data.get("index"))
        if isinstance(data, list) and all(isinstance(r, dict) for r in data):
            return pd.DataFrame.from_records(data)
        if key != "dataframe_records" and isinstance(data, dict) and all(
                isinstance(v, list) for v in data.values()):
            return pd.DataFrame(data)
    except (ValueError, TypeError) as exc:  # ragged rows, columns that do not match the data
        raise _MlflowInputError(f"{key} does not describe a table: {_one_line(exc)}") from exc
    raise _MlflowInputError(f"{key} must be a list of records like [{{column: value, ...}}, ...].")


def _mlflow_records(prediction: Prediction) -> list[dict[str, Any]]:
    """Rows as the bundle's MLflow loader returns them: prediction, then proba_<class>."""
    columns = {"prediction": _plain(prediction.predictions)}
    if prediction.probabilities is not None:
        proba = _plain(prediction.probabilities)
        for j, c in enumerate(prediction.classes):
            columns[f"proba_{c}"] = [row[j] for row in proba]
    names = list(columns)
    return [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _invocations_openapi() -> dict[str, Any]:
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


def _input_example(bundle: Bundle) -> list[dict[str, Any]]:
    try:
        doc = json.loads((bundle.path / "input_example.json").read_text(encoding="utf-8"))
        return list(doc.get("dataframe_records", []))[:2]
    except (OSError, ValueError, AttributeError):
        return []


# -- request body limit -------------------------------------------------------------------------

class BodyLimitMiddleware:
    """Refuse request bodies over ``max_body_bytes`` with 413, also when sent chunked.

    A pure ASGI middleware (works with any FastAPI >= 0.110): a declared Content-Length over
    the limit is answered before the body is read; otherwise the body is counted as it
    arrives and reading stops with 413 as soon as it passes the limit.
    """

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            response = JSONResponse({"detail": self._message(), "columns": [], "errors": []},
                                    status_code=413)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(status_code=413, detail=self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return (f"The request body is larger than {self.max_body_bytes:,} bytes. Send fewer rows "
                "per request, or start the server with a larger --max-body-bytes.")
