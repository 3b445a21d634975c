"""Quality and compensation flags of one trial (a movement to end range and back).

Public API
----------
* Flag names: ``TRUNK_ROTATION``, ``TRUNK_LEAN``, ``HEAD_LOST``, ``LOW_QUALITY``, ``WRONG_PLANE``
  (plain strings stored as is in the session store and printed in reports), ``FLAG_TEXT`` gives
  each a sentence for a clinician, ``FLAG_ADVICE`` what to do about it.
* ``CompensationConfig``: thresholds (frozen dataclass, all in degrees / seconds / 0..1).
* ``trial_flags(samples, direction, peak_deg, config) -> tuple[str, ...]``.
* ``sample_warnings(sample, config) -> tuple[str, ...]``: what is wrong right now (trunk turning
  or leaning, head lost, low quality), for a live warning in the GUI while the patient moves.

Why these rules: a patient who turns the trunk or leans the shoulders adds that motion to the
head's angle relative to the camera, so the "neck" range is inflated; a head that leaves the frame
or is tracked with low quality at end range makes the maximum unreliable; a rotation done with a
large lateral flexion is not the motion the norm describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from app.core.angles import DIRECTIONS
from app.core.quality import TRUSTED_QUALITY
from app.core.rom import direction_value
from app.core.types import PoseSample

TRUNK_ROTATION = "trunk_rotation"
TRUNK_LEAN = "trunk_lean"
HEAD_LOST = "head_lost"
LOW_QUALITY = "low_quality_end_range"
WRONG_PLANE = "wrong_plane"
NOT_REPEATABLE = "not_repeatable"  # set by the protocol on a motion, not on a trial
NOT_RETURNED = "not_returned"  # trial ended by finish/skip before the head came back

FLAG_TEXT: dict[str, str] = {
    TRUNK_ROTATION: "trunk rotated during the trial",
    TRUNK_LEAN: "trunk leaned sideways during the trial",
    HEAD_LOST: "head left the frame / was not tracked during the trial",
    LOW_QUALITY: "low tracking quality at end range",
    WRONG_PLANE: "movement out of plane (another axis beyond limit at end range)",
    NOT_REPEATABLE: "trials did not agree within 10% or 5° (AMA rule)",
    NOT_RETURNED: "trial ended before the head returned to neutral",
}

# What the clinician can do about each flag (a report that only says "LQ" leaves them guessing).
FLAG_ADVICE: dict[str, str] = {
    TRUNK_ROTATION: "steady the shoulders (back against the chair, hands on the thighs) and repeat the trial",
    TRUNK_LEAN: "have the patient sit upright against the backrest and repeat the trial",
    HEAD_LOST: "keep the whole head in the picture (camera further away or the patient centred) and repeat",
    LOW_QUALITY: (
        "the face was poorly seen at end range: check the value against the angle plot; if in doubt, light "
        "the face from the front, put the camera at eye level with the whole head in view, and repeat"
    ),
    WRONG_PLANE: "show the motion again (guide with a hand if needed) and repeat the trial",
    NOT_REPEATABLE: "let the patient rest, explain the motion again and measure it again; read the value with caution",
    NOT_RETURNED: "ask the patient to come back to neutral between trials; repeat if the value matters",
}

# The axis each direction moves on; the other two are "off plane".
_AXES = ("yaw_deg", "pitch_deg", "roll_deg")


@dataclass(frozen=True)
class CompensationConfig:
    trunk_rotation_max_deg: float = 10.0
    trunk_lean_max_deg: float = 10.0
    off_plane_max_deg: float = 15.0
    min_quality: float = TRUSTED_QUALITY  # the one threshold of trust (app.core.quality)
    trunk_min_s: float = 0.2  # a trunk angle must stay beyond its limit this long (one bad frame is not a turn)
    head_lost_min_s: float = 0.1  # shorter gaps are a dropped frame, not a lost head
    end_range_fraction: float = 0.9  # samples at >= this fraction of the peak are "end range"


def trial_flags(
    samples: Sequence[PoseSample],
    direction: str,
    peak_deg: float | None,
    config: CompensationConfig = CompensationConfig(),
) -> tuple[str, ...]:
    """Flags for one trial's samples (every sample from its start to its end, detected or not)."""
    flags: list[str] = []
    if _sustained_s(samples, "trunk_rotation_deg", config.trunk_rotation_max_deg) >= config.trunk_min_s:
        flags.append(TRUNK_ROTATION)
    if _sustained_s(samples, "trunk_lean_deg", config.trunk_lean_max_deg) >= config.trunk_min_s:
        flags.append(TRUNK_LEAN)
    if _longest_gap_s(samples) >= config.head_lost_min_s:
        flags.append(HEAD_LOST)

    end_range = _end_range_samples(samples, direction, peak_deg, config.end_range_fraction)
    if end_range:
        mean_quality = sum(s.quality for s in end_range) / len(end_range)
        if mean_quality < config.min_quality:
            flags.append(LOW_QUALITY)
        axis = DIRECTIONS[direction][0]
        off_axes = [a for a in _AXES if a != axis]
        worst = max(abs(getattr(s, a) or 0.0) for s in end_range for a in off_axes)
        if worst > config.off_plane_max_deg:
            flags.append(WRONG_PLANE)
    return tuple(flags)


def sample_warnings(sample: PoseSample, config: CompensationConfig = CompensationConfig()) -> tuple[str, ...]:
    warnings: list[str] = []
    if sample.trunk_rotation_deg is not None and abs(sample.trunk_rotation_deg) > config.trunk_rotation_max_deg:
        warnings.append(TRUNK_ROTATION)
    if sample.trunk_lean_deg is not None and abs(sample.trunk_lean_deg) > config.trunk_lean_max_deg:
        warnings.append(TRUNK_LEAN)
    if not sample.detected:
        warnings.append(HEAD_LOST)
    elif sample.quality < config.min_quality:
        warnings.append(LOW_QUALITY)
    return tuple(warnings)


def _end_range_samples(
    samples: Sequence[PoseSample], direction: str, peak_deg: float | None, fraction: float
) -> list[PoseSample]:
    if peak_deg is None or peak_deg <= 0:
        return []
    out = []
    for s in samples:
        value = direction_value(s, direction)
        if value is not None and value >= fraction * peak_deg:
            out.append(s)
    return out


def _sustained_s(samples: Sequence[PoseSample], field: str, limit: float) -> float:
    """Longest time a field stays beyond +-limit (from the first frame beyond to the last)."""
    longest = 0.0
    start: float | None = None
    for s in samples:
        value = getattr(s, field)
        if value is not None and abs(value) > limit:
            if start is None:
                start = s.time_s
            longest = max(longest, s.time_s - start + 1e-9)
        elif value is not None:
            start = None  # back within limits; an unseen trunk (None) does not break a run
    return longest


def _longest_gap_s(samples: Sequence[PoseSample]) -> float:
    """Longest run of undetected samples, in seconds (from the last seen to the next seen)."""
    longest = 0.0
    gap_start: float | None = None
    last_seen: float | None = None
    for s in samples:
        seen = s.detected and s.yaw_deg is not None
        if seen:
            if gap_start is not None:
                longest = max(longest, s.time_s - (last_seen if last_seen is not None else gap_start))
                gap_start = None
            last_seen = s.time_s
        elif gap_start is None:
            gap_start = s.time_s
    if gap_start is not None and samples:
        longest = max(longest, samples[-1].time_s - (last_seen if last_seen is not None else gap_start))
    return longest
