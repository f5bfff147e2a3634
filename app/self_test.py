"""``automl-studio --self-test DIR``: the whole wizard, offscreen, with no person present.

It drives the real window the way a user would (same controllers, same child-process search,
same export job), saves a screenshot of every step into DIR and returns 0, or 1 with the
reason on stderr. Its own storage and settings live in DIR, so it never touches the user's.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtCore import QSettings
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

SAMPLE = "breast_cancer"
WINDOW_SIZE = (1280, 820)
STEP_TIMEOUT_S = 60.0


class SelfTestFailed(Exception):
    pass


def wait_until(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``predicate()`` is true, or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(loop.quit)
    timer.start()
    try:
        while not predicate():
            if time.monotonic() > deadline:
                raise SelfTestFailed(f"timed out after {timeout_s:.0f} s waiting for {what}")
            loop.exec()
    finally:
        timer.stop()


def settle(ms: int = 300) -> None:
    """Let layouts, lazy repaints and matplotlib's draw_idle happen before a screenshot."""
    end = time.monotonic() + ms / 1000
    wait_until(lambda: time.monotonic() >= end, ms / 1000 + 5, "the window to settle")


def run_self_test(app: QApplication, out_dir: Path, budget_s: float = 15.0) -> int:
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    def hook(exc_type, exc, tb):
        errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    previous = sys.excepthook
    sys.excepthook = hook
    window = None
    try:
        window = _build_window(out_dir)
        _drive(window, out_dir, budget_s, errors)
    except SelfTestFailed as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr)
        _screenshot(window, out_dir / "failure.png")
        return 1
    except Exception:  # noqa: BLE001 - the self-test's edge: report the reason, exit non-zero
        print("self-test FAILED with an internal error:\n" + traceback.format_exc(),
              file=sys.stderr)
        return 1
    finally:
        sys.excepthook = previous
        if window is not None:
            window.close()
            window.deleteLater()
    if errors:
        print("self-test FAILED: uncaught exceptions in the GUI:\n" + "\n".join(errors),
              file=sys.stderr)
        return 1
    print(f"self-test passed; screenshots and bundle in {out_dir}")
    return 0


