"""The FastAPI application that serves one bundle.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
runtime, and the request model is a class built per bundle inside :func:`build_app`.

Status codes (the body is always JSON with a one-line ``detail``; ``/invocations`` answers
MLflow's ``{"error_code", "message"}`` shape instead):

- 400: the body is not JSON, or not a JSON object of the expected shape;
- 401: a token is set and the request lacks it (every route but ``/health`` and ``/ping``);
- 408 / 503: the body did not arrive, or the prediction did not finish, within the timeout;
- 413: the body is larger than ``max_body_bytes``, or holds more than ``max_rows`` rows;
- 415: ``/invocations`` with a content type other than JSON or CSV;
- 422: a record misses a column, holds a value of the wrong type (NaN and infinity
  included), has more than ``max_columns`` keys, fails the bundle's schema check
  (``SchemaError``), or holds values the model cannot compute with (numbers near the float
  limit); ``/invocations`` answers 400 for these, as MLflow does;
- 500: only for a defect (logged with its traceback on the server), never for bad input;
  the body says so in one line, without a trace or a server path.
"""

import json
import logging
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
from automl.serve._guard import OPEN_PATHS
from automl.serve._guard import AccessLogMiddleware
from automl.serve._guard import BearerAuthMiddleware
from automl.serve._guard import BodyLimitMiddleware
from automl.serve._guard import TimeoutMiddleware
from automl.serve._guard import error_response
from automl.serve._mlflow import MlflowInputError
from automl.serve._mlflow import invocations_openapi
from automl.serve._mlflow import mlflow_error
from automl.serve._mlflow import mlflow_frame
from automl.serve._mlflow import mlflow_records
from automl.serve._mlflow import plain as _plain
from automl.serve._models import ErrorResponse
from automl.serve._models import MlflowErrorResponse
from automl.serve._models import record_model
from automl.serve._models import request_model
from automl.serve._models import response_model

log = logging.getLogger("automl.serve")

MAX_REPORTED_ERRORS = 20


