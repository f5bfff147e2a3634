"""`automl insights` and `automl export --json` through subprocess: the documents the GUI
reads back, the Results plots as PNG files, one-line errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from automl.cli.documents import export_from_dict
from automl.cli.documents import insights_from_dict
from automl.cli.documents import insights_to_dict
from automl.insights import ConfusionData
from automl.insights import ResidualData
from automl.insights import RocData
from automl.insights import TrialInsights

PNG = b"\x89PNG\r\n\x1a\n"


def _automl(*args, home, timeout=180) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOML_HOME": str(home)}
    env.pop("AUTOML_STORAGE", None)
    return subprocess.run([sys.executable, "-m", "automl", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A finished binary study of 6 fast trials on a 120-row table."""
    folder = tmp_path_factory.mktemp("insights")
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"x1": rng.normal(size=n).round(3), "x2": rng.normal(size=n).round(3),
                          "colour": rng.choice(["red", "blue"], n)})
    frame["churn"] = np.where(frame.x1 + (frame.colour == "red") + rng.normal(0, 0.5, n) > 0.5,
                              "yes", "no")
    data = folder / "churn.csv"
    frame.to_csv(data, index=False)
    url = f"sqlite:///{(folder / 'studies.db').as_posix()}"
    done = _automl("run", data, "--target", "churn", "--n-trials", 6, "--cv", 3, "--study", "s",
                   "--families", "linear,tree,nb", "--storage", url, home=folder)
    assert done.returncode == 0, done.stderr
    return "s", url, folder, n


def test_json_is_one_document_of_the_trials_plot_data(study):
    name, url, home, n = study
    done = _automl("insights", "--study", name, "--storage", url, "--json", home=home)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)  # exactly one document on stdout
    assert set(doc) == {"study_name", "trial_number", "family", "task", "confusion", "roc",
                        "residuals", "importances", "notes"}
    assert doc["study_name"] == name and doc["task"] == "binary" and doc["residuals"] is None
    assert doc["confusion"]["classes"] == ["no", "yes"]
    assert sum(map(sum, doc["confusion"]["matrix"])) == n  # every row predicted out of fold
    assert doc["roc"]["positive_class"] == "yes" and 0.5 < doc["roc"]["auc"] <= 1
    assert len(doc["roc"]["fpr"]) == len(doc["roc"]["tpr"])
    assert set(doc["importances"]) <= {"x1", "x2", "colour"}
    # It reads back into the dataclasses the Results step draws from, and writes out the same.
    data = insights_from_dict(doc)
    assert isinstance(data, TrialInsights) and isinstance(data.roc, RocData)
    assert insights_to_dict(data) == doc

    from automl.insights import trial_insights  # the same numbers as in-process

    assert data == trial_insights(name, url)


def test_a_chosen_trial_and_plots_as_png_files(study, tmp_path):
    name, url, home, _ = study
    out = tmp_path / "plots"
    done = _automl("insights", "--study", name, "--storage", url, "--trial", 0, "--json",
                   "--plots", out, home=home)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["trial_number"] == 0
    names = sorted(p.name for p in out.iterdir())
    assert {"confusion.png", "roc.png", "history.png", "families.png"} <= set(names)
    assert sorted(os.path.basename(p) for p in doc["plots"]) == names
    for path in out.iterdir():
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 2000
    assert f"plots written to {out}" in done.stderr
    # Without --json: a few lines for a person.
    text = _automl("insights", "--study", name, "--storage", url, home=home)
    assert text.returncode == 0, text.stderr
    assert "confusion matrix" in text.stdout and "ROC AUC" in text.stdout


@pytest.mark.parametrize("args", [("--study", "no-such-study"), ("--trial", "999")])
def test_bad_input_exits_2_with_one_line(study, args):
    name, url, home, _ = study
    base = {"--study": name, "--storage": url}
    base.update(dict([args]))
    done = _automl("insights", *[v for kv in base.items() for v in kv], "--json", home=home)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error: ")


def test_plots_into_a_file_is_refused(study, tmp_path):
    name, url, home, _ = study
    (tmp_path / "taken").write_text("x")
    done = _automl("insights", "--study", name, "--storage", url, "--plots", tmp_path / "taken",
                   home=home)
    assert done.returncode == 2 and "is a file" in done.stderr


def test_export_json_names_the_trial_the_final_model_and_the_files(study, tmp_path):
    name, url, home, _ = study
    done = _automl("export", "--study", name, "--storage", url, "--out", tmp_path / "b",
                   "--json", home=home)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == {"bundle", "study", "trial", "final_model", "files"}
    meta = json.loads((tmp_path / "b" / "metadata.json").read_text())
    assert doc["bundle"] == str((tmp_path / "b").resolve()) and doc["study"] == name
    assert doc["trial"] == meta["lineage"]["trial"]  # the best, though --trial was not given
    assert doc["final_model"]["kind"] == meta["model"]["final"]["kind"] == "single_refit"
    assert {"metadata.json", "model.joblib", "model_card.md"} <= set(doc["files"])
    assert all((tmp_path / "b" / f).is_file() for f in doc["files"])
    assert export_from_dict(doc).to_dict() == doc


def test_the_insights_document_keeps_missing_plots_and_non_finite_numbers():
    data = TrialInsights("s", 3, "hgb", "regression", None, None,
                         ResidualData((1.0, 2.5), (1.5, math.nan)), {"a": 0.25, "b": math.nan},
                         ("a note",))
    doc = json.loads(json.dumps(insights_to_dict(data), allow_nan=False))
    back = insights_from_dict(doc)
    assert back.confusion is None and back.roc is None and back.notes == ("a note",)
    assert back.residuals.actual == (1.0, 2.5) and math.isnan(back.residuals.predicted[1])
    assert list(back.importances) == ["a", "b"] and math.isnan(back.importances["b"])
    labels = TrialInsights("s", 0, "nb", "multiclass", ConfusionData(("a", "b", "c"),
                           ((1, 0, 0), (0, 2, 1), (0, 0, 3))))
    assert insights_from_dict(json.loads(json.dumps(insights_to_dict(labels)))) == labels