def _build_window(out_dir: Path):
    from app.main_window import MainWindow
    from app.settings import AppSettings

    settings = AppSettings(QSettings(str(out_dir / "settings.ini"), QSettings.Format.IniFormat))
    settings.last_export_dir = str(out_dir)
    window = MainWindow(settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    return window


def _screenshot(window, path: Path) -> None:
    if window is None:
        return
    from app.widgets.plot_canvas import PlotCanvas

    settle()
    canvases = window.findChildren(PlotCanvas)
    wait_until(lambda: not any(c.is_rendering() for c in canvases), STEP_TIMEOUT_S,
               "the charts to render")
    settle(200)
    if not window.grab().save(str(path)):
        raise SelfTestFailed(f"could not save the screenshot {path}")
    print(f"  screenshot {path.name}")


def _drive(window, out_dir: Path, budget_s: float, errors: list[str]) -> None:
    wizard, study, search, results = window.wizard, window.study, window.search, window.results
    storage = f"sqlite:///{(out_dir / 'studies.db').as_posix()}"
    study_name = f"self-test-{time.strftime('%Y%m%d-%H%M%S')}"

    print("1/7 data: loading a sample")
    window.go_to("Data")
    wizard.open_sample(SAMPLE)
    wait_until(lambda: wizard.profile is not None and wizard.task is not None,
               STEP_TIMEOUT_S, "the sample to load, profile and get a target")
    wait_until(lambda: wizard.profile.target == wizard.draft.target, STEP_TIMEOUT_S,
               "the target checks")
    _check(window.data_page.preview_model.rowCount() > 0, "the preview shows rows")
    _screenshot(window, out_dir / "01-data.png")

    print("2/7 target:", wizard.draft.target, wizard.task.kind.value, wizard.task.metric)
    window.go_to("Target")
    _screenshot(window, out_dir / "02-target.png")

    print("3/7 settings")
    window.go_to("Settings")
    wizard.set_budget(budget_s)
    wizard.set_cv(3)
    wizard.set_storage_url(storage)
    wizard.set_study_name(study_name)
    window.settings_page.advanced.set_expanded(True)
    _screenshot(window, out_dir / "03-settings.png")
    window.settings_page.advanced.set_expanded(False)

    print(f"4/7 search: {budget_s:g} s in a child process")
    window.go_to("Search")
    window.search_page.start()
    _check(search.is_running(), "the search process started: "
           + window.search_page.messages.all_text())
    wait_until(lambda: study.board is not None and len(study.board.completed) >= 3,
               budget_s + STEP_TIMEOUT_S, "three completed trials")
    _screenshot(window, out_dir / "04-search-running.png")
    wait_until(lambda: not search.is_running(), budget_s * 1.1 + STEP_TIMEOUT_S,
               "the search to finish")
    outcome = search.last_outcome
    if outcome is None or outcome.status != "finished":
        raise SelfTestFailed(f"the search did not finish cleanly: {outcome}")
    wait_until(lambda: study.board is not None and not study.jobs.is_busy("board"),
               STEP_TIMEOUT_S, "the final leaderboard")
    _screenshot(window, out_dir / "04-search.png")

    print("5/7 results")
    window.go_to("Results")
    page = window.results_page
    best = study.board.best
    _check(best is not None, "a completed trial exists")
    best_of = {}  # the best trial of each family: rows of the default (best per family) view
    for r in study.board.completed:
        best_of.setdefault(r.family, r.number)
    others = list(best_of.values())[:3]
    page.select_trials(others)
    wait_until(lambda: len(results.selected) == len(others), 10, "the trials to be selected")
    _screenshot(window, out_dir / "05-results.png")
    page.tabs.setCurrentIndex(1)
    _screenshot(window, out_dir / "05-results-families.png")
    page.select_trials([best.number])
    page.tabs.setCurrentIndex(4)
    done = []
    results.insights_ready.connect(done.append)
    results.insights_failed.connect(lambda m: errors.append(f"plots failed: {m}"))
    wait_until(lambda: done or errors, STEP_TIMEOUT_S, "the model plots")
    _check(not errors, "the model plots were computed")
    _screenshot(window, out_dir / "05-results-model.png")
    page.tabs.setCurrentIndex(5)
    _screenshot(window, out_dir / "05-results-features.png")
    page.tabs.setCurrentIndex(3)
    wait_until(lambda: "Computing" not in page.params_chart.plot_text(), STEP_TIMEOUT_S,
               "parameter importances")
    _screenshot(window, out_dir / "05-results-parameters.png")

    print("6/7 export")
    window.go_to("Export")
    bundle = out_dir / "bundle"
    window.export_page.folder_edit.setText(str(bundle))
    exported, failed = [], []
    results.exported.connect(exported.append)
    results.export_failed.connect(failed.append)
    window.export_page.export()
    wait_until(lambda: exported or failed, STEP_TIMEOUT_S * 2, "the export")
    if failed:
        raise SelfTestFailed(f"export failed: {failed[0]}")
    _check((bundle / "model.joblib").is_file(), "the bundle has model.joblib")
    _screenshot(window, out_dir / "06-export.png")

    print("7/7 history")
    window.go_to("History")
    wait_until(lambda: window.history.model.rowCount() > 0, STEP_TIMEOUT_S, "the study list")
    window.history_page.select_study(study_name)
    _screenshot(window, out_dir / "07-history.png")
    window.history_page.open_selected()
    wait_until(lambda: window.current_step() == "Results" and study.name == study_name,
               10, "the study to reopen")
    _models_step(window, out_dir, bundle)
    _monitor_step(window, out_dir, bundle)


def _models_step(window, out_dir: Path, bundle: Path) -> None:
    """The search registered version 1 (champion); the exported bundle becomes version 2."""
    from automl.registry import Registry

    print("models: the registry with two versions and both aliases")
    reg = Registry.open()
    try:
        name = reg.models()[0] if reg.models() else "model"
        reg.register(bundle, name, alias="challenger", reason="self-test: the exported bundle")
    finally:
        reg.store.close()
    loaded: list = []
    window.models.loaded.connect(loaded.append)
    window.go_to("Models")
    wait_until(lambda: loaded and window.models_page.table.rowCount() >= 2, STEP_TIMEOUT_S,
               "the registered versions")
    _screenshot(window, out_dir / "08-models.png")


def _monitor_step(window, out_dir: Path, bundle: Path) -> None:
    """The exported model checked on its own sample: the Monitor step's report."""
    from automl.datasets import sample_path

    print("monitor: checking the bundle on the sample")
    window.go_to("Monitor")
    page, monitor = window.monitor_page, window.monitor
    failed: list[str] = []
    monitor.failed.connect(failed.append)
    page.model_edit.setText(str(bundle))
    page.data_edit.setText(str(sample_path(SAMPLE)))
    page.labels_edit.setText(window.wizard.draft.target or "")
    page.run_check()
    wait_until(lambda: (monitor.report is not None and monitor.history) or failed,
               STEP_TIMEOUT_S * 2, "the monitoring check")
    if failed:
        raise SelfTestFailed(f"monitoring failed: {failed[0]}")
    _check(page.table.rowCount() > 0, "the monitor lists the columns")
    wait_until(lambda: not page.canvas.is_rendering(), STEP_TIMEOUT_S, "the drift chart")
    _screenshot(window, out_dir / "09-monitor.png")


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise SelfTestFailed(f"check failed: {what}")
