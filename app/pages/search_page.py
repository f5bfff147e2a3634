"""Step 4, Search: start and stop, progress against the budget, a live leaderboard and
a live chart of the best score."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QPlainTextEdit
from PySide6.QtWidgets import QProgressBar
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSplitter

from app.controllers.search import SearchController
from app.controllers.search import SearchStatus
from app.controllers.search import outcome_text
from app.controllers.study import StudyController
from app.controllers.wizard import user_message
from app.models.leaderboard_model import COL_RANK
from app.models.leaderboard_model import LeaderboardProxyModel
from app.pages.base import Page
from app.pages.base import make_table
from app.pages.base import row
from app.widgets.collapsible import CollapsibleSection
from app.widgets.plot_canvas import PlotCanvas
from automl import insights
from automl.errors import ConfigError
from automl.insights import draw_history
from automl.records import Leaderboard

CHART_MIN_INTERVAL_S = 1.0
MAX_LOG_LINES = 2000


class SearchPage(Page):
    title = "Search"
    help_text = ("The search runs in a separate process: the window stays responsive, and Stop "
                 "keeps every trial already finished.")

    def __init__(self, search: SearchController, study: StudyController, parent=None):
        super().__init__(parent)
        self.search = search
        self.study = study
        self.start_button = QPushButton("Start search")
        self.start_button.setObjectName("primary")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("danger")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(search.stop)
        self.state_label = QLabel("Ready.")
        self.state_label.setObjectName("infoLine")
        self.body.addLayout(row(self.start_button, self.stop_button, self.state_label, None))

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.body.addWidget(self.progress)
        stats = QGridLayout()
        stats.setHorizontalSpacing(28)
        self.elapsed_label = _stat()
        self.remaining_label = _stat()
        self.trials_label = _stat()
        self.best_label = _stat()
        for col, (title, label) in enumerate((("Elapsed", self.elapsed_label),
                                              ("Remaining", self.remaining_label),
                                              ("Trials", self.trials_label),
                                              ("Best so far", self.best_label))):
            caption = QLabel(title)
            caption.setObjectName("statCaption")
            stats.addWidget(caption, 0, col)
            stats.addWidget(label, 1, col)
        stats.setColumnStretch(4, 1)
        self.body.addLayout(stats)

        self.proxy = LeaderboardProxyModel(self)
        self.proxy.setSourceModel(study.leaderboard_model)
        self.table = make_table(self.proxy, sortable=True)
        self.table.sortByColumn(COL_RANK, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        for col, width in enumerate((62, 52, 190, 140, 52, 84)):
            header.resizeSection(col, width)
        self.chart = PlotCanvas(self, width=4.2, height=3.0)
        self.chart.placeholder("The best score over time appears here")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([700, 320])
        split.setChildrenCollapsible(False)
        self.body.addWidget(split, 1)

        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)
        self.log.setMinimumHeight(90)
        self.log.setMaximumHeight(140)
        self.log.setObjectName("log")
        self.details = CollapsibleSection("Process output", self.log)
        self.body.addWidget(self.details)

        self._chart_key: tuple | None = None
        self._chart_drawn_at = 0.0
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.timeout.connect(lambda: self._board_changed(self.study.board))
        search.status_changed.connect(self._show_status)
        search.search_ended.connect(self._show_outcome)
        search.output_added.connect(self._append_log)
        study.board_changed.connect(self._board_changed)
        study.board_failed.connect(lambda m: self.messages.show_message("storage", "warning", m))
        study.study_changed.connect(self._study_changed)
        self._show_status(search.status)

    # -- actions ---------------------------------------------------------------------------------

    def start(self) -> None:
        self.messages.clear("outcome")
        self.messages.clear("start")
        try:
            self.search.start()
        except ConfigError as exc:
            self.messages.show_message("start", "error", user_message(exc))
            return
        self.log.clear()
        self._chart_key = None

    # -- rendering ---------------------------------------------------------------------------------

    def _show_status(self, s: SearchStatus) -> None:
        running = s.state != "idle"
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(s.state in ("starting", "running"))
        self.progress.setValue(int(s.fraction * 1000))
        if running or s.budget_s:
            self.progress.setFormat(f"{s.elapsed_s:.0f} s of {s.budget_s:.0f} s")
        self.elapsed_label.setText(f"{s.elapsed_s:.0f} s")
        self.remaining_label.setText(f"{s.remaining_s:.0f} s" if running else "—")
        self.trials_label.setText(f"{s.n_complete} done · {s.n_pruned} pruned · "
                                  f"{s.n_failed} failed")
        if s.best_score is not None:
            metric = s.metric or "score"
            self.best_label.setText(f"{metric} {s.best_score:.4f} (trial {s.best_trial})")
        else:
            self.best_label.setText("—")
        self.state_label.setText(_state_text(s))

    def _show_outcome(self, outcome) -> None:
        level, text = outcome_text(outcome)
        self.messages.show_message("outcome", level, text)
        if outcome.stderr and outcome.status in ("crashed", "failed"):
            self.details.set_expanded(True)

    def _append_log(self, text: str) -> None:
        self.log.appendPlainText(text)

    def _study_changed(self, name: str, _url: str) -> None:
        self.messages.clear("storage")
        self._chart_key = None
        self._chart_timer.stop()
        self.chart.placeholder("The best score over time appears here")

    def _board_changed(self, board: Leaderboard | None) -> None:
        """Redraw the chart when a trial completed, at most once a second while running."""
        if board is None:
            return
        self.messages.clear("storage")
        key = (board.study_name, len(board.completed))
        if key == self._chart_key:
            return
        now = time.monotonic()
        wait_s = CHART_MIN_INTERVAL_S - (now - self._chart_drawn_at)
        if self.search.is_running() and wait_s > 0:
            if not self._chart_timer.isActive():
                self._chart_timer.start(int(wait_s * 1000) + 1)
            return
        self._chart_key = key
        self._chart_drawn_at = now
        self.chart.plot(draw_history, insights.history_data(board))


def _stat() -> QLabel:
    label = QLabel("—")
    label.setObjectName("statValue")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _state_text(s: SearchStatus) -> str:
    if s.state == "starting":
        return "Starting: reading the data…"
    if s.state == "stopping":
        return "Stopping: keeping the finished trials…"
    if s.state == "running":
        phase = {"refit": "refitting the best model", "done": "finishing"}.get(s.phase,
                                                                              "searching")
        return f"Running ({phase}) · study {s.study_name}"
    if s.phase in ("finished", "stopped", "failed", "crashed"):
        return {"finished": "Finished.", "stopped": "Stopped.", "failed": "Failed.",
                "crashed": "The search process ended unexpectedly."}[s.phase]
    return "Ready."

