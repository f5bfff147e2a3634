"""Workers on one PostgreSQL study: real processes, a shared search, a killed worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from automl.datasets import sample_path
from automl.records import Leaderboard
from automl.records import keys as K
from automl.storage import open_storage


def test_two_workers_share_one_study_without_duplicates(pg_url, study_name):
    from fleet import run_fleet

    result = run_fleet(pg_url, study_name, n_workers=2, budget_s=120, n_trials=6)
    assert result.n_trials == 12
    assert result.numbers_ok, "trial numbers 0..N-1, each once"
    assert result.workers == 2, "both workers recorded trials under their own host:pid"
    assert result.repeated_share <= 0.05, "workers started together propose distinct trials"


def _cli(*args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "automl", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_killed_worker_is_released_and_the_run_still_exports(pg_url, study_name, tmp_path):
    env = {**os.environ, "AUTOML_HEARTBEAT_S": "1", "AUTOML_GRACE_S": "3",
           "AUTOML_HOME": str(tmp_path / "home"), "PYTHONWARNINGS": "ignore"}
    data = sample_path("breast_cancer")
    run = _cli("run", data, "--target", "diagnosis", "--storage", pg_url, "--study", study_name,
               "--time-budget", 120, "--n-trials", 6, "--cv", 2, "--cv-repeats", 1,
               "--families", "linear,et", "--n-jobs", 1,
               "--out", tmp_path / "bundle", "--json", env=env)
    storage = open_storage(pg_url, cached=False)
    _wait_for(lambda: study_name in {s.study_name for s in storage.get_all_studies()}, 60,
              "the run to create its study")
    # Counted in trials, not seconds: on a busy machine a worker's start-up alone can take
    # most of a short budget. The victim would go on for long; it is killed mid-trial.
    workers = [_cli("worker", "--study", study_name, "--storage", pg_url, "--time-budget", 600,
                    "--n-trials", n, "--n-jobs", 1, "--json", env=env) for n in (50, 4)]
    victim, survivor = workers
    study = optuna.load_study(study_name=study_name, storage=storage)

    def victims_running_trial():  # an extra-trees trial: seconds long, so killed mid-trial
        return next((t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                     if t.user_attrs.get(K.TRIAL_WORKER, "").endswith(f":{victim.pid}")
                     and t.params.get("family") == "et"), None)

    _wait_for(victims_running_trial, 90, "a trial of the victim to be running")
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    trial = victims_running_trial()  # dead now: what it left RUNNING
    assert trial is not None, "the victim's trial finished between the check and the kill"

    def released():
        record = {r.number: r for r in Leaderboard.from_study(study_name, pg_url).records}
        return record[trial.number] if record[trial.number].status != "running" else None

    record = _wait_for(released, 90, "the killed worker's trial to be released")
    assert record.status == "failed" and record.error_type == "WorkerLost"
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    doc = json.loads(out)
    assert doc["complete"] + doc["pruned"] + doc["failed"] == 4
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert json.loads(out)["bundle"] and Path(tmp_path / "bundle" / "model.joblib").exists()
    board = Leaderboard.from_study(study_name, pg_url)
    numbers = sorted(r.number for r in board.records)
    assert numbers == list(range(len(numbers)))
    assert not [r for r in board.records if r.status == "running"]
    assert len({r.worker for r in board.records if r.worker}) == 3


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_stops_cleanly_on_ctrl_c_or_sigterm(pg_url, study_name, tmp_path, sig):
    env = {**os.environ, "AUTOML_HOME": str(tmp_path / "home"), "PYTHONWARNINGS": "ignore"}
    subprocess.run([sys.executable, "-m", "automl", "run", str(sample_path("breast_cancer")),
                    "--target", "diagnosis", "--storage", pg_url, "--study", study_name,
                    "--n-trials", "1", "--cv", "2", "--families", "linear,tree", "--n-jobs", "1"],
                   env=env, capture_output=True, timeout=120, check=True)
    worker = _cli("worker", "--study", study_name, "--storage", pg_url, "--time-budget", 120,
                  "--n-jobs", 1, env=env)
    study = optuna.load_study(study_name=study_name, storage=open_storage(pg_url, cached=False))

    def mine():
        return [t for t in study.get_trials(deepcopy=False)
                if t.user_attrs.get(K.TRIAL_WORKER, "").endswith(f":{worker.pid}")]

    _wait_for(lambda: len(mine()) >= 2, 90, "the worker's trials")
    worker.send_signal(sig)
    _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 130, err
    assert "added" in err.strip().splitlines()[-1]
    assert not [t for t in mine() if t.state is TrialState.RUNNING]  # at once, not after a grace
