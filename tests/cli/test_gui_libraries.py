"""Finding 8 of issue 17: on a Linux without the system libraries Qt's xcb plugin needs, the GUI
start says in one line which apt packages to install (exit 2) instead of Qt's abort."""

from __future__ import annotations

import sys

import pytest

import main
from app.cli import gui_libraries
from app.cli.gui_libraries import QT_XCB_LIBRARIES, check_gui_libraries, missing_libraries, uses_xcb
from app.errors import CervicamError
from tests.hardening.helpers import one_clear_line

X11 = {"DISPLAY": ":0"}


def loader_without(*absent: str):
    loaded = []

    def load(soname: str) -> None:
        loaded.append(soname)
        if soname in absent:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")

    return load, loaded


def test_missing_libraries_are_named_with_their_apt_packages():
    load, loaded = loader_without("libxcb-icccm.so.4", "libxcb-cursor.so.0")
    with pytest.raises(CervicamError) as err:
        check_gui_libraries(X11, "linux", load)
    text = str(err.value)
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in text
    assert text.endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4") and "\n" not in text
    assert loaded == [lib.soname for lib in QT_XCB_LIBRARIES]  # every one checked, not only up to the first


def test_nothing_said_when_everything_loads_or_no_x11_is_used():
    load, loaded = loader_without()
    check_gui_libraries(X11, "linux", load)
    assert missing_libraries(load) == []
    absent, tried = loader_without(*(lib.soname for lib in QT_XCB_LIBRARIES))
    check_gui_libraries({"QT_QPA_PLATFORM": "offscreen"}, "linux", absent)  # tests, headless runs
    check_gui_libraries(X11, "darwin", absent)
    check_gui_libraries(X11, "win32", absent)
    assert tried == []


def test_which_platform_qt_will_use():
    assert uses_xcb({}, "linux") and uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "wayland"}, "linux")
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux")
    assert uses_xcb({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "linux")


def test_the_readme_names_every_package():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    apt_line = next(line for line in readme.splitlines() if line.startswith("sudo apt-get install"))
    assert set(apt_line.split()[3:]) == {lib.package for lib in QT_XCB_LIBRARIES}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb platform is Linux's")
def test_gui_start_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    load, _ = loader_without("libxcb-keysyms.so.1")
    monkeypatch.setattr(gui_libraries, "_load", load)
    assert main.main([]) == 2
    line = one_clear_line(capsys.readouterr().err)
    assert "libxcb-keysyms.so.1" in line and "sudo apt-get install libxcb-keysyms1" in line
