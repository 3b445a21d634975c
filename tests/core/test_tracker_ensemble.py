"""Three trackers combined: one gone astray is outvoted, no majority is not trusted, the network
re-centres a vote it contradicts on a member it agrees with, the detectors run once a frame, and
the members' phases make them follow different features."""

from __future__ import annotations

import numpy as np
import pytest

from app.core import quality as quality_scale
from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.head_tracker import HeadTrackerConfig
from app.core.landmark_detectors import FaceMeshDetector
from app.core.tracker_ensemble import EnsembleConfig, SharedDetector, TrackerEnsemble, combine
from app.core.types import HeadBox, HeadObservation
from app.core.video import iter_video_frames


def _seen(yaw_deg: float | None, quality: float = 0.6, box_x: float = 100.0) -> HeadObservation:
    rotation = None if yaw_deg is None else matrix_from_angles(HeadAngles(yaw_deg, 0.0, 0.0))
    return HeadObservation(box=HeadBox(box_x, 50.0, 80.0), tracked_rotation=rotation, tracked_quality=quality,
                           tracked_source="model tracking")


def test_a_member_gone_astray_is_outvoted_and_the_others_averaged():
    out = combine([_seen(30.0, 0.6), _seen(60.0, 0.8, box_x=300.0), _seen(32.0, 0.4)], agree_deg=10.0)
    assert angles_from_matrix(out.tracked_rotation).yaw_deg == pytest.approx(31.0, abs=0.05)
    assert out.tracked_quality == pytest.approx(0.5) and not out.tracked_disputed
    assert out.box.center_x == 100.0  # the box of a member in the majority, not the stray one's


@pytest.mark.parametrize("yaws", [(10.0, 30.0, 60.0), (30.0, None, None)])
def test_without_a_majority_the_reading_is_kept_but_not_trusted(yaws):
    out = combine([_seen(y, 0.8) for y in yaws], agree_deg=10.0)
    assert angles_from_matrix(out.tracked_rotation).yaw_deg == pytest.approx(30.0)  # the medoid's
    assert out.tracked_disputed and not quality_scale.trusted(out.tracked_quality)


def test_no_member_with_a_pose_gives_no_pose():
    out = combine([_seen(None), _seen(None), _seen(None)], agree_deg=5.0)
    assert out.tracked_rotation is None and not out.tracked_disputed


class _Counting:
    def __init__(self, detector) -> None:
        self.detector, self.calls = detector, 0

    def detect(self, image):
        self.calls += 1
        return self.detector.detect(image)

    def close(self) -> None:
        self.detector.close()


def test_shared_detector_runs_once_per_frame():
    inner = _Counting(type("Fixed", (), {"detect": lambda self, image: np.zeros((468, 3))})())
    shared = SharedDetector(inner)
    image = np.zeros((4, 4, 3), np.uint8)
    for _ in range(3):
        shared.next_frame()
        assert all(shared.detect(image) is not None for _ in range(3))
    assert inner.calls == 3


def _members_after(demo_video, phase_step: int, frames: int = 130) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each member's feature points and pose rotation after ``frames`` frames of the demo video."""
    face = _Counting(FaceMeshDetector())
    no_body = type("NoBody", (), {"detect": lambda self, image: None})()
    ensemble = TrackerEnsemble(face_detector=face, body_detector=no_body,
                               ensemble=EnsembleConfig(members=2, phase_step_frames=phase_step))
    try:
        for frame in iter_video_frames(demo_video):
            ensemble.process(frame)
            if frame.index >= frames:
                break
        state = [(m._tracker.feature_points, m._tracker.pose()[0]) for m in ensemble.members]
    finally:
        ensemble.close()
    assert face.calls == frames + 1  # the face mesh ran once a frame for both members
    return state


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.allclose(a, b)


def test_members_with_phases_follow_different_features(demo_video):
    # The head turns from frame ~60 on; by frame 130 each member has reseeded on its own frames.
    (points_a, pose_a), (points_b, pose_b) = _members_after(demo_video, phase_step=0)
    assert _same(points_a, points_b) and _same(pose_a, pose_b)
    (points_a, pose_a), (points_b, pose_b) = _members_after(demo_video, phase_step=2)
    assert not _same(points_a, points_b) and not _same(pose_a, pose_b)


def test_an_ensemble_needs_a_member():
    with pytest.raises(ValueError):
        TrackerEnsemble(face_detector=object(), body_detector=object(), config=HeadTrackerConfig(),
                        ensemble=EnsembleConfig(members=0))


def _judge_near(yaw_deg: float):
    """A network reading the head at ``yaw_deg``: its disagreement with a rotation, worst axis."""
    def judge(box, rotation):
        return abs(angles_from_matrix(rotation).yaw_deg - yaw_deg)
    return judge


def test_the_network_recentres_a_vote_it_contradicts_on_a_member_it_agrees_with():
    # Like dev2_sidelight_fast at the end of a fast turn: two members over-read (truth 77.5), one is right.
    members = [_seen(92.0), _seen(87.0), _seen(76.0)]
    assert angles_from_matrix(combine(members, 10.0).tracked_rotation).yaw_deg == pytest.approx(89.5, abs=0.05)
    out = combine(members, 10.0, _judge_near(78.0))
    assert angles_from_matrix(out.tracked_rotation).yaw_deg == pytest.approx(76.0, abs=0.05)
    assert out.tracked_disputed  # one member of three: the network's word is not a majority


def test_a_network_that_agrees_with_no_member_or_with_the_vote_leaves_the_vote_alone():
    members = [_seen(92.0), _seen(87.0), _seen(76.0)]
    for network_yaw in (60.0, 86.0):
        out = combine(members, 10.0, _judge_near(network_yaw))
        assert angles_from_matrix(out.tracked_rotation).yaw_deg == pytest.approx(89.5, abs=0.05)
        assert not out.tracked_disputed
