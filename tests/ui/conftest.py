"""GUI test fixtures: settings in a temporary .ini, a temporary session store, the window factory."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.ui  # noqa: F401  (drops OpenCV's Qt plugin path before pytest-qt creates the app)
from PySide6.QtCore import QSettings


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def store(tmp_path: Path):
    from app.store import open_store

    s = open_store(tmp_path / "data")
    yield s
    s.close()
