"""Running per-direction maxima of the head angles (the free-mode readout).

Public API
----------
* ``direction_value(sample_or_angles, direction) -> float | None``: the signed excursion of one
  clinical direction (positive = moving that way), e.g. rotation_right = -yaw.
* ``RomTracker``: ``update(sample)``; ``maxima() -> dict[direction, float | None]`` (None until the
  head has moved that way); ``current(sample) -> dict[direction, float]``; ``reset()``.

Directions are the keys of ``app.core.angles.DIRECTIONS``. Only detected samples with filtered
angles count: raw values jitter and would inflate a maximum.
"""

from __future__ import annotations

from typing import Any

from app.core.angles import DIRECTIONS
from app.core.types import PoseSample


def direction_value(sample: Any, direction: str) -> float | None:
    """Excursion toward ``direction`` in degrees (negative = the opposite way); None if unknown."""
    axis, sign = DIRECTIONS[direction]
    if isinstance(sample, PoseSample) and not sample.detected:
        return None
    value = getattr(sample, axis, None)
    return None if value is None else sign * float(value)


def axis_value(sample: PoseSample, axis: str) -> float | None:
    if not sample.detected:
        return None
    value = getattr(sample, axis)
    return None if value is None else float(value)


class RomTracker:
    """Greatest excursion seen so far in each of the six directions."""

    def __init__(self) -> None:
        self._max: dict[str, float | None] = {d: None for d in DIRECTIONS}

    def reset(self) -> None:
        self._max = {d: None for d in DIRECTIONS}

    def update(self, sample: PoseSample) -> None:
        for direction in DIRECTIONS:
            value = direction_value(sample, direction)
            if value is None or value <= 0.0:
                continue
            best = self._max[direction]
            if best is None or value > best:
                self._max[direction] = value

    def maxima(self) -> dict[str, float | None]:
        return dict(self._max)

    @staticmethod
    def current(sample: PoseSample) -> dict[str, float]:
        """Present excursion per direction (0 for the opposite way or no pose)."""
        out = {}
        for direction in DIRECTIONS:
            value = direction_value(sample, direction)
            out[direction] = max(0.0, value) if value is not None else 0.0
        return out
