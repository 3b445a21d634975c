"""The network as the face mesh's witness: no say before its zero is learnt, then it vouches for a face it
agrees with, refuses a rescue it finds farther from the head than the model, and runs once per frame and box."""

from __future__ import annotations

import numpy as np

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.network_referee import NetworkReferee
from app.core.types import EngineResult, Frame, HeadBox, HeadObservation

# The network's zero is 7 degrees of yaw and 3 of pitch off the tracker's (its idea of straight ahead).
NETWORK_ZERO = matrix_from_angles(HeadAngles(7.0, -3.0, 0.0))
BOX = HeadBox(320.0, 240.0, 140.0)


def _rotation(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
    return matrix_from_angles(HeadAngles(yaw, pitch, roll))


class _Network:
    """Reads the head at ``truth`` (tracker frame), with its own zero; counts its runs."""

    name = "fake network"

    def __init__(self) -> None:
        self.truth = np.eye(3)
        self.runs = 0

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult:
        self.runs += 1
        assert head.box == BOX
        return EngineResult(rotation=self.truth @ NETWORK_ZERO.T, quality=1.0, source=self.name)

    def set_camera(self, camera) -> None:
        pass

    def reset(self) -> None:
        pass


def _frame(index: int) -> Frame:
    return Frame(np.zeros((480, 640, 3), np.uint8), index / 30.0, index)


def _learnt(network: _Network, frames: int = 6) -> NetworkReferee:
    referee = NetworkReferee(network)
    for i in range(frames):
        referee.learn(_frame(i), BOX, np.eye(3))  # anchored at neutral, where the head is
    return referee


def test_before_its_zero_is_learnt_the_network_has_no_say():
    network = _Network()
    referee = NetworkReferee(network)
    frame = _frame(0)
    assert not referee.vouches_for(frame, BOX, np.eye(3))
    assert referee.prefers_mesh(frame, BOX, _rotation(pitch=40.0), np.eye(3))


def test_it_vouches_for_a_face_where_it_reads_the_same_head():
    network = _Network()
    referee = _learnt(network)
    network.truth = _rotation(pitch=12.0)
    frame = _frame(10)
    assert referee.vouches_for(frame, BOX, _rotation(pitch=8.0))  # the mesh under-reads a little
    assert not referee.vouches_for(frame, BOX, _rotation(pitch=-30.0))  # a "face" on the scalp


def test_a_rescue_is_made_only_where_the_network_is_nearer_the_mesh_than_the_model():
    network = _Network()
    referee = _learnt(network)
    frame = _frame(10)
    network.truth = _rotation(pitch=5.0)  # back from flexion, the model stalled at 45
    assert referee.prefers_mesh(frame, BOX, _rotation(pitch=3.0), _rotation(pitch=45.0))
    network.truth = _rotation(pitch=48.0)  # at full flexion, a "face" on the scalp reads -10
    assert not referee.prefers_mesh(_frame(11), BOX, _rotation(pitch=-10.0), _rotation(pitch=45.0))


def test_the_network_runs_once_per_frame_and_box_and_each_frame_is_learnt_once():
    network = _Network()
    referee = NetworkReferee(network)
    for i in range(5):
        frame = _frame(i)
        referee.learn(frame, BOX, np.eye(3))
        for _ in range(2):  # the other members of an ensemble, anchoring on the same frame a little apart
            referee.learn(frame, BOX, _rotation(pitch=20.0))
    assert referee.vouches_for(frame, BOX, np.eye(3))  # only the first sample of each frame counted
    assert network.runs == 5
    referee.reading(_frame(5), BOX)
    assert network.runs == 6


def test_one_sample_of_the_zero_is_not_enough_to_judge_by():
    # A wrong network reading at the first anchor must not become the zero that vouches and vetoes.
    referee = _learnt(_Network(), frames=1)
    assert not referee.ready and not referee.vouches_for(_frame(9), BOX, np.eye(3))
    assert _learnt(_Network(), frames=5).ready


def test_a_new_head_model_unlearns_the_zero():
    referee = _learnt(_Network())
    assert referee.ready
    referee.reset()
    assert not referee.ready


class _CountingNetwork(_Network):
    """Counts its runs per frame and box; reads whatever box it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[tuple[int, HeadBox], int] = {}

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult:
        key = (frame.index, head.box)
        self.runs[key] = self.runs.get(key, 0) + 1
        return EngineResult(rotation=NETWORK_ZERO.T, quality=1.0, source=self.name)


def test_three_trackers_share_one_witness_that_learns_its_zero_at_neutral(demo_video):
    from app.core.tracker_ensemble import TrackerEnsemble
    from app.core.video import iter_video_frames

    network = _CountingNetwork()
    referee = NetworkReferee(network)
    ensemble = TrackerEnsemble(referee=referee)
    try:
        for frame in iter_video_frames(demo_video):
            ensemble.process(frame)
            if frame.index >= 45:  # the demo patient holds neutral for the first seconds
                break
    finally:
        ensemble.close()
    assert all(member.referee is referee for member in ensemble.members)
    assert referee.ready and network.runs
    assert max(network.runs.values()) == 1  # once per frame and box: the face mesh's, the vote's
    ensemble.rebuild_model()  # a new neutral: the zero is learnt again
    assert not referee.ready
