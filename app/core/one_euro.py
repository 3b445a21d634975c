"""One Euro filter (Casiez, Roussel & Vogel, CHI 2012): low lag when moving, no jitter at rest.

The cutoff frequency rises with speed (``min_cutoff + beta * |speed|``), so a still head is
smoothed hard and a fast rotation passes almost untouched, which keeps end-range peaks honest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class OneEuroConfig:
    min_cutoff_hz: float = 1.0
    beta: float = 0.02  # per (degree / second)
    derivative_cutoff_hz: float = 1.0


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Filters one scalar signal sampled at irregular times (seconds)."""

    def __init__(self, config: OneEuroConfig | None = None):
        self.config = config or OneEuroConfig()
        self.reset()

    def reset(self) -> None:
        self._t: float | None = None
        self._x = 0.0
        self._dx = 0.0

    def __call__(self, value: float, t: float) -> float:
        cfg = self.config
        if self._t is None or t <= self._t:
            first = self._t is None
            self._t = t
            if first:
                self._x, self._dx = value, 0.0
            return self._x if not first else value
        dt = t - self._t
        self._t = t
        dx = (value - self._x) / dt
        self._dx += _alpha(cfg.derivative_cutoff_hz, dt) * (dx - self._dx)
        cutoff = cfg.min_cutoff_hz + cfg.beta * abs(self._dx)
        self._x += _alpha(cutoff, dt) * (value - self._x)
        return self._x


class AngleFilter:
    """One Euro filters for yaw, pitch and roll together; a gap in the data restarts them."""

    def __init__(self, config: OneEuroConfig | None = None, max_gap_s: float = 0.5):
        self._filters = [OneEuroFilter(config) for _ in range(3)]
        self._max_gap = max_gap_s
        self._last_t: float | None = None

    def reset(self) -> None:
        for f in self._filters:
            f.reset()
        self._last_t = None

    def __call__(self, values: tuple[float, float, float], t: float) -> tuple[float, float, float]:
        if self._last_t is not None and t - self._last_t > self._max_gap:
            self.reset()
        self._last_t = t
        return tuple(f(v, t) for f, v in zip(self._filters, values))  # type: ignore[return-value]


Angles = tuple[float, float, float]


def smooth_angles_zero_phase(
    values: Sequence[Angles], times_s: Sequence[float], config: OneEuroConfig | None = None, max_gap_s: float = 0.5
) -> list[Angles]:
    """Offline smoothing with no lag: the same One Euro filter run forwards and backwards, averaged.

    A causal filter must lag; offline the whole recording is known, and the backward pass lags
    by as much the other way, so their mean is centred on the movement (ramp-phase error and the
    end-range timing both improve) while the rest jitter stays as low as the live filter's.
    ``times_s`` must increase; gaps longer than ``max_gap_s`` restart both passes, as live.
    """
    if len(values) != len(times_s):
        raise ValueError("one time per sample")
    forward_filter = AngleFilter(config, max_gap_s)
    forward = [forward_filter(v, t) for v, t in zip(values, times_s)]
    backward_filter = AngleFilter(config, max_gap_s)
    # Negated time runs forwards for the filter while the samples run backwards.
    backward = [backward_filter(v, -t) for v, t in zip(reversed(values), reversed(times_s))][::-1]
    return [tuple((a + b) / 2.0 for a, b in zip(f, b_)) for f, b_ in zip(forward, backward)]  # type: ignore[misc]
