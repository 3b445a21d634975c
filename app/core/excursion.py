"""One axis' excursion toward end range, as the guided test follows it (Qt-free): the detector's
state, the clinical direction of an axis and sign, and an excursion's peak (running median)."""

from __future__ import annotations

import statistics
from typing import Sequence

from app.core.angles import DIRECTIONS
from app.core.protocol_types import ProtocolConfig
from app.core.rom import direction_value
from app.core.types import PoseSample


class Excursion:
    """One axis' excursion detector: idle -> active (collecting) -> rearm (back below start)."""

    def __init__(self, config: ProtocolConfig) -> None:
        self.config = config
        self.active = False
        self.rearm = False
        self.sign = 0
        self.samples: list[PoseSample] = []
        self.peak = 0.0
        self.last_seen_s: float | None = None
        self.plateau_start: float | None = None
        self.plateau_ref: float | None = None
        self.end_range_sent = False

    def reset(self) -> None:
        self.__init__(self.config)  # type: ignore[misc]


def direction_of(axis: str, sign: int) -> str:
    """The clinical direction (a key of DIRECTIONS) of moving along ``axis`` with ``sign``."""
    for name, (a, s) in DIRECTIONS.items():
        if a == axis and s == sign:
            return name
    raise KeyError((axis, sign))


def median_peak(samples: Sequence[PoseSample], motion: str, window: int, last_time_s: float) -> tuple[float | None, float]:
    """Greatest running median (over ``window`` samples) of the excursion toward ``motion``, and
    its time (a lone noisy frame is not a maximum); (None, last time) without a pose."""
    seen = [(s.time_s, v) for s in samples if (v := direction_value(s, motion)) is not None]
    if not seen:
        return None, samples[-1].time_s if samples else last_time_s
    w = max(1, window)
    if len(seen) < w:
        t, v = max(seen, key=lambda tv: tv[1])
        return v, t
    best_v, best_t = float("-inf"), seen[0][0]
    half = w // 2
    for i in range(len(seen) - w + 1):
        m = statistics.median(v for _, v in seen[i : i + w])
        if m > best_v:
            best_v, best_t = m, seen[i + half][0]
    return best_v, best_t
