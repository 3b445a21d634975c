"""Repeatability and per-motion results of the guided test (pure functions, Qt-free).

The AMA repeatability rule: the trials must agree within 10 % (of their mean) or 5°, whichever is
greater; at least ``MIN_TRIALS_TO_JUDGE`` trials are compared, so one trial is never
"repeatable", it is "too few trials". ``repeatability_text`` is the one wording every view uses;
``motion_result`` recomputes a motion's result from its trials (the store and the report use it).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Iterable, Sequence

from app.core.compensation import NOT_REPEATABLE
from app.core.protocol_types import Trial, TrialKind


# Agreement needs something to agree with: one trial alone is never judged repeatable (a session
# run with "trials 1" said "yes" where the same single excursion recorded offline said "-").
MIN_TRIALS_TO_JUDGE = 2
TOO_FEW_TRIALS = "too few trials"


@dataclass(frozen=True)
class Repeatability:
    repeatable: bool | None  # None: fewer trials than required, cannot judge yet
    agreeing: tuple[int, ...]  # indices (into the values given) of the agreeing set
    tolerance_deg: float | None


@dataclass(frozen=True)
class MotionResult:
    motion: str
    recorded_deg: float | None
    trials: tuple[Trial, ...]  # measured trials (not warm-ups), discarded ones included
    repeatable: bool | None
    tolerance_deg: float | None
    flags: tuple[str, ...]  # union of the flags of the trials used, plus not_repeatable
    complete: bool  # enough valid trials were measured

    @property
    def valid_trials(self) -> tuple[Trial, ...]:
        return tuple(t for t in self.trials if not t.discarded)


def evaluate_repeatability(
    values: Sequence[float], required: int, min_deg: float = 5.0, fraction: float = 0.10
) -> Repeatability:
    """Find ``required`` values (at least ``MIN_TRIALS_TO_JUDGE``) that agree within
    max(min_deg, fraction * their mean); ``repeatable`` None when there are fewer values.

    When several sets agree, the one with the greatest member wins (it holds the recorded value).
    """
    required = max(required, MIN_TRIALS_TO_JUDGE)
    if len(values) < required:
        return Repeatability(None, (), None)
    order = sorted(range(len(values)), key=lambda i: values[i])
    best: tuple[int, ...] | None = None
    best_tol: float | None = None
    for lo in range(len(order) - required + 1):
        window = order[lo : lo + required]
        window_values = [values[i] for i in window]
        tolerance = max(min_deg, fraction * statistics.fmean(window_values))
        if max(window_values) - min(window_values) <= tolerance + 1e-9:
            best, best_tol = tuple(sorted(window)), tolerance
    if best is None:
        mean = statistics.fmean(values)
        return Repeatability(False, (), max(min_deg, fraction * mean))
    return Repeatability(True, best, best_tol)


def motion_result(
    motion: str,
    trials: Iterable[Trial],
    required: int,
    min_deg: float = 5.0,
    fraction: float = 0.10,
    max_trials: int | None = None,
) -> MotionResult:
    measured = tuple(t for t in trials if t.motion == motion and t.kind == TrialKind.TRIAL)
    valid = [t for t in measured if not t.discarded]
    if not valid:
        return MotionResult(motion, None, measured, None, None, (), False)
    rep = evaluate_repeatability([t.max_deg for t in valid], required, min_deg, fraction)
    if rep.repeatable:
        used = [valid[i] for i in rep.agreeing]
    else:
        used = valid
    recorded = max(t.max_deg for t in used)
    flags: list[str] = []
    for t in used:
        flags.extend(f for f in t.flags if f not in flags)
    if rep.repeatable is False:
        flags.append(NOT_REPEATABLE)
    # A test asked for fewer trials than can be judged is complete once it has them (not judged).
    unjudged_done = required < MIN_TRIALS_TO_JUDGE and len(valid) >= required
    complete = rep.repeatable is True or unjudged_done or (max_trials is not None and len(valid) >= max_trials)
    return MotionResult(motion, recorded, measured, rep.repeatable, rep.tolerance_deg, tuple(flags), complete)


def repeatability_text(result: MotionResult) -> str:
    """How every view (GUI table, PDF, CSV readers) words a motion's repeatability."""
    if result.recorded_deg is None:
        return "-"
    return {True: "yes", False: "NO", None: TOO_FEW_TRIALS}[result.repeatable]
