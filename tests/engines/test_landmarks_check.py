"""The landmarks engine with a network to check it: the tracker's angles are never changed, only
its trust where the network, offset-corrected, disagrees; without a network nothing changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core import quality as quality_scale
from app.core.angles import HeadAngles, matrix_from_angles
from app.core.types import EngineResult, Frame, HeadBox, HeadObservation
from app.engines.factory import create_engine
from app.engines.landmarks_engine import LandmarksEngine

FRAME = Frame(image=np.zeros((120, 160, 3), np.uint8), timestamp=0.0, index=0)
OFFSET = matrix_from_angles(HeadAngles(4.0, -7.0, 2.0))  # the network's zero for this face


def _r(yaw: float) -> np.ndarray:
    return matrix_from_angles(HeadAngles(yaw, 0.0, 0.0))


class FakeNetwork:
    name = "onnx"

    def __init__(self) -> None:
        self.reading = np.eye(3)

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult | None:
        return EngineResult(self.reading, 1.0, "onnx")

    def set_camera(self, camera) -> None:
        pass

    def reset(self) -> None:
        pass


def _head(rotation: np.ndarray, quality: float) -> HeadObservation:
    return HeadObservation(box=HeadBox(80.0, 60.0, 40.0), tracked_rotation=rotation, tracked_quality=quality,
                           tracked_source="model")


def test_the_network_takes_trust_away_where_it_disagrees_and_never_moves_the_angles():
    network = FakeNetwork()
    engine = LandmarksEngine(network)
    for _ in range(6):  # at neutral, anchored: the offset between the two zeros is learnt
        network.reading = OFFSET
        engine.estimate(FRAME, _head(np.eye(3), quality_scale.ANCHORED))
    network.reading = _r(58.0) @ OFFSET
    agreeing = engine.estimate(FRAME, _head(_r(60.0), 0.7))
    assert agreeing.quality == 0.7 and not agreeing.disputed
    network.reading = _r(35.0) @ OFFSET  # the tracker says 60, the network 35
    disputed = engine.estimate(FRAME, _head(_r(60.0), 0.7))
    assert disputed.quality == quality_scale.DISPUTED and np.array_equal(disputed.rotation, _r(60.0))
    assert disputed.disputed
    engine.reset()
    assert engine.estimate(FRAME, _head(_r(60.0), 0.7)).quality == 0.7  # nothing learnt yet: no check


def test_without_a_network_the_tracker_is_unchanged():
    engine = LandmarksEngine()
    result = engine.estimate(FRAME, _head(_r(60.0), 0.7))
    assert result.quality == 0.7 and result.source == "model"
    assert engine.estimate(FRAME, HeadObservation(box=None)) is None


def test_the_factory_checks_the_tracker_with_a_model_when_one_is_found(contract_model: Path, tmp_path: Path):
    checked = create_engine("landmarks", None, "cpu", [contract_model.parent])
    assert checked.network is not None and checked.network.check is None  # the network alone, not checked in turn
    assert create_engine("landmarks", None, "cpu", [contract_model.parent], cross_check=False).network is None
    assert create_engine("landmarks", None, "cpu", [tmp_path]).network is None  # nothing installed: no check


def test_several_models_warn_for_the_onnx_engine_not_for_the_landmarks_check(contract_model: Path, tmp_path: Path, caplog):
    import logging
    import shutil

    for name in ("a_model.onnx", "b_model.onnx"):
        shutil.copy(contract_model, tmp_path / name)
    with caplog.at_level(logging.WARNING, logger="app.engines.factory"):
        assert create_engine("landmarks", None, "cpu", [tmp_path]).network.info.name == "a_model"
    assert not caplog.records
    with caplog.at_level(logging.WARNING, logger="app.engines.factory"):
        create_engine("onnx", None, "cpu", [tmp_path])
    assert "several models" in caplog.text


def test_a_disputed_reading_says_so_in_its_sample():
    from app.core.neutral_hold import Neutral
    from app.core.pipeline import RawMeasurement, SampleMaker
    from app.core.types import SampleFlag

    maker = SampleMaker(Neutral(np.eye(3)))
    raw = RawMeasurement(0, 0.0, None, _r(60.0), quality_scale.DISPUTED, "model", None, disputed=True)
    sample = maker(raw)
    assert SampleFlag.DISPUTED in sample.flags and sample.yaw_deg is not None
    assert SampleFlag.DISPUTED not in maker(RawMeasurement(1, 0.04, None, _r(60.0), 0.7, "model", None)).flags
