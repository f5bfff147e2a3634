"""``automl-studio``: the desktop application's entry point.

    automl-studio [DATA]            open the window (and DATA, if given)
    automl-studio --self-test DIR   offscreen: sample data, a short real search, an export
                                    and a screenshot of every step into DIR; exit 0 or 1
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import sys
from pathlib import Path

SWITCH_INTERVAL_S = 0.001


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="automl-studio",
                                description="AutoML Studio: from a table to a deployable model.")
    p.add_argument("data", nargs="?", help="a data file to open (CSV, TSV, Excel, Parquet, JSON)")
    p.add_argument("--self-test", metavar="DIR",
                   help="run offscreen: load a sample, search briefly, export, save a "
                        "screenshot of every step into DIR, then exit (0 = passed)")
    p.add_argument("--budget", type=float, default=15.0, metavar="SECONDS",
                   help="search budget of the self-test (default 15)")
    return p


def stylesheet() -> str:
    """The application style sheet, with its image references resolved to the package."""
    resources = importlib.resources.files("app") / "resources"
    text = (resources / "style.qss").read_text("utf-8")
    return text.replace("@RES@", Path(str(resources)).as_posix())


def create_application(argv: list[str] | None = None):
    """The QApplication with the app's identity, style and font."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from app.settings import APPLICATION
    from app.settings import ORGANIZATION

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("AutoML Studio")
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(10)
    app.setFont(font)
    app.setStyleSheet(stylesheet())
    # Qt calls into Python for every cell it paints. While a worker thread runs Python (a
    # storage read, a chart), each such call may wait for the GIL for up to the switch
    # interval (5 ms by default): hundreds of calls make a visible stall. 1 ms bounds it.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return app


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.self_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.qt_check import startup_problem

    problem = startup_problem()
    if problem:  # Qt would abort the process with its own message; say what fixes it instead
        print(problem, file=sys.stderr)
        return 1
    from app.errors import install_excepthook
    from app.errors import setup_logging

    setup_logging()
    app = create_application()
    if args.self_test:
        from app.self_test import run_self_test

        return run_self_test(app, Path(args.self_test), budget_s=args.budget)
    install_excepthook()
    from app.main_window import MainWindow

    window = MainWindow()
    window.show()
    if args.data:
        window.open_file(os.path.abspath(args.data))
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
