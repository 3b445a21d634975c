"""The one face-crop rule shared by training and the app (a model's metadata carries it: docs/ONNX.md).

A head is described by a :class:`HeadBox`: the image position of the head centre and the
apparent head width in pixels. Training gets both from BIWI's ground-truth head centre and the
RGB calibration (width = fx * NOMINAL_HEAD_WIDTH_MM / depth); the app gets them from its head
tracker. The crop is a square of side ``width * (1 + 2 * margin)`` centred on the head, padded with
black where it leaves the image, resized to the model's input size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from app.core.types import HeadBox

# Average adult head breadth (eurion to eurion) is about 150-160 mm; the value only fixes how
# much context the crop holds, so train and app must agree on it, not be exact.
NOMINAL_HEAD_WIDTH_MM = 160.0


@dataclass(frozen=True)
class CropRule:
    """How a face crop is cut: square, ``margin`` of the head width on each side, resized."""

    margin: float = 0.25
    input_size: int = 224

    def box(self, head: HeadBox) -> tuple[int, int, int, int]:
        """Integer crop box ``(x0, y0, x1, y1)`` in image pixels (may exceed the image)."""
        side = max(2.0, head.width * (1.0 + 2.0 * self.margin))
        x0 = int(round(head.center_x - side / 2.0))
        y0 = int(round(head.center_y - side / 2.0))
        s = int(round(side))
        return x0, y0, x0 + s, y0 + s

    def crop(self, image: np.ndarray, head: HeadBox) -> np.ndarray:
        """Square crop of ``image`` (H, W, 3 uint8) around ``head``, ``input_size`` square."""
        return crop_box(image, self.box(head), self.input_size)

    def as_metadata(self) -> dict[str, str]:
        return {"crop_margin": f"{self.margin}", "crop_square": "true", "input_size": str(self.input_size)}

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> "CropRule":
        return cls(margin=float(meta["crop_margin"]), input_size=int(meta["input_size"]))


def crop_box(image: np.ndarray, box: tuple[int, int, int, int], out_size: int) -> np.ndarray:
    """Cut ``box`` from ``image`` with black padding outside it and resize to ``out_size``."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    side_w, side_h = x1 - x0, y1 - y0
    canvas = np.zeros((side_h, side_w, image.shape[2]), dtype=image.dtype)
    sx0, sy0 = max(0, x0), max(0, y0)
    sx1, sy1 = min(w, x1), min(h, y1)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
    interp = cv2.INTER_AREA if side_w > out_size else cv2.INTER_LINEAR
    return cv2.resize(canvas, (out_size, out_size), interpolation=interp)
