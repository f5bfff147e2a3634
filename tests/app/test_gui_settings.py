"""GUI preferences: recent files, folders, schema version and migration."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.settings import MAX_RECENT
from app.settings import SCHEMA_VERSION
from app.settings import AppSettings


def test_recent_files_newest_first_without_duplicates(settings, tmp_path):
    for i in range(MAX_RECENT + 2):
        settings.add_recent_file(str(tmp_path / f"f{i}.csv"))
    settings.add_recent_file(str(tmp_path / "f3.csv"))
    files = settings.recent_files()
    assert len(files) == MAX_RECENT
    assert files[0].endswith("f3.csv")
    assert len(set(files)) == len(files)
    assert settings.last_data_dir == str(tmp_path)


def test_fresh_store_gets_the_current_schema_version(settings):
    assert settings.schema_version == SCHEMA_VERSION


def test_version_1_settings_are_migrated(tmp_path):
    raw = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    raw.setValue("schema_version", 1)
    raw.setValue("last_dir", "/data/projects")
    raw.sync()
    settings = AppSettings(QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat))
    assert settings.schema_version == SCHEMA_VERSION
    assert settings.last_data_dir == "/data/projects"
    assert settings.last_export_dir == "/data/projects"


def test_default_store_lives_in_the_test_folder(isolated_user_state):
    store = AppSettings()
    store.add_recent_file(str(isolated_user_state / "x.csv"))
    store.sync()
    assert str(isolated_user_state) in store._s.fileName()
