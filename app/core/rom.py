"""The one definition of a recorded maximum, and the running per-direction maxima built on it.

A maximum is what a clinician writes down: an angle the patient *held*, not one frame's reading.
So the recorded maximum of a direction is the greatest running median over ``HOLD_S``: the
excursion was at or above it for at least half of a quarter of a second. A glitch shorter than
half the hold (4 frames at 30 frames/s) cannot set it, on a real end-range hold it is the plateau,
and noise does not bias it (a running minimum would read 1.4 sigma low). :class:`HeldPeak` computes it incrementally;
:func:`held_peak` over a finished series; :class:`RomTracker` keeps one per direction (the
window's maxima panel, ``analyze --json``, the report's free-mode values, the benchmark's scorer).

Public API
----------
* ``direction_value(sample_or_angles, direction) -> float | None``: the signed excursion of one
  clinical direction (positive = moving that way), e.g. rotation_right = -yaw.
* ``HeldPeak`` / ``held_peak(times, values)``: the recorded maximum of one series.
* ``RomTracker``: ``update(sample)``; ``maxima() -> dict[direction, float | None]`` (None until the
  head has held a position that way); ``current(sample) -> dict[direction, float]``; ``reset()``.

Directions are the keys of ``app.core.angles.DIRECTIONS``. Only detected samples with filtered
angles count: raw values jitter and would inflate a maximum.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable
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


HOLD_S = 0.25  # how long a position must be held to count as reached (about 8 frames at 30 frames/s)


class HeldPeak:
    """The greatest running median over ``hold_s`` of a series (None until a window was filled).

    A missing value (no pose) breaks the hold: a maximum is never bridged across a lost head.
    """

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self.best: float | None = None
        self.best_time_s: float | None = None
        self._window: deque[tuple[float, float]] = deque()

    def add(self, time_s: float, value: float | None) -> None:
        if value is None:
            self._window.clear()
            return
        self._window.append((time_s, value))
        # Keep the newest samples that span hold_s, plus nothing older than needed to span it.
        while len(self._window) > 1 and time_s - self._window[1][0] >= self.hold_s - 1e-9:
            self._window.popleft()
        if time_s - self._window[0][0] < self.hold_s - 1e-9:
            return  # not held long enough yet
        held = statistics.median(v for _, v in self._window)
        if self.best is None or held > self.best:
            self.best, self.best_time_s = held, time_s


def held_peak(times: Iterable[float], values: Iterable[float | None], hold_s: float = HOLD_S) -> float | None:
    """The recorded maximum of a finished series (see :class:`HeldPeak`)."""
    peak = HeldPeak(hold_s)
    for t, v in zip(times, values):
        peak.add(t, v)
    return peak.best


class RomTracker:
    """The recorded maximum (see :class:`HeldPeak`) so far in each of the six directions."""

    def __init__(self, hold_s: float = HOLD_S) -> None:
        self.hold_s = hold_s
        self._peaks = {d: HeldPeak(hold_s) for d in DIRECTIONS}

    def reset(self) -> None:
        self._peaks = {d: HeldPeak(self.hold_s) for d in DIRECTIONS}

    def update(self, sample: PoseSample) -> None:
        for direction, peak in self._peaks.items():
            peak.add(sample.time_s, direction_value(sample, direction))

    def include(self, direction: str, value: float) -> None:
        """A maximum recorded elsewhere by the same definition (a stored trial of a resumed session, whose
        last samples a crash may have taken with it)."""
        peak = self._peaks[direction]
        if peak.best is None or value > peak.best:
            peak.best = value

    def maxima(self) -> dict[str, float | None]:
        return {d: (p.best if p.best is not None and p.best > 0.0 else None) for d, p in self._peaks.items()}

    @staticmethod
    def current(sample: PoseSample) -> dict[str, float]:
        """Present excursion per direction (0 for the opposite way or no pose)."""
        out = {}
        for direction in DIRECTIONS:
            value = direction_value(sample, direction)
            out[direction] = max(0.0, value) if value is not None else 0.0
        return out
