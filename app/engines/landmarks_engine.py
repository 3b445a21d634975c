"""The default pose engine: face mesh near neutral, rigid head-model tracking beyond, checked by
the trained network where one is installed.

The work is done by :class:`app.core.head_tracker.HeadTracker`, which the pipeline runs for every
engine (every engine needs the head box, also at profile). This engine turns the tracker's rigid
pose into the common :class:`EngineResult`; it needs no trained model. Given one (``network``,
an ``onnx`` engine run on the same head box), the network's absolute reading, which cannot drift,
checks the tracker's (app.engines.tracker_check): where the two disagree by more than the check's
limit the tracker's reading keeps its angles but loses its trust (``DISPUTED``). Measured on the
dev set (docs/MEASURING_CORE.md): gross frames among the trusted 1.36% -> 0.16%.
"""

from __future__ import annotations

from app.core.camera_model import CameraAssumption
from app.core.types import EngineResult, Frame, HeadObservation, PoseEngine
from app.engines.choices import EngineName
from app.engines.tracker_check import DEFAULT_LIMIT_DEG, CrossCheck, tracker_anchored


class LandmarksEngine:
    name = EngineName.LANDMARKS

    def __init__(self, network: PoseEngine | None = None, limit_deg: float = DEFAULT_LIMIT_DEG) -> None:
        self.network = network
        self.check = None if network is None else CrossCheck(limit_deg)

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult | None:
        if head.tracked_rotation is None:
            return None
        quality, disputed = head.tracked_quality, head.tracked_disputed
        if self.check is not None and head.box is not None:
            reference = self.network.estimate(frame, head)
            checked = self.check(head.tracked_rotation, quality, None if reference is None else reference.rotation,
                                 tracker_anchored(head))
            quality, disputed = checked.quality, checked.disputed or disputed
        return EngineResult(rotation=head.tracked_rotation, quality=quality, source=head.tracked_source, disputed=disputed)

    def set_camera(self, camera: CameraAssumption) -> None:
        """The face mesh needs none (the head tracker has it); the checking network places its crops with it."""
        if self.network is not None:
            self.network.set_camera(camera)

    def reset(self) -> None:
        """The head tracker rebuilds its model at calibration; the check learns its offset again."""
        if self.check is not None:
            self.check.reset()
