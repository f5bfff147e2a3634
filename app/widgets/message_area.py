"""A page's message area: errors, warnings and info shown inline, each cleared on its own.

Messages are keyed, so a page declares what can go wrong in one place and the controller's
signals show or clear each message independently (the shape of Orange's Error/Warning
message groups).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame
from PySide6.QtWidgets import QHBoxLayout
from PySide6.QtWidgets import QLabel
from PySide6.QtWidgets import QToolButton
from PySide6.QtWidgets import QVBoxLayout
from PySide6.QtWidgets import QWidget

from app.widgets.icons import severity_icon

LEVELS = ("error", "warning", "info", "success")


class _Message(QFrame):
    def __init__(self, key: str, level: str, text: str, parent=None):
        super().__init__(parent)
        self.setObjectName("message")
        self.setProperty("level", level)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.setSpacing(8)
        icon = QLabel()
        icon.setPixmap(severity_icon("info" if level == "success" else level).pixmap(18, 18))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(icon)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setObjectName(f"message_{key}")
        layout.addWidget(self.label, 1)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.level = level


class MessageArea(QWidget):
    """Keyed inline messages, most severe first."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._messages: dict[str, _Message] = {}
        self.setVisible(False)

    def show_message(self, key: str, level: str, text: str) -> None:
        """Show (or replace) the message ``key``; ``level`` is error/warning/info/success."""
        if level not in LEVELS:
            raise ValueError(f"unknown message level {level!r}")
        old = self._messages.get(key)
        if old is not None and old.level == level:
            old.label.setText(text)
            self.changed.emit()
            return
        self.clear(key)
        message = _Message(key, level, text, self)
        message.close_button.clicked.connect(lambda: self.clear(key))
        self._messages[key] = message
        order = sorted(self._messages, key=lambda k: LEVELS.index(self._messages[k].level))
        self._layout.insertWidget(order.index(key), message)
        self.setVisible(True)
        self.changed.emit()

    def clear(self, key: str) -> None:
        message = self._messages.pop(key, None)
        if message is not None:
            message.setParent(None)
            message.deleteLater()
            self.setVisible(bool(self._messages))
            self.changed.emit()

    def text(self, key: str) -> str | None:
        message = self._messages.get(key)
        return message.label.text() if message else None

    def level(self, key: str) -> str | None:
        message = self._messages.get(key)
        return message.level if message else None

    def keys(self) -> list[str]:
        return list(self._messages)

    def all_text(self) -> str:
        return "\n".join(m.label.text() for m in self._messages.values())
