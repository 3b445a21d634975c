"""What the calibration panel shows, decided without Qt: the hold, what is wrong, the neutral in use.

:func:`calibration_view` turns the pipeline's state (calibrating, progress, calibrated), the
guarded hold's problem (app.core.neutral_hold) and the neutral's re-check at rest
(app.core.neutral_check) into one frozen :class:`CalibrationView`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from app.core.neutral_check import RestReading
from app.core.neutral_hold import HoldProblem


class CalibrationState(Enum):
    NOT_CALIBRATED = "not calibrated"
    HOLDING = "holding"
    CALIBRATED = "calibrated"


@dataclass(frozen=True)
class CalibrationView:
    state: CalibrationState
    progress: float  # 0..1
    seconds_left: float  # never more than the hold's duration
    problem: str | None  # why the hold does not count now ("turn to face the camera", ...)
    neutral: str  # the neutral in use, in words
    advice: str | None  # recalibrate: the head at rest reads more than 5°

    @property
    def text(self) -> str:
        """The panel's line (plain words; the panel adds colour)."""
        if self.state is CalibrationState.HOLDING:
            if self.problem is not None:
                return f"Calibrating: {self.problem}"
            return f"HOLD STILL — looking straight ahead ({self.seconds_left:.1f} s)"
        if self.state is CalibrationState.NOT_CALIBRATED:
            return "Not calibrated: sit upright, look straight at the camera, then press Calibrate (C)"
        return self.advice or self.neutral


def calibration_view(
    calibrating: bool,
    progress: float,
    calibrated: bool,
    duration_s: float,
    problem: HoldProblem | None = None,
    neutral_set_at: datetime | None = None,
    reading: RestReading | None = None,
) -> CalibrationView:
    progress = min(1.0, max(0.0, progress))
    left = max(0.0, min(duration_s, duration_s * (1.0 - progress)))
    if calibrating:
        return CalibrationView(CalibrationState.HOLDING, progress, left, None if problem is None else problem.text, "", None)
    if not calibrated:
        return CalibrationView(CalibrationState.NOT_CALIBRATED, 0.0, duration_s, None, "none", None)
    when = "set" if neutral_set_at is None else f"set at {neutral_set_at.strftime('%H:%M:%S')}"
    neutral = f"neutral {when}" + ("" if reading is None else f", {reading.text()}")
    advice = reading.text() if reading is not None and reading.needs_recalibration else None
    return CalibrationView(CalibrationState.CALIBRATED, 1.0, 0.0, None, neutral, advice)
