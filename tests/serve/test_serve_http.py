"""`automl serve` as a subprocess on a free loopback port: answers match `automl predict` and
the Python API, 4xx for bad requests, schema cases, refusal to start on a tampered bundle."""

from __future__ import annotations

import json
import socket

import numpy as np
import pandas as pd
import pytest
from serve_helpers import SAMPLES
from serve_helpers import records
from serve_helpers import run_cli
from serve_helpers import start_server

from automl.data import load_dataset
from automl.export import Bundle

KINDS = ("binary", "multiclass", "regression")
N_ROWS = 40


def _rows(sample_csv, kind) -> pd.DataFrame:
    """Rows of the sample without the target (penguins has missing values: sent as null)."""
    frame = load_dataset(sample_csv[kind]).frame.drop(columns=SAMPLES[kind][1])
    return frame.sample(N_ROWS, random_state=1).reset_index(drop=True)


@pytest.mark.parametrize("kind", KINDS)
def test_predict_matches_cli_and_python_api(kind, servers, bundles, sample_csv, http, tmp_path):
    rows = _rows(sample_csv, kind)
    answer = http.post(f"{servers(kind)}/predict", json={"records": records(rows)})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["notes"] == []

    bundle = Bundle.load(bundles(kind))
    api = bundle.predict(rows)
    csv = tmp_path / "rows.csv"
    rows.to_csv(csv, index=False)
    out = tmp_path / "pred.csv"
    proc = run_cli(tmp_path, "predict", bundles(kind), csv, "--out", out, "--proba")
    assert proc.returncode == 0, proc.stderr
    cli = pd.read_csv(out)

    if kind == "regression":
        assert "probabilities" not in doc
        np.testing.assert_allclose(doc["predictions"], api.predictions, rtol=1e-12)
        np.testing.assert_allclose(cli["prediction"], api.predictions, rtol=1e-12)
        return
    assert doc["predictions"] == api.predictions.tolist() == cli["prediction"].tolist()
    classes = [str(c) for c in bundle.classes]
    http_proba = np.array([[p[c] for c in classes] for p in doc["probabilities"]])
    np.testing.assert_allclose(http_proba, api.probabilities, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cli[[f"proba_{c}" for c in classes]], api.probabilities,
                               rtol=1e-9, atol=1e-12)  # through CSV text: 17 digits
    np.testing.assert_allclose(http_proba.sum(axis=1), 1.0)


@pytest.mark.parametrize("kind", KINDS)
def test_invocations_speaks_mlflow_protocol(kind, servers, sample_csv, http):
    rows = _rows(sample_csv, kind).head(5)
    url = servers(kind)
    mine = http.post(f"{url}/predict", json={"records": records(rows)}).json()
    by_records = http.post(f"{url}/invocations", json={"dataframe_records": records(rows)})
    split = {"columns": list(rows.columns), "data": [list(r.values()) for r in records(rows)]}
    by_split = http.post(f"{url}/invocations", json={"dataframe_split": split})
    by_csv = http.post(f"{url}/invocations", content=rows.to_csv(index=False),
                       headers={"Content-Type": "text/csv"})
    for answer in (by_records, by_split, by_csv):
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {"predictions"}
    preds = by_records.json()["predictions"]
    assert by_split.json()["predictions"] == preds
    labels = [p["prediction"] for p in preds]
    csv_labels = [p["prediction"] for p in by_csv.json()["predictions"]]
    if kind == "regression":
        assert labels == pytest.approx(mine["predictions"], rel=1e-12)
        assert csv_labels == pytest.approx(mine["predictions"], rel=1e-9)  # via CSV text
    else:
        assert labels == csv_labels == mine["predictions"]
        for row, probs in zip(preds, mine["probabilities"], strict=True):
            assert {k[len("proba_"):]: v for k, v in row.items() if k != "prediction"} == (
                pytest.approx(probs))