def build_app(bundle: Bundle, *, max_body_bytes: int, token: str | None = None,
              max_rows: int = 10_000, max_columns: int = 1_000, timeout_s: float = 30.0) -> FastAPI:
    for name, value in (("max_body_bytes", max_body_bytes), ("max_rows", max_rows),
                        ("max_columns", max_columns)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{name} must be a positive whole number, got {value!r}.", field=name)
    if not isinstance(timeout_s, int | float) or not timeout_s > 0:
        raise ConfigError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}.",
                          field="timeout_s")
    max_columns = max(max_columns, len(bundle.schema))
    Record, field_columns = record_model(bundle.schema)
    PredictRequest = request_model(Record, _input_example(bundle), max_rows)
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
    app.add_middleware(BearerAuthMiddleware, token=token)
    app.add_middleware(TimeoutMiddleware, timeout_s=float(timeout_s))
    app.add_middleware(AccessLogMiddleware, model=_model_label(meta))
    errors = {400: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
              422: {"model": ErrorResponse}}
    mlflow_errors = {code: {"model": MlflowErrorResponse} for code in (400, 413, 415)}
    if token:
        errors[401] = {"model": ErrorResponse}
        mlflow_errors[401] = {"model": MlflowErrorResponse}
        _declare_bearer(app)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc.errors(), max_rows)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:  # same shape as others
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = ('The body cannot be read as JSON (it is nested too deeply, or is not JSON). '
                      'Send {"records": [{column: value, ...}, ...]}.')
        return error_response(request.url.path, exc.status_code, detail,
                              getattr(exc, "headers", None))

    @app.exception_handler(SchemaError)
    async def _schema(request: Request, exc: SchemaError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc), "columns": list(exc.columns)}, status_code=422)

    @app.exception_handler(_ModelInputError)
    async def _model_input(request: Request, exc: _ModelInputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "columns": [], "errors": []}, status_code=422)

    @app.exception_handler(Exception)
    async def _defect(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s", request.url.path, exc_info=exc)
        return error_response(request.url.path, 500, "Internal error while answering the request; "
                              "the server's log has the details.")

    def predict(request: Request, body) -> JSONResponse:
        request.state.automl_rows = len(body.records)
        widest = max(len(field_columns) + len(r.model_extra or {}) for r in body.records)
        if widest > max_columns:
            return JSONResponse({"detail": _too_wide(widest, max_columns, len(bundle.schema)),
                                 "columns": [], "errors": []}, status_code=422)
        rows = [{**{field_columns[k]: getattr(r, k) for k in field_columns}, **(r.model_extra or {})}
                for r in body.records]
        prediction = _scored(bundle, pd.DataFrame(rows))
        return JSONResponse(_predict_payload(prediction))

    predict.__annotations__ = {"request": Request, "body": PredictRequest, "return": JSONResponse}
    app.post("/predict", response_model=None, summary="Predict rows given as records",
             responses={200: {"model": PredictResponse}, **errors})(predict)

    @app.post("/invocations", response_model=None, summary="Predict (MLflow scoring protocol)",
              openapi_extra=invocations_openapi(), responses={
                  200: {"description": '{"predictions": [{"prediction": ..., "proba_<class>": '
                        '...}, ...]}, as `mlflow models serve` answers for this bundle'},
                  **mlflow_errors})
    async def invocations(request: Request) -> JSONResponse:
        body = await request.body()
        try:
            frame = mlflow_frame(body, request.headers.get("content-type", "application/json"))
            request.state.automl_rows = len(frame)
            if len(frame) > max_rows:
                raise MlflowInputError(_too_many(len(frame), max_rows), 413)
            if frame.shape[1] > max_columns:
                raise MlflowInputError(_too_wide(frame.shape[1], max_columns, len(bundle.schema)))
            prediction = await run_in_threadpool(_scored, bundle, frame)
        except MlflowInputError as exc:
            return mlflow_error(exc.status, exc.message)
        except (SchemaError, _ModelInputError) as exc:
            return mlflow_error(400, _one_line(exc))
        return JSONResponse({"predictions": mlflow_records(prediction)})

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

class _ModelInputError(ValueError):
    """Rows that passed the schema check but that the model cannot compute with."""


def _scored(bundle: Bundle, frame: pd.DataFrame) -> Prediction:
    """``bundle.predict``, with numeric failures of the model on these rows made a 4xx.

    Finite numbers near the float limit (1e308) pass every type check, then overflow to
    infinity inside a scaler or a dot product, and scikit-learn refuses them.
    """
    try:
        with np.errstate(all="ignore"):
            return bundle.predict(frame, proba=True)
    except SchemaError:
        raise
    except (ValueError, OverflowError, FloatingPointError, ZeroDivisionError) as exc:
        text = " ".join(str(exc).split())[:160]
        raise _ModelInputError(
            f"The model cannot compute with these rows ({type(exc).__name__}: {text}). Check "
            "them for extreme values, e.g. numbers near 1e308.") from exc


def _too_many(rows: int, max_rows: int) -> str:
    return (f"The request holds {rows:,} rows; this server takes at most {max_rows:,} per "
            "request. Send fewer rows per request, or start the server with a larger --max-rows.")


def _too_wide(keys: int, max_columns: int, n_inputs: int) -> str:
    return (f"A record has {keys:,} columns; the model reads {n_inputs} and this server accepts "
            f"at most {max_columns:,} per record. Send only the model's input columns.")


def _declare_bearer(app: FastAPI) -> None:
    """Say in the OpenAPI document that every route but the open ones needs the token."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = generate()
        doc.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
            "type": "http", "scheme": "bearer"}
        for path, operations in doc.get("paths", {}).items():
            if path not in OPEN_PATHS:
                shape = "MlflowErrorResponse" if path == "/invocations" else "ErrorResponse"
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
                    operation.setdefault("responses", {}).setdefault("401", {
                        "description": "Missing or wrong bearer token",
                        "content": {"application/json": {"schema": {
                            "$ref": f"#/components/schemas/{shape}"}}}})
        return doc

    app.openapi = openapi


def _model_label(meta: dict[str, Any]) -> str:
    """Which model answered, for the access log: registry version when known, and the sha."""
    version = meta.get("model_version") or meta.get("registry_version")
    sha = str(meta.get("model_sha256") or "")[:12]
    return f"{version}@sha256:{sha}" if version else f"sha256:{sha}"


def _predict_payload(prediction: Prediction) -> dict[str, Any]:
    out: dict[str, Any] = {"predictions": _plain(prediction.predictions)}
    if prediction.probabilities is not None:
        keys = [str(c) for c in prediction.classes]
        out["probabilities"] = [dict(zip(keys, row, strict=True))
                                for row in _plain(prediction.probabilities)]
    out["notes"] = list(prediction.notes)
    return out


def _validation_response(errors, max_rows: int) -> JSONResponse:
    """One line that says what is wrong, plus the field-level errors (without the input)."""
    for e in errors:
        if e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "records"):
            rows = (e.get("ctx") or {}).get("actual_length") or max_rows + 1
            return JSONResponse({"detail": _too_many(int(rows), max_rows), "columns": [],
                                 "errors": []}, status_code=413)
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


def _input_example(bundle: Bundle) -> list[dict[str, Any]]:
    try:
        doc = json.loads((bundle.path / "input_example.json").read_text(encoding="utf-8"))
        return list(doc.get("dataframe_records", []))[:2]
    except (OSError, ValueError, AttributeError):
        return []
