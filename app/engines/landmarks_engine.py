"""The default pose engine: face mesh near neutral, rigid head-model tracking beyond.

The work is done by :class:`app.core.head_tracker.HeadTracker`, which the pipeline runs for every
engine (every engine needs the head box, also at profile). This engine only turns the tracker's
rigid pose into the common :class:`EngineResult`; it needs no trained model.
"""

from __future__ import annotations

from app.core.types import EngineResult, Frame, HeadObservation
from app.engines.choices import EngineName


class LandmarksEngine:
    name = EngineName.LANDMARKS

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult | None:
        if head.tracked_rotation is None:
            return None
        return EngineResult(rotation=head.tracked_rotation, quality=head.tracked_quality, source=head.tracked_source)

    def reset(self) -> None:
        """Nothing per patient here: the head tracker rebuilds its model at calibration."""
