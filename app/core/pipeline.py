"""Frame in, neck angles out: head tracker -> pose engine -> neutral -> One Euro filter.

Live use calls :meth:`MeasurementPipeline.process` per frame (with a neutral hold started by
:meth:`MeasurementPipeline.start_calibration`). Offline analysis calls
:meth:`MeasurementPipeline.observe` for every frame, picks the neutral afterwards
(:func:`choose_offline_neutral`) and turns the raw measurements into samples with the same
:class:`SampleMaker` that live use runs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from app.core.angles import angles_from_matrix, relative_rotation
from app.core.camera_model import CameraAssumption
from app.core.neutral_hold import ANY_STILL_POSE, Neutral, NeutralHold, neutral_from
from app.core.one_euro import AngleFilter, OneEuroConfig
from app.core.quality import EXTRAPOLATED_BELOW
from app.core.trunk import ShoulderLine, shoulder_line, trunk_angles
from app.core.types import Frame, FrameResult, HeadObservation, PoseEngine, PoseSample, SampleFlag

log = logging.getLogger(__name__)



@dataclass(frozen=True, eq=False)
class RawMeasurement:
    """One frame's engine answer before the neutral is applied."""

    frame_index: int
    time_s: float
    observation: HeadObservation | None  # None once offline analysis stored it (it keeps no landmarks)
    rotation: np.ndarray | None
    quality: float
    source: str
    trunk: ShoulderLine | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    disputed: bool = False  # EngineResult.disputed


class SampleMaker:
    """Raw measurement -> :class:`PoseSample` relative to ``neutral``, raw and filtered."""

    def __init__(self, neutral: Neutral, filter_config: OneEuroConfig | None = None, uncalibrated: bool = False):
        self.neutral = neutral
        self._filter = AngleFilter(filter_config)
        self._uncalibrated = uncalibrated

    def __call__(self, raw: RawMeasurement) -> PoseSample:
        _, trunk_lean = trunk_angles(raw.trunk, self.neutral.trunk)
        trunk_rot = None  # not measurable from one frontal camera: see app.core.trunk
        if raw.rotation is None:
            return PoseSample(raw.frame_index, raw.time_s, False, 0.0, trunk_rotation_deg=trunk_rot,
                              trunk_lean_deg=trunk_lean)
        angles = angles_from_matrix(relative_rotation(self.neutral.rotation, raw.rotation))
        yaw, pitch, roll = self._filter((angles.yaw_deg, angles.pitch_deg, angles.roll_deg), raw.time_s)
        flags = []
        if raw.quality < EXTRAPOLATED_BELOW:
            flags.append(SampleFlag.EXTRAPOLATED)
        if raw.disputed:
            flags.append(SampleFlag.DISPUTED)
        if self._uncalibrated:
            flags.append(SampleFlag.UNCALIBRATED)
        return PoseSample(
            frame_index=raw.frame_index,
            time_s=raw.time_s,
            detected=True,
            quality=raw.quality,
            yaw_deg=yaw,
            pitch_deg=pitch,
            roll_deg=roll,
            raw_yaw_deg=angles.yaw_deg,
            raw_pitch_deg=angles.pitch_deg,
            raw_roll_deg=angles.roll_deg,
            trunk_rotation_deg=trunk_rot,
            trunk_lean_deg=trunk_lean,
            source=raw.source,
            flags=tuple(flags),
        )


def choose_offline_neutral(
    raws: list[RawMeasurement], seconds: float = 1.0, at_time: float | None = None
) -> Neutral:
    """Neutral for a recorded video: the first ``seconds`` with a pose, or those from ``at_time``."""
    with_pose = [r for r in raws if r.rotation is not None]
    if at_time is not None:
        with_pose = [r for r in with_pose if r.time_s >= at_time]
    if not with_pose:
        raise ValueError("no head pose found" + (f" after {at_time:.2f} s" if at_time is not None else ""))
    start = with_pose[0].time_s
    window = [r for r in with_pose if r.time_s < start + seconds]
    return neutral_from(window)


