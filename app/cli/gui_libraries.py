"""Before the window opens: are the system libraries Qt's X11 (xcb) platform needs installed?

Without them Qt aborts with "Could not load the Qt platform plugin 'xcb'" and a core dump, which
tells a clinician nothing. PySide6 ships Qt itself but not these system libraries, so a minimal
Linux lacks some (``libxcb-cursor0``, ``libxcb-icccm4``, ...). This module loads each by its
soname (the dynamic loader, so LD_LIBRARY_PATH counts) before Qt is imported, and names the
Debian/Ubuntu packages to install in one line. The list is what PySide6 6.11's
``plugins/platforms/libqxcb.so``, ``libQt6XcbQpa`` and ``libQt6Gui`` link against
(``ldd``), less what any Linux with Python has (libc, libstdc++, zlib, ...).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from dataclasses import dataclass
from typing import Callable, Mapping

from app.errors import CervicamError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemLibrary:
    soname: str  # what the loader looks for
    package: str  # the Debian/Ubuntu package that provides it


QT_XCB_LIBRARIES: tuple[SystemLibrary, ...] = tuple(
    SystemLibrary(soname, package)
    for soname, package in (
        ("libxcb.so.1", "libxcb1"),
        ("libX11.so.6", "libx11-6"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-image.so.0", "libxcb-image0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxcb-shape.so.0", "libxcb-shape0"),
        ("libxcb-xkb.so.1", "libxcb-xkb1"),
        ("libxcb-randr.so.0", "libxcb-randr0"),
        ("libxcb-sync.so.1", "libxcb-sync1"),
        ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
        ("libxcb-shm.so.0", "libxcb-shm0"),
        ("libxcb-render.so.0", "libxcb-render0"),
        ("libxcb-util.so.1", "libxcb-util1"),
        ("libxkbcommon.so.0", "libxkbcommon0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libEGL.so.1", "libegl1"),
        ("libGL.so.1", "libgl1"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libfreetype.so.6", "libfreetype6"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
    )
)
# Platforms that draw without X11 (tests, headless runs): nothing to check.
_NO_X11 = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "wayland")


def _load(soname: str) -> None:
    ctypes.CDLL(soname)


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will start on its xcb (X11) platform plugin."""
    if not platform.startswith("linux"):
        return False
    forced = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if forced:
        return not forced.startswith(_NO_X11)
    # Unforced, Qt 6 prefers Wayland in a Wayland session (xcb is only its fallback there).
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "").lower() == "wayland")


def missing_libraries(load: Callable[[str], None] | None = None) -> list[SystemLibrary]:
    load = load or _load
    missing = []
    for lib in QT_XCB_LIBRARIES:
        try:
            load(lib.soname)
        except OSError:
            missing.append(lib)
    return missing


def check_gui_libraries(
    env: Mapping[str, str] | None = None, platform: str | None = None, load: Callable[[str], None] | None = None
) -> None:
    """Raise a CervicamError (one line: what is missing, the apt command) before Qt aborts."""
    if not uses_xcb(os.environ if env is None else env, sys.platform if platform is None else platform):
        return
    missing = missing_libraries(load)
    if not missing:
        return
    log.debug("missing system libraries: %s", [m.soname for m in missing])
    raise CervicamError(
        "the window cannot open: Qt needs system libraries that are not installed ("
        + ", ".join(m.soname for m in missing)
        + "); on Debian/Ubuntu install them with: sudo apt-get install "
        + " ".join(m.package for m in missing)
    )
