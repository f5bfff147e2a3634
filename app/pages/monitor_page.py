"""Step 8, Monitor: a model against new rows, and a challenger against it.

Pick a model (a bundle folder, or ``MODEL@champion`` from the registry) and a file of new
rows: the check runs ``automl monitor`` in a child process and shows the verdict, each
column's test with its statistic and threshold, the chart of the selected column (training
against new), the performance estimated without labels (and the realised one when the file
has a labels column), and the model's earlier checks. With labels and a challenger, Compare
runs ``automl compare``; Promote points the champion alias at the challenger.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QScrollArea
from PySide6.QtWidgets import QSplitter
from PySide6.QtWidgets import QTableWidget
from PySide6.QtWidgets import QTableWidgetItem
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.controllers.monitor import MonitorController
from app.pages.base import Page
from app.pages.base import row
from app.pages.base import section_label
from app.widgets.plot_canvas import PlotCanvas
from automl.monitor import draw_drift

COLUMNS = ("column", "test", "statistic", "threshold", "drifted", "findings")
HISTORY = ("checked", "verdict", "rows", "drifted", "estimate", "realised")
VERDICT_TEXT = {"ok": "No drift", "drift": "Drift", "not enough rows": "Not enough rows"}


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _metric(e: dict | None) -> str:
    if not e:
        return "-"
    span = f" ({e['low']:.3f}-{e['high']:.3f})" if e.get("low") is not None else ""
    return f"{e['metric']} {e['value']:.3f}{span}"


class MonitorPage(Page):
    title = "Monitor"
    help_text = ("Check a model on new rows: which columns drifted from the training data, how its "
                 "predictions moved, and how well it probably performs before the labels arrive.")

    def __init__(self, monitor: MonitorController, parent=None):
        super().__init__(parent)
        self.monitor = monitor
        content = QWidget()  # scrolls, so the page never sets the window's minimum height
        content.setMinimumHeight(720)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        self.body.addWidget(scroll, 1)
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        self.model_edit = QLineEdit()
        self.model_edit.setPlaceholderText("bundle folder, or MODEL@champion")
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText("CSV, Excel, Parquet or JSON file of new rows")
        self.labels_edit = QLineEdit()
        self.labels_edit.setPlaceholderText("optional: column with the true target")
        browse_model = QPushButton("Bundle…")
        browse_model.clicked.connect(self._choose_model)
        browse_data = QPushButton("File…")
        browse_data.clicked.connect(self._choose_data)
        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("primary")
        self.check_button.clicked.connect(self.run_check)
        body.addLayout(row(QLabel("Model"), self.model_edit, browse_model))
        body.addLayout(row(QLabel("New data"), self.data_edit, browse_data))
        body.addLayout(row(QLabel("Labels"), self.labels_edit, self.check_button))

        self.verdict_label = QLabel("No check yet.")
        self.verdict_label.setObjectName("sectionLabel")
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        body.addWidget(self.verdict_label)
        body.addWidget(self.summary_label)

        self.table = self._table(COLUMNS)
        self.table.itemSelectionChanged.connect(self._show_selected_plot)
        self.canvas = PlotCanvas(self, width=4.0, height=2.8)
        self.canvas.placeholder("Select a column to compare training and new values")
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.canvas)
        split.setSizes([640, 360])
        body.addWidget(split, 3)
        self.estimate_label = QLabel("")
        self.estimate_label.setWordWrap(True)
        body.addWidget(self.estimate_label)

        body.addWidget(section_label("History"))
        self.history_table = self._table(HISTORY)
        self.history_table.setMaximumHeight(140)
        body.addWidget(self.history_table, 1)

        self.challenger_edit = QLineEdit()
        self.challenger_edit.setPlaceholderText("challenger: bundle folder, or MODEL@challenger")
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.run_compare)
        self.promote_button = QPushButton("Promote challenger")
        self.promote_button.clicked.connect(self._promote)
        self.compare_label = QLabel("")
        self.compare_label.setWordWrap(True)
        body.addWidget(section_label("Champion against challenger (needs labels)"))
        body.addLayout(row(self.challenger_edit, self.compare_button, self.promote_button))
        body.addWidget(self.compare_label)

        self._plots: list[dict | None] = []
        monitor.checked.connect(self.show_report)
        monitor.history_loaded.connect(self.show_history)
        monitor.compared.connect(self.show_comparison)
        monitor.promoted.connect(lambda m: self.messages.show_message("monitor", "success", m))
        monitor.failed.connect(lambda m: self.messages.show_message("monitor", "error", m))
        monitor.busy_changed.connect(self._busy)
        for edit in (self.model_edit, self.data_edit, self.labels_edit, self.challenger_edit):
            edit.textChanged.connect(self._enable)
        self._enable()

    @staticmethod
    def _table(headers) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(list(headers))
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        return table

    # -- actions --------------------------------------------------------------------------------

    def _choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a model bundle folder")
        if folder:
            self.model_edit.setText(folder)

    def _choose_data(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the new rows")
        if path:
            self.data_edit.setText(path)

    def run_check(self) -> None:
        self.messages.clear("monitor")
        self.verdict_label.setText("Checking…")
        self.monitor.check(self.model_edit.text().strip(), self.data_edit.text().strip(),
                           self.labels_edit.text().strip())

    def run_compare(self) -> None:
        self.messages.clear("monitor")
        self.compare_label.setText("Comparing on the labelled rows…")
        self.monitor.compare(self.model_edit.text().strip(), self.challenger_edit.text().strip(),
                             self.data_edit.text().strip())

    def _promote(self) -> None:
        self.monitor.promote(self.challenger_edit.text().strip())

    def _busy(self, busy: bool) -> None:
        self._enable()
        if busy:
            self.messages.show_message("monitor", "info", "Running in the background…")
        else:
            self.messages.clear("monitor")

    def _enable(self) -> None:
        idle = not self.monitor.is_busy()
        ready = bool(self.model_edit.text().strip() and self.data_edit.text().strip())
        self.check_button.setEnabled(idle and ready)
        self.compare_button.setEnabled(idle and ready and bool(self.challenger_edit.text().strip()))
        self.promote_button.setEnabled(idle and self.monitor.comparison is not None)

    # -- rendering ------------------------------------------------------------------------------

    def show_report(self, report: dict) -> None:
        verdict = report.get("verdict", "")
        self.verdict_label.setText(f"{VERDICT_TEXT.get(verdict, verdict)} · {report.get('rows', 0):,} rows")
        columns = report.get("columns", [])
        drifted = sum(c["drifted"] for c in columns)
        parts = [f"{drifted} of {len(columns)} columns drifted ({report.get('drifted_share', 0):.0%}; "
                 f"the dataset drifts from {report['policy']['drift_share']:.0%})"]
        prediction = report.get("prediction_drift", {})
        if prediction.get("outputs"):
            parts.append("predictions moved" if prediction.get("drifted") else "predictions did not move")
        parts += [f"not run: {n}" for n in (*report.get("not_run", [])[:3], *report.get("notes", []))]
        self.summary_label.setText(" · ".join(parts))
        checks = sorted(columns, key=lambda c: not c["drifted"]) + prediction.get("outputs", [])
        self.table.setRowCount(len(checks))
        self._plots = []
        for i, c in enumerate(checks):
            values = (c["column"], c["test"] or "not run", _fmt(c["statistic"]), _fmt(c["threshold"]),
                      "yes" if c["drifted"] else "no", "; ".join(c["findings"]) or c.get("note", ""))
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
            self._plots.append(c.get("plot"))
        if checks:
            self.table.selectRow(0)
        else:
            self.canvas.placeholder("No column was tested")
        estimate, realised = report.get("estimate"), report.get("realised")
        lines = []
        if estimate:
            lines.append(f"Estimate: {_metric(estimate)}, {estimate.get('note', '')}.")
        if realised:
            lines.append(f"Realised with the labels: {_metric(realised)} on {realised['rows']:,} rows.")
        self.estimate_label.setText(" ".join(lines))

    def _show_selected_plot(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._plots):
            return
        i = rows[0].row()
        plot = self._plots[i]
        name = self.table.item(i, 0).text()
        if plot:
            self.canvas.plot(draw_drift, plot, f"{name}: training vs new")
        else:
            self.canvas.placeholder(f"No distribution stored for {name}")

    def show_history(self, entries: list) -> None:
        self.history_table.setRowCount(len(entries))
        for i, e in enumerate(reversed(entries)):
            values = (e.get("created_at", ""), e.get("verdict", ""), f"{e.get('rows', 0):,}",
                      f"{e.get('drifted_share', 0):.0%}", _metric(e.get("estimate")),
                      _metric(e.get("realised")))
            for j, v in enumerate(values):
                self.history_table.setItem(i, j, QTableWidgetItem(v))

    def show_comparison(self, doc: dict) -> None:
        self.compare_label.setText(
            f"{doc['metric']}: champion {doc['a']:.4f}, challenger {doc['b']:.4f}; difference "
            f"{doc['difference']:+.4f} (95% interval {doc['low']:+.4f} to {doc['high']:+.4f}, "
            f"{doc['rows']:,} rows): {doc['verdict']}. Promoting is your decision.")
        self._enable()
