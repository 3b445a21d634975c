"""Finding 2: the neutral hold refuses what is not a neutral and says why (Qt-free)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.calibration_view import CalibrationState, calibration_view
from app.core.head_tracker import HeadTrackerConfig
from app.core.neutral_hold import (
    ANY_STILL_POSE, CHIN, EYE_LEFT, EYE_RIGHT, FOREHEAD, MESH_PITCH_OFFSET_DEG, HoldProblem, NeutralHold,
    face_direction_deg,
)
from app.core.pipeline import MeasurementPipeline, RawMeasurement
from app.core.types import EngineResult, Frame, HeadBox, HeadObservation


def mesh(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    """A face mesh's four points used by the rule, for a head turned by these angles."""
    dz = 200 * math.tan(math.radians(-MESH_PITCH_OFFSET_DEG))  # the mesh's lean at a frontal face
    pts = np.zeros((468, 3))
    pts[EYE_RIGHT], pts[EYE_LEFT] = (-50, 0, 0), (50, 0, 0)
    pts[FOREHEAD], pts[CHIN] = (0, -100, -dz / 2), (0, 100, dz / 2)
    return pts @ matrix_from_angles(HeadAngles(yaw, pitch, roll)).T


def raw(t: float, yaw=0.0, pitch=0.0, roll=0.0, face=True, moved=0.0) -> RawMeasurement:
    rot = matrix_from_angles(HeadAngles(yaw + moved, pitch, roll))
    obs = HeadObservation(HeadBox(320, 240, 150), face_landmarks=mesh(yaw, pitch, roll) if face else None)
    return RawMeasurement(int(t * 30), t, obs, rot, 1.0, "face mesh", None)


def feed(hold, frames):
    for r in frames:
        hold.add(r)
    return hold


def test_face_direction_reads_the_turn():
    assert face_direction_deg(mesh()) == pytest.approx(face_direction_deg(mesh()))
    frontal = face_direction_deg(mesh())
    assert abs(frontal.yaw_deg) < 0.5 and abs(frontal.pitch_deg) < 0.5 and abs(frontal.roll_deg) < 0.5
    turned = face_direction_deg(mesh(yaw=30))
    assert abs(turned.yaw_deg) == pytest.approx(30, abs=1)
    assert face_direction_deg(None) is None


def test_frontal_still_hold_calibrates():
    hold = feed(NeutralHold(1.5), [raw(i / 30) for i in range(50)])
    assert hold.result is not None and hold.problem is None and hold.progress == 1.0


@pytest.mark.parametrize("pose", [dict(pitch=45), dict(pitch=-50), dict(yaw=40), dict(roll=30)])
def test_a_still_end_range_pose_is_refused(pose):
    # Before: the pipeline's hold took any still pose (62 % at full flexion).
    hold = feed(NeutralHold(1.5), [raw(i / 30, **pose) for i in range(120)])
    assert hold.result is None and hold.progress == 0.0
    assert hold.problem is HoldProblem.NOT_FRONTAL and hold.problem.text == "turn to face the camera"


def test_no_face_and_moving_say_what_is_wrong_and_reset_progress():
    hold = feed(NeutralHold(1.5), [raw(i / 30) for i in range(30)])
    assert 0.5 < hold.progress < 1.0
    hold.add(raw(1.02, face=False))
    assert hold.problem is HoldProblem.NO_FACE and hold.progress == 0.0
    feed(hold, [raw(1.05 + i / 30) for i in range(20)])
    assert hold.progress > 0.3
    hold.add(raw(1.8, moved=10.0))
    assert hold.problem is HoldProblem.MOVING and hold.progress == 0.0
    assert hold.problem.text == "hold still"


def test_time_going_back_never_gives_a_countdown_longer_than_the_hold():
    # Before: a looped video's time restarted at 0 and the panel showed "(30.8 s)".
    hold = feed(NeutralHold(2.0), [raw(31.0 + i / 30) for i in range(20)])
    hold.add(raw(0.0))
    assert 0.0 <= hold.progress <= 1.0
    view = calibration_view(True, -14.4, False, 2.0)
    assert view.seconds_left <= 2.0 and view.state is CalibrationState.HOLDING
    assert "(2.0 s)" in view.text


def test_problem_is_shown_in_the_panel_text():
    view = calibration_view(True, 0.0, False, 1.5, HoldProblem.NOT_FRONTAL)
    assert view.text == "Calibrating: turn to face the camera"


class _Tracker:
    config = HeadTrackerConfig()

    def __init__(self, frames):
        self.frames = frames

    def process(self, frame):
        return self.frames[frame.index].observation

    def rebuild_model(self):
        pass


class _Engine:
    name = "fake"

    def __init__(self, frames):
        self.frames = frames

    def estimate(self, frame, head):
        return EngineResult(self.frames[frame.index].rotation, 1.0, "face mesh")

    def set_camera(self, camera) -> None:
        pass

    def reset(self):
        pass


def test_the_real_pipeline_runs_the_hold_it_is_given():
    flexed = [raw(i / 30, pitch=45) for i in range(60)]
    frontal = [raw(2 + i / 30) for i in range(60)]
    frames = flexed + frontal
    frames = [RawMeasurement(i, r.time_s, r.observation, r.rotation, 1.0, "face mesh", None) for i, r in enumerate(frames)]
    pipeline = MeasurementPipeline(_Engine(frames), tracker=_Tracker(frames))
    pipeline.start_calibration(hold=NeutralHold(1.5))
    image = np.zeros((4, 4, 3), np.uint8)
    results = [pipeline.process(Frame(image, r.time_s, i)) for i, r in enumerate(frames)]
    assert not any(r.calibrated for r in results[:60]), "a flexed still head became the neutral"
    assert results[-1].calibrated and pipeline.neutral.time_s >= 2.0


def test_without_a_hold_the_pipeline_takes_any_still_pose():
    # The pipeline's own hold (scripts, tests): a still flexed head counts; a frame without a pose
    # neither counts nor restarts it.
    frames = [raw(i / 30, pitch=45) for i in range(60)]
    frames[10] = RawMeasurement(10, frames[10].time_s, frames[10].observation, None, 0.0, "", None)
    hold = feed(NeutralHold(1.5, ANY_STILL_POSE), frames[:11])
    assert hold.progress > 0.19 and hold.problem is None  # 9/30 s of 1.5 s: the pose-less frame kept it
    pipeline = MeasurementPipeline(_Engine(frames), tracker=_Tracker(frames))
    pipeline.start_calibration(1.5)
    image = np.zeros((4, 4, 3), np.uint8)
    results = [pipeline.process(Frame(image, r.time_s, i)) for i, r in enumerate(frames)]
    assert results[-1].calibrated and pipeline.neutral.time_s == 0.0


def test_a_hold_and_a_duration_together_are_refused():
    frames = [raw(i / 30) for i in range(3)]
    pipeline = MeasurementPipeline(_Engine(frames), tracker=_Tracker(frames))
    with pytest.raises(ValueError, match="not both"):
        pipeline.start_calibration(1.0, hold=NeutralHold(1.5))
