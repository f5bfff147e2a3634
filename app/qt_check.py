"""Before Qt starts: is the GUI installed, and can Qt open its Linux platform plugin?

Qt does not raise when its platform plugin cannot load: it prints its own message and aborts
the process, so ``automl-studio`` asks first. This module imports no Qt (it must work where
PySide6 is missing, and before a ``QApplication`` exists).

The check loads the xcb plugin's shared library in a child process (``ctypes.CDLL``): the
dynamic loader then resolves every library the plugin needs, and names the first one missing.
That is what Qt's plugin loader does, without the abort, and it takes a few tens of ms.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["APT_LINE", "XCB_PACKAGES", "GUI_EXTRA_LINE", "missing_xcb_library", "startup_problem"]

# The Debian/Ubuntu packages of the libraries Qt's xcb plugin links to (Qt >= 6.5 added
# libxcb-cursor0, the one a fresh desktop most often lacks).
XCB_PACKAGES = (
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-shm0", "libxcb-sync1", "libxcb-xfixes0",
    "libxcb-xkb1", "libxkbcommon-x11-0", "libx11-xcb1",
)
APT_LINE = "sudo apt-get install " + " ".join(XCB_PACKAGES)
GUI_EXTRA_LINE = "pip install 'automl-studio[gui]'"

_PROBE = "import ctypes, sys; ctypes.CDLL(sys.argv[1])"
_MISSING = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")


def startup_problem(environ: Mapping[str, str] | None = None,
                    platform: str | None = None) -> str | None:
    """What would stop the window from opening, as a message for the terminal, or None."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if importlib.util.find_spec("PySide6") is None:
        return ("automl-studio: the desktop app is not installed (PySide6 is missing). "
                f"Install it with:\n    {GUI_EXTRA_LINE}\n"
                "The engine works without it: see `automl --help`.")
    if not _uses_xcb(environ, platform):
        return None
    missing = missing_xcb_library()
    if missing:
        return ("automl-studio: Qt cannot load its X11 platform plugin (xcb): "
                f"{missing} is missing. Install the libraries it needs with:\n"
                f"    {APT_LINE}\n"
                "Without a screen, the engine works as it is: see `automl --help`.")
    if not environ.get("DISPLAY"):
        return ("automl-studio: there is no display to open the window on (DISPLAY is not "
                "set). Start it from a desktop session, or use the `automl` command, which "
                "needs no screen.")
    return None


def _uses_xcb(environ: Mapping[str, str], platform: str) -> bool:
    """Whether Qt will try the xcb plugin: Linux, and neither another platform nor Wayland."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """The xcb platform plugin inside the installed PySide6, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_xcb_library(plugin: Path | None = None) -> str | None:
    """The first library the xcb plugin needs that the system lacks, or None.

    None also when the plugin is not where PySide6 wheels put it (then Qt decides).
    """
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    try:
        probe = subprocess.run([sys.executable, "-I", "-c", _PROBE, str(plugin)],
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if probe.returncode == 0:
        return None
    found = _MISSING.search(probe.stderr)
    return found.group(1) if found else "a library it needs"
