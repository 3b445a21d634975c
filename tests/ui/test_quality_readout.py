"""The live quality dot and words: red and 'not trusted' with the reason for a disputed reading."""

from __future__ import annotations

import numpy as np

from app.core.quality import DISPUTED
from app.core.types import FrameResult, PoseSample, SampleFlag
from app.ui.theme import BAD_COLOR, OK_COLOR
from app.ui.video_panel import VideoPanel


def _result(quality: float, flags: tuple = ()) -> FrameResult:
    sample = PoseSample(0, 0.0, True, quality, yaw_deg=40.0, pitch_deg=0.0, roll_deg=0.0, flags=flags)
    return FrameResult(sample=sample, calibrated=True)


def test_a_disputed_reading_shows_red_and_says_why(qtbot):
    panel = VideoPanel()
    qtbot.addWidget(panel)
    image = np.zeros((120, 160, 3), np.uint8)
    panel.show_result(image, _result(0.95))
    assert OK_COLOR in panel.quality.text() and "not trusted" not in panel.quality.text()
    panel.show_result(image, _result(DISPUTED, (SampleFlag.DISPUTED,)))
    assert BAD_COLOR in panel.quality.text() and "disagree" in panel.quality.text()
