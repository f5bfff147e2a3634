"""The main window: a step list on the left, the current step on the right.

The window wires controllers to pages and owns the application's lifetime (settings,
shutdown). It decides nothing about the run itself.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtGui import QGuiApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QListWidget
from PySide6.QtWidgets import QListWidgetItem
from PySide6.QtWidgets import QMainWindow
from PySide6.QtWidgets import QMessageBox
from PySide6.QtWidgets import QPushButton
from PySide6.QtWidgets import QStackedWidget
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

import automl
from app.controllers.history import HistoryController
from app.controllers.models import ModelsController
from app.controllers.monitor import MonitorController
from app.controllers.project import ProjectController
from app.controllers.results import ResultsController
from app.controllers.search import SearchController
from app.controllers.study import StudyController
from app.controllers.wizard import WizardController
from app.pages.data_page import DataPage
from app.pages.export_page import ExportPage
from app.pages.history_page import HistoryPage
from app.pages.models_page import ModelsPage
from app.pages.monitor_page import MonitorPage
from app.pages.results_page import ResultsPage
from app.pages.search_page import SearchPage
from app.pages.settings_page import SettingsPage
from app.pages.target_page import TargetPage
from app.project_menu import ProjectMenu
from app.settings import AppSettings
from app.warmup import settle_heap
from app.warmup import warm_up
from app.widgets.plot_canvas import render_pool
from app.workers import JobRunner
from app.workers import wait_for_jobs

STEPS = ("Data", "Target", "Settings", "Search", "Results", "Export", "Models", "History",
         "Monitor")
SHUTDOWN_WAIT_MS = 3000


class MainWindow(QMainWindow):
    def __init__(self, settings: AppSettings | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("AutoML Studio")
        self.setAcceptDrops(True)
        self.settings = settings or AppSettings()
        self._shut_down = False

        self.wizard = WizardController(self)
        self.study = StudyController(self)
        self.search = SearchController(self.wizard, self.study, self)
        self.results = ResultsController(self.wizard, self.study, self)
        self.history = HistoryController(self)
        self.project = ProjectController(self.wizard, self.settings, self)

        self.data_page = DataPage(self.wizard, self.settings)
        self.target_page = TargetPage(self.wizard)
        self.settings_page = SettingsPage(self.wizard)
        self.search_page = SearchPage(self.search, self.study)
        self.results_page = ResultsPage(self.results, self.study)
        self.export_page = ExportPage(self.results, self.study, self.settings)
        self.history_page = HistoryPage(self.history)
        self.monitor = MonitorController(self)
        self.models = ModelsController(self)
        self.models_page = ModelsPage(self.models)
        self.monitor_page = MonitorPage(self.monitor)
        self.pages = (self.data_page, self.target_page, self.settings_page, self.search_page,
                      self.results_page, self.export_page, self.models_page, self.history_page,
                      self.monitor_page)

        self.steps = QListWidget()
        self.steps.setObjectName("stepList")
        self.steps.setFixedWidth(190)
        self.steps.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for i, name in enumerate(STEPS, start=1):
            item = QListWidgetItem(f"{i}   {name}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.steps.addItem(item)
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
        self.steps.currentRowChanged.connect(self._step_changed)

        self.back_button = QPushButton("‹ Back")
        self.back_button.clicked.connect(lambda: self.go_to(self.steps.currentRow() - 1))
        self.next_button = QPushButton("Next ›")
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(lambda: self.go_to(self.steps.currentRow() + 1))
        nav = QFrame()
        nav.setObjectName("navBar")
        nav_layout = QHBoxLayout(nav)
        nav_layout.setContentsMargins(28, 10, 28, 12)
        self.nav_hint = QLabel("")
        self.nav_hint.setObjectName("hint")
        nav_layout.addWidget(self.nav_hint, 1)
        nav_layout.addWidget(self.back_button)
        nav_layout.addWidget(self.next_button)

        brand = QLabel("AutoML Studio")
        brand.setObjectName("brand")
        side = QFrame()
        side.setObjectName("sideBar")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 18, 12, 12)
        side_layout.setSpacing(12)
        side_layout.addWidget(brand)
        side_layout.addWidget(self.steps, 1)
        version = QLabel(f"engine {automl.__version__}")
        version.setObjectName("hint")
        side_layout.addWidget(version)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.stack, 1)
        right_layout.addWidget(nav)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(side)
        layout.addWidget(right, 1)
        self.setCentralWidget(central)
        self._build_menu()
        self.statusBar().showMessage("Open a data file to begin.")

        self.data_page.file_requested.connect(self.open_file)
        self.wizard.dataset_loaded.connect(self._dataset_loaded)
        self.history_page.study_opened.connect(self.open_study)
        self.study.study_changed.connect(self._study_changed)
        self.search.status_changed.connect(self._search_status)
        self.wizard.draft_changed.connect(
            lambda: self.history_page.set_storage_url(self.wizard.draft.storage_url))

        self._warm = JobRunner(self, pool=render_pool())
        self._warm.run("warm-up", warm_up, on_done=lambda _r: settle_heap())

        geometry = self.settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        self.steps.setCurrentRow(0)

    # -- navigation -------------------------------------------------------------------------

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open data…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.data_page.choose_file)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.project_menu = ProjectMenu(self, file_menu, self.project)
        go_menu = self.menuBar().addMenu("&Go")
        for i, name in enumerate(STEPS):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, i=i: self.go_to(i))
            go_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About AutoML Studio", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "AutoML Studio",
            f"AutoML Studio {automl.__version__}\n\nOptuna search over scikit-learn and LightGBM models, "
            "recorded trials and deployable bundles."))
        help_menu.addAction(about)

    def go_to(self, step: int | str) -> None:
        index = STEPS.index(step) if isinstance(step, str) else int(step)
        if 0 <= index < len(STEPS):
            self.steps.setCurrentRow(index)

    def current_step(self) -> str:
        return STEPS[self.steps.currentRow()]

    def page(self, step: str):
        return self.pages[STEPS.index(step)]

    def _step_changed(self, index: int) -> None:
        if index < 0:
            return
        left = self.stack.currentIndex()
        if left != index:
            self.pages[left].on_hidden()  # e.g. Results kills the plot-data child it started
        self.stack.setCurrentIndex(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(STEPS) - 1)
        self.next_button.setText(f"Next: {STEPS[index + 1]} ›" if index < len(STEPS) - 1
                                 else "Next ›")
        self.pages[index].on_shown()

    # -- actions ---------------------------------------------------------------------------------

    def open_file(self, path: str) -> None:
        if not path:
            return
        self.go_to("Data")
        self.data_page.messages.clear("load")
        self.wizard.open_file(path)

    def open_study(self, name: str, storage_url: str) -> None:
        self.study.open(name, storage_url)
        self.go_to("Results")

    def _dataset_loaded(self, dataset) -> None:
        if os.path.isfile(dataset.source):
            self.settings.add_recent_file(dataset.source)
        self.statusBar().showMessage(f"Data: {dataset.source}")

    def _study_changed(self, name: str, url: str) -> None:
        if name:
            self.statusBar().showMessage(f"Study {name} · {url}")

    def _search_status(self, status) -> None:
        running = status.state != "idle"
        self.nav_hint.setText("A search is running; you can look at other steps meanwhile."
                              if running else "")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        for url in event.mimeData().urls():
            if url.isLocalFile():
                event.acceptProposedAction()
                self.open_file(url.toLocalFile())
                return

    # -- shutdown --------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the search process, drop pending jobs and wait for the pool (bounded)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.search.shutdown()
        for controller in (self.wizard, self.study, self.results, self.history, self.monitor,
                           self.models):
            controller.close()
        wait_for_jobs(SHUTDOWN_WAIT_MS)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.search.is_running() and self.isVisible() and not _offscreen():
            answer = QMessageBox.question(
                self, "Stop the search?",
                "A search is running. Quit anyway? Trials finished so far are kept.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if not self.project_menu.confirm_discard("quit"):
            event.ignore()
            return
        self.settings.set_window_geometry(self.saveGeometry())
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)


def _offscreen() -> bool:
    return QGuiApplication.platformName() in ("offscreen", "minimal")
