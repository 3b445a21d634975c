"""What the guided test says to the clinician (Qt-free): the prompt of each phase and step, and
what a finished test measured."""

from __future__ import annotations

from typing import Sequence

from app.core.angles import DIRECTION_LABELS
from app.core.protocol_types import Phase, ProtocolConfig
from app.core.repeatability import MotionResult


def prompt_text(
    phase: str, config: ProtocolConfig, motion: str | None, warm: int, done: int, in_trial: bool,
    results: Sequence[MotionResult] = (),
) -> str:  # fmt: skip
    """The prompt under the motion's name (``results``: needed once the test is done)."""
    if phase == Phase.CALIBRATION:
        return "Sit upright, look straight at the camera and hold still to calibrate neutral"
    if phase == Phase.DONE:
        return finished_text(results)
    if phase == Phase.FREE:
        return "Free mode: move in any direction; maxima are kept"
    assert motion is not None
    label = DIRECTION_LABELS[motion]
    if warm < config.warmups:
        what = f"{label}: warm-up {warm + 1} of {config.warmups}"
    elif done >= config.trials:
        what = f"{label}: extra trial {done + 1} (trials did not agree)"
    else:
        what = f"{label}: trial {done + 1} of {config.trials}"
    if in_trial:
        return f"{what} - hold at end range, then return to neutral"
    return f"{what} - move as far as comfortable"


def finished_text(results: Sequence[MotionResult]) -> str:
    """What a finished test says: all measured, some (which not), or nothing (Finish during the
    calibration must not read 'all motions measured')."""
    missing = [DIRECTION_LABELS[r.motion] for r in results if r.recorded_deg is None]
    if not missing:
        return "All motions measured: save the session and export the report (Patient & session tab)."
    if len(missing) == len(results):
        return "Test finished: nothing was measured. Start the test again to measure."
    return f"Test finished: {len(results) - len(missing)} of {len(results)} motions measured (not measured: {', '.join(missing)})."
