"""The tracker as the network's check: the offset between the two zeros is learnt at anchored
frames, and a network reading that then disagrees by more than the limit is not trusted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core import quality as quality_scale
from app.core.angles import HeadAngles, matrix_from_angles
from app.core.types import Frame, HeadBox, HeadObservation
from app.engines.onnx_engine import OnnxEngine
from app.engines.onnx_session import SessionConfig
from app.core.angles import nearest_rotation, rotation_angle_deg
from app.engines.tracker_check import TrackerCheck


def _r(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    return matrix_from_angles(HeadAngles(yaw, pitch, roll))


def _head(tracked: np.ndarray | None, quality: float) -> HeadObservation:
    return HeadObservation(box=HeadBox(80.0, 60.0, 40.0), tracked_rotation=tracked, tracked_quality=quality)


# The network's zero for this face is not the tracker's: a fixed rotation in the head's frame.
OFFSET = _r(6.0, -9.0, 3.0)


def _anchored(check: TrackerCheck, frames: int = 8) -> None:
    for i in range(frames):
        tracked = _r(0.5 * i, -0.3 * i, 0.2)
        check.check(tracked @ OFFSET, 1.0, _head(tracked, quality_scale.ANCHORED))


def test_agreement_keeps_the_quality_and_disagreement_caps_it():
    check = TrackerCheck(limit_deg=10.0)
    _anchored(check)
    assert rotation_angle_deg(check.offset, OFFSET) < 1e-6
    tracked = _r(60.0, 10.0, -5.0)  # far from neutral: the tracker extrapolates, the check still holds
    near = check.check(tracked @ OFFSET @ _r(0.0, 7.0, 0.0), 0.9, _head(tracked, 0.6))
    assert near.quality == 0.9 and near.disagreement_deg == pytest.approx(7.0, abs=1e-6)
    flipped = check.check(tracked @ OFFSET @ _r(-110.0, 0.0, 0.0), 0.9, _head(tracked, 0.6))
    assert flipped.quality == quality_scale.DISPUTED < quality_scale.TRUSTED_QUALITY and flipped.disputed
    assert not near.disputed
    assert flipped.disagreement_deg == pytest.approx(110.0, abs=1e-6)
    assert check.check(tracked @ OFFSET @ _r(0.0, 0.0, 12.0), 0.1, _head(tracked, 0.6)).quality == 0.1  # never raised


def test_nothing_to_compare_leaves_the_reading_alone():
    check = TrackerCheck()
    lost = check.check(_r(40.0), 0.8, _head(None, 0.0))
    assert lost.disagreement_deg is None and lost.quality == 0.8
    not_anchored_yet = check.check(_r(40.0), 0.8, _head(_r(-40.0), 0.6))
    assert not_anchored_yet.disagreement_deg is None and not_anchored_yet.quality == 0.8
    _anchored(check)
    assert check.check(_r(40.0), 0.8, _head(None, 0.0)).quality == 0.8


def test_one_wrong_network_reading_at_neutral_does_not_move_the_zero():
    check = TrackerCheck()
    _anchored(check)
    check.check(_r(90.0) @ OFFSET, 1.0, _head(np.eye(3), quality_scale.ANCHORED))
    assert rotation_angle_deg(check.offset, OFFSET) < 1e-6
    check.reset()
    assert check.offset is None


def test_nearest_rotation_of_a_sum_of_rotations_is_their_mean():
    total = _r(10.0) + _r(-10.0)
    np.testing.assert_allclose(nearest_rotation(total), np.eye(3), atol=1e-9)
    assert rotation_angle_deg(np.eye(3), _r(0.0, 0.0, 33.0)) == pytest.approx(33.0)


def test_the_engine_caps_a_reading_the_tracker_contradicts(contract_model: Path):
    engine = OnnxEngine(contract_model, SessionConfig(device="cpu", cpu_threads=1))
    alone = OnnxEngine(contract_model, SessionConfig(device="cpu", cpu_threads=1), tracker_check_deg=None)
    frame = Frame(image=np.random.default_rng(3).integers(0, 256, (120, 160, 3), dtype=np.uint8), timestamp=0.0, index=0)
    box = HeadBox(80.0, 60.0, 40.0)
    network = alone.estimate(frame, HeadObservation(box=box)).rotation
    anchored = HeadObservation(box=box, tracked_rotation=network, tracked_quality=quality_scale.ANCHORED)
    assert engine.estimate(frame, anchored).quality == alone.estimate(frame, anchored).quality > quality_scale.TRUSTED_QUALITY
    contradicting = HeadObservation(box=box, tracked_rotation=network @ _r(45.0), tracked_quality=0.7)
    assert engine.estimate(frame, contradicting).quality == quality_scale.DISPUTED
    assert engine.estimate(frame, contradicting).disputed and not alone.estimate(frame, contradicting).disputed
    assert alone.estimate(frame, contradicting).quality > quality_scale.TRUSTED_QUALITY
    engine.reset()  # a new neutral: the offset is learnt again
    assert engine.estimate(frame, contradicting).quality > quality_scale.TRUSTED_QUALITY
