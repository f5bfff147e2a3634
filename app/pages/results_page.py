"""Step 5, Results: the leaderboard (sortable, filterable), trial details and comparison,
and the plots, all drawn by ``automl.insights`` from engine-computed data."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTabWidget
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.controllers.results import ResultsController
from app.controllers.results import is_ensemble
from app.controllers.study import StudyController
from app.models.compare_model import TrialCompareTableModel
from app.models.leaderboard_model import COL_RANK
from app.models.leaderboard_model import RECORD_ROLE
from app.models.leaderboard_model import STATUSES
from app.models.leaderboard_model import LeaderboardProxyModel
from app.models.leaderboard_model import write_csv
from app.pages.base import Page
from app.pages.base import make_table
from app.pages.base import row
from app.widgets.plot_canvas import PlotCanvas
from automl import insights
from automl.insights import ParamImportances
from automl.insights import TrialInsights
from automl.insights import draw_confusion
from automl.insights import draw_family_scores
from automl.insights import draw_history
from automl.insights import draw_importances
from automl.insights import draw_predicted_actual
from automl.insights import draw_residuals
from automl.insights import draw_roc
from automl.records import Leaderboard

MAX_SHOWN_PARAMS = 10
MIN_SHOWN_IMPORTANCE = 0.005
TAB_DETAILS, TAB_FAMILY, TAB_HISTORY, TAB_PARAMS, TAB_MODEL, TAB_FEATURES = range(6)


def draw_param_importances(ax, data: ParamImportances) -> None:
    """The engine's bar chart, titled for search parameters instead of input columns."""
    shown = {k: v for k, v in data.importances.items() if v >= MIN_SHOWN_IMPORTANCE}
    draw_importances(ax, shown, top=MAX_SHOWN_PARAMS)
    if shown:
        ax.set_title("Search parameter importance")
        ax.set_xlabel("share of the score's variation explained")


