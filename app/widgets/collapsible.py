"""A titled section that folds away (the Settings step's "Advanced" part)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget


class CollapsibleSection(QWidget):
    """A header button with an arrow; clicking it shows or hides ``content``."""

    def __init__(self, title: str, content: QWidget, expanded: bool = False, parent=None):
        super().__init__(parent)
        self.toggle = QToolButton(text=title)
        self.toggle.setObjectName("sectionToggle")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(expanded)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self.set_expanded)
        self.content = content
        frame = QFrame()
        frame.setObjectName("sectionBody")
        body = QVBoxLayout(frame)
        body.setContentsMargins(18, 4, 0, 0)
        body.addWidget(content)
        self._frame = frame
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(frame)
        frame.setVisible(expanded)

    def set_expanded(self, expanded: bool) -> None:
        self.toggle.setChecked(expanded)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self._frame.setVisible(expanded)

    def is_expanded(self) -> bool:
        return self._frame.isVisible() if self.isVisible() else self.toggle.isChecked()
