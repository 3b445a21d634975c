"""The exported model's int8 and fp16 variants: static int8 calibrated on train crops, fp16 weights."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from app.errors import InputError
from training.dataset import load_split
from training.onnx_card import set_metadata

log = logging.getLogger(__name__)

CALIBRATION_FRAMES = 200  # train crops the static int8 quantisation is calibrated on (at most)
CALIBRATION_BATCH = 8
STATIC_INT8 = "static QDQ, uint8 activations, per-channel int8 weights"


def calibration_crops(data_dir: Path, size: int, limit: int = CALIBRATION_FRAMES) -> np.ndarray:
    """Up to ``limit`` train-split crops of ``data_dir`` (uint8 [N, size, size, 3], spread evenly
    over the split so every subject contributes), the calibration set of the static int8 model."""
    from training.crop_cache import load_crops

    arrays = load_split(data_dir, "train")
    if not len(arrays["image_paths"]):
        raise InputError(f"{data_dir}: the train split is empty; int8 calibration needs its crops")
    crops = load_crops(data_dir, "train", size, arrays["image_paths"], arrays["bbox"])
    idx = np.unique(np.linspace(0, len(crops) - 1, min(limit, len(crops))).round().astype(int))
    return np.ascontiguousarray(np.asarray(crops)[idx])


def quantize_static_int8(src: Path, dst: Path, calibration: np.ndarray, batch: int = CALIBRATION_BATCH) -> Path:
    """Static int8 (QDQ, uint8 activations, per-channel int8 weights) of ``src``, calibrated (min/max)
    on ``calibration`` (uint8 [N, H, W, 3] crops, as the ``image`` input); written to ``dst``.

    Dynamic int8 only quantises MatMul well; a CNN's convolutions become ConvInteger, which
    onnxruntime runs far slower than fp32. Static QDQ lets it fuse into int8 convolutions (VNNI).
    The metadata (crop rule, convention, ...) is kept, ``precision`` becomes ``int8``.
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    src, dst = Path(src), Path(dst)
    if calibration is None or not len(calibration):
        raise InputError("static int8 quantisation needs calibration crops; none were given")

    class Crops(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter([{"image": np.ascontiguousarray(calibration[i : i + batch], dtype=np.uint8)}
                             for i in range(0, len(calibration), batch)])

        def get_next(self):
            return next(self._it, None)

    pre = dst.with_name(dst.stem + ".pre.onnx")
    # The quantiser's chatter (e.g. about the uint8 input, rightly not quantised) goes to the root logger.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quant_pre_process(str(src), str(pre))
        quantize_static(
            str(pre), str(dst), Crops(), quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
        )
    finally:
        root.setLevel(level)
        pre.unlink(missing_ok=True)
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(src), load_external_data=False).metadata_props}
    meta["precision"] = "int8"
    meta["quantization"] = f"{STATIC_INT8}, calibrated on {len(calibration)} crops"
    set_metadata(dst, meta)
    return dst


def convert_fp16(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    proto = convert_float_to_float16(onnx.load(str(src)), keep_io_types=True)
    onnx.save(proto, str(dst))
