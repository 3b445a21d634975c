"""Removes smooth shading from a grey image so that optical flow follows the skin, not the light.

Lighting stays put in the room while the head turns, so the smooth shading across the face and
scalp does not move with them. Lucas-Kanade aligns whatever intensity pattern a window holds, and
on skin that pattern is mostly shading: tracked features then lag behind the surface, and the
head model reads less rotation than there is (on the dev video, flexion of 17 degrees read as 6).
Subtracting a blurred copy keeps the skin's own fine texture (pores, wrinkles, brows, stubble)
and drops the shading, whose scale is the curvature of the head; the blur is sized from the
head's width in the image so that a patient twice as far keeps the same texture.
"""

from __future__ import annotations

import cv2
import numpy as np

SHADING_SIGMA_OF_HEAD_WIDTH = 0.06
TEXTURE_GAIN = 2.0  # fine texture is low-contrast; spread it over more of the 8-bit range for LK
_MIN_SIGMA_AFTER_SHRINK = 2.0


def texture_image(gray: np.ndarray, sigma_px: float) -> np.ndarray:
    """``gray`` minus its smooth shading (Gaussian of ``sigma_px``), centred on mid-grey, uint8."""
    sigma = max(float(sigma_px), 0.5)
    # Shading is smooth, so it is blurred on a shrunken copy: a few times cheaper, same result.
    shrink = max(1, int(sigma // _MIN_SIGMA_AFTER_SHRINK))
    h, w = gray.shape[:2]
    small = cv2.resize(gray, (max(1, w // shrink), max(1, h // shrink)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), sigma / shrink)  # float: no banding
    shading = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(gray, TEXTURE_GAIN, shading, -TEXTURE_GAIN, 128.0, dtype=cv2.CV_8U)
