"""Finding 1: the neutral in use is re-checked at rest; > 5° at rest prompts a recalibration."""

from __future__ import annotations

from app.core.calibration_view import calibration_view
from app.core.neutral_check import NeutralCheck
from app.core.types import PoseSample


def sample(t: float, yaw=0.0, pitch=0.0, roll=0.0) -> PoseSample:
    return PoseSample(int(t * 30), t, True, 1.0, yaw, pitch, roll)


def run(check, seconds, **angles):
    start = check._window[-1].time_s + 1 / 30 if check._window else 0.0
    for i in range(int(seconds * 30)):
        check.add(sample(start + i / 30, **angles))


def test_upright_head_reading_flexion_at_rest_prompts_recalibration():
    check = NeutralCheck()
    run(check, 2.0, pitch=-8.0)  # neutral taken with the head flexed: upright now reads 8° extension
    assert check.advice is not None and "8°" in check.advice and "extension" in check.advice
    view = calibration_view(False, 1.0, True, 1.5, reading=check.reading)
    assert view.advice == check.advice and "recalibrate" in view.text


def test_good_neutral_no_prompt_and_moving_head_is_not_rest():
    check = NeutralCheck()
    run(check, 2.0, yaw=1.0)
    assert check.advice is None and check.reading is not None
    assert "at rest 1°" in calibration_view(False, 1.0, True, 1.5, reading=check.reading).text
    fresh = NeutralCheck()
    for i in range(90):  # turning steadily: never at rest
        fresh.add(sample(i / 30, yaw=i * 0.5))
    assert fresh.reading is None


def test_trials_and_held_end_ranges_are_not_rest():
    check = NeutralCheck()
    for i in range(90):
        check.add(sample(i / 30, yaw=12.0), in_trial=True)
    assert check.reading is None
    run(check, 2.0, yaw=60.0)  # a deliberate position, not rest
    assert check.reading is None
