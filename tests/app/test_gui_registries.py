"""The window lists what the engine's registries hold: file formats and model families."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.pages.data_page import FILE_FILTER
from app.pages.data_page import DataPage
from automl.cli import data_help
from automl.data import FORMATS


def test_the_file_filter_and_the_cli_help_name_every_format_and_suffix():
    first = FILE_FILTER.split(";;")[0]
    help_text = data_help()
    for fmt in FORMATS:
        assert fmt.title in FILE_FILTER and fmt.title in help_text and fmt.title in DataPage.help_text
        for suffix in fmt.suffixes:
            assert f"*{suffix}" in first
            assert suffix in help_text
    assert FILE_FILTER.endswith("All files (*)")


def test_a_family_added_through_register_family_is_listed_in_the_window(window, qtbot,
                                                                       monkeypatch):
    import automl.models as models
    from automl.models import FamilySpec
    from automl.models import get_family
    from automl.models import register_family

    base = get_family("nb")
    extra = FamilySpec("plugin_nb", "Plugin naive Bayes", "a family from outside the engine",
                       base.tasks, base.style, base.space, base.default, base.make)
    monkeypatch.setattr(models, "_REGISTRY", dict(models._REGISTRY))  # undone after the test
    register_family(extra)
    page = window.data_page
    page.sample_combo.setCurrentIndex(page.sample_combo.findData("wine"))
    page.sample_button.click()
    qtbot.waitUntil(lambda: window.wizard.task is not None, timeout=30_000)
    window.go_to("Settings")
    items = {window.settings_page.family_list.item(i).data(Qt.ItemDataRole.UserRole):
             window.settings_page.family_list.item(i)
             for i in range(window.settings_page.family_list.count())}
    assert "plugin_nb" in items and "Plugin naive Bayes" in items["plugin_nb"].text()
    assert items["plugin_nb"].flags() & Qt.ItemFlag.ItemIsEnabled
    assert items["plugin_nb"].checkState() == Qt.CheckState.Checked
