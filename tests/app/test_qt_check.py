"""``automl-studio`` says what to install instead of letting Qt abort the process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app import main as app_main
from app import qt_check

LINUX_DESKTOP = {"DISPLAY": ":0"}


def test_a_missing_xcb_library_gives_the_apt_line(monkeypatch):
    monkeypatch.setattr(qt_check, "missing_xcb_library", lambda plugin=None: "libxcb-cursor.so.0")
    problem = qt_check.startup_problem(LINUX_DESKTOP, "linux")
    assert problem is not None
    assert "libxcb-cursor.so.0 is missing" in problem
    assert qt_check.APT_LINE in problem
    assert "libxcb-cursor0" in qt_check.APT_LINE.split()


@pytest.mark.parametrize(("environ", "platform"), [
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),  # the self-test and the test suite
    ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux"),  # Qt tries Wayland first
    ({"QT_QPA_PLATFORM": "wayland"}, "linux"),
    ({}, "win32"),
    ({}, "darwin"),
])
def test_no_xcb_check_where_qt_will_not_use_xcb(monkeypatch, environ, platform):
    def fail(plugin=None):
        raise AssertionError("probed the xcb plugin although Qt will not load it")

    monkeypatch.setattr(qt_check, "missing_xcb_library", fail)
    assert qt_check.startup_problem(environ, platform) is None


def test_xcb_requested_explicitly_is_checked(monkeypatch):
    monkeypatch.setattr(qt_check, "missing_xcb_library", lambda plugin=None: "libxcb-icccm.so.4")
    problem = qt_check.startup_problem({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "w",
                                        "DISPLAY": ":0"}, "linux")
    assert problem is not None and qt_check.APT_LINE in problem


def test_no_display_is_said_plainly(monkeypatch):
    monkeypatch.setattr(qt_check, "missing_xcb_library", lambda plugin=None: None)
    problem = qt_check.startup_problem({}, "linux")
    assert problem is not None and "DISPLAY is not set" in problem
    assert qt_check.startup_problem(LINUX_DESKTOP, "linux") is None


def test_without_pyside6_it_names_the_gui_extra(monkeypatch):
    real = qt_check.importlib.util.find_spec
    monkeypatch.setattr(qt_check.importlib.util, "find_spec",
                        lambda name, *a: None if name == "PySide6" else real(name, *a))
    problem = qt_check.startup_problem({}, "win32")
    assert problem is not None and qt_check.GUI_EXTRA_LINE in problem


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the dynamic loader's message")
def test_the_probe_names_the_library_the_loader_cannot_find(tmp_path):
    assert qt_check.missing_xcb_library(tmp_path / "libnot-installed.so.7") == "libnot-installed.so.7"
    import _ctypes  # a shared library that loads wherever this test runs

    assert qt_check.missing_xcb_library(Path(_ctypes.__file__)) is None


def test_main_prints_the_problem_and_exits_before_qt(monkeypatch, capsys):
    monkeypatch.setattr(qt_check, "startup_problem", lambda: "automl-studio: " + qt_check.APT_LINE)
    created = []
    monkeypatch.setattr(app_main, "create_application", lambda *a: created.append(1))
    assert app_main.main([]) == 1
    assert qt_check.APT_LINE in capsys.readouterr().err
    assert not created
