"""Small ONNX models for engine tests, written with torch.onnx.export to the app's ONNX contract
(app.engines.model_registry, docs/ONNX.md).

``ColourAnglesNet`` answers angles the tests can compute by hand: yaw, pitch, roll =
``(mean R, mean G, mean B of the crop - 128) / 4`` degrees. So a test that paints the head box
knows exactly what the engine must return, and a wrong crop, channel order or dtype shows up
as wrong numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CONTRACT_METADATA = {
    "input_size": "32",
    "crop_margin": "0.25",
    "crop_square": "true",
    "convention": "cervicam v1: yaw+ = patient's left, pitch+ = flexion, roll+ = left; head relative to camera",
    "backbone": "colour-mean (test)",
    "train_data": "none (test model)",
    "split": "none",
    "test_mae_yaw": "1.5",
    "test_mae_pitch": "2.25",
    "test_mae_roll": "3.0",
}


def expected_colour_angles(crop: np.ndarray) -> np.ndarray:
    """What ColourAnglesNet answers for one uint8 HxWx3 crop."""
    return (crop.reshape(-1, 3).astype(np.float64).mean(axis=0) - 128.0) / 4.0


def export_test_model(
    path: Path,
    *,
    metadata: dict[str, str] | None = None,
    input_name: str = "image",
    output_name: str = "angles",
    input_dtype: str = "uint8",
    nchw: bool = False,
    fixed_size: int | None = None,
    extra_output: bool = False,
    fixed_batch: bool = False,
) -> Path:
    """Export ColourAnglesNet (variants break the contract on purpose) and set ``metadata``."""
    import onnx
    import torch

    class ColourAnglesNet(torch.nn.Module):
        def forward(self, image):
            x = image.float()
            means = x.mean(dim=(2, 3)) if nchw else x.mean(dim=(1, 2))
            angles = (means - 128.0) / 4.0
            return (angles, angles.sum(dim=1, keepdim=True)) if extra_output else angles

    size = fixed_size or int((metadata or CONTRACT_METADATA).get("input_size", "32") or 32)
    shape = (1, 3, size, size) if nchw else (1, size, size, 3)
    dtype = {"uint8": torch.uint8, "float32": torch.float32}[input_dtype]
    example = torch.zeros(shape, dtype=dtype)
    outputs = [output_name, "landmarks"] if extra_output else [output_name]
    dynamic = {input_name: {0: "N"}, **{name: {0: "N"} for name in outputs}}
    if fixed_batch:
        dynamic = {input_name: {}}
    if fixed_size is None:
        dynamic[input_name].update({1: "H", 2: "W"} if not nchw else {2: "H", 3: "W"})
    torch.onnx.export(
        ColourAnglesNet(), (example,), str(path), input_names=[input_name], output_names=outputs,
        dynamic_axes=dynamic, opset_version=17, dynamo=False,
    )
    model = onnx.load(str(path))
    for key, value in (CONTRACT_METADATA if metadata is None else metadata).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))
    return path
