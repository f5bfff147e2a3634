"""The `automl` command through subprocess: exit codes, --json, one-line errors."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def test_run_json_then_predict_matches_python_api(cli, tmp_path, breast_cancer_csv):
    proc = cli("run", breast_cancer_csv, "--target", "diagnosis", "--time-budget", 20,
               "--n-trials", 3, "--cv", 2, "--study", "bc", "--families", "linear,hgb,tree",
               "--out", tmp_path / "bundle", "--json", check=0)
    doc = json.loads(proc.stdout)  # exactly one JSON document on stdout
    assert doc["study"] == "bc" and doc["bundle"]
    assert sum(doc["trials"].values()) == 3
    assert doc["task"]["kind"] == "binary" and doc["task"]["metric"] == "roc_auc"

    out = tmp_path / "pred.csv"
    cli("predict", tmp_path / "bundle", breast_cancer_csv, "--out", out, "--proba", check=0)
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["prediction", "proba_benign", "proba_malignant"]

    from automl.export import Bundle

    frame = pd.read_csv(breast_cancer_csv)
    api = Bundle.load(tmp_path / "bundle").predict(frame)
    np.testing.assert_allclose(preds[["proba_benign", "proba_malignant"]].to_numpy(),
                               api.probabilities, rtol=1e-9, atol=1e-12)
    assert (preds["prediction"].to_numpy() == api.predictions).all()


def test_leaderboard_and_studies_read_the_storage(cli, tmp_path, breast_cancer_csv):
    cli("run", breast_cancer_csv, "--target", "diagnosis", "--n-trials", 3, "--cv", 2,
        "--study", "lb", "--families", "linear,tree", check=0)
    # The run's connections are closed before it exits: the WAL is folded back into the file.
    files = sorted(p.name for p in (tmp_path / "home").rglob("*.db*"))
    assert len(files) == 1 and files[0].endswith(".db"), files
    # Three independent reads of the finished study: side by side.
    with ThreadPoolExecutor(3) as pool:
        board, table, listing = pool.map(lambda args: cli(*args, check=0).stdout, (
            ("leaderboard", "--study", "lb", "--json"), ("leaderboard",), ("studies", "--json")))
    doc = json.loads(board)
    assert doc["study"] == "lb" and len(doc["trials"]) == 3
    assert "rank" in table and "linear" in table
    studies = json.loads(listing)
    assert [s["name"] for s in studies] == ["lb"]


def test_events_are_json_lines(cli, breast_cancer_csv):
    proc = cli("run", breast_cancer_csv, "--target", "diagnosis", "--n-trials", 2, "--cv", 2,
               "--study", "ev", "--families", "linear", "--events", check=0)
    from automl.events import event_from_json

    events = [event_from_json(line) for line in proc.stdout.splitlines()]
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "SearchStarted" and kinds[-1] == "RunFinished"
    assert kinds.count("TrialFinished") == 2


def test_profile_json(cli, breast_cancer_csv):
    doc = json.loads(cli("profile", breast_cancer_csv, "--target", "diagnosis", "--json", check=0).stdout)
    assert doc["n_rows"] == 569 and doc["task"]["kind"] == "binary"


@pytest.mark.parametrize("content,fragment", [
    (b"", "empty"),
    (b"a,b,c\n", "no data rows"),
    (bytes(range(256)) * 20, ""),
])
def test_bad_files_exit_2_with_one_line(cli, tmp_path, content, fragment):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    proc = cli("run", bad, "--target", "a", "--n-trials", 1)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert fragment.lower() in lines[0].lower()
    assert "Traceback" not in proc.stderr


def test_missing_target_column_exit_2(cli, breast_cancer_csv):
    proc = cli("run", breast_cancer_csv, "--target", "nope", "--n-trials", 1)
    assert proc.returncode == 2 and "'nope'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_one_class_target_exit_2(cli, tmp_path):
    f = tmp_path / "one.csv"
    pd.DataFrame({"x": range(20), "y": ["a"] * 20}).to_csv(f, index=False)
    proc = cli("run", f, "--target", "y", "--n-trials", 1)
    assert proc.returncode == 2 and "one class" in proc.stderr


def test_only_empty_features_exit_2(cli, tmp_path):
    f = tmp_path / "empty_features.csv"
    pd.DataFrame({"a": [None] * 20, "b": [None] * 20, "y": [0, 1] * 10}).to_csv(f, index=False)
    proc = cli("run", f, "--target", "y", "--n-trials", 1)
    assert proc.returncode == 2 and "No column can be used" in proc.stderr


@pytest.fixture(scope="module")
def linear_bundle(tmp_path_factory) -> Path:
    """``automl run ... --out`` of a two-trial linear search, run once for the tests that only
    need a bundle of the sample (copy it before changing it)."""
    import os
    import subprocess
    import sys

    from automl.datasets import sample_path

    folder = tmp_path_factory.mktemp("cli-bundle")
    env = {**os.environ, "AUTOML_HOME": str(folder / "home")}
    env.pop("AUTOML_STORAGE", None)
    proc = subprocess.run([sys.executable, "-m", "automl", "run", str(sample_path("breast_cancer")),
                           "--target", "diagnosis", "--n-trials", "2", "--cv", "2", "--study", "d",
                           "--families", "linear", "--out", str(folder / "b")],
                          capture_output=True, text=True, env=env, timeout=120, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return folder / "b"


def test_tampered_bundle_exit_2(cli, tmp_path, breast_cancer_csv, linear_bundle):
    shutil.copytree(linear_bundle, tmp_path / "b")
    model = tmp_path / "b" / "model.joblib"
    data = bytearray(model.read_bytes())
    data[100] ^= 0x01
    model.write_bytes(bytes(data))
    proc = cli("predict", tmp_path / "b", breast_cancer_csv)
    assert proc.returncode == 2 and "sha256" in proc.stderr


def test_odd_but_valid_csv_is_read(cli, tmp_path):
    f = tmp_path / "odd.csv"
    rng = np.random.default_rng(0)
    rows = ["\ufeffgröße;;größe;label"]
    for i in range(60):
        rows.append(f"{rng.normal():.3f};{rng.normal():.3f};{rng.normal():.3f};{'ja' if i % 2 else 'nein'}")
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    doc = json.loads(cli("profile", f, "--target", "label", "--json", check=0).stdout)
    names = [c["name"] for c in doc["columns"]]
    assert names[0] == "größe" and len(set(names)) == 4
    assert doc["renamed"], "renames are reported"


def test_worker_joins_a_study_and_adds_trials(cli, breast_cancer_csv):
    cli("run", breast_cancer_csv, "--target", "diagnosis", "--n-trials", 3, "--cv", 2,
        "--study", "team", "--families", "linear,tree", check=0)
    doc = json.loads(cli("worker", "--study", "team", "--n-trials", 3, "--n-jobs", 1, "--json",
                         check=0).stdout)
    assert doc["complete"] + doc["pruned"] + doc["failed"] == 3
    board = json.loads(cli("leaderboard", "--study", "team", "--json", check=0).stdout)
    assert len(board["trials"]) == 6
    assert {t["family"] for t in board["trials"]} <= {"linear", "tree"}


def test_worker_on_unknown_study_exit_2(cli):
    proc = cli("worker", "--study", "nope", "--n-trials", 1)
    assert proc.returncode == 2 and "No study named 'nope'" in proc.stderr


def test_drift_exit_code_for_scheduled_checks(cli, tmp_path, breast_cancer_csv, linear_bundle):
    bundle = shutil.copytree(linear_bundle, tmp_path / "b")  # drift may write beside the model
    same = cli("drift", bundle, breast_cancer_csv, "--fail-on", "drift", check=0)
    assert "ok" in same.stdout
    frame = pd.read_csv(breast_cancer_csv)
    frame["mean radius"] = frame["mean radius"] * 3
    moved = tmp_path / "moved.csv"
    frame.to_csv(moved, index=False)
    proc = cli("drift", bundle, moved, "--fail-on", "drift", "--json")
    assert proc.returncode == 3
    doc = json.loads(proc.stdout)
    assert doc["status"] == "drift"
    assert {c["column"]: c["status"] for c in doc["columns"]}["mean radius"] == "drift"
