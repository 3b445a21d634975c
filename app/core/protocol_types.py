"""The guided test's values (Qt-free): its options, phases, trial kinds and event kinds as enums,
trials, events and the state shown to the clinician. The state machine is app.core.protocol;
repeatability and per-motion results are app.core.repeatability.

Phases, trial kinds and event kinds are ``StrEnum``s: they compare equal to the words stored in
sessions ("done", "trial", "trial_end", ...), so stored data and older callers read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.core.angles import DIRECTIONS
from app.core.compensation import CompensationConfig


class Phase(StrEnum):
    CALIBRATION = "calibration"
    MOTION = "motion"
    FREE = "free"
    DONE = "done"


class TrialKind(StrEnum):
    WARMUP = "warmup"
    TRIAL = "trial"


class EventKind(StrEnum):
    CALIBRATED = "calibrated"
    MOTION_START = "motion_start"
    TRIAL_START = "trial_start"
    END_RANGE = "end_range"
    TRIAL_END = "trial_end"  # warm-ups too: see the event's trial.kind
    REPEAT_NEEDED = "repeat_needed"
    TRIAL_DISCARDED = "trial_discarded"
    MOTION_DONE = "motion_done"
    PROTOCOL_DONE = "protocol_done"
    FLAG = "flag"  # one per flag of a finished trial; message = "<flag>: <sentence>"


@dataclass(frozen=True)
class ProtocolConfig:
    motions: tuple[str, ...] = tuple(DIRECTIONS)
    trials: int = 3
    warmups: int = 2
    max_trials: int = 6  # AMA: repeat up to six times before calling the motion not repeatable
    free_mode: bool = False
    start_threshold_deg: float = 10.0
    return_threshold_deg: float = 5.0
    return_fraction: float = 0.3  # a trial is over once the head is back below 30 % of its peak
    min_peak_deg: float = 15.0
    plateau_band_deg: float = 3.0
    plateau_min_s: float = 0.3
    peak_median_window: int = 7  # unused since trials take the held maximum (app.core.rom); stored configs name it
    max_dropout_s: float = 3.0  # a trial whose head stays lost this long ends at the last sighting
    repeat_min_deg: float = 5.0
    repeat_fraction: float = 0.10
    compensation: CompensationConfig = field(default_factory=CompensationConfig)

    def __post_init__(self) -> None:
        unknown = [m for m in self.motions if m not in DIRECTIONS]
        if unknown:
            raise ValueError(f"unknown motion(s) {unknown}; use {list(DIRECTIONS)}")
        if self.trials < 1 or self.max_trials < self.trials or self.warmups < 0:
            raise ValueError("need trials >= 1, max_trials >= trials, warmups >= 0")


@dataclass(frozen=True)
class Trial:
    """One movement to end range and back. ``number`` counts within (motion, kind), from 1."""

    motion: str
    kind: str  # a TrialKind (stored as its word)
    number: int
    start_s: float
    peak_s: float
    end_s: float
    max_deg: float
    flags: tuple[str, ...] = ()
    discarded: bool = False
    manual: bool = False


@dataclass(frozen=True)
class ProtocolEvent:
    kind: str  # an EventKind
    time_s: float
    motion: str | None = None
    trial: Trial | None = None
    value_deg: float | None = None
    message: str = ""


@dataclass(frozen=True)
class ProtocolState:
    phase: str  # a Phase
    motion: str | None
    step: str | None  # a TrialKind, or None
    warmups_done: int
    trials_done: int  # valid measured trials of the current motion
    trials_required: int
    in_trial: bool
    current_deg: float | None  # excursion toward the current motion (guided) or None
    prompt: str
    all_measured: bool = False  # every configured motion has a recorded value
