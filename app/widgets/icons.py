"""Icons from the platform style: no image files to ship for the basics."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from PySide6.QtWidgets import QStyle

_SEVERITY = {
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
}
_CACHE: dict[str, QIcon] = {}


def severity_icon(severity: str) -> QIcon:
    """Icon for a message level: "error", "warning" or "info"."""
    icon = _CACHE.get(severity)
    if icon is None:
        pixmap = _SEVERITY.get(severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
        icon = QApplication.style().standardIcon(pixmap)
        _CACHE[severity] = icon
    return icon
