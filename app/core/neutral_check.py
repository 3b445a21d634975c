"""Re-check of the neutral in use: an upright head at rest should read about 0° (Qt-free).

A neutral taken at the wrong moment (the head turned, flexed) shifts every later reading: the
head at rest then reads several degrees. :class:`NeutralCheck` watches the calibrated samples
outside trials; once the head has been still for ``rest_s`` and reads more than
``prompt_deg`` (but less than ``max_deg``: beyond that it is a deliberate position, not rest),
it advises a recalibration. The calibration panel shows :attr:`NeutralCheck.advice`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.core.types import PoseSample

PROMPT_DEG = 5.0


@dataclass(frozen=True)
class RestReading:
    """How far from neutral the head reads at rest, and toward which direction."""

    offset_deg: float
    direction: str  # a key of app.core.angles.DIRECTIONS

    @property
    def needs_recalibration(self) -> bool:
        return self.offset_deg > PROMPT_DEG

    def text(self) -> str:
        where = DIRECTION_LABELS[self.direction]
        if self.needs_recalibration:
            return f"At rest the head reads {self.offset_deg:.0f}° ({where}) from neutral: if the patient sits upright, recalibrate (C)"
        return f"at rest {self.offset_deg:.0f}° from neutral"


# Per axis, its (positive, negative) directions (from app.core.angles.DIRECTIONS).
_AXIS_DIRECTIONS: dict[str, tuple[str, str]] = {
    axis: (next(d for d, (a, s) in DIRECTIONS.items() if a == axis and s > 0), next(d for d, (a, s) in DIRECTIONS.items() if a == axis and s < 0))
    for axis in dict.fromkeys(a for a, _ in DIRECTIONS.values())
}


class NeutralCheck:
    """Feed calibrated samples (``in_trial``: the protocol is measuring an excursion)."""

    def __init__(self, rest_s: float = 1.5, still_deg: float = 2.0, max_deg: float = 25.0) -> None:
        self.rest_s = rest_s
        self.still_deg = still_deg
        self.max_deg = max_deg
        self._window: deque[PoseSample] = deque()
        self.reading: RestReading | None = None

    def reset(self) -> None:
        """A new neutral: nothing known about rest yet."""
        self._window.clear()
        self.reading = None

    @property
    def advice(self) -> str | None:
        """The prompt to recalibrate, or None when the neutral looks right (or is not judged yet)."""
        return self.reading.text() if self.reading is not None and self.reading.needs_recalibration else None

    def add(self, sample: PoseSample, in_trial: bool = False) -> None:
        if in_trial or not sample.detected or sample.yaw_deg is None:
            self._window.clear()
            return
        self._window.append(sample)
        while self._window and sample.time_s - self._window[0].time_s > self.rest_s:
            self._window.popleft()
        if len(self._window) < 2 or sample.time_s - self._window[0].time_s < self.rest_s * 0.9:
            return
        spreads = [max(v) - min(v) for v in (self._values(axis) for axis in _AXIS_DIRECTIONS)]
        if max(spreads) > self.still_deg:
            return  # moving: not at rest
        reading = self._reading()
        if reading.offset_deg < self.max_deg:
            self.reading = reading

    def _values(self, axis: str) -> list[float]:
        return [float(getattr(s, axis) or 0.0) for s in self._window]

    def _reading(self) -> RestReading:
        means = {axis: sum(v) / len(v) for axis in _AXIS_DIRECTIONS if (v := self._values(axis))}
        axis = max(means, key=lambda a: abs(means[a]))
        positive, negative = _AXIS_DIRECTIONS[axis]
        return RestReading(abs(means[axis]), positive if means[axis] >= 0 else negative)
