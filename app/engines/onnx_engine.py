"""The ``onnx`` pose engine: one exported head-pose model (ONNX contract of app.engines.model_registry,
docs/ONNX.md) run by onnxruntime.

For each frame it cuts the face with the model's own crop rule (``CropRule.from_metadata``, the
one rule training used), feeds the uint8 NHWC RGB crop, reads ``angles`` (yaw, pitch, roll in
degrees, project convention) and returns their rotation matrix, in the camera's axes: a model
whose angles are relative to the crop's viewing ray (metadata ``angle_frame = crop_ray``,
app.core.view_ray) is turned back with the camera (:meth:`OnnxEngine.set_camera`; the typical
webcam's until told) and the crop's box. The pipeline makes it relative to the patient's
neutral, as for every engine.

Quality (``EngineResult.quality``, 0..1) is the product of two honest factors:

* **angle range**: 1 while every angle is within 85 % of the range the model was trained on
  (metadata ``range_{yaw,pitch,roll}_deg``, else BIWI's +-75/60/50), falling linearly to 0.5 at
  the range limit and to a floor of 0.2 beyond it; regressors saturate near the edge of their
  training data, so end-range values there are the least trustworthy;
* **visibility**: the fraction of the crop square that lies inside the image (the rest is black
  padding the network has to guess through);

and is capped at ``app.core.quality.DISPUTED`` where the head tracker's own reading of the same
head disagrees by more than the check's limit (app.engines.tracker_check; ``tracker_check_deg=None``
turns the check off, for measuring the network alone).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.camera_model import CameraAssumption
from app.core.types import EngineResult, Frame, HeadObservation
from app.core.view_ray import AngleFrame, camera_rotation, crop_ray
from app.engines.choices import Device, EngineName
from app.engines.model_registry import MODEL_SUFFIX, ModelInfo, info_from_session
from app.engines.onnx_session import OnnxSession, SessionConfig, open_session
from app.engines.tracker_check import DEFAULT_LIMIT_DEG, TrackerCheck
from app.errors import InputError

log = logging.getLogger(__name__)

FULL_QUALITY_FRACTION = 0.85  # of the trained range: beyond it quality starts to drop
QUALITY_AT_RANGE_LIMIT = 0.5
QUALITY_FLOOR = 0.2


class OnnxEngine:
    """Head rotation from one ONNX model file; implements app.core.types.PoseEngine."""

    name = EngineName.ONNX

    def __init__(self, model_path: str | os.PathLike[str], config: SessionConfig = SessionConfig(),
                 tracker_check_deg: float | None = DEFAULT_LIMIT_DEG) -> None:
        if Path(model_path).suffix.lower() != MODEL_SUFFIX:
            raise InputError(f"{model_path} is not an ONNX model file (expected a {MODEL_SUFFIX} file)")
        self.session: OnnxSession = open_session(model_path, config)
        self.info: ModelInfo = info_from_session(Path(model_path), self.session.session)
        self.crop_rule = self.info.crop_rule
        self._range = np.asarray(self.info.angle_range_deg, dtype=np.float64)
        self.check = None if tracker_check_deg is None else TrackerCheck(tracker_check_deg)
        self.camera = CameraAssumption.from_user(None)
        if self.info.precision == "fp16" and self.session.device == Device.CPU:
            log.warning("%s is an fp16 model: on the CPU it runs slower than fp32; use the fp32 or int8 file", self.info.name)
        # The first run allocates buffers and picks kernels (several times a normal run): pay it
        # now, not on the patient's first frame.
        self.predict_crops(np.zeros((1, self.crop_rule.input_size, self.crop_rule.input_size, 3), np.uint8))
        log.info(
            "onnx engine: %s (backbone %s, %s, input %d px, margin %.2f) on %s",
            self.info.name, self.info.describe("backbone"), self.info.precision,
            self.crop_rule.input_size, self.crop_rule.margin, self.session.device,
        )

    @property
    def device(self) -> Device:
        return self.session.device

    def set_camera(self, camera: CameraAssumption) -> None:
        self.camera = camera

    def reset(self) -> None:
        """The model is absolute and the pipeline keeps the neutral; only the check's offset is per patient."""
        if self.check is not None:
            self.check.reset()

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult | None:
        return self.estimate_batch([(frame, head)])[0]

    def estimate_batch(self, items: Sequence[tuple[Frame, HeadObservation]]) -> list[EngineResult | None]:
        """One inference for several (frame, head) pairs (several faces, or frames gathered offline)."""
        results: list[EngineResult | None] = [None] * len(items)
        crops, heads, where = [], [], []
        for i, (frame, head) in enumerate(items):
            if head is None or head.box is None:
                continue
            crops.append(self.crop_rule.crop(frame.image, head.box))
            heads.append((head, frame.image.shape))
            where.append(i)
        if not crops:
            return results
        angles = self.predict_crops(np.stack(crops))
        for i, row, (head, shape) in zip(where, angles, heads):  # in order: the check learns as it goes
            results[i] = self._result(row, head, shape)
        return results

    def predict_crops(self, crops: np.ndarray) -> np.ndarray:
        """Raw model output for uint8 ``[N, H, W, 3]`` RGB crops: ``[N, 3]`` yaw, pitch, roll (degrees)."""
        crops = np.ascontiguousarray(crops, dtype=np.uint8)
        size = self.crop_rule.input_size
        if crops.ndim != 4 or crops.shape[1:] != (size, size, 3):
            raise ValueError(f"crops must be uint8 [N, {size}, {size}, 3], got {crops.shape}")
        if self.info.dynamic_batch or len(crops) == 1:
            out = self._run(crops)
        else:  # a model exported with a fixed batch of 1
            out = np.concatenate([self._run(crops[i : i + 1]) for i in range(len(crops))])
        if out.shape != (len(crops), 3):
            raise InputError(f"{self.info.name}: output 'angles' has shape {out.shape}, expected ({len(crops)}, 3)")
        return out.astype(np.float64)

    def _run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(self.info.input_name, batch, [self.info.output_name])[0]

    def _result(self, angles: np.ndarray, head: HeadObservation, image_shape: tuple[int, ...]) -> EngineResult | None:
        if not np.all(np.isfinite(angles)):
            log.warning("onnx engine: model returned non-finite angles %s; frame skipped", angles)
            return None
        rotation = matrix_from_angles(HeadAngles.from_array(angles))
        box = self.crop_rule.box(head.box)
        if self.info.angle_frame is AngleFrame.CROP_RAY:
            rotation = camera_rotation(rotation, crop_ray(self.camera.intrinsics_for(image_shape[1], image_shape[0]), box))
        quality = range_quality(angles, self._range) * visible_fraction(box, image_shape)
        disputed = False
        if self.check is not None:
            checked = self.check.check(rotation, quality, head)
            quality, disputed = checked.quality, checked.disputed
        return EngineResult(rotation=rotation, quality=float(quality), source=self.name, disputed=disputed)


def range_quality(angles: np.ndarray, trained_range_deg: np.ndarray) -> float:
    """1 well inside the trained range, 0.5 at its limit, floor 0.2 beyond (worst axis counts)."""
    excess = np.abs(np.asarray(angles, dtype=np.float64)) / np.asarray(trained_range_deg, dtype=np.float64)
    worst = float(np.max(excess))
    if worst <= FULL_QUALITY_FRACTION:
        return 1.0
    slope = (1.0 - QUALITY_AT_RANGE_LIMIT) / (1.0 - FULL_QUALITY_FRACTION)
    return max(QUALITY_FLOOR, 1.0 - slope * (worst - FULL_QUALITY_FRACTION))


def visible_fraction(box: tuple[int, int, int, int], image_shape: tuple[int, ...]) -> float:
    """Share of the crop square ``(x0, y0, x1, y1)`` that lies inside an image of ``image_shape``."""
    x0, y0, x1, y1 = box
    h, w = image_shape[:2]
    area = max(1, (x1 - x0) * (y1 - y0))
    inside = max(0, min(w, x1) - max(0, x0)) * max(0, min(h, y1) - max(0, y0))
    return inside / area
