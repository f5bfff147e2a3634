"""The last line of defence: uncaught exceptions become a dialog and a log entry.

Errors a person can cause are handled where they happen (inline messages); this hook is for
bugs. It logs the traceback to ``<AUTOML_HOME>/logs/automl-studio.log`` and shows a dialog
with the details, and the application keeps running.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from pathlib import Path
from types import TracebackType

from automl.storage import workspace_dir

log = logging.getLogger("app")


def log_file() -> Path:
    return workspace_dir() / "logs" / "automl-studio.log"


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file in the workspace (and warnings to stderr)."""
    path = log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    return path


def show_error_dialog(summary: str, details: str) -> None:
    from PySide6.QtWidgets import QApplication
    from PySide6.QtWidgets import QMessageBox

    if QApplication.instance() is None:
        return
    box = QMessageBox(QApplication.activeWindow())
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("AutoML Studio: unexpected error")
    box.setText(summary)
    box.setInformativeText(f"The application can keep running. Details were written to "
                           f"{log_file()}.")
    box.setDetailedText(details)
    box.exec()


_showing = False


def excepthook(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
    """sys.excepthook: log, then show a dialog (never two at once)."""
    global _showing
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    log.error("uncaught exception\n%s", details)
    if _showing:
        return
    _showing = True
    try:
        show_error_dialog(f"{exc_type.__name__}: {exc}", details)
    finally:
        _showing = False


def install_excepthook() -> None:
    sys.excepthook = excepthook
