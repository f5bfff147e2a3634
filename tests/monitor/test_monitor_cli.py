"""`automl monitor` and `automl compare` through a subprocess: exit codes, one JSON document,
one-line errors, report files, old bundles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

TARGET = "diagnosis"  # of the bundles the ``work`` fixture (conftest.py) builds


def _run(home: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOML_HOME": str(home)}
    env.pop("AUTOML_STORAGE", None)
    return subprocess.run([sys.executable, "-m", "automl", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=cwd)


def _json(proc) -> dict:
    return json.loads(proc.stdout)  # exactly one document, or this raises


def test_same_distribution_exits_0_with_the_contract_document(work):
    proc = _run(work / "home", "monitor", work / "a", work / "new.csv", "--labels", TARGET, "--json",
                cwd=work)
    assert proc.returncode == 0, proc.stderr
    doc = _json(proc)
    assert doc["verdict"] == "ok" and doc["rows"] == 219
    column = doc["columns"][0]
    assert {"column", "test", "statistic", "threshold", "drifted"} <= set(column)
    assert column["test"] == "ks" and column["threshold"] == 0.05
    assert {o["column"] for o in doc["prediction_drift"]["outputs"]} == {
        "predicted class", "probability of malignant"}
    estimate, realised = doc["estimate"], doc["realised"]
    assert estimate["metric"] == "roc_auc" and estimate["low"] <= estimate["value"] <= estimate["high"]
    assert realised["metric"] == "roc_auc" and abs(estimate["value"] - realised["value"]) < 0.05


def test_drift_exits_3_and_writes_the_reports_and_history(work):
    report = work / "report"
    for _ in range(2):
        proc = _run(work / "home", "monitor", work / "a", work / "moved.csv", "--report", report, cwd=work)
        assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith("drift:")
    doc = json.loads((report / "report.json").read_text())
    assert doc["verdict"] == "drift" and doc["drifted_share"] >= 0.5
    assert "data:image/png;base64," in (report / "report.html").read_text()
    assert "# Monitoring check: drift" in (report / "report.md").read_text()
    history = (report / "history.jsonl").read_text().splitlines()
    assert len(history) == 2 and json.loads(history[-1])["verdict"] == "drift"


def test_too_few_rows_is_its_own_verdict(work):
    proc = _run(work / "home", "monitor", work / "a", work / "few.csv", "--json", cwd=work)
    assert proc.returncode == 0 and _json(proc)["verdict"] == "not enough rows"


@pytest.mark.parametrize(("args", "message"), [
    (("monitor", "a", "nope.csv"), "nope.csv"),
    (("monitor", "a", "new.csv", "--labels", "nope"), "labels column 'nope'"),
    (("monitor", "not-a-bundle", "new.csv"), "not a bundle"),
    (("compare", "a", "b", "new.csv", "--metric", "rmse"), "rmse"),
])
def test_user_errors_exit_2_with_one_line(work, args, message):
    proc = _run(work / "home", *args, cwd=work)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_old_bundle_loads_and_says_what_could_not_run(work):
    old = work / "old"
    shutil.copytree(work / "a", old)
    (old / "monitor_reference.json").unlink()
    profile = json.loads((old / "profile.json").read_text())
    for column in profile["columns"]:
        column.pop("distribution", None)
    (old / "profile.json").write_text(json.dumps(profile))
    proc = _run(work / "home", "monitor", old, work / "moved.csv", "--json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    doc = _json(proc)
    assert doc["verdict"] == "ok" and all(c["test"] is None for c in doc["columns"])
    assert len(doc["not_run"]) == len(doc["columns"])
    assert any("no monitoring reference" in n for n in doc["notes"]) and doc["estimate"] is None


def test_compare_reports_the_difference_b_minus_a_with_an_interval(work):
    # 200 resamples, not the default 1000: the bootstrap is most of a compare's time (15 s ->
    # 7.5 s a call), and its coverage at 1000 is tested in test_monitor_compare.py.
    boot = ("--n-boot", 200)
    # The two compares are independent reads of the bundles: side by side.
    with ThreadPoolExecutor(2) as pool:
        proc, again = pool.map(lambda b: _run(work / "home", "compare", work / "a", work / b,
                                              work / "new.csv", *boot, "--json", cwd=work), "ba")
    assert proc.returncode == 0, proc.stderr
    doc = _json(proc)
    assert doc["metric"] == "roc_auc" and doc["n_boot"] == 200
    assert doc["difference"] == pytest.approx(doc["b"] - doc["a"])
    assert doc["low"] <= doc["difference"] <= doc["high"]
    assert doc["verdict"] in ("B is better", "no clear difference", "B is worse")
    same = _json(again)
    assert same["difference"] == 0 and same["verdict"] == "no clear difference"


def test_project_monitor_table_overrides_the_policy(work):
    project = work / "p.automl.toml"
    init = _run(work / "home", "project", "init", work / "train.csv", "--target", TARGET, "--name", "bc",
                "--out", project, cwd=work)
    assert init.returncode == 0, init.stderr
    project.write_text(project.read_text() + "\n[monitor]\np_value = 0.5\n")
    doc = _json(_run(work / "home", "monitor", work / "a", work / "new.csv", "--project", project,
                     "--json", cwd=work))
    assert doc["policy"]["p_value"] == 0.5 and doc["columns"][0]["threshold"] == 0.5
    project.write_text(project.read_text() + "bogus = 1\n")
    proc = _run(work / "home", "monitor", work / "a", work / "new.csv", "--project", project, cwd=work)
    assert proc.returncode == 2 and "Unknown monitor setting(s) 'bogus'" in proc.stderr
