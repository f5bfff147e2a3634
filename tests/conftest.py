"""Shared test setup: headless Qt and isolated user state.

``QT_QPA_PLATFORM`` must be set before anything imports Qt, so it is set here, at the top of
the root conftest (``setdefault``: a developer may still ask for a real screen).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_user_state(tmp_path_factory, monkeypatch):
    """Point AUTOML_HOME, the study storage and QSettings at a per-test temporary folder.

    Tests never read or write the developer's studies or GUI preferences.
    """
    home = tmp_path_factory.mktemp("automl-home")
    monkeypatch.setenv("AUTOML_HOME", str(home))
    monkeypatch.delenv("AUTOML_STORAGE", raising=False)
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # engine-only environments
        yield home
        return
    settings_dir = home / "qsettings"
    settings_dir.mkdir()
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(settings_dir))
    yield home