def test_health_and_metadata(servers, bundles, http):
    url = servers("multiclass")
    health = http.get(f"{url}/health").json()
    meta = json.loads((bundles("multiclass") / "metadata.json").read_text())
    assert health["status"] == "ok" and health["task"] == "multiclass"
    assert health["model_sha256"] == meta["model_sha256"]
    doc = http.get(f"{url}/metadata").json()
    assert doc["input_schema"] == meta["input_schema"]
    assert doc["scores"]["metric"] == "log_loss" and doc["lineage"]["dataset_sha256"]
    assert http.get(f"{url}/ping").status_code == 200  # MLflow's health check


@pytest.mark.parametrize("kind", KINDS)
def test_openapi_request_schema_lists_the_input_columns(kind, servers, bundles, http):
    spec = http.get(f"{servers(kind)}/openapi.json").json()
    record = spec["components"]["schemas"]["Record"]
    schema = Bundle.load(bundles(kind)).schema
    assert list(record["properties"]) == [c.name for c in schema]
    assert record["required"] == [c.name for c in schema]
    numeric = next(c for c in schema if c.kind == "numeric")
    assert {"type": "number"} in record["properties"][numeric.name]["anyOf"]
    assert "/predict" in spec["paths"] and "/invocations" in spec["paths"]


def test_openapi_names_the_known_categories(servers, http):
    record = http.get(f"{servers('multiclass')}/openapi.json").json()["components"]["schemas"]["Record"]
    island = record["properties"]["island"]
    assert {"type": "string"} in island["anyOf"]
    assert all(name in island["description"] for name in ("Biscoe", "Dream", "Torgersen"))


# -- bad requests: 4xx with a reason, never 500 --------------------------------------------------

def _one(sample_csv) -> dict:
    return records(_rows(sample_csv, "multiclass").dropna().head(1))[0]


@pytest.mark.parametrize("body,content_type,status,fragment", [
    (b'{"records": [', "application/json", 400, "not valid JSON"),
    (b"records=1", "application/x-www-form-urlencoded", 400, "JSON object"),
    (b"[1, 2]", "application/json", 400, "JSON object"),
    (b'{"records": []}', "application/json", 422, "at least 1"),
    (b'{"rows": []}', "application/json", 422, "records"),
    (b'{"records": [42]}', "application/json", 422, "record"),
])
def test_malformed_requests_get_4xx_with_a_reason(body, content_type, status, fragment, servers, http):
    answer = http.post(f"{servers('multiclass')}/predict", content=body,
                       headers={"Content-Type": content_type})
    assert answer.status_code == status, answer.text
    assert fragment in answer.json()["detail"]


