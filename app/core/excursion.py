"""One axis' excursion toward end range, as the guided test follows it (Qt-free): the detector's
state, the clinical direction of an axis and sign, and an excursion's peak (running median)."""

from __future__ import annotations

import statistics
from typing import Sequence

from app.core.angles import DIRECTIONS
from app.core.protocol_types import ProtocolConfig
from app.core.rom import HeldPeak, direction_value
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


def recorded_peak(samples: Sequence[PoseSample], motion: str, last_time_s: float) -> tuple[float | None, float]:
    """The trial's recorded maximum toward ``motion`` and its time: the one definition of a maximum
    (app.core.rom: held for HOLD_S), falling back to the median of a trial too short to hold
    anything; (None, last time) without a pose."""
    seen = [(s.time_s, v) for s in samples if (v := direction_value(s, motion)) is not None]
    if not seen:
        return None, samples[-1].time_s if samples else last_time_s
    peak = HeldPeak()
    for s in samples:
        peak.add(s.time_s, direction_value(s, motion))
    if peak.best is None:
        return statistics.median(v for _, v in seen), seen[len(seen) // 2][0]
    return peak.best, peak.best_time_s
