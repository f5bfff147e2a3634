"""Application-level behaviour: the exception hook, window settings, shutdown, entry point."""

from __future__ import annotations

import os
import sys

import app.errors as errors
from app.main import _parser
from app.main import stylesheet
from app.main_window import STEPS
from app.main_window import MainWindow


def test_uncaught_exceptions_are_logged_and_shown_not_fatal(monkeypatch):
    shown = []
    monkeypatch.setattr(errors, "show_error_dialog", lambda summary, details: shown.append(
        (summary, details)))
    path = errors.setup_logging()
    try:
        raise RuntimeError("a bug in a slot")
    except RuntimeError:
        errors.excepthook(*sys.exc_info())
    assert shown and shown[0][0] == "RuntimeError: a bug in a slot"
    assert "Traceback" in shown[0][1]
    assert "a bug in a slot" in path.read_text()


def test_window_geometry_is_remembered(qtbot, settings):
    first = MainWindow(settings)
    qtbot.addWidget(first)
    first.resize(first.minimumSizeHint().width(), 530)
    first.show()
    first.close()
    assert settings.window_geometry() is not None
    second = MainWindow(settings)
    qtbot.addWidget(second)
    # The offscreen screen is 800 px wide, so Qt clamps the width; the height is restored.
    assert second.height() == 530


def test_steps_can_be_visited_in_any_order(window, qtbot):
    for step in reversed(STEPS):
        window.go_to(step)
        assert window.current_step() == step
        assert window.stack.currentWidget() is window.page(step)
    assert not window.back_button.isEnabled()


def test_stylesheet_images_point_into_the_package():
    text = stylesheet()
    assert "@RES@" not in text
    for line in text.splitlines():
        if "url(" in line:
            path = line.split("url(")[1].split(")")[0]
            assert os.path.isfile(path), path


def test_entry_point_arguments():
    args = _parser().parse_args(["data.csv"])
    assert args.data == "data.csv" and args.self_test is None
    assert _parser().parse_args(["--self-test", "out"]).self_test == "out"
