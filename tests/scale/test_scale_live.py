"""Trials other workers can see: incremental reads, RUNNING trials with their worker and
heartbeats, release of a dead worker's trials. On SQLite and on PostgreSQL."""

from __future__ import annotations

import time

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from automl.records import Leaderboard
from automl.records import keys as K
from automl.search._recorder import Recorder
from automl.search._study import sampler_seed as _sampler_seed
from automl.storage import TrialFollower
from automl.storage import heartbeats_enabled
from automl.storage import open_storage
from automl.storage import sweep_stale_trials

DIST = {"family": optuna.distributions.CategoricalDistribution(["x"]),
        "x.a": FloatDistribution(0, 1)}


def _trial(state, a, worker="other:1"):
    return optuna.trial.create_trial(state=state, params={"family": "x", "x.a": a},
                                     distributions=DIST, value=a if state.name == "COMPLETE" else None,
                                     user_attrs={K.TRIAL_WORKER: worker})


def test_follower_returns_each_finished_trial_once(any_url, study_name):
    storage = open_storage(any_url, cached=False)
    study = optuna.create_study(storage=storage, study_name=study_name, direction="maximize")
    for a in (0.1, 0.2):
        study.add_trial(_trial(TrialState.COMPLETE, a))
    running_id = storage.create_new_trial(study._study_id, _trial(TrialState.RUNNING, 0.3))
    follower = TrialFollower(storage, study._study_id)
    assert sorted(t.params["x.a"] for t in follower.poll()) == [0.1, 0.2]
    assert list(follower.running) == [running_id]
    assert follower.poll() == []  # nothing new
    study.add_trial(_trial(TrialState.PRUNED, 0.4))
    storage.set_trial_state_values(running_id, TrialState.COMPLETE, [0.3])
    assert sorted(t.params["x.a"] for t in follower.poll()) == [0.3, 0.4]
    assert follower.running == {} and follower.poll() == []


def test_follower_reads_only_new_and_running_rows_on_a_database(any_url, study_name, monkeypatch):
    storage = open_storage(any_url, cached=False)
    if not hasattr(storage, "_get_trials"):
        pytest.skip("a journal file is replayed whole by Optuna; nothing to read less of")
    study = optuna.create_study(storage=storage, study_name=study_name)
    for a in (0.1, 0.2, 0.3):
        study.add_trial(_trial(TrialState.COMPLETE, a))
    follower = TrialFollower(storage, study._study_id)
    follower.poll()
    calls = []
    original = storage._get_trials

    def spy(study_id, states, included, greater_than):
        out = original(study_id, states, included, greater_than)
        calls.append((greater_than, len(out)))
        return out

    monkeypatch.setattr(storage, "_get_trials", spy)
    study.add_trial(_trial(TrialState.COMPLETE, 0.9))
    assert [t.params["x.a"] for t in follower.poll()] == [0.9]
    assert calls[-1][0] >= 0 and calls[-1][1] == 1  # one row read, not four


def test_a_database_storage_records_running_trials_with_their_worker(pg_url, study_name,
                                                                     fast_liveness):
    storage = open_storage(pg_url)
    assert heartbeats_enabled(storage)
    study = optuna.create_study(storage=storage, study_name=study_name, direction="maximize")
    recorder = Recorder(storage, study._study_id, pg_url, worker="here:42")
    mem = optuna.create_study(direction="maximize")
    trial = mem.ask()
    trial.suggest_float("x.a", 0, 1)
    recorder.start(trial)
    deadline = time.monotonic() + 30
    while not study.get_trials(states=(TrialState.RUNNING,)) and time.monotonic() < deadline:
        time.sleep(0.05)
    (running,) = study.get_trials(states=(TrialState.RUNNING,))
    assert running.user_attrs[K.TRIAL_WORKER] == "here:42" and "x.a" in running.params
    trial.set_user_attr(K.TRIAL_RESULT, {K.FAMILY: "x", K.SCORE_MEAN: 0.5})
    frozen = mem.tell(trial, 0.5)
    recorder.submit(frozen, "payload")
    (committed,) = recorder.flush()
    recorder.close()
    assert committed[1] == running.number  # finished in place, not a second trial
    (done,) = study.get_trials()
    assert done.state is TrialState.COMPLETE and done.value == 0.5 == frozen.value
    assert done.user_attrs[K.TRIAL_WORKER] == "here:42"


def test_sqlite_and_journal_write_trials_once_when_they_end(any_url, study_name):
    storage = open_storage(any_url, cached=False)
    if heartbeats_enabled(storage):
        return  # the database case is the test above
    study = optuna.create_study(storage=storage, study_name=study_name)
    recorder = Recorder(storage, study._study_id, any_url, worker="here:1")
    mem = optuna.create_study()
    trial = mem.ask()
    trial.suggest_float("x.a", 0, 1)
    recorder.start(trial)
    assert study.get_trials() == []
    recorder.submit(mem.tell(trial, 0.1), "p")
    assert [p for p, _ in recorder.flush()] == ["p"]
    recorder.close()
    assert study.get_trials()[0].user_attrs[K.TRIAL_WORKER] == "here:1"


def test_a_trial_whose_worker_died_is_released_after_the_grace(pg_url, study_name,
                                                               fast_liveness):
    storage = open_storage(pg_url)
    study = optuna.create_study(storage=storage, study_name=study_name)
    trial_id = storage.create_new_trial(study._study_id, _trial(TrialState.RUNNING, 0.5,
                                                                 worker="gone:7"))
    storage.record_heartbeat(trial_id)  # then the worker is "killed": no more heartbeats
    assert sweep_stale_trials(storage, study._study_id) == 0  # still within the grace
    deadline = time.monotonic() + 60
    while storage.get_trial(trial_id).state is TrialState.RUNNING:
        assert time.monotonic() < deadline, "never released"
        time.sleep(0.25)
        sweep_stale_trials(storage, study._study_id)
    (record,) = Leaderboard.from_study(study_name, pg_url).records
    assert record.status == "failed" and record.error_type == "WorkerLost"
    assert record.worker == "gone:7"


def test_workers_joining_a_study_get_their_own_seeds():
    assert _sampler_seed(0, 5, None) == 5  # a new study: the run's own seed, reproducible
    seeds = {_sampler_seed(0, 5, f"host:{pid}") for pid in range(100, 200)}
    assert len(seeds) == 100
