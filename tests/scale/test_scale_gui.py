"""History's live view of a study that other workers feed (off the GUI thread)."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from automl.records import keys as K
from automl.storage import open_storage


def _study_with_a_running_trial(url: str, name: str) -> None:
    storage = open_storage(url, cached=False)
    study = optuna.create_study(storage=storage, study_name=name, direction="maximize")
    study.set_user_attr(K.STUDY_TASK, {"metric": "roc_auc", "target": "y", "kind": "binary"})
    dists = {"family": optuna.distributions.CategoricalDistribution(["linear"]),
             "linear.C": optuna.distributions.FloatDistribution(0.01, 10)}
    for c, worker in ((0.5, "a:1"), (2.0, "b:2")):
        study.add_trial(optuna.trial.create_trial(
            state=TrialState.COMPLETE, value=c / 10, params={"family": "linear", "linear.C": c},
            distributions=dists, user_attrs={K.TRIAL_WORKER: worker,
                                             K.TRIAL_RESULT: {K.FAMILY: "linear",
                                                              K.SCORE_MEAN: c / 10}}))
    trial_id = storage.create_new_trial(study._study_id, optuna.trial.create_trial(
        state=TrialState.RUNNING, params={"family": "linear", "linear.C": 1.0},
        distributions=dists, user_attrs={K.TRIAL_WORKER: "b:2"}))
    storage.record_heartbeat(trial_id)


def test_history_shows_the_running_trials_of_all_workers(qtbot, pg_url, study_name):
    from app.controllers.history import HistoryController
    from app.pages.history_page import HistoryPage

    _study_with_a_running_trial(pg_url, study_name)
    history = HistoryController()
    page = HistoryPage(history)
    qtbot.addWidget(page)
    page.show()
    page.set_storage_url(pg_url)
    with qtbot.waitSignal(history.studies_loaded, timeout=20_000):
        page.refresh()
    with qtbot.waitSignal(history.watch_changed, timeout=20_000) as blocker:
        assert page.select_study(study_name)
    snap = blocker.args[0]
    assert [r.worker for r in snap.running] == ["b:2"]
    assert history.watch_running.rowCount() == 1
    assert history.watch_running.index(0, 2).data() == "b:2"
    assert history.watch_board.rowCount() == 3
    assert "1 running on 1 worker" in page.live_label.text()
    assert "best roc_auc 0.2 (trial 1, b:2)" in page.live_label.text()
    page.hide()
    assert history.watched is None  # nobody looks: no reads
    history.close()
