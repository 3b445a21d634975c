"""Finding 6: a degraded measurement (low frame rate, many dropped frames, low quality) is said."""

from __future__ import annotations

from app.core.latest import RateStats
from app.core.measurement_health import HealthMonitor


def fed(quality: float = 0.95, seconds: float = 2.0) -> HealthMonitor:
    m = HealthMonitor()
    for i in range(int(seconds * 30)):
        m.add(i / 30, quality, True)
    return m


def test_good_measurement_is_not_degraded():
    m = fed()
    assert not m.judge(RateStats(30.0, 40.0, 60.0, 0), now=0.0).degraded
    assert not m.judge(RateStats(29.0, 40.0, 60.0, 3), now=1.0).degraded  # a few drops are normal
    assert m.health.text == ""


def test_low_frame_rate_live_is_degraded_but_not_for_a_file_read_at_pipeline_pace():
    m = fed()
    health = m.judge(RateStats(12.0, 80.0, 120.0, 0), now=0.0, live=True)
    assert health.degraded and "12 frames/s (under 20)" in health.text
    assert not fed().judge(RateStats(12.0, 80.0, 120.0, 0), now=0.0, live=False).degraded


def test_many_dropped_frames_are_degraded():
    m = fed()
    m.judge(RateStats(25.0, 40.0, 60.0, 100), now=10.0)
    health = m.judge(RateStats(25.0, 40.0, 60.0, 130), now=11.0)  # 30 dropped, 25 processed
    assert health.degraded and "55% of frames dropped" in health.text


def test_low_quality_is_degraded():
    health = fed(quality=0.3).judge(RateStats(30.0, 40.0, 60.0, 0), now=0.0)
    assert health.degraded and "low pose quality (0.30)" in health.text