class ResultsPage(Page):
    title = "Results"
    help_text = ("The best trial of each model family, or every trial of the study. Select one "
                 "to see its parameters and fold scores, several to compare them; the plots "
                 "describe the best or the selected trial.")

    def __init__(self, results: ResultsController, study: StudyController, parent=None):
        super().__init__(parent)
        self.results = results
        self.study = study
        self.study_label = QLabel("No study yet: run a search or open one in History.")
        self.study_label.setObjectName("infoLine")
        self.study_label.setWordWrap(True)
        self.body.addWidget(self.study_label)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by family, parameter or message…")
        self.filter_edit.setClearButtonEnabled(True)
        self.status_combo = QComboBox()
        self.status_combo.addItem("All statuses", "")
        for status in STATUSES:
            self.status_combo.addItem(status.capitalize(), status)
        self.proxy = LeaderboardProxyModel(self)
        self.proxy.setSourceModel(study.leaderboard_model)
        self.view_combo = QComboBox()
        self.view_combo.addItem("Best per family", True)
        self.view_combo.addItem("All trials", False)
        self.view_combo.setToolTip("Best per family: one row per model family, its best trial "
                                   "(a family without a completed trial shows its latest).")
        self.view_combo.currentIndexChanged.connect(
            lambda _i: (self.proxy.set_best_per_family(self.view_combo.currentData()),
                        self._update_count()))
        self.proxy.set_best_per_family(True)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the table as shown (these rows, in this order) as a "
                                      "CSV file.")
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.export_button.setEnabled(False)
        self.filter_edit.textChanged.connect(self.proxy.set_text_filter)
        self.filter_edit.textChanged.connect(lambda _t: self._update_count())
        self.status_combo.currentIndexChanged.connect(
            lambda _i: (self.proxy.set_status_filter(self.status_combo.currentData()),
                        self._update_count()))
        self.table = make_table(self.proxy, sortable=True, multi_select=True)
        self.table.sortByColumn(COL_RANK, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        for col, width in enumerate((62, 56, 220, 150, 60, 84)):
            header.resizeSection(col, width)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.count_label = QLabel("")
        self.count_label.setObjectName("hint")
        self.filter_edit.setMinimumWidth(320)
        left_layout.addLayout(row(self.view_combo, self.filter_edit, self.status_combo, None,
                                  self.count_label, self.export_button))
        left_layout.addWidget(self.table, 1)

        self.compare_model = TrialCompareTableModel(self)
        self.compare_view = make_table(self.compare_model, stretch_last=True)
        self.compare_view.verticalHeader().setVisible(True)
        self.compare_view.setSelectionBehavior(self.compare_view.SelectionBehavior.SelectItems)
        self.details_hint = QLabel("Select a trial to see its parameters and fold scores; "
                                   "select several (Ctrl/Shift) to compare them.")
        self.details_hint.setObjectName("hint")
        self.details_hint.setWordWrap(True)
        details = QWidget()
        dl = QVBoxLayout(details)
        dl.setContentsMargins(0, 6, 0, 0)
        dl.addWidget(self.details_hint)
        dl.addWidget(self.compare_view, 1)

        self.family_chart = PlotCanvas(self)
        self.history_chart = PlotCanvas(self)
        self.params_chart = PlotCanvas(self)
        self.model_chart_a = PlotCanvas(self, width=3.6)
        self.model_chart_b = PlotCanvas(self, width=3.6)
        self.features_chart = PlotCanvas(self)
        self.model_note = QLabel("")
        self.model_note.setObjectName("hint")
        self.model_note.setWordWrap(True)
        model = QWidget()
        ml = QVBoxLayout(model)
        ml.setContentsMargins(0, 6, 0, 0)
        pair = QHBoxLayout()
        pair.addWidget(self.model_chart_a)
        pair.addWidget(self.model_chart_b)
        ml.addWidget(self.model_note)
        ml.addLayout(pair, 1)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(details, "Details")
        self.tabs.addTab(self.family_chart, "Score by family")
        self.tabs.addTab(self.history_chart, "History")
        self.params_note = QLabel("")
        self.params_note.setObjectName("hint")
        self.params_note.setWordWrap(True)
        params = QWidget()
        pl = QVBoxLayout(params)
        pl.setContentsMargins(0, 6, 0, 0)
        pl.addWidget(self.params_note)
        pl.addWidget(self.params_chart, 1)
        self.tabs.addTab(params, "Parameters")
        self.tabs.addTab(model, "Model")
        self.tabs.addTab(self.features_chart, "Features")
        self.tabs.currentChanged.connect(lambda _i: self._request_for_tab())

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([200, 420])
        split.setChildrenCollapsible(False)
        self.body.addWidget(split, 1)

        study.study_changed.connect(self._study_changed)
        study.board_changed.connect(self._board_changed)
        study.board_failed.connect(lambda m: self.messages.show_message("storage", "error", m))
        results.selection_changed.connect(self._show_selection)
        results.insights_ready.connect(self._show_insights)
        results.insights_failed.connect(self._insights_failed)
        results.params_ready.connect(self._show_params)
        results.params_failed.connect(lambda m: self.params_chart.placeholder(m))
        results.busy_changed.connect(self._busy)
        self._board_key: tuple | None = None

    def on_shown(self) -> None:
        self._request_for_tab()

    def on_hidden(self) -> None:
        self.results.cancel_insights()  # nobody looks at the plots: stop scoring for them

    # -- selection -----------------------------------------------------------------------------

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        records = [self.proxy.data(index, RECORD_ROLE) for index in rows]
        records.sort(key=lambda r: r.number)
        self.results.set_selection([r for r in records if r is not None])

    def select_trials(self, numbers: list[int]) -> None:
        """Select trials by number (tests and the self-test use this like a user would).

        Trials that the best-per-family view hides are shown by switching to all trials.
        """
        shown = {t.number for r in range(self.proxy.rowCount())
                 if (t := self.proxy.data(self.proxy.index(r, 0), RECORD_ROLE)) is not None}
        if self.proxy.best_per_family and not set(numbers) <= shown:
            self.view_combo.setCurrentIndex(self.view_combo.findData(False))
        sel = self.table.selectionModel()
        sel.clearSelection()
        for r in range(self.proxy.rowCount()):
            index = self.proxy.index(r, 0)
            record = self.proxy.data(index, RECORD_ROLE)
            if record is not None and record.number in numbers:
                sel.select(index, sel.SelectionFlag.Select | sel.SelectionFlag.Rows)

    def _show_selection(self, records) -> None:
        self.compare_model.set_trials(records)
        self.compare_view.resizeColumnsToContents()
        if len(records) > 1:
            self.details_hint.setText(f"Comparing {len(records)} trials; differing values are "
                                      "in bold.")
        elif records:
            self.details_hint.setText(f"Trial {records[0].number}: parameters and fold scores.")
        else:
            self.details_hint.setText("Select a trial to see its parameters and fold scores; "
                                      "select several (Ctrl/Shift) to compare them.")
        if self.tabs.currentIndex() in (TAB_MODEL, TAB_FEATURES):
            self._request_for_tab()

    # -- study and plots --------------------------------------------------------------------------

    def _study_changed(self, name: str, url: str) -> None:
        self._board_key = None
        self.messages.clear("storage")
        self.study_label.setText(f"Study <b>{name}</b> · reading…" if name else
                                 "No study yet: run a search or open one in History.")
        for chart in (self.family_chart, self.history_chart, self.params_chart,
                      self.model_chart_a, self.model_chart_b, self.features_chart):
            chart.placeholder("Nothing to show yet")
        self.model_note.setText("")

    def _board_changed(self, board: Leaderboard) -> None:
        self.messages.clear("storage")
        counts = board.counts()
        better = "higher" if board.greater_is_better else "lower"
        shown = ", ".join(f"{n} {s}" for s, n in counts.items())
        self.study_label.setText(f"Study <b>{board.study_name}</b> · metric "
                                 f"<b>{board.metric or '?'}</b> ({better} is better) · "
                                 f"{len(board.records)} trials ({shown or 'none yet'})")
        self._update_count()
        key = (board.study_name, len(board.records), len(board.completed))
        if key != self._board_key and self.isVisible():
            self._board_key = key
            self.family_chart.plot(draw_family_scores, insights.family_scores(board))
            self.history_chart.plot(draw_history, insights.history_data(board))
            self._request_for_tab()

    def _update_count(self) -> None:
        total = self.study.leaderboard_model.rowCount()
        shown = self.proxy.rowCount()
        self.count_label.setText(f"{total} trials" if shown == total
                                 else f"{shown} of {total} trials shown")
        self.export_button.setEnabled(shown > 0)

    def export_csv(self, path: str | None = None) -> str | None:
        """Save the table as shown; asks for the file when ``path`` is None. Returns the path."""
        if path is None:
            name = (self.study.board.study_name if self.study.board else "leaderboard")
            path, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV",
                                                  f"{name}.csv", "CSV files (*.csv)")
            if not path:
                return None
        try:
            rows = write_csv(self.proxy, path)
        except OSError as exc:
            self.messages.show_message("export-csv", "error",
                                       f"Could not write {path}: {exc.strerror or exc}.")
            return None
        self.messages.show_message("export-csv", "info", f"{rows} rows written to {path}.")
        return path

    def _request_for_tab(self) -> None:
        if not self.isVisible() or self.study.board is None:
            return
        board = self.study.board
        if self._board_key is None or self._board_key[:3] != (
                board.study_name, len(board.records), len(board.completed)):
            self._board_changed(board)
            return
        tab = self.tabs.currentIndex()
        if tab == TAB_PARAMS:
            self.results.request_param_importances()
        elif tab in (TAB_MODEL, TAB_FEATURES):
            self.results.request_insights()

    def _busy(self, what: str, busy: bool) -> None:
        if not busy:
            return
        if what == "insights":
            trial = self.results.focus_trial()
            text = f"Scoring trial {trial.number} again for the plots…" if trial else "Working…"
            for chart in (self.model_chart_a, self.model_chart_b, self.features_chart):
                chart.placeholder(text)
            self.model_note.setText("")
        elif what == "params":
            self.params_chart.placeholder("Computing parameter importances…")

    def _show_params(self, data: ParamImportances) -> None:
        self.params_note.setText(f"How much each search parameter mattered for the score, "
                                 f"from {data.n_trials} completed trials. {data.note or ''}")
        if data.importances:
            self.params_chart.plot(draw_param_importances, data)
        else:
            self.params_chart.placeholder(data.note or "No parameter importances.")

    def _show_insights(self, data: TrialInsights) -> None:
        best = self.study.board.best if self.study.board else None
        which = "best trial" if best is not None and best.number == data.trial_number else "trial"
        note = f"Out-of-fold predictions of the {which} #{data.trial_number} ({data.family})."
        selected = self.results.selected
        if len(selected) == 1 and is_ensemble(selected[0]):
            note = (f"Trial {selected[0].number} is an ensemble, which has no single "
                    f"configuration to score again. {note}")
        self.model_note.setText(" ".join([note, *data.notes]))
        if data.confusion is not None:
            self.model_chart_a.plot(draw_confusion, data.confusion)
            if data.roc is not None:
                self.model_chart_b.plot(draw_roc, data.roc)
            else:
                self.model_chart_b.placeholder("No ROC curve for this task or metric")
        elif data.residuals is not None:
            self.model_chart_a.plot(draw_predicted_actual, data.residuals)
            self.model_chart_b.plot(draw_residuals, data.residuals)
        if data.importances:
            self.features_chart.plot(draw_importances, data.importances)
        else:
            self.features_chart.placeholder("No feature importances for this trial")

    def _insights_failed(self, message: str) -> None:
        for chart in (self.model_chart_a, self.model_chart_b, self.features_chart):
            chart.placeholder("")
        self.model_note.setText(message)
