"""The Qt table models: the Qt model contract (qtmodeltester) and in-place updates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from app.models.compare_model import TrialCompareTableModel
from app.models.dataframe_model import MISSING_TEXT
from app.models.dataframe_model import DataFrameTableModel
from app.models.leaderboard_model import COL_MESSAGE
from app.models.leaderboard_model import COL_RANK
from app.models.leaderboard_model import COL_SCORE
from app.models.leaderboard_model import LeaderboardProxyModel
from app.models.leaderboard_model import LeaderboardTableModel
from app.models.profile_model import ProfileTableModel
from app.models.studies_model import StudiesTableModel
from automl.data import load_dataset
from automl.data import profile_dataset
from automl.records import Leaderboard
from automl.records import StudyInfo
from automl.records import TrialRecord


def record(number: int, status: str = "complete", score: float | None = 0.5, family="linear",
           **extra) -> TrialRecord:
    values = dict(number=number, status=status, family=family, params={"C": 1.0 + number},
                  score=score if status == "complete" else None, score_std=0.01,
                  fold_scores=(0.4, 0.6), fit_seconds=0.1, predict_seconds=0.01,
                  duration_seconds=0.2)
    values.update(extra)
    # Fields the engine adds later default to None, so these tests follow the record's shape.
    for f in dataclasses.fields(TrialRecord):
        if f.name not in values and f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING:
            values[f.name] = None
    return TrialRecord(**values)


def board(*records: TrialRecord, greater: bool = True) -> Leaderboard:
    from automl.records._records import rank

    return Leaderboard("s", "roc_auc", greater, rank(records, greater))


def test_dataframe_model_passes_the_qt_model_contract(qtmodeltester):
    frame = pd.DataFrame({"a": [1.5, np.nan, 3.0], "b": ["x", None, "z"],
                          "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"])})
    model = DataFrameTableModel(frame)
    qtmodeltester.check(model)
    assert model.index(1, 0).data() == MISSING_TEXT
    assert model.index(0, 1).data() == "x"
    assert model.index(0, 2).data() == "2024-01-01"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "b"


def test_dataframe_model_reads_only_the_rows_asked_for():
    frame = pd.DataFrame(np.arange(400_000 * 4, dtype=float).reshape(400_000, 4),
                         columns=list("abcd"))
    model = DataFrameTableModel(frame)
    assert model.rowCount() == 400_000
    assert model.index(399_999, 3).data() == f"{400_000 * 4 - 1:.6g}"
    assert len(model._blocks) == 1  # one block of rows formatted, not the frame


def test_profile_model_shows_warnings_next_to_their_column(qtmodeltester, tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"id": [f"r{i}" for i in range(50)], "const": [1] * 50,
                  "x": np.arange(50.0)}).to_csv(path, index=False)
    profile = profile_dataset(load_dataset(path))
    model = ProfileTableModel()
    model.set_profile(profile)
    qtmodeltester.check(model)
    row = model.row_of("const")
    assert model.warnings_for("const")
    assert model.index(row, 5).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(row, 1).data() == "constant"
    assert model.index(row, 0).data(Qt.ItemDataRole.BackgroundRole) is not None


def test_leaderboard_model_inserts_and_updates_rows_without_resetting(qtmodeltester, qtbot):
    model = LeaderboardTableModel()
    model.update(board(record(0, score=0.7), record(1, "running")))
    qtmodeltester.check(model)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.rowsInserted), qtbot.waitSignal(model.dataChanged):
        model.update(board(record(0, score=0.7), record(1, score=0.9), record(2, score=0.8)))
    assert resets == []
    assert model.rowCount() == 3
    ranks = {model.record(r).number: model.index(r, COL_RANK).data() for r in range(3)}
    assert ranks == {1: "1", 2: "2", 0: "3"}
    qtmodeltester.check(model)


def test_failed_trial_shows_its_error_message():
    model = LeaderboardTableModel()
    failed = record(3, "failed", error_type="ValueError", error_message="Input contains NaN")
    model.update(board(record(0), failed))
    row = next(r for r in range(model.rowCount()) if model.record(r).number == 3)
    assert model.index(row, COL_MESSAGE).data() == "ValueError: Input contains NaN"
    assert model.index(row, COL_SCORE).data() == ""


def test_proxy_filters_by_text_and_status_and_sorts_empty_scores_last(qtmodeltester):
    model = LeaderboardTableModel()
    model.update(board(record(0, score=0.6), record(1, "failed", error_message="boom"),
                       record(2, score=0.9, family="tree"), record(3, "pruned")))
    proxy = LeaderboardProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        proxy.sort(COL_SCORE, order)
        scores = [proxy.index(r, COL_SCORE).data() for r in range(proxy.rowCount())]
        assert scores[-2:] == ["", ""], scores
    proxy.set_status_filter("failed")
    assert proxy.rowCount() == 1
    proxy.set_status_filter(None)
    proxy.set_text_filter("decision")
    assert [proxy.index(r, 1).data() for r in range(proxy.rowCount())] == ["2"]


def test_compare_model_lists_params_and_folds_side_by_side(qtmodeltester):
    model = TrialCompareTableModel()
    model.set_trials([record(0, score=0.6), record(1, score=0.7)])
    qtmodeltester.check(model)
    labels = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    assert {"Fold 1 score", "Fold 2 score", "C"} <= set(labels)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Trial 1"
    c_row = labels.index("C")
    assert model.index(c_row, 0).data(Qt.ItemDataRole.FontRole).bold()  # values differ


def test_studies_model_passes_the_qt_model_contract(qtmodeltester):
    model = StudiesTableModel()
    model.set_studies((StudyInfo("a", 3, 0.9, "roc_auc", "y", "binary", "/d/x.csv",
                                 "2024-01-01T10:00:00"),
                       StudyInfo("b", 0, None, None, None, None, None, None)))
    qtmodeltester.check(model)
    assert model.index(0, 6).data() == "x.csv"
    assert model.row_of("b") == 1


def test_a_newer_job_supersedes_an_older_one(qtbot, qapp):
    import threading

    from PySide6.QtCore import QThreadPool

    from app.workers import JobRunner

    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    runner = JobRunner(pool=pool)
    results, gate = [], threading.Event()
    runner.run("k", gate.wait, 5, on_done=lambda r: results.append("blocker"))
    runner.run("k", lambda: "old", on_done=results.append)  # queued, then superseded
    runner.run("k", lambda: "new", on_done=results.append)
    gate.set()
    qtbot.waitUntil(lambda: "new" in results, timeout=5_000)
    assert pool.waitForDone(5_000)
    qapp.processEvents()  # deliver any late (stale) result that was queued
    assert results == ["new"]
    assert not runner.is_busy("k")
