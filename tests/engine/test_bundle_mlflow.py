"""MLflow compatibility (test extra): the bundle loads with mlflow.pyfunc and is served by
`mlflow models serve`, predicting the same numbers as Bundle.predict."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest

from automl.data import load_dataset
from automl.datasets import sample_path
from automl.export import Bundle
from automl.export import export_search_result
from automl.search import RunConfig
from automl.search import run_search

mlflow_pyfunc = pytest.importorskip("mlflow.pyfunc")
pytestmark = pytest.mark.mlflow

SAMPLES = {"binary": ("breast_cancer", "diagnosis"), "multiclass": ("penguins", "species"),
           "regression": ("diabetes", "progression")}


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> dict[str, Bundle]:
    root = tmp_path_factory.mktemp("mlflow")
    out = {}
    for kind, (name, target) in SAMPLES.items():
        dataset = load_dataset(sample_path(name))
        config = RunConfig(target=target, n_trials=2, cv=2, families=("linear", "tree"),
                           budget_s=60, storage_url=f"sqlite:///{(root / 's.db').as_posix()}",
                           study_name=kind)
        out[kind] = Bundle.load(export_search_result(run_search(config, dataset), dataset, root / kind))
    return out


def _rows(kind: str, n: int = 30) -> pd.DataFrame:
    name, target = SAMPLES[kind]
    return load_dataset(sample_path(name)).frame.drop(columns=target).sample(n, random_state=2)


def _assert_same(kind: str, got: pd.DataFrame, bundle: Bundle, rows: pd.DataFrame, rtol=1e-12):
    api = bundle.predict(rows)
    if kind == "regression":
        np.testing.assert_allclose(got["prediction"].to_numpy(dtype=float), api.predictions, rtol=rtol)
        return
    assert got["prediction"].tolist() == api.predictions.tolist()
    columns = [f"proba_{c}" for c in bundle.classes]
    np.testing.assert_allclose(got[columns].to_numpy(dtype=float), api.probabilities, rtol=rtol,
                               atol=1e-15)


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_pyfunc_load_model_predicts_like_the_bundle(kind, bundles):
    model = mlflow_pyfunc.load_model(str(bundles[kind].path))
    rows = _rows(kind)
    _assert_same(kind, model.predict(rows), bundles[kind], rows)


def test_mlmodel_file_is_valid(bundles):
    from mlflow.models import Model

    model = Model.load(str(bundles["binary"].path / "MLmodel"))
    assert model.flavors["python_function"]["loader_module"] == "automl_pyfunc"
    assert model.utc_time_created  # set at export, not left empty


def test_pyfunc_loader_refuses_a_tampered_model(bundles, tmp_path):
    import shutil

    copy = shutil.copytree(bundles["binary"].path, tmp_path / "b")
    data = bytearray((copy / "model.joblib").read_bytes())
    data[100] ^= 0x01
    (copy / "model.joblib").write_bytes(bytes(data))
    with pytest.raises(Exception, match="sha256"):
        mlflow_pyfunc.load_model(str(copy))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(bundles, tmp_path):
    """`mlflow models serve -m BUNDLE --env-manager local` on a free loopback port."""
    probe = subprocess.run([sys.executable, "-m", "mlflow", "models", "serve", "--help"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        pytest.skip(f"the mlflow CLI is not usable here: {probe.stderr.strip()[-200:]}")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(bundles["multiclass"].path),
         "--env-manager", "local", "--host", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        start_new_session=True,  # mlflow execs uvicorn in a child: stop the whole group
        env={**os.environ, "MLFLOW_TRACKING_URI": (tmp_path / "mlruns").as_uri()},
    )
    ready: queue.Queue[bool] = queue.Queue()
    lines: list[str] = []

    def drain() -> None:
        for line in proc.stderr:
            lines.append(line)
            if "Uvicorn running on" in line:
                ready.put(True)
        ready.put(False)

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not ready.get(timeout=90):
            pytest.fail("mlflow models serve exited:\n" + "".join(lines[-20:]))
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)


def test_mlflow_models_serve_answers_like_automl_serve(mlflow_server, bundles):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from automl.serve import create_app

    rows = _rows("multiclass", 10).dropna()
    split = {"columns": list(rows.columns),
             "data": rows.astype(object).where(rows.notna(), None).to_numpy().tolist()}
    body = {"dataframe_split": split}
    theirs = httpx.post(f"{mlflow_server}/invocations", json=body, timeout=30)
    assert theirs.status_code == 200, theirs.text
    _assert_same("multiclass", pd.DataFrame(theirs.json()["predictions"]), bundles["multiclass"], rows)
    with TestClient(create_app(bundles["multiclass"])) as client:
        ours = client.post("/invocations", json=body)
    assert ours.status_code == 200
    assert set(ours.json()) == set(theirs.json()) == {"predictions"}
    for a, b in zip(ours.json()["predictions"], theirs.json()["predictions"], strict=True):
        assert a.keys() == b.keys() and a["prediction"] == b["prediction"]
        assert [a[k] for k in a if k != "prediction"] == pytest.approx([b[k] for k in a if k != "prediction"])
