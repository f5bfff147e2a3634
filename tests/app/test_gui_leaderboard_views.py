"""The Results table: best trial per family (the default), all trials, and Export CSV as shown."""

from __future__ import annotations

import csv
import dataclasses

from PySide6.QtCore import Qt

from app.models.leaderboard_model import COL_FAMILY
from app.models.leaderboard_model import COL_RANK
from app.models.leaderboard_model import COL_TRIAL
from app.models.leaderboard_model import LeaderboardProxyModel
from app.models.leaderboard_model import LeaderboardTableModel
from app.models.leaderboard_model import write_csv
from automl.records import Leaderboard
from automl.records import TrialRecord


def record(number: int, status: str = "complete", score: float | None = 0.5, family="linear",
           **extra) -> TrialRecord:
    values = {f.name: None for f in dataclasses.fields(TrialRecord)
              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    values.update(number=number, status=status, family=family, params={"C": 1.0 + number},
                  score=score if status == "complete" else None, score_std=0.01,
                  fold_scores=(0.4, 0.6), fit_seconds=0.1, duration_seconds=0.2, **extra)
    return TrialRecord(**values)


def board(*records: TrialRecord) -> Leaderboard:
    from automl.records._records import rank

    return Leaderboard("s", "roc_auc", True, rank(records, True))

TRIALS = (
    record(0, score=0.90, family="hgb"), record(1, score=0.95, family="hgb"),
    record(2, score=0.93, family="hgb"), record(3, score=0.80, family="linear"),
    record(4, score=0.85, family="linear"), record(5, status="failed", family="svm",
                                                  error_type="ValueError", error_message="x"),
    record(6, status="failed", family="svm", error_type="ValueError", error_message="y"),
)


def shown_trials(proxy) -> list[int]:
    return [int(proxy.index(r, COL_TRIAL).data()) for r in range(proxy.rowCount())]


def make_proxy(*trials):
    model = LeaderboardTableModel()
    model.update(board(*trials))
    proxy = LeaderboardProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(COL_RANK, Qt.SortOrder.AscendingOrder)
    return model, proxy


def test_best_per_family_keeps_one_row_per_family(qtmodeltester):
    model, proxy = make_proxy(*TRIALS)
    assert len(shown_trials(proxy)) == len(TRIALS)
    proxy.set_best_per_family(True)
    qtmodeltester.check(proxy)
    # hgb: trial 1 (best), linear: trial 4; svm never completed: its latest trial, 6.
    assert shown_trials(proxy) == [1, 4, 6]
    proxy.set_best_per_family(False)
    assert len(shown_trials(proxy)) == len(TRIALS)


def test_a_new_best_of_a_family_replaces_the_old_one_live():
    model, proxy = make_proxy(*TRIALS)
    proxy.set_best_per_family(True)
    model.update(board(*TRIALS, record(7, score=0.99, family="hgb"), record(8, score=0.5,
                                                                           family="linear")))
    assert shown_trials(proxy) == [7, 4, 6]


def test_best_per_family_applies_after_the_filters():
    model, proxy = make_proxy(*TRIALS)
    proxy.set_best_per_family(True)
    proxy.set_text_filter("linear")
    assert shown_trials(proxy) == [4]
    proxy.set_text_filter("")
    proxy.set_status_filter("failed")
    assert shown_trials(proxy) == [6]


def test_write_csv_saves_the_rows_as_shown(tmp_path):
    model, proxy = make_proxy(*TRIALS)
    proxy.set_best_per_family(True)
    out = tmp_path / "board.csv"
    assert write_csv(proxy, out) == 3
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets read the ± right
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:4] == ["Rank", "Trial", "Family", "roc_auc ± std"]
    assert [r[1] for r in rows[1:]] == ["1", "4", "6"]
    assert rows[1][3] == proxy.index(0, 3).data() == "0.9500 ± 0.0100"
    assert rows[3][COL_FAMILY] == proxy.index(2, COL_FAMILY).data()
    assert not list(tmp_path.glob(".*tmp*"))


def test_results_page_defaults_to_best_per_family_and_exports(window, qtbot, tmp_path):
    page = window.results_page
    assert page.view_combo.currentText() == "Best per family" and page.proxy.best_per_family
    window.study.leaderboard_model.update(board(*TRIALS))
    assert sorted(shown_trials(page.proxy)) == [1, 4, 6]
    page.select_trials([0, 2])  # hidden by the view: the page shows all trials to select them
    assert not page.proxy.best_per_family and page.view_combo.currentText() == "All trials"
    assert sorted(r.number for r in window.results.selected) == [0, 2]
    path = page.export_csv(str(tmp_path / "all.csv"))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1 + len(TRIALS)
    assert "7 rows written" in page.messages.text("export-csv")
    page.export_csv(str(tmp_path / "missing-folder" / "x.csv"))
    assert page.messages.level("export-csv") == "error"


def test_an_ensemble_is_labelled_and_its_plots_come_from_the_best_single_trial(window):
    ensemble = record(9, score=0.99, family="ensemble", members=({"trial": 1, "weight": 1.0},))
    window.study.leaderboard_model.update(board(*TRIALS, ensemble))
    window.study.board = board(*TRIALS, ensemble)
    page = window.results_page
    page.select_trials([9])
    assert [r.number for r in window.results.selected] == [9]
    assert window.results.focus_trial().number == 1  # hgb's 0.95: the best single trial
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 1).data() == "9")
    assert page.proxy.index(row, 2).data() == "Weighted ensemble"
