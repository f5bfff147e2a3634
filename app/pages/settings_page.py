"""Step 3, Settings: time budget, model families (from the engine's registry), folds, seed,
and an Advanced part with the storage and the study name."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLineEdit
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QSpinBox
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.controllers.wizard import WizardController
from app.pages.base import Page
from app.pages.base import row
from app.pages.base import section_label
from app.widgets.collapsible import CollapsibleSection
from automl.data import TaskKind
from automl.models import FamilySpec
from automl.models import families_for
from automl.storage import default_storage_url

NAME_ROLE = Qt.ItemDataRole.UserRole


def registered_families() -> tuple[FamilySpec, ...]:
    """Every family in the engine's registry, ``register_family`` ones included, each once."""
    found: dict[str, FamilySpec] = {}
    for kind in TaskKind:
        for family in families_for(kind):
            found.setdefault(family.name, family)
    return tuple(found.values())


class SettingsPage(Page):
    title = "Settings"
    help_text = ("How long to search and what to try. The budget covers the whole run; "
                 "every finished trial is kept, even if you stop early.")

    def __init__(self, controller: WizardController, parent=None):
        super().__init__(parent)
        self.controller = controller
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        self.budget_spin = QSpinBox()
        self.budget_spin.setRange(5, 24 * 3600)
        self.budget_spin.setSingleStep(15)
        self.budget_spin.setSuffix(" s")
        self.budget_spin.setValue(int(controller.draft.budget_s))
        self.budget_spin.setToolTip("Wall-clock time for the whole search, refit included.")
        self.budget_spin.valueChanged.connect(controller.set_budget)
        form.addRow("Time budget", row(self.budget_spin, stretch_last=True))
        self.cv_spin = QSpinBox()
        self.cv_spin.setRange(2, 20)
        self.cv_spin.setValue(controller.draft.cv)
        self.cv_spin.setToolTip("Each trial is scored by k-fold cross-validation, repeated on "
                                "small tables; a single 20% holdout when k-fold of the table "
                                "would not fit the time budget.")
        self.cv_spin.valueChanged.connect(controller.set_cv)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(controller.draft.seed)
        self.seed_spin.setToolTip("Same data, settings and seed: same folds and same trials.")
        self.seed_spin.valueChanged.connect(controller.set_seed)
        form.addRow("Cross-validation folds", row(self.cv_spin, stretch_last=True))
        form.addRow("Random seed", row(self.seed_spin, stretch_last=True))
        self.body.addLayout(form)

        self.body.addWidget(section_label("Model families"))
        self.family_list = QListWidget()
        self.family_list.setObjectName("familyList")
        self.family_list.itemChanged.connect(self._families_changed)
        self.all_button = QPushButton("All")
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button = QPushButton("None")
        self.none_button.clicked.connect(lambda: self._check_all(False))
        buttons = QVBoxLayout()
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addStretch(1)
        families = QHBoxLayout()
        families.addWidget(self.family_list, 1)
        families.addLayout(buttons)
        self.body.addLayout(families, 1)

        advanced = QWidget()
        adv = QFormLayout(advanced)
        adv.setContentsMargins(0, 0, 0, 0)
        adv.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        adv.setHorizontalSpacing(14)
        self.storage_edit = QLineEdit(controller.draft.storage_url)
        self.storage_edit.setPlaceholderText(default_storage_url())
        self.storage_edit.setToolTip("Optuna storage URL: sqlite:///path/studies.db, or a "
                                     "PostgreSQL URL to share studies with other machines.")
        self.storage_edit.editingFinished.connect(
            lambda: controller.set_storage_url(self.storage_edit.text()))
        self.storage_default = QPushButton("Default")
        self.storage_default.clicked.connect(self._default_storage)
        adv.addRow("Storage URL", row(self.storage_edit, self.storage_default))
        self.study_edit = QLineEdit(controller.draft.study_name)
        self.study_edit.setPlaceholderText("automatic: <file>-<target>-<date-time>")
        self.study_edit.editingFinished.connect(
            lambda: controller.set_study_name(self.study_edit.text()))
        adv.addRow("Study name", self.study_edit)
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(0, 100_000)
        self.trials_spin.setSpecialValueText("no limit")
        self.trials_spin.setToolTip("Stop after this many trials even if time is left.")
        self.trials_spin.valueChanged.connect(lambda n: controller.set_n_trials(n or None))
        adv.addRow("Maximum trials", row(self.trials_spin, stretch_last=True))
        self.advanced = CollapsibleSection("Advanced", advanced)
        self.body.addWidget(self.advanced)

        controller.task_changed.connect(lambda _t: (self._fill_families(), self._sync()))
        controller.task_failed.connect(lambda _m: self._sync())
        controller.draft_changed.connect(self._sync)
        self._fill_families()
        self._sync()

    def on_shown(self) -> None:
        self._sync()

    def _fill_families(self) -> None:
        c = self.controller
        fitting = {f.name for f in c.families()}
        chosen = set(c.draft.families) if c.draft.families is not None else fitting
        with QSignalBlocker(self.family_list):
            self.family_list.clear()
            for f in registered_families():
                item = QListWidgetItem(f"{f.label}  —  {f.description}")
                item.setData(NAME_ROLE, f.name)
                tasks = ", ".join(t.value for t in f.tasks)
                item.setToolTip(f"{f.name}: {f.description}\nTasks: {tasks}")
                if f.name in fitting:
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                                  | Qt.ItemFlag.ItemIsSelectable)
                    item.setCheckState(Qt.CheckState.Checked if f.name in chosen
                                       else Qt.CheckState.Unchecked)
                else:
                    item.setText(f"{f.label}  —  not for {c.task.kind.value} tasks"
                                 if c.task else item.text())
                    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Unchecked)
                self.family_list.addItem(item)

    def _families_changed(self, _item=None) -> None:
        names = []
        for i in range(self.family_list.count()):
            item = self.family_list.item(i)
            if (item.flags() & Qt.ItemFlag.ItemIsEnabled
                    and item.checkState() == Qt.CheckState.Checked):
                names.append(item.data(NAME_ROLE))
        self.controller.set_families(names)

    def _check_all(self, checked: bool) -> None:
        with QSignalBlocker(self.family_list):
            for i in range(self.family_list.count()):
                item = self.family_list.item(i)
                if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                    item.setCheckState(Qt.CheckState.Checked if checked
                                       else Qt.CheckState.Unchecked)
        self._families_changed()

    def _default_storage(self) -> None:
        self.storage_edit.setText(default_storage_url())
        self.controller.set_storage_url(self.storage_edit.text())

    def _sync(self) -> None:
        """Show the draft's values and whether it can run."""
        d = self.controller.draft
        for spin, value in ((self.budget_spin, int(d.budget_s)), (self.cv_spin, d.cv),
                            (self.seed_spin, d.seed), (self.trials_spin, d.n_trials or 0)):
            if spin.value() != value:
                with QSignalBlocker(spin):
                    spin.setValue(value)
        if not self.storage_edit.hasFocus() and self.storage_edit.text() != d.storage_url:
            self.storage_edit.setText(d.storage_url)
        if not self.study_edit.hasFocus() and self.study_edit.text() != d.study_name:
            self.study_edit.setText(d.study_name)
        problem = self.controller.validation_error()
        if problem and self.controller.dataset is not None:
            self.messages.show_message("config", "warning", problem)
        else:
            self.messages.clear("config")