def test_body_over_the_limit_is_413(servers, http):
    filler = "x" * (11 * 1024 * 1024)  # over the default 10 MiB
    answer = http.post(f"{servers('multiclass')}/predict",
                       content=json.dumps({"records": [], "pad": filler}),
                       headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "larger than" in answer.json()["detail"]

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"records": [], "pad": "'
        for _ in range(11):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    answer = http.post(f"{servers('multiclass')}/predict", content=chunks(),
                       headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_missing_column_is_422_naming_it(servers, sample_csv, http):
    row = _one(sample_csv)
    del row["island"]
    answer = http.post(f"{servers('multiclass')}/predict", json={"records": [row]})
    assert answer.status_code == 422
    assert "'island'" in answer.json()["detail"] and answer.json()["columns"] == ["island"]
    mlflow = http.post(f"{servers('multiclass')}/invocations", json={"dataframe_records": [row]})
    assert mlflow.status_code == 400 and "'island'" in mlflow.json()["message"]


@pytest.mark.parametrize("value", ["forty", True, [1, 2], {"a": 1}])
def test_wrong_kind_in_a_numeric_column_is_422(value, servers, sample_csv, http):
    row = {**_one(sample_csv), "bill_length_mm": value}
    answer = http.post(f"{servers('multiclass')}/predict", json={"records": [row]})
    assert answer.status_code == 422, answer.text
    assert "'bill_length_mm'" in answer.json()["detail"]


def test_numbers_as_text_are_accepted(servers, sample_csv, http):
    row = _one(sample_csv)
    as_text = {k: (str(v) if isinstance(v, float) else v) for k, v in row.items()}
    url = f"{servers('multiclass')}/predict"
    assert http.post(url, json={"records": [as_text]}).json() == http.post(
        url, json={"records": [row]}).json()


def test_infinity_is_refused(servers, sample_csv, http):
    body = json.dumps({"records": [_one(sample_csv)]}).replace(
        '"bill_length_mm": ', '"bill_length_mm": Infinity, "x": ', 1)
    answer = http.post(f"{servers('multiclass')}/predict", content=body,
                       headers={"Content-Type": "application/json"})
    detail = answer.json()["detail"]  # refused by the request model, before the schema check
    assert answer.status_code == 422 and "finite number" in detail and "bill_length_mm" in detail


def test_unseen_category_is_predicted_and_reported(servers, sample_csv, http):
    row = {**_one(sample_csv), "island": "Atlantis"}
    answer = http.post(f"{servers('multiclass')}/predict", json={"records": [row]})
    assert answer.status_code == 200
    doc = answer.json()
    assert any("'island'" in n and "Atlantis" in n for n in doc["notes"])
    assert sum(doc["probabilities"][0].values()) == pytest.approx(1.0)


def test_extra_columns_are_ignored_and_reported(servers, sample_csv, http):
    row = _one(sample_csv)
    url = f"{servers('multiclass')}/predict"
    plain = http.post(url, json={"records": [row]}).json()
    extra = http.post(url, json={"records": [{**row, "comment": "vip", "species": "Gentoo"}]}).json()
    assert extra["predictions"] == plain["predictions"]
    assert extra["probabilities"] == plain["probabilities"]
    assert any("comment" in n and "species" in n for n in extra["notes"])


def test_null_values_are_missing_values(servers, sample_csv, http):
    row = {k: None for k in _one(sample_csv)}
    answer = http.post(f"{servers('multiclass')}/predict", json={"records": [row]})
    assert answer.status_code == 200 and answer.json()["predictions"][0] in (
        "Adelie", "Chinstrap", "Gentoo")


def test_invocations_bad_input_is_400_like_mlflow(servers, http):
    url = f"{servers('regression')}/invocations"
    for body in ({"records": []}, {"dataframe_records": "nope"},
                 {"dataframe_split": {"columns": ["age"], "data": [[1, 2]]}}):
        answer = http.post(url, json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error_code"] == "BAD_REQUEST" and answer.json()["message"]
    answer = http.post(url, content=b"{", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    answer = http.post(url, content=b"x", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415


# -- refusing to start -------------------------------------------------------------------------

def test_tampered_bundle_refuses_to_start_with_exit_2(bundles, tmp_path):
    import shutil

    copy = shutil.copytree(bundles("binary"), tmp_path / "b")
    model = copy / "model.joblib"
    data = bytearray(model.read_bytes())
    data[100] ^= 0x01
    model.write_bytes(bytes(data))
    server = start_server(copy, tmp_path)
    assert not server.url and server.proc.returncode == 2
    assert "sha256" in server.output and "Traceback" not in server.output
    assert len(server.output.strip().splitlines()) == 1


def test_busy_port_exits_2(bundles, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli(tmp_path, "serve", bundles("binary"), "--port", port)
    assert proc.returncode == 2 and f"127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_extra_exits_2_with_install_hint(bundles, tmp_path):
    from serve_helpers import automl_env

    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "fastapi.py").write_text("raise ImportError('blocked for the test', name='fastapi')\n")
    env = automl_env(tmp_path)
    env["PYTHONPATH"] = f"{blocker}{':' + env['PYTHONPATH'] if env.get('PYTHONPATH') else ''}"
    proc = run_cli(tmp_path, "serve", bundles("binary"), "--port", 0, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "automl-studio[serve]" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
