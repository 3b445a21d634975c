"""Test-wide setup: Qt offscreen before any Qt import; paths to the dev video and its truth."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO_VIDEO = ROOT / "assets" / "demo_clinic.mp4"
DEMO_TRUTH = ROOT / "assets" / "demo_clinic_truth.csv"


@pytest.fixture(scope="session")
def demo_video() -> Path:
    return DEMO_VIDEO


@pytest.fixture(scope="session")
def demo_truth() -> Path:
    return DEMO_TRUTH
