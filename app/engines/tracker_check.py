"""Two independent readings of one head, each the other's check.

The pipeline runs the head tracker for every engine (it finds the head box), so with the trained
network there are two readings of every head: the tracker's (``HeadObservation.tracked_rotation``),
which is precise but can go grossly wrong without knowing it, and the network's, from one crop,
which cannot drift but can flip (a profile read as its mirror image). Where the two disagree by
more than ``limit_deg``, the reading in use is not trusted (its quality drops to
``app.core.quality.DISPUTED``); the number is still shown, flagged. The ``onnx`` engine checks the
network with the tracker (:class:`TrackerCheck`), the ``landmarks`` engine the tracker with the
network (app.engines.landmarks_engine).

The two readings have different zeros, so the offset between them (app.core.reading_offset) is
learnt where the tracker is at its best (``NEAR_NEUTRAL`` or above: the face mesh sees the whole
face) and the comparison is the largest of the yaw, pitch and roll left after it (the angle about
the rotation's own axis, tried too, flagged half as many good frames again for the same gross
frames caught). Measured on the dev set (docs/MEASURING_CORE.md, docs/TRAINING.md):
at 10 degrees it catches 76% of the tracker's gross frames for 7% of its good ones, and 78% of
the network's for 2%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core import quality as quality_scale
from app.core.reading_offset import DISAGREEMENT_LIMIT_DEG, ReadingOffset
from app.core.types import HeadObservation

DEFAULT_LIMIT_DEG = DISAGREEMENT_LIMIT_DEG


@dataclass(frozen=True)
class CheckResult:
    disagreement_deg: float | None  # None: nothing to compare with (no tracker pose, or no offset yet)
    quality: float
    disputed: bool = False  # the disagreement is beyond the limit: the quality was capped


class CrossCheck:
    """Caps a reading's quality where an independent reference, offset-corrected, disagrees by
    more than ``limit_deg``; the offset is learnt at frames where the reference is anchored."""

    def __init__(self, limit_deg: float = DEFAULT_LIMIT_DEG) -> None:
        if limit_deg <= 0:
            raise ValueError(f"limit_deg must be positive, not {limit_deg}")
        self.limit_deg = limit_deg
        self.reset()

    def reset(self) -> None:
        self._offset = ReadingOffset()

    @property
    def offset(self) -> np.ndarray | None:
        """Reading = reference @ offset, in the head's frame; None until an anchored frame was seen."""
        return self._offset.offset

    def __call__(self, reading: np.ndarray, quality: float, reference: np.ndarray | None,
                 anchored: bool) -> CheckResult:
        if reference is None:
            return CheckResult(None, quality)
        if anchored:
            self._offset.learn(reading, reference)
        disagreement = self._offset.disagreement_deg(reading, reference)
        if disagreement is None:
            return CheckResult(None, quality)
        if disagreement > self.limit_deg:
            return CheckResult(disagreement, min(quality, quality_scale.DISPUTED), disputed=True)
        return CheckResult(disagreement, quality)


def tracker_anchored(head: HeadObservation) -> bool:
    """The tracker is at its best (the face mesh sees the whole face): where the offset is learnt."""
    return head.tracked_quality >= quality_scale.NEAR_NEUTRAL


class TrackerCheck(CrossCheck):
    """The network's reading checked against the head tracker's (the ``onnx`` engine's check)."""

    def check(self, network_rotation: np.ndarray, quality: float, head: HeadObservation) -> CheckResult:
        return self(network_rotation, quality, head.tracked_rotation, tracker_anchored(head))
