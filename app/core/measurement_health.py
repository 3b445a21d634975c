"""Is the measurement degraded right now? Low frame rate, many dropped frames, low quality (Qt-free).

The window shows the answer while it happens (status bar and banner): end ranges measured at
8 frames/s, with half the frames dropped, or from extrapolated poses are less trustworthy, and
the clinician should know before writing the number down. :class:`HealthMonitor` is fed each
result's quality (:meth:`HealthMonitor.add`) and judges the rate meter's
:class:`app.core.latest.RateStats` (:meth:`HealthMonitor.judge`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from app.core.latest import RateStats


@dataclass(frozen=True)
class HealthLimits:
    min_fps: float = 20.0  # below this, a quick end range lasts only a few frames
    max_dropped_fraction: float = 0.2  # of the frames captured since the last judgement
    min_quality: float = 0.35  # mean pose quality over window_s (model tracking at end range: ~0.45)
    window_s: float = 2.0


@dataclass(frozen=True)
class Health:
    reasons: tuple[str, ...] = ()

    @property
    def degraded(self) -> bool:
        return bool(self.reasons)

    @property
    def text(self) -> str:
        return "measurement degraded: " + "; ".join(self.reasons) if self.reasons else ""


class HealthMonitor:
    """``live``: frames come at the camera's pace (a camera, or a file played in real time), so
    a low frame rate loses motion; a file read at the pipeline's pace never does."""

    def __init__(self, limits: HealthLimits | None = None) -> None:
        self.limits = limits or HealthLimits()
        self._quality: deque[tuple[float, float]] = deque()
        self._last_dropped: int | None = None
        self._last_time: float | None = None
        self.health = Health()

    def add(self, time_s: float, quality: float, detected: bool) -> None:
        """One processed frame's pose quality (0 when no head was found)."""
        self._quality.append((time_s, quality if detected else 0.0))
        while self._quality and time_s - self._quality[0][0] > self.limits.window_s:
            self._quality.popleft()

    def judge(self, stats: RateStats, now: float, live: bool = True) -> Health:
        lim = self.limits
        reasons: list[str] = []
        if live and 0.0 < stats.fps < lim.min_fps:
            reasons.append(f"{stats.fps:.0f} frames/s (under {lim.min_fps:.0f})")
        fraction = self._dropped_fraction(stats, now)
        if fraction is not None and fraction > lim.max_dropped_fraction:
            reasons.append(f"{100 * fraction:.0f}% of frames dropped")
        if self._quality and stats.fps > 0.0:
            mean = sum(q for _, q in self._quality) / len(self._quality)
            if mean < lim.min_quality:
                reasons.append(f"low pose quality ({mean:.2f})")
        self.health = Health(tuple(reasons))
        return self.health

    def _dropped_fraction(self, stats: RateStats, now: float) -> float | None:
        last_dropped, last_time = self._last_dropped, self._last_time
        self._last_dropped, self._last_time = stats.dropped, now
        if last_dropped is None or last_time is None or now <= last_time or stats.dropped < last_dropped:
            return None  # first look, or the counts were reset (another source)
        dropped = stats.dropped - last_dropped
        processed = stats.fps * (now - last_time)
        return dropped / (dropped + processed) if dropped + processed > 0 else None
