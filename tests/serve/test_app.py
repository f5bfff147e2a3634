"""The app in-process (create_app + TestClient): column kinds beyond the samples (boolean, date,
identifier), a small body limit, argument checks, and no Qt in the engine."""

from __future__ import annotations

import subprocess
import sys

import pytest
from serve_helpers import rich_frame

from automl.errors import ConfigError
from automl.export import Bundle
from automl.serve import create_app
from automl.serve import serve

pytest.importorskip("fastapi.testclient")


@pytest.fixture(scope="module")
def rich(bundles):
    from fastapi.testclient import TestClient

    bundle = Bundle.load(bundles("rich"))
    with TestClient(create_app(bundle, max_body_bytes=4096)) as client:
        yield bundle, client


def _row(**changes) -> dict:
    row = {"age": 41, "plan": "pro", "active": True, "signup": "2020-03-01", "spend": 120.5}
    return {**row, **changes}


def test_identifier_is_not_an_input_and_kinds_have_json_types(rich):
    _, client = rich
    props = client.get("/openapi.json").json()["components"]["schemas"]["Record"]["properties"]
    assert list(props) == ["age", "plan", "active", "signup", "spend"]  # customer_id: identifier
    assert {"type": "boolean"} in props["active"]["anyOf"]
    assert {"type": "string"} in props["signup"]["anyOf"]
    assert "2020-01-01" in props["signup"]["description"]


def test_same_answer_as_python_api(rich):
    bundle, client = rich
    frame = rich_frame().drop(columns=["churn"]).head(20)
    rows = [_row(age=int(r.age), plan=r.plan, active=bool(r.active), signup=r.signup,
                 spend=float(r.spend)) for r in frame.itertuples()]
    doc = client.post("/predict", json={"records": rows}).json()
    api = bundle.predict(frame)
    assert doc["predictions"] == api.predictions.tolist()
    assert [p["yes"] for p in doc["probabilities"]] == pytest.approx(api.probabilities[:, 1].tolist(),
                                                                      rel=1e-12)


@pytest.mark.parametrize("value", ["true", 1, "yes"])
def test_boolean_column_accepts_common_spellings(rich, value):
    _, client = rich
    a = client.post("/predict", json={"records": [_row(active=value)]}).json()
    b = client.post("/predict", json={"records": [_row(active=True)]}).json()
    assert a == b


def test_boolean_column_refuses_other_text(rich):
    _, client = rich
    answer = client.post("/predict", json={"records": [_row(active="maybe")]})
    assert answer.status_code == 422 and "'active'" in answer.json()["detail"]


def test_date_that_is_not_a_date_is_422(rich):
    _, client = rich
    answer = client.post("/predict", json={"records": [_row(signup="last tuesday")]})
    assert answer.status_code == 422
    assert answer.json()["columns"] == ["signup"] and "dates" in answer.json()["detail"]


def test_dates_in_other_formats_are_read(rich):
    _, client = rich
    iso = client.post("/predict", json={"records": [_row(signup="2020-03-01")]}).json()
    stamp = client.post("/predict", json={"records": [_row(signup="2020-03-01T00:00:00")]}).json()
    assert iso == stamp


def test_several_bad_fields_are_all_named(rich):
    _, client = rich
    bad = [_row(age="old"), {k: v for k, v in _row().items() if k != "plan"}]
    answer = client.post("/predict", json={"records": bad})
    assert answer.status_code == 422
    doc = answer.json()
    assert set(doc["columns"]) == {"age", "plan"} and "record 0" in doc["detail"]


def test_small_body_limit(rich):
    _, client = rich
    answer = client.post("/predict", json={"records": [_row()] * 100})
    assert answer.status_code == 413
    assert client.post("/predict", json={"records": [_row()] * 5}).status_code == 200


def test_bad_settings_are_config_errors(bundles, tmp_path):
    bundle = Bundle.load(bundles("rich"))
    with pytest.raises(ConfigError, match="max_body_bytes"):
        create_app(bundle, max_body_bytes=0)
    with pytest.raises(ConfigError, match="--port"):
        serve(bundles("rich"), port=70000)
    with pytest.raises(ConfigError, match="unknown"):
        serve(bundles("rich"), host="no-such-host.invalid", port=0)


def test_serving_never_imports_qt(bundles):
    code = (f"import sys; from automl.export import Bundle; from automl.serve import create_app; "
            f"create_app(Bundle.load({str(bundles('rich'))!r})); "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'app'))]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_number_in_a_date_column_is_not_read_as_1970(rich):
    _, client = rich
    answer = client.post("/invocations", json={"dataframe_records": [_row(signup=12345)]})
    assert answer.status_code == 400 and "'signup' must hold dates" in answer.json()["message"]


def test_duplicate_columns_in_dataframe_split_are_400(rich):
    _, client = rich
    row = _row()
    split = {"columns": ["age", *row], "data": [[1, *row.values()]]}
    answer = client.post("/invocations", json={"dataframe_split": split})
    assert answer.status_code == 400 and "'age'" in answer.json()["message"]


def test_every_error_answer_has_the_same_shape(rich):
    _, client = rich
    for answer in (client.get("/predict"), client.post("/predict", content=b"\xff{",
                                                       headers={"Content-Type": "application/json"})):
        assert 400 <= answer.status_code < 500
        assert set(answer.json()) == {"detail", "columns", "errors"}
