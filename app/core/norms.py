"""Reference values for cervical active range of motion, and the comparisons a report makes.

Public API
----------
* ``NormSetKey``: the norm sets' names (``ama``, ``va``; ``NORM_SET_KEYS``, ``DEFAULT_NORM_SET``).
* ``NORM_SETS``: ``{NormSetKey.AMA: NormSet, NormSetKey.VA: NormSet}``; each names its source in the data.
* ``get_norm_set(name) -> NormSet`` (``InputError`` for an unknown name).
* ``percent_of_norm(value_deg, direction, norm_set) -> float | None``.
* ``asymmetry(left_deg, right_deg, pair) -> Asymmetry``: flagged when the sides differ by more
  than 10° or more than 15 % of the larger side (both thresholds configurable).
* ``asymmetries(recorded: dict[direction, float|None]) -> list[Asymmetry]`` for rotation and
  lateral flexion.
* ``change_since(previous_deg, current_deg, mdc_deg=5.0) -> Change``: "improved",
  "no detectable change" or "worse", judged against the minimal detectable change (MDC).
* ``combined_rom(recorded) -> float | None``: sum of the six directions (the VA "combined range").

Directions are the six keys of ``app.core.angles.DIRECTIONS``; values are degrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Mapping

from app.core.angles import DIRECTIONS
from app.errors import InputError


class NormSetKey(StrEnum):
    """A norm set's name: on the command line (``--norms``), in settings, sessions and reports.

    A StrEnum, so the text stored in a session (``"ama"``) looks its norm set up as is."""

    AMA = "ama"
    VA = "va"


NORM_SET_KEYS: tuple[NormSetKey, ...] = tuple(NormSetKey)


@dataclass(frozen=True)
class NormSet:
    """Normal end-range values (degrees) per direction, with where they come from."""

    key: NormSetKey
    name: str
    source: str
    values: Mapping[str, float]
    combined_normal_deg: float | None = None

    def norm_for(self, direction: str) -> float:
        return float(self.values[direction])


def _six(flexion: float, extension: float, lateral: float, rotation: float) -> Mapping[str, float]:
    values = {
        "rotation_left": rotation,
        "rotation_right": rotation,
        "flexion": flexion,
        "extension": extension,
        "lateral_flexion_left": lateral,
        "lateral_flexion_right": lateral,
    }
    assert set(values) == set(DIRECTIONS)
    return MappingProxyType(values)


AMA_SOURCE = (
    "AMA Guides to the Evaluation of Permanent Impairment, 5th ed. (2001), ch. 15, "
    "cervical spine range-of-motion method: flexion 50, extension 60, lateral "
    "flexion 45, rotation 80 degrees"
)
VA_SOURCE = (
    "US Code of Federal Regulations 38 CFR 4.71a, Plate V and General Rating Formula "
    "for Diseases and Injuries of the Spine, Note (2): flexion 45, extension 45, "
    "lateral flexion 45, rotation 80 degrees; normal combined range 340 degrees"
)
# VA's combined normal range is its own number (340), not the sum of the six norms.
NORM_SETS: Mapping[str, NormSet] = MappingProxyType(
    {
        NormSetKey.AMA: NormSet(
            NormSetKey.AMA, "AMA Guides", AMA_SOURCE, _six(flexion=50.0, extension=60.0, lateral=45.0, rotation=80.0)
        ),
        NormSetKey.VA: NormSet(
            NormSetKey.VA, "US VA 38 CFR 4.71a", VA_SOURCE, _six(flexion=45.0, extension=45.0, lateral=45.0, rotation=80.0), 340.0
        ),
    }
)

DEFAULT_NORM_SET = NormSetKey.AMA
DEFAULT_MDC_DEG = 5.0
ASYMMETRY_MAX_DEG = 10.0
ASYMMETRY_MAX_FRACTION = 0.15

# Left/right pairs compared for asymmetry.
SIDE_PAIRS: dict[str, tuple[str, str]] = {
    "rotation": ("rotation_left", "rotation_right"),
    "lateral_flexion": ("lateral_flexion_left", "lateral_flexion_right"),
}


def get_norm_set(key: str) -> NormSet:
    try:
        return NORM_SETS[key]
    except KeyError:
        raise InputError(f"unknown norm set {key!r}; choose one of {', '.join(NORM_SETS)}") from None


def percent_of_norm(value_deg: float | None, direction: str, norm_set: NormSet) -> float | None:
    if value_deg is None:
        return None
    return 100.0 * float(value_deg) / norm_set.norm_for(direction)


def combined_rom(recorded: Mapping[str, float | None]) -> float | None:
    """Sum of the six recorded directions; None unless all six are known."""
    values = [recorded.get(d) for d in DIRECTIONS]
    if any(v is None for v in values):
        return None
    return float(sum(values))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Asymmetry:
    pair: str  # "rotation" | "lateral_flexion"
    left_deg: float | None
    right_deg: float | None
    difference_deg: float | None  # left - right
    difference_pct: float | None  # |left - right| / max(left, right) * 100
    flagged: bool

    @property
    def text(self) -> str:
        if self.difference_deg is None:
            return f"{self.pair.replace('_', ' ')}: not measured on both sides"
        side = "left" if self.difference_deg > 0 else "right"
        verdict = "ASYMMETRIC" if self.flagged else "symmetric within limits"
        return (
            f"{self.pair.replace('_', ' ')}: {side} greater by {abs(self.difference_deg):.1f}° "
            f"({self.difference_pct:.0f} %), {verdict}"
        )


def asymmetry(
    left_deg: float | None,
    right_deg: float | None,
    pair: str,
    max_deg: float = ASYMMETRY_MAX_DEG,
    max_fraction: float = ASYMMETRY_MAX_FRACTION,
) -> Asymmetry:
    if left_deg is None or right_deg is None:
        return Asymmetry(pair, left_deg, right_deg, None, None, False)
    diff = float(left_deg) - float(right_deg)
    larger = max(abs(left_deg), abs(right_deg))
    pct = 100.0 * abs(diff) / larger if larger > 0 else 0.0
    flagged = abs(diff) > max_deg or pct > 100.0 * max_fraction
    return Asymmetry(pair, float(left_deg), float(right_deg), diff, pct, flagged)


def asymmetries(recorded: Mapping[str, float | None], **limits: float) -> list[Asymmetry]:
    return [
        asymmetry(recorded.get(left), recorded.get(right), pair, **limits)
        for pair, (left, right) in SIDE_PAIRS.items()
    ]


IMPROVED = "improved"
NO_CHANGE = "no detectable change"
WORSE = "worse"


@dataclass(frozen=True)
class Change:
    previous_deg: float | None
    current_deg: float | None
    delta_deg: float | None
    mdc_deg: float
    verdict: str | None  # IMPROVED | NO_CHANGE | WORSE; None when either value is missing


def change_since(previous_deg: float | None, current_deg: float | None, mdc_deg: float = DEFAULT_MDC_DEG) -> Change:
    """A change counts only when it exceeds the MDC; more range of motion is better."""
    if previous_deg is None or current_deg is None:
        return Change(previous_deg, current_deg, None, mdc_deg, None)
    delta = float(current_deg) - float(previous_deg)
    if delta > mdc_deg:
        verdict = IMPROVED
    elif delta < -mdc_deg:
        verdict = WORSE
    else:
        verdict = NO_CHANGE
    return Change(float(previous_deg), float(current_deg), delta, mdc_deg, verdict)
