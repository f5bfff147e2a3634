"""What every wizard step shares: a title, a one-line help text and a message area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QHeaderView
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QTableView
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.widgets.message_area import MessageArea


class Page(QWidget):
    """A wizard step. Subclasses add their widgets to ``self.body`` (a QVBoxLayout)."""

    title = "Step"
    help_text = ""

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 18)
        outer.setSpacing(12)
        header = QVBoxLayout()
        header.setSpacing(2)
        self.title_label = QLabel(self.title)
        self.title_label.setObjectName("pageTitle")
        header.addWidget(self.title_label)
        if self.help_text:
            self.help_label = QLabel(self.help_text)
            self.help_label.setObjectName("pageHelp")
            self.help_label.setWordWrap(True)
            header.addWidget(self.help_label)
        outer.addLayout(header)
        self.messages = MessageArea(self)
        outer.addWidget(self.messages)
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        outer.addLayout(self.body, 1)

    def on_shown(self) -> None:
        """Called by the main window when the step becomes visible."""

    def on_hidden(self) -> None:
        """Called by the main window when the user leaves the step (before the next shows)."""


def row(*widgets: QWidget | None, stretch_last: bool = False) -> QHBoxLayout:
    """A horizontal row of widgets (None adds a stretch)."""
    layout = QHBoxLayout()
    layout.setSpacing(8)
    for w in widgets:
        if w is None:
            layout.addStretch(1)
        else:
            layout.addWidget(w)
    if stretch_last:
        layout.addStretch(1)
    return layout


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionLabel")
    return label


def make_table(model=None, *, sortable: bool = False, stretch_last: bool = True,
               multi_select: bool = False) -> QTableView:
    """A QTableView configured the same way everywhere (fixed row height: fast on big models)."""
    view = QTableView()
    if model is not None:
        view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.ExtendedSelection if multi_select
                          else QTableView.SelectionMode.SingleSelection)
    view.setSortingEnabled(sortable)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    vh = view.verticalHeader()
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(24)
    vh.setVisible(False)
    hh = view.horizontalHeader()
    hh.setStretchLastSection(stretch_last)
    hh.setHighlightSections(False)
    hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view
