"""Several head trackers on the same frames, combined into one reading whose spread is its doubt.

Why: the rigid tracker (app.core.rigid_tracker) is chaotic. Which corners it seeds, which
features RANSAC keeps and which keyframes the bundle adjustment refines are discrete choices, and
a change of the input far below anything clinical flips them: on dev_clinic_plain, ``--hfov
60.04`` instead of 60 moved rotation right by 3.7 degrees; on dev2_sidelight_fast a 0.1% wider
field of view moved rotation's end range from 15 to 42 degrees off. Two trackers that follow
different features go astray at different moments, so a vote of three outvotes the one that
went astray, the mean of those that agree narrows the small drift, and where no majority agrees
the reading is not trusted (docs/MEASURING_CORE.md, "Three trackers"). What every member gets
wrong alike (a stall that comes from the image itself) the vote cannot mend.

Where a trained network is the trackers' witness (app.core.network_referee), it also judges the
vote: a cluster it contradicts gives way to a member it agrees with, disputed unless a majority.

The members differ only in *when* they reseed and add keyframes (``TrackerConfig.phase_frames``),
so each follows its own set of features with the same, tuned settings. The face mesh and the body
pose run once per frame and are shared (:class:`SharedDetector`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from app.core import quality as quality_scale
from app.core.angles import mean_rotation, rotation_angle_deg
from app.core.camera_model import CameraAssumption
from app.core.network_referee import NetworkReferee
from app.core.reading_offset import DISAGREEMENT_LIMIT_DEG
from app.core.types import Frame, HeadBox, HeadObservation, PoseEngine

if TYPE_CHECKING:  # the CLI reads DEFAULT_MEMBERS before anything imports OpenCV
    from app.core.head_tracker import HeadTracker, HeadTrackerConfig

DEFAULT_MEMBERS = 3


@dataclass(frozen=True)
class EnsembleConfig:
    """How many trackers, how they differ, and when their readings count as one."""

    members: int = DEFAULT_MEMBERS
    phase_step_frames: int = 2  # member k reseeds and adds keyframes k x this many frames later
    # Members this close to the medoid are averaged, farther ones outvoted. Chosen on
    # dev2_backlit_far_720p and dev2_laptop_wide_near_drift (3, 5 and 10 tried: 10 as good or
    # better on both); the six videos no rule was chosen on judged it (docs/MEASURING_CORE.md).
    agree_deg: float = 10.0


class SharedDetector:
    """A detector run once per frame however many trackers ask (the ensemble calls :meth:`next_frame`)."""

    def __init__(self, detector) -> None:
        self._detector = detector
        self._done = False
        self._result: np.ndarray | None = None

    def next_frame(self) -> None:
        self._done = False
        self._result = None

    def detect(self, image_rgb: np.ndarray) -> np.ndarray | None:
        if not self._done:
            self._result = None if self._detector is None else self._detector.detect(image_rgb)
            self._done = True
        return self._result

    def close(self) -> None:
        if self._detector is not None and hasattr(self._detector, "close"):
            self._detector.close()


class TrackerEnsemble:
    """Drop-in for :class:`HeadTracker` (``process``, ``rebuild_model``, ``set_camera``, ``config``)."""

    def __init__(self, face_detector=None, body_detector=None, config: HeadTrackerConfig | None = None,
                 ensemble: EnsembleConfig | None = None, referee: NetworkReferee | None = None) -> None:
        from app.core.head_tracker import HeadTracker, HeadTrackerConfig, optional_body_detector
        from app.core.landmark_detectors import BodyPoseDetector, FaceMeshDetector

        self.ensemble = ensemble or EnsembleConfig()
        if self.ensemble.members < 1:
            raise ValueError("a tracker ensemble needs at least one member")
        base = config or HeadTrackerConfig()
        face = face_detector if face_detector is not None else FaceMeshDetector()
        body = body_detector if body_detector is not None else optional_body_detector(BodyPoseDetector)
        self._shared = (SharedDetector(face), SharedDetector(body))
        self.referee = referee
        self.members = [
            HeadTracker(*self._shared, config=_member_config(base, k * self.ensemble.phase_step_frames), referee=referee)
            for k in range(self.ensemble.members)
        ]

    @property
    def config(self) -> HeadTrackerConfig:
        """The first member's settings (its camera is every member's)."""
        return self.members[0].config

    @property
    def has_model(self) -> bool:
        return all(m.has_model for m in self.members)

    def set_camera(self, camera: CameraAssumption) -> None:
        for member in self.members:
            member.set_camera(camera)

    def rebuild_model(self) -> None:
        for member in self.members:
            member.rebuild_model()

    def close(self) -> None:
        for detector in self._shared:
            detector.close()

    def process(self, frame: Frame) -> HeadObservation:
        for detector in self._shared:
            detector.next_frame()
        observations = [member.process(frame) for member in self.members]
        ready = self.referee is not None and self.referee.ready
        judge = partial(self.referee.disagreement_deg, frame) if ready else None
        return combine(observations, self.ensemble.agree_deg, judge)


def head_tracker(camera: CameraAssumption, members: int = DEFAULT_MEMBERS,
                 network: PoseEngine | None = None) -> "HeadTracker | TrackerEnsemble":
    """The measuring core's tracker for this camera: one :class:`HeadTracker`, or ``members`` combined;
    with ``network`` (a trained model's engine, unchecked), that network is the face mesh's witness
    (app.core.network_referee)."""
    from app.core.head_tracker import HeadTracker, HeadTrackerConfig

    referee = None if network is None else NetworkReferee(network)
    config = HeadTrackerConfig(camera=camera)
    if members == 1:
        return HeadTracker(config=config, referee=referee)
    return TrackerEnsemble(config=config, ensemble=EnsembleConfig(members=members), referee=referee)


def _member_config(base: HeadTrackerConfig, phase_frames: int) -> HeadTrackerConfig:
    return replace(base, tracking=replace(base.tracking, phase_frames=phase_frames))


def combine(observations: list[HeadObservation], agree_deg: float,
            judge: Callable[[HeadBox, np.ndarray], float | None] | None = None) -> HeadObservation:
    """One reading from every member's observation: the mean of those within ``agree_deg`` of the medoid.

    Without a majority of all the members behind it (members lost, or apart), the reading keeps its
    angles but is not trusted (``quality.DISPUTED``, ``tracked_disputed``): which member is right
    the image has not decided.

    ``judge`` (the network, app.core.network_referee: its disagreement with a rotation, read in a
    box) re-centres the vote where it contradicts the mean of the medoid's cluster by more than
    ``DISAGREEMENT_LIMIT_DEG`` (the engines' check's limit) but not some member: that member and those near it make the reading, which
    is disputed unless they are a majority.
    """
    posed = [o for o in observations if o.tracked_rotation is not None]
    if not posed:
        return observations[0]
    rotations = [o.tracked_rotation for o in posed]
    centre = min(range(len(posed)), key=lambda k: sum(rotation_angle_deg(rotations[k], r) for r in rotations))
    if judge is not None and posed[centre].box is not None:
        centre = _judged_centre(rotations, centre, agree_deg, partial(judge, posed[centre].box))
    agreeing = [o for o, r in zip(posed, rotations) if rotation_angle_deg(r, rotations[centre]) <= agree_deg]
    quality = float(np.median([o.tracked_quality for o in agreeing]))
    majority = 2 * len(agreeing) > len(observations)
    if not majority:
        quality = min(quality, quality_scale.DISPUTED)
    return replace(
        posed[centre],
        tracked_rotation=mean_rotation([o.tracked_rotation for o in agreeing]),
        tracked_quality=quality,
        tracked_disputed=not majority,
    )


def _judged_centre(rotations: list[np.ndarray], medoid: int, agree_deg: float,
                   judge: Callable[[np.ndarray], float | None]) -> int:
    """The member the vote gathers around: the medoid, unless the judge contradicts the mean of those near it
    and agrees with another member (then the member it finds nearest)."""
    near = [r for r in rotations if rotation_angle_deg(r, rotations[medoid]) <= agree_deg]
    verdict = judge(mean_rotation(near))
    if verdict is None or verdict <= DISAGREEMENT_LIMIT_DEG:
        return medoid
    verdicts = [(d, k) for k, d in enumerate(judge(r) for r in rotations) if d is not None]
    best, k = min(verdicts, default=(None, medoid))
    return k if best is not None and best <= DISAGREEMENT_LIMIT_DEG else medoid
