"""Step 2, Target: the column to predict, the task, the metric and the columns to leave out."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QVBoxLayout

from app.controllers.wizard import WizardController
from app.pages.base import Page
from app.pages.base import row
from app.pages.base import section_label
from automl.data import TaskSpec
from automl.data import suggest_target

TASK_LABELS = {
    "auto": "Detect automatically",
    "binary": "Binary classification",
    "multiclass": "Multiclass classification",
    "regression": "Regression",
}
_TARGET_CODES = ("target_missing", "rare_class", "imbalanced", "leak_suspect")


def describe_task(task: TaskSpec) -> str:
    """One line: the task, its classes or range, the rows used."""
    kind = TASK_LABELS[task.kind.value].lower()
    parts = [f"<b>{kind[0].upper() + kind[1:]}</b>"]
    if task.classes:
        shown = ", ".join(str(c) for c in task.classes[:6])
        more = f", … ({len(task.classes)} in all)" if len(task.classes) > 6 else ""
        parts.append(f"{len(task.classes)} classes: {shown}{more}")
    if task.positive_class is not None and task.kind.value == "binary":
        parts.append(f"positive class: {task.positive_class}")
    parts.append(f"{task.n_rows:,} rows")
    if task.dropped_rows:
        parts.append(f"{task.dropped_rows:,} rows without a target value are left out")
    return " · ".join(parts)


def _stacked(field, note: QLabel) -> QVBoxLayout:
    """A form field with its explanation right under it."""
    box = QVBoxLayout()
    box.setSpacing(4)
    box.addLayout(row(field, stretch_last=True))
    box.addWidget(note)
    return box


class TargetPage(Page):
    title = "Target"
    help_text = ("Choose the column to predict. The task is detected from its values; the "
                 "metric decides which model is best.")

    def __init__(self, controller: WizardController, parent=None):
        super().__init__(parent)
        self.controller = controller
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(12)
        self.target_combo = QComboBox()
        self.target_combo.setMinimumWidth(260)
        self.target_combo.currentIndexChanged.connect(self._target_chosen)
        self.suggest_label = QLabel()
        self.suggest_label.setObjectName("hint")
        form.addRow("Column to predict", row(self.target_combo, self.suggest_label,
                                             stretch_last=True))
        self.task_combo = QComboBox()
        for key, label in TASK_LABELS.items():
            self.task_combo.addItem(label, key)
        self.task_combo.currentIndexChanged.connect(self._task_chosen)
        self.task_combo.setMinimumWidth(230)
        self.task_label = QLabel("Choose a target column.")
        self.task_label.setObjectName("hint")
        self.task_label.setWordWrap(True)
        form.addRow("Task", _stacked(self.task_combo, self.task_label))
        self.metric_combo = QComboBox()
        self.metric_combo.setMinimumWidth(230)
        self.metric_combo.currentIndexChanged.connect(self._metric_chosen)
        self.metric_label = QLabel()
        self.metric_label.setObjectName("hint")
        self.metric_label.setWordWrap(True)
        form.addRow("Metric", _stacked(self.metric_combo, self.metric_label))
        self.body.addLayout(form)

        self.body.addWidget(section_label("Columns used as inputs"))
        self.columns_list = QListWidget()
        self.columns_list.setObjectName("columnList")
        self.columns_list.itemChanged.connect(self._columns_changed)
        self.all_button = QPushButton("Use all")
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button = QPushButton("Use none")
        self.none_button.clicked.connect(lambda: self._check_all(False))
        buttons = QVBoxLayout()
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(self.columns_list, 1)
        columns.addLayout(buttons)
        self.columns_note = QLabel("Untick a column to leave it out (for example an ID, or a "
                                   "value only known after the outcome). Greyed columns are "
                                   "dropped automatically.")
        self.columns_note.setObjectName("hint")
        self.columns_note.setWordWrap(True)
        self.body.addLayout(columns, 1)
        self.body.addWidget(self.columns_note)

        controller.dataset_loaded.connect(lambda _d: self._fill_columns())
        controller.profile_changed.connect(lambda _p: self._fill_columns())
        controller.target_changed.connect(self._show_target)
        controller.task_changed.connect(self._show_task)
        controller.task_failed.connect(self._show_task_error)
        self._fill_columns()

    # -- rendering ---------------------------------------------------------------------------

    def _fill_columns(self) -> None:
        c = self.controller
        names = list(c.dataset.columns) if c.dataset is not None else []
        with QSignalBlocker(self.target_combo):
            self.target_combo.clear()
            self.target_combo.addItem("— choose a column —", "")
            for name in names:
                self.target_combo.addItem(name, name)
            self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(
                c.draft.target or "")))
        self._fill_feature_list()
        self._show_target_warnings()
        if c.dataset is None:
            self.messages.show_message("nodata", "info", "Open data on the Data step first.")
        else:
            self.messages.clear("nodata")

    def _fill_feature_list(self) -> None:
        c = self.controller
        profile = c.profile
        with QSignalBlocker(self.columns_list):
            self.columns_list.clear()
            if c.dataset is None:
                return
            for name in c.dataset.columns:
                if name == c.draft.target:
                    continue
                kind = None
                if profile is not None:
                    try:
                        kind = profile.column(name).kind
                    except KeyError:
                        kind = None
                text = f"{name}  ·  {kind.value}" if kind is not None else name
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, name)
                if kind is not None and not kind.is_feature:
                    item.setText(f"{name}  ·  {kind.value} (not used)")
                    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable)  # shown, not enabled
                    item.setCheckState(Qt.CheckState.Unchecked)
                else:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                                  | Qt.ItemFlag.ItemIsSelectable)
                    excluded = name in c.draft.exclude
                    item.setCheckState(Qt.CheckState.Unchecked if excluded
                                       else Qt.CheckState.Checked)
                self.columns_list.addItem(item)

    def _show_target(self, target: str) -> None:
        with QSignalBlocker(self.target_combo):
            self.target_combo.setCurrentIndex(max(0, self.target_combo.findData(target)))
        profile = self.controller.profile
        suggested = suggest_target(profile) if profile is not None else None
        self.suggest_label.setText("suggested" if target and target == suggested else "")
        self._fill_feature_list()
        self.messages.clear("task")
        if not target:
            self.task_label.setText("Choose a target column.")

    def _show_task(self, task: TaskSpec | None) -> None:
        with QSignalBlocker(self.metric_combo):
            self.metric_combo.clear()
            if task is None:
                if self.controller.draft.target:
                    self.task_label.setText("Checking the target…")
                self.metric_label.setText("")
                return
            self.messages.clear("task")
            for metric in self.controller.metrics():
                self.metric_combo.addItem(metric.label, metric.name)
                self.metric_combo.setItemData(self.metric_combo.count() - 1,
                                              metric.explanation, Qt.ItemDataRole.ToolTipRole)
            self.metric_combo.setCurrentIndex(max(0, self.metric_combo.findData(task.metric)))
        detected = "" if self.controller.draft.task != "auto" else "Detected: "
        self.task_label.setText(detected + describe_task(task))
        self._show_metric_help()
        self._show_target_warnings()

    def _show_task_error(self, message: str) -> None:
        self.task_label.setText("This target cannot be used as chosen.")
        self.messages.show_message("task", "error", message)

    def _show_metric_help(self) -> None:
        name = self.metric_combo.currentData()
        metric = next((m for m in self.controller.metrics() if m.name == name), None)
        if metric is None:
            self.metric_label.setText("")
            return
        better = "higher" if metric.greater_is_better else "lower"
        default = " (default)" if self.metric_combo.currentIndex() == 0 else ""
        self.metric_label.setText(f"{metric.explanation} {better.capitalize()} is better"
                                  f"{default}.")

    def _show_target_warnings(self) -> None:
        profile = self.controller.profile
        target = self.controller.draft.target
        found = []
        if profile is not None and target and profile.target == target:
            found = [w for w in profile.warnings if w.column == target
                     or w.code in _TARGET_CODES]
        if found:
            text = " ".join(w.message for w in found[:4])
            worst = "error" if any(w.severity == "error" for w in found) else "warning"
            self.messages.show_message("target_quality", worst, text)
        else:
            self.messages.clear("target_quality")

    # -- edits -> controller --------------------------------------------------------------

    def _target_chosen(self, _index: int) -> None:
        self.controller.set_target(self.target_combo.currentData() or None)

    def _task_chosen(self, _index: int) -> None:
        self.controller.set_task_choice(self.task_combo.currentData())

    def _metric_chosen(self, _index: int) -> None:
        self.controller.set_metric(self.metric_combo.currentData())
        self._show_metric_help()

    def _columns_changed(self, _item=None) -> None:
        excluded = []
        for i in range(self.columns_list.count()):
            item = self.columns_list.item(i)
            if (item.flags() & Qt.ItemFlag.ItemIsEnabled
                    and item.checkState() == Qt.CheckState.Unchecked):
                excluded.append(item.data(Qt.ItemDataRole.UserRole))
        self.controller.set_excluded(excluded)

    def _check_all(self, checked: bool) -> None:
        with QSignalBlocker(self.columns_list):
            for i in range(self.columns_list.count()):
                item = self.columns_list.item(i)
                if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    item.setCheckState(Qt.CheckState.Checked if checked
                                       else Qt.CheckState.Unchecked)
        self._columns_changed()
