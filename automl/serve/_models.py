"""Request and response models generated from a bundle's input schema (pydantic, for FastAPI).

One field per input column, named by the column (as an alias, since column names need not be
Python identifiers), required but nullable: ``null`` is a missing value the pipeline imputes,
an absent key is a client error (422), so a typo in a column name is never silently imputed.

| column kind            | JSON type accepted                       | wrong type         |
| ---------------------- | ---------------------------------------- | ------------------ |
| numeric                | finite number or numeric string, or null | 422 (pydantic)     |
| categorical            | string (numbers become strings), or null | -                  |
| boolean (True/False)   | true/false (also "true", 0/1...), or null | 422 (pydantic)    |
| datetime               | string (ISO 8601 recommended), or null   | 422 (schema check) |
| text                   | string, or null                          | -                  |

Unseen categories are accepted and reported in ``notes``; extra keys are accepted, ignored and
reported in ``notes`` (the same rules as ``Bundle.predict``).
"""

from __future__ import annotations

from typing import Annotated
from typing import Any

from pydantic import AllowInfNan
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import create_model

from automl.export import InputColumn

MAX_LISTED_CATEGORIES = 50


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic's lax float would read true as 1.0
        raise ValueError(f"Input should be a number, not {str(value).lower()}")
    return value


# NaN and infinity (JSON's NaN/Infinity literals, or "inf" as text) are refused: 422.
Number = Annotated[Annotated[float, AllowInfNan(False)] | None, BeforeValidator(_not_a_bool)]


def record_model(schema: tuple[InputColumn, ...]) -> tuple[type[BaseModel], dict[str, str]]:
    """The pydantic model of one input row, and {field name: column name}."""
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    for i, col in enumerate(schema):
        field_name = f"column_{i}"
        annotation, description, example = _field_spec(col)
        extra = {"examples": [example]} if example is not None else {}
        fields[field_name] = (annotation, Field(..., alias=col.name, description=description, **extra))
        names[field_name] = col.name
    config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=False,
                        title="Record",
                        json_schema_extra={"description": "One row: a value (or null) for every "
                                           "input column. Other keys are ignored and reported."})
    return create_model("Record", __config__=config, **fields), names


def request_model(record: type[BaseModel], example: list[dict[str, Any]],
                  max_rows: int = 10_000) -> type[BaseModel]:
    config = ConfigDict(extra="forbid", title="PredictRequest",
                        json_schema_extra={"examples": [{"records": example}]} if example else None)
    return create_model(
        "PredictRequest", __config__=config,
        records=(list[record], Field(..., min_length=1, max_length=max_rows,
                                     description=f"The rows to predict (at most {max_rows:,}).")),
    )


def response_model(task: str, classes: tuple[Any, ...]) -> type[BaseModel]:
    if task == "regression":
        return create_model(
            "PredictResponse",
            predictions=(list[float | None], Field(..., description="Predicted value per row.")),
            notes=(list[str], Field(..., description="What the schema check reported.")),
        )
    shown = ", ".join(map(repr, classes[:20]))
    return create_model(
        "PredictResponse",
        predictions=(list[str | int | float | bool],
                     Field(..., description=f"Predicted class per row (one of {shown}).")),
        probabilities=(list[dict[str, float]],
                       Field(..., description="Per row: {class: probability}, summing to 1.")),
        notes=(list[str], Field(..., description="What the schema check reported (ignored "
                                "columns, unseen categories).")),
    )


class ErrorResponse(BaseModel):
    """What every 4xx answer of ``/predict`` holds."""

    detail: str = Field(..., description="What is wrong and what to do, in one line.")
    columns: list[str] = Field(default_factory=list, description="The columns concerned.")
    errors: list[dict[str, Any]] = Field(default_factory=list,
                                         description="Field-level validation errors, if any.")


def _field_spec(col: InputColumn) -> tuple[Any, str, Any]:
    """(annotation, description, example) for one input column."""
    if col.kind == "numeric":
        rng = f" Training range {_num(col.min)} to {_num(col.max)}." if col.min is not None else ""
        return Number, f"Number (null = missing).{rng}", _middle(col)
    if col.kind == "boolean" and set(col.categories) <= {"True", "False"}:
        return bool | None, "true or false (null = missing).", True
    if col.kind in ("categorical", "boolean"):
        cats = list(col.categories)
        listed = ", ".join(map(repr, cats[:MAX_LISTED_CATEGORIES]))
        more = f" (+{len(cats) - MAX_LISTED_CATEGORIES} more)" if len(cats) > MAX_LISTED_CATEGORIES else ""
        known = f" Known values: {listed}{more}." if cats else ""
        return (str | None,
                f"Category (null = missing).{known} Other values are accepted, treated as "
                "unknown and reported in notes.", cats[0] if cats else None)
    if col.kind == "datetime":
        rng = f" Training range {col.min} to {col.max}." if col.min else ""
        return str | None, f"Date or date-time, ISO 8601 recommended (null = missing).{rng}", (
            str(col.min)[:10] if col.min else None)
    if col.kind == "text":
        return str | None, "Free text (null = missing).", None
    return str | int | float | bool | None, f"Value of kind {col.kind} (null = missing).", None


def _num(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _middle(col: InputColumn) -> float | None:
    if isinstance(col.min, int | float) and isinstance(col.max, int | float):
        return round((col.min + col.max) / 2, 4)
    return None


class MlflowErrorResponse(BaseModel):
    """What every 4xx answer of ``/invocations`` holds (MLflow's scoring-server shape)."""

    error_code: str = Field(..., description="BAD_REQUEST, UNAUTHENTICATED, ...")
    message: str = Field(..., description="What is wrong and what to do, in one line.")
