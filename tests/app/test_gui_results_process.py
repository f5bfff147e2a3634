"""The Results step's heavy work runs in child processes: a trial's plot data is
`automl insights --json`, an export `automl export --json`. A newer request, leaving the
step, Cancel and closing the window kill the child; its result is never shown."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.pages.results_page import TAB_MODEL

LEFT = Qt.MouseButton.LeftButton


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def open_recorded(window, qtbot, recorded_study) -> tuple[str, str]:
    name, url, _data = recorded_study
    window.open_study(name, url)
    qtbot.waitUntil(lambda: window.study.board is not None, timeout=10_000)
    return name, url


def live_pid(qtbot, window, key: str) -> int:
    """The pid of the child running ``key``, once it runs the engine (a vforked child's
    command line is empty until its exec)."""
    def running() -> bool:
        pid = window.results.children.pid(key)
        return bool(pid) and "automl" in command_line(pid)

    qtbot.waitUntil(running, timeout=10_000)
    return window.results.children.pid(key)


def single_trials(window) -> list[int]:
    return [r.number for r in window.study.board.completed if r.family != "ensemble"]


def test_plot_data_comes_from_an_insights_child_process(window, qtbot, recorded_study):
    name, url = open_recorded(window, qtbot, recorded_study)
    results = window.results
    with qtbot.waitSignal(results.insights_ready, timeout=60_000) as ready:
        window.results_page.tabs.setCurrentIndex(TAB_MODEL)
        pid = live_pid(qtbot, window, "insights")
        trial = results.focus_trial().number
        assert command_line(pid)[1:] == ["-m", "automl", "insights", "--study", name,
                                         "--storage", url, "--trial", str(trial), "--json"]
        results.request_insights()  # a live search asks again every second: the child stays
        assert results.children.pid("insights") == pid
        assert not results.jobs.is_busy("insights")  # nothing on the GUI process's pool
    data = ready.args[0]
    assert data.trial_number == trial and data.confusion is not None
    qtbot.waitUntil(lambda: window.results_page.model_chart_a.plot_text()
                    .startswith("Confusion matrix"), timeout=10_000)
    qtbot.waitUntil(results.children.is_idle, timeout=5_000)


def test_a_newer_request_or_leaving_the_step_kills_the_older_child(window, qtbot, recorded_study):
    open_recorded(window, qtbot, recorded_study)
    results, page = window.results, window.results_page
    first, second = single_trials(window)[:2]
    shown = []
    results.insights_ready.connect(shown.append)
    page.select_trials([first])
    page.tabs.setCurrentIndex(TAB_MODEL)
    old = live_pid(qtbot, window, "insights")
    page.select_trials([second])  # the plots now describe another trial
    qtbot.waitUntil(lambda: not alive(old), timeout=5_000)
    new = live_pid(qtbot, window, "insights")
    assert new != old and command_line(new)[-3:] == ["--trial", str(second), "--json"]
    window.go_to("Export")  # nobody looks at the plots any more
    qtbot.waitUntil(lambda: not alive(new), timeout=5_000)
    assert not results.children.is_busy("insights")
    qtbot.waitUntil(results.children.is_idle, timeout=5_000)
    assert shown == []  # neither result was delivered
    with qtbot.waitSignal(results.insights_ready, timeout=60_000) as ready:
        window.go_to("Results")  # back: asked again, and this time it completes
    assert ready.args[0].trial_number == second


def test_export_runs_in_a_child_and_cancel_kills_it(window, qtbot, recorded_study, tmp_path):
    name, url = open_recorded(window, qtbot, recorded_study)
    window.go_to("Export")
    page = window.export_page
    out = tmp_path / "bundle"
    page.folder_edit.setText(str(out))
    failed, exported = [], []
    window.results.export_failed.connect(failed.append)
    window.results.exported.connect(exported.append)
    qtbot.mouseClick(page.export_button, LEFT)
    pid = live_pid(qtbot, window, "export")
    assert command_line(pid)[1:] == ["-m", "automl", "export", "--study", name, "--storage",
                                     url, "--out", str(out), "--json"]
    assert page.cancel_button.isVisible() and not page.export_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not alive(pid), timeout=5_000)
    assert page.messages.text("export") == "Export cancelled."
    assert not page.cancel_button.isVisible() and page.export_button.isEnabled()
    qtbot.waitUntil(window.results.children.is_idle, timeout=5_000)
    assert not failed and not exported
    assert not out.exists() and not list(tmp_path.glob(".bundle.tmp-*"))  # nothing half-written

    with qtbot.waitSignal(window.results.exported, timeout=90_000) as done:
        qtbot.mouseClick(page.export_button, LEFT)
    result = done.args[0]
    assert result.bundle_dir == str(out) and result.trial == window.study.board.best.number
    assert "metadata.json" in result.files and result.final_model == "single_refit"
    assert [page.files_list.item(i).text() for i in range(page.files_list.count())] == list(
        result.files)


def test_leaving_the_export_step_kills_the_export(window, qtbot, recorded_study, tmp_path):
    open_recorded(window, qtbot, recorded_study)
    window.go_to("Export")
    page = window.export_page
    page.folder_edit.setText(str(tmp_path / "b"))
    qtbot.mouseClick(page.export_button, LEFT)
    pid = live_pid(qtbot, window, "export")
    window.go_to("Models")
    qtbot.waitUntil(lambda: not alive(pid), timeout=5_000)
    assert page.messages.level("export") == "warning"
    assert "left the Export step" in page.messages.text("export")
    qtbot.waitUntil(window.results.children.is_idle, timeout=5_000)


def test_an_export_error_is_the_engines_one_line(window, qtbot, recorded_study, tmp_path):
    open_recorded(window, qtbot, recorded_study)
    window.go_to("Export")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("not a bundle")
    window.export_page.folder_edit.setText(str(taken))
    with qtbot.waitSignal(window.results.export_failed, timeout=60_000) as failed:
        qtbot.mouseClick(window.export_page.export_button, LEFT)
    message = failed.args[0]
    assert message == (f"{str(taken)!r} exists and is not a bundle; choose an empty or new "
                       "folder.")
    assert window.export_page.messages.text("export") == message
    assert window.export_page.messages.level("export") == "error"


def test_closing_the_window_kills_the_children_at_once(window, qtbot, recorded_study, tmp_path):
    open_recorded(window, qtbot, recorded_study)
    window.results_page.tabs.setCurrentIndex(TAB_MODEL)
    pid = live_pid(qtbot, window, "insights")
    window.close()
    assert not alive(pid)  # killed and reaped inside close(): the window never waits on a fit
    assert window.results.children.is_idle()