class MeasurementPipeline:
    """The measuring core for one camera stream."""

    def __init__(
        self,
        engine: PoseEngine,
        tracker=None,
        filter_config: OneEuroConfig | None = None,
        calibration_seconds: float = 2.0,
    ):
        # The tracker carries the tracking, fusion and bundle settings (its HeadTrackerConfig); the
        # filter's settings are the pipeline's, since the filter runs here, after the neutral.
        # The engine is chosen by the caller (app.engines.factory.create_engine): the core does
        # not import an engine, an engine imports the core.
        if tracker is None:
            from app.core.head_tracker import HeadTracker

            tracker = HeadTracker()
        self.engine = engine
        self.tracker = tracker
        engine.set_camera(tracker.config.camera)
        self.filter_config = filter_config
        self.calibration_seconds = calibration_seconds
        self._calibration: NeutralHold | None = None
        self._maker = SampleMaker(Neutral(np.eye(3)), filter_config, uncalibrated=True)
        self.neutral: Neutral | None = None

    @property
    def calibrated(self) -> bool:
        return self.neutral is not None

    @property
    def camera(self) -> CameraAssumption | None:
        """The field of view the tracker measures with (None for a tracker without one)."""
        return getattr(getattr(self.tracker, "config", None), "camera", None)

    @property
    def calibrating(self) -> bool:
        return self._calibration is not None and self._calibration.result is None

    def start_calibration(self, duration_s: float | None = None, *, hold: NeutralHold | None = None) -> None:
        """Begin a neutral hold; the head model is rebuilt from it.

        ``hold`` is the hold to run (the clinician's frontal-only one, app.ui.controller); without
        one, any still pose held for ``duration_s`` (default ``calibration_seconds``) counts.
        """
        if hold is not None and duration_s is not None:
            raise ValueError("give the hold or its duration, not both: the hold has its own duration_s")
        self.tracker.rebuild_model()
        self.engine.reset()
        self._calibration = hold if hold is not None else NeutralHold(duration_s or self.calibration_seconds, ANY_STILL_POSE)

    def set_neutral(self, neutral: Neutral) -> None:
        self.neutral = neutral
        self._maker = SampleMaker(neutral, self.filter_config)

    def set_camera(self, camera: CameraAssumption) -> None:
        """Measure with another camera (a new calibration): the neutral and the head model are measured again."""
        self.tracker.set_camera(camera)
        self.engine.set_camera(camera)
        self.reset()

    def reset(self) -> None:
        self.neutral = None
        self._calibration = None
        self.tracker.rebuild_model()
        self.engine.reset()
        self._maker = SampleMaker(Neutral(np.eye(3)), self.filter_config, uncalibrated=True)

    def observe(self, frame: Frame) -> RawMeasurement:
        t0 = time.perf_counter()
        obs = self.tracker.process(frame)
        t1 = time.perf_counter()
        result = self.engine.estimate(frame, obs) if obs.box is not None or obs.tracked_rotation is not None else None
        t2 = time.perf_counter()
        return RawMeasurement(
            frame_index=frame.index,
            time_s=frame.timestamp,
            observation=obs,
            rotation=None if result is None else result.rotation,
            quality=0.0 if result is None else result.quality,
            source="" if result is None else result.source,
            trunk=shoulder_line(obs.body_landmarks),
            timings_ms={"track": (t1 - t0) * 1e3, "engine": (t2 - t1) * 1e3},
            disputed=result is not None and result.disputed,
        )

    def process(self, frame: Frame) -> FrameResult:
        raw = self.observe(frame)
        if self._calibration is not None and self._calibration.result is None:
            neutral = self._calibration.add(raw)
            if neutral is not None:
                log.info("neutral calibrated at %.2f s", neutral.time_s)
                self.set_neutral(neutral)
        t0 = time.perf_counter()
        sample = self._maker(raw)
        timings = dict(raw.timings_ms, filter=(time.perf_counter() - t0) * 1e3)
        obs = raw.observation
        points = obs.face_landmarks[:, :2] if obs.face_landmarks is not None else None
        return FrameResult(
            sample=sample,
            head_box=obs.box,
            rotation_camera=raw.rotation,
            landmarks_px=points,
            calibrating=self.calibrating,
            calibration_progress=0.0 if self._calibration is None else self._calibration.progress,
            calibrated=self.calibrated,
            timings_ms=timings,
        )
