"""The onnx engine crops with the model's crop rule, returns the model's angles as a rotation, and
scores quality from the trained range and the visible part of the crop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.crop import CropRule
from app.core.types import Frame, HeadBox, HeadObservation
from app.engines.onnx_engine import OnnxEngine, range_quality, visible_fraction
from app.engines.onnx_session import SessionConfig
from app.errors import InputError
from tests.engines.onnx_models import expected_colour_angles


@pytest.fixture(scope="module")
def engine(contract_model: Path) -> OnnxEngine:
    return OnnxEngine(contract_model, SessionConfig(device="cpu", cpu_threads=1))


def _frame(rng: np.random.Generator, h: int = 120, w: int = 160) -> Frame:
    return Frame(image=rng.integers(0, 256, (h, w, 3), dtype=np.uint8), timestamp=0.0, index=0)


def test_rotation_is_the_models_angles_on_the_shared_crop(engine: OnnxEngine) -> None:
    rng = np.random.default_rng(1)
    frame = _frame(rng)
    box = HeadBox(center_x=70.0, center_y=55.0, width=40.0)
    result = engine.estimate(frame, HeadObservation(box=box))
    assert result is not None and result.source == "onnx"
    expected = expected_colour_angles(CropRule(margin=0.25, input_size=32).crop(frame.image, box))
    got = angles_from_matrix(result.rotation).as_array()
    np.testing.assert_allclose(got, expected, atol=1e-3)
    np.testing.assert_allclose(result.rotation, matrix_from_angles(HeadAngles.from_array(expected)), atol=1e-5)


def test_channel_order_is_rgb_as_given(engine: OnnxEngine) -> None:
    image = np.zeros((100, 100, 3), dtype=np.uint8)
    image[..., 0] = 228  # red: yaw = (228 - 128) / 4 = 25 deg
    image[..., 2] = 88  # blue: roll = (88 - 128) / 4 = -10 deg
    result = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(50.0, 50.0, 40.0)))
    angles = angles_from_matrix(result.rotation)
    assert angles.yaw_deg == pytest.approx(25.0, abs=1e-3)
    assert angles.pitch_deg == pytest.approx(-32.0, abs=1e-3)
    assert angles.roll_deg == pytest.approx(-10.0, abs=1e-3)
    assert result.quality == pytest.approx(1.0)


def test_no_head_box_means_no_answer(engine: OnnxEngine) -> None:
    frame = _frame(np.random.default_rng(2))
    assert engine.estimate(frame, HeadObservation(box=None)) is None


def test_batch_equals_one_by_one(engine: OnnxEngine) -> None:
    rng = np.random.default_rng(3)
    items = [
        (_frame(rng), HeadObservation(box=HeadBox(60.0 + 10 * i, 50.0, 30.0 + 5 * i))) for i in range(4)
    ]
    items.insert(2, (_frame(rng), HeadObservation(box=None)))
    batch = engine.estimate_batch(items)
    assert batch[2] is None
    for (frame, head), together in zip(items, batch):
        alone = engine.estimate(frame, head)
        if alone is None:
            assert together is None
            continue
        np.testing.assert_allclose(together.rotation, alone.rotation, atol=1e-6)
        assert together.quality == pytest.approx(alone.quality)


def test_quality_drops_when_the_crop_leaves_the_image(engine: OnnxEngine) -> None:
    image = np.full((100, 100, 3), 128, dtype=np.uint8)  # grey: all angles 0 while fully inside
    # Crop side = 40 * 1.5 = 60 px centred on x = 0: the left half is outside the image.
    result = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(0.0, 50.0, 40.0)))
    assert result.quality == pytest.approx(0.5, abs=0.02)


def test_range_quality_numbers() -> None:
    trained = np.array([75.0, 60.0, 50.0])
    assert range_quality(np.array([60.0, 0.0, 0.0]), trained) == pytest.approx(1.0)  # 80 % of range
    assert range_quality(np.array([75.0, 0.0, 0.0]), trained) == pytest.approx(0.5)  # at the limit
    assert range_quality(np.array([0.0, -54.0, 0.0]), trained) == pytest.approx(1.0 - 0.5 * 0.05 / 0.15)
    assert range_quality(np.array([0.0, 0.0, 90.0]), trained) == pytest.approx(0.2)  # floor


def test_visible_fraction_numbers() -> None:
    assert visible_fraction((10, 10, 50, 50), (100, 100, 3)) == pytest.approx(1.0)
    assert visible_fraction((-20, 0, 20, 40), (100, 100, 3)) == pytest.approx(0.5)
    assert visible_fraction((90, 90, 110, 110), (100, 100, 3)) == pytest.approx(0.25)
    assert visible_fraction((200, 200, 220, 220), (100, 100, 3)) == 0.0


def test_wrong_crop_shape_is_a_programming_error(engine: OnnxEngine) -> None:
    with pytest.raises(ValueError, match="uint8 \\[N, 32, 32, 3\\]"):
        engine.predict_crops(np.zeros((1, 64, 64, 3), dtype=np.uint8))


def test_not_an_onnx_file_is_one_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "weights.onnx"
    text.write_text("not onnx")
    with pytest.raises(InputError, match="not a usable ONNX model"):
        OnnxEngine(text)
    with pytest.raises(InputError, match="not an ONNX model file"):
        OnnxEngine(tmp_path / "weights.pt")


def test_a_fixed_batch_model_still_takes_batches(tmp_path: Path) -> None:
    import warnings

    from tests.engines.onnx_models import export_test_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = export_test_model(tmp_path / "batch1.onnx", fixed_batch=True)
    engine = OnnxEngine(path, SessionConfig(device="cpu", cpu_threads=1))
    assert engine.info.dynamic_batch is False
    crops = np.random.default_rng(4).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    got = engine.predict_crops(crops)
    np.testing.assert_allclose(got, [expected_colour_angles(c) for c in crops], atol=1e-4)


def test_a_crop_ray_model_is_turned_into_the_camera_axes(tmp_path: Path) -> None:
    """A model whose angles are relative to the crop's ray (metadata angle_frame = crop_ray) reads a
    crop right of centre as turned by the ray's angle; the engine turns it back with the camera
    it measures with, so a uniform crop (the model's 25/-32/-10 deg) reads differently off centre."""
    import warnings

    from app.core.camera_model import CameraAssumption
    from app.core.view_ray import AngleFrame, camera_rotation, crop_ray
    from tests.engines.onnx_models import CONTRACT_METADATA, export_test_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = export_test_model(tmp_path / "ray.onnx", metadata={**CONTRACT_METADATA, "angle_frame": "crop_ray"})
    engine = OnnxEngine(path, SessionConfig(device="cpu", cpu_threads=1))
    assert engine.info.angle_frame is AngleFrame.CROP_RAY
    camera = CameraAssumption.from_user(70.0)
    engine.set_camera(camera)
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[..., 0], image[..., 2] = 228, 88
    seen = matrix_from_angles(HeadAngles(25.0, -32.0, -10.0))
    for box in (HeadBox(320.0, 240.0, 80.0), HeadBox(540.0, 120.0, 80.0)):
        result = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=box))
        ray = crop_ray(camera.intrinsics_for(640, 480), engine.crop_rule.box(box))
        np.testing.assert_allclose(result.rotation, camera_rotation(seen, ray), atol=1e-4)
    centred = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(320.0, 240.0, 80.0)))
    aside = engine.estimate(Frame(image, 0.0, 0), HeadObservation(box=HeadBox(540.0, 120.0, 80.0)))
    np.testing.assert_allclose(centred.rotation, seen, atol=1e-4)
    assert angles_from_matrix(aside.rotation).yaw_deg < 25.0 - 10.0  # seen turned left, it faces the camera's axis more
