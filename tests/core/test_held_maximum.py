"""The one definition of a recorded maximum: the greatest running median over 0.25 s, never one frame's glitch."""

from __future__ import annotations

import pytest

from app.core.rom import HOLD_S, HeldPeak, RomTracker, held_peak
from app.core.types import PoseSample


def _times(n: int, fps: float = 30.0) -> list[float]:
    return [i / fps for i in range(n)]


def test_a_plateau_is_its_own_maximum_and_a_glitch_is_not():
    values = [10.0] * 20 + [40.0] * 12 + [10.0] * 10 + [90.0, 95.0] + [10.0] * 10  # 0.4 s held at 40, a 2-frame glitch
    assert held_peak(_times(len(values)), values) == pytest.approx(40.0)


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
def test_the_hold_is_in_seconds_whatever_the_frame_rate(fps):
    n_hold = round(HOLD_S * fps)
    short = [0.0] * 10 + [50.0] * (n_hold // 2 - 1) + [0.0] * 10  # well under half the hold
    long = [0.0] * 10 + [50.0] * (n_hold + 1) + [0.0] * 10
    assert (held_peak(_times(len(short), fps), short) or 0.0) < 50.0
    assert held_peak(_times(len(long), fps), long) == pytest.approx(50.0)


def test_noise_does_not_bias_the_maximum():
    import random

    rng = random.Random(1)
    values = [40.0 + rng.gauss(0.0, 1.0) for _ in range(60)]  # a 2 s hold at 40 with 1 degree of noise
    assert abs(held_peak(_times(60), values) - 40.0) < 1.0


def test_a_lost_head_breaks_the_hold():
    values = [60.0] * 4 + [None] + [60.0] * 4 + [5.0] * 20  # never 0.25 s without a gap at 60
    assert held_peak(_times(len(values)), values) == pytest.approx(5.0)


def test_a_ramp_to_a_hold_gives_the_hold_and_its_time():
    peak = HeldPeak()
    ramp = [i * 2.0 for i in range(30)] + [58.0] * 15 + [30.0] * 5
    for t, v in zip(_times(len(ramp)), ramp):
        peak.add(t, v)
    assert peak.best == pytest.approx(58.0) and peak.best_time_s >= 30 / 30.0


def test_rom_tracker_maxima_are_held_values_per_direction():
    rom = RomTracker()
    for i, t in enumerate(_times(40)):
        yaw = 30.0 if i < 20 else -20.0
        if i == 10:
            yaw = 80.0  # one wild frame
        rom.update(PoseSample(i, t, True, 1.0, yaw, 0.0, 0.0, yaw, 0.0, 0.0))
    maxima = rom.maxima()
    assert maxima["rotation_left"] == pytest.approx(30.0)
    assert maxima["rotation_right"] == pytest.approx(20.0)
    assert maxima["flexion"] is None  # never moved that way


def test_a_maximum_recorded_by_a_stored_trial_counts_after_a_resume():
    rom = RomTracker()
    rom.include("flexion", 47.0)  # its hold's samples were lost with the crash
    rom.include("flexion", 30.0)
    assert rom.maxima()["flexion"] == 47.0 and rom.maxima()["extension"] is None
