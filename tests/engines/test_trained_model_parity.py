"""A tiny model made by the real training code (generated BIWI-format data, a few steps), exported by
training.export_onnx, gives the same angles in the app's onnx engine as in torch, on the same crops.

The app side cuts the crop itself from the full frame (its head box from BIWI's calibration), so
this also checks that app and training share one crop rule: the crops must be identical.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.types import Frame, HeadObservation
from app.engines.factory import create_engine
from app.engines.model_registry import find_models

pytest.importorskip("torch", reason="parity needs torch (training extra)")
try:
    from training.export_onnx import export_onnx, run_torch
except ImportError as exc:  # pragma: no cover - only while training code is absent
    pytest.skip(f"training.export_onnx not importable: {exc}", allow_module_level=True)

INPUT_SIZE = 64  # small input keeps the test fast; the contract does not depend on it
FP32_TOLERANCE_DEG = 1e-3


@dataclass(frozen=True)
class Trained:
    onnx_path: Path
    int8_path: Path
    checkpoint: Path
    splits: Path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    from training.config import load_config
    from training.preprocess import preprocess
    from training.synthetic_biwi import write_synthetic_biwi
    from training.train import train

    root = tmp_path_factory.mktemp("trained")
    write_synthetic_biwi(root / "biwi", frames=6)
    preprocess(root / "biwi", root / "splits", crop_size=INPUT_SIZE, show_progress=False)
    cfg = load_config(None, [
        "model.pretrained_cnn=false", f"model.input_size={INPUT_SIZE}", "train.epochs=1", "train.batch_size=4",
        "train.max_steps_per_epoch=2", "train.device=cpu", "data.num_workers=0", f"data.dir={root / 'splits'}",
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train(cfg, root / "splits", root / "run", show_progress=False)
        onnx_path = export_onnx(result.best_path, root / "models" / "tiny.onnx", data_dir=root / "splits", int8=True)
    return Trained(onnx_path, onnx_path.with_name("tiny.int8.onnx"), result.best_path, root / "splits")


def _test_frames(splits: Path):
    """Full frames of the test split with the app-side head box and the training crop."""
    from training.biwi import head_box, read_calibration
    from training.crop_cache import load_crops, read_rgb
    from training.dataset import load_split

    arrays = load_split(splits, "test")
    crops = np.asarray(load_crops(splits, "test", INPUT_SIZE, arrays["image_paths"], arrays["bbox"]))
    for i, image_path in enumerate(arrays["image_paths"]):
        image_path = Path(str(image_path))
        box = head_box(read_calibration(image_path.parent / "rgb.cal"), arrays["center_mm"][i])
        yield Frame(read_rgb(image_path), 0.0, i), HeadObservation(box=box), crops[i], arrays["angles"][i]


def test_engine_matches_torch_on_the_same_crops(trained: Trained) -> None:
    from training.checkpoint import model_from_checkpoint

    engine = create_engine("onnx", str(trained.onnx_path), "cpu")
    model, _, _ = model_from_checkpoint(trained.checkpoint)
    frames = list(_test_frames(trained.splits))
    assert len(frames) >= 4
    app_crops = np.stack([engine.crop_rule.crop(f.image, h.box) for f, h, _, _ in frames])
    training_crops = np.stack([c for _, _, c, _ in frames])
    np.testing.assert_array_equal(app_crops, training_crops)  # one crop rule, same pixels

    torch_angles = run_torch(model, training_crops).astype(np.float64)
    onnx_angles = engine.predict_crops(app_crops)
    worst = float(np.abs(onnx_angles - torch_angles).max())
    assert worst <= FP32_TOLERANCE_DEG, f"onnx vs torch max abs diff {worst:.2e} deg"

    results = engine.estimate_batch([(f, h) for f, h, _, _ in frames])
    for result, expected in zip(results, torch_angles):
        assert result is not None and result.source == "onnx"
        np.testing.assert_allclose(result.rotation, matrix_from_angles(HeadAngles.from_array(expected)), atol=1e-5)
        if abs(expected[1]) < 89.0:  # angles are recoverable from the matrix away from gimbal lock
            got = angles_from_matrix(result.rotation).as_array()
            np.testing.assert_allclose(got, expected, atol=FP32_TOLERANCE_DEG)


def test_exported_metadata_drive_the_engine(trained: Trained) -> None:
    (entry,) = [e for e in find_models([trained.onnx_path.parent]) if e.path == trained.onnx_path]
    info = entry.info
    assert info is not None, entry.problem
    assert info.crop_rule.input_size == INPUT_SIZE
    assert info.describe("backbone") == "resnet18"
    assert info.precision == "fp32"
    assert info.mae_summary().startswith("test ")
    # The trained range comes from the training split's largest angles, not the default.
    assert info.angle_range_deg != (75.0, 60.0, 50.0)
    assert all(0.0 < r <= 180.0 for r in info.angle_range_deg)


def test_int8_variant_runs_in_the_engine_close_to_fp32(trained: Trained) -> None:
    fp32 = create_engine("onnx", str(trained.onnx_path), "cpu")
    int8 = create_engine("onnx", str(trained.int8_path), "cpu")
    assert int8.info.precision == "int8"
    crops = np.stack([c for _, _, c, _ in _test_frames(trained.splits)])
    diff = np.abs(int8.predict_crops(crops) - fp32.predict_crops(crops))
    # Quantisation changes the numbers a little, never wildly (an untrained net spans a few degrees).
    assert float(diff.max()) < 2.0
