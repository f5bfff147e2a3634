"""The Models step: registered models and versions, lineage and card, promote and roll back."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.settings import AppSettings
from automl.registry import Registry


def _bundle(folder: Path, score: float) -> Path:
    folder.mkdir(parents=True)
    model = os.urandom(32)
    (folder / "model.joblib").write_bytes(model)
    (folder / "profile.json").write_text("{}")
    (folder / "model_card.md").write_text(f"# Model card\n\nCV score {score}\n")
    (folder / "metadata.json").write_text(json.dumps({
        "model_sha256": hashlib.sha256(model).hexdigest(), "task": {"kind": "binary"},
        "scores": {"metric": "roc_auc", "cv_mean": score}, "model": {"family": "hgb"},
        "lineage": {"study": "churn-study", "trial": 4, "dataset_sha256": "e" * 64, "rows": 80}}))
    return folder


@pytest.fixture
def window(qtbot, tmp_path):
    reg = Registry.open()
    reg.register(_bundle(tmp_path / "b1", 0.81), "churn", source={"project": "churn.automl.toml"})
    reg.register(_bundle(tmp_path / "b2", 0.86), "churn",
                 source={"project": "churn.automl.toml", "mode": "refit", "parent_version": 1})
    reg.store.close()
    settings = AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def test_models_step_lists_versions_and_moves_aliases(window, qtbot):
    page = window.models_page
    with qtbot.waitSignal(window.models.loaded, timeout=10_000):
        window.go_to("Models")
    assert window.current_step() == "Models"
    assert [page.model_list.item(i).text() for i in range(page.model_list.count())] == ["churn"]
    cells = [[page.table.item(r, c).text() for c in range(page.table.columnCount())]
             for r in range(page.table.rowCount())]
    assert [(c[0], c[2], c[4], c[7]) for c in cells] == [("1", "hgb", "0.81", "champion"),
                                                         ("2", "hgb", "0.86", "challenger")]
    assert page.selected_version() == 2
    assert "retrained from version 1" in page.lineage.text()
    assert "CV score 0.86" in page.card.toPlainText()

    page.alias_combo.setCurrentText("champion")
    with qtbot.waitSignal(window.models.loaded, timeout=10_000):
        assert page.promote()
    assert "churn@champion moves from version 1 to version 2" in page.messages.text("confirm")
    assert window.models.model("churn").aliases == {"champion": 2, "challenger": 2}
    assert page.messages.text("move") == "churn@champion: version 1 -> version 2"
    with qtbot.waitSignal(window.models.loaded, timeout=10_000):
        assert page.rollback()
    assert window.models.model("churn").aliases["champion"] == 1


def test_export_registers_the_bundle_as_the_projects_next_version(window, qtbot, tmp_path):
    import optuna

    from app.controllers.results import ExportResult
    from automl.records import record_project
    from automl.storage import default_storage_url
    from automl.storage import open_storage

    study = optuna.create_study(study_name="churn-20261201", storage=open_storage(None))
    record_project(study, {"name": "churn"}, "churn.automl.toml", "f" * 64)
    page = window.export_page
    window.study.name, window.study.storage_url = "churn-20261201", default_storage_url()
    assert not page.register_button.isEnabled()
    page._show_result(ExportResult(str(_bundle(tmp_path / "b3", 0.9)), (), "", ""))
    assert page.register_button.isEnabled()
    page.register_button.click()
    qtbot.waitUntil(lambda: page.messages.text("register") is not None, timeout=10_000)
    assert page.messages.text("register").startswith("Registered as churn version 3")
    reg = Registry.open()
    assert reg.version("churn", 3).source["mode"] == "export"
    reg.store.close()
