"""Optical flow on the shading-free image follows the surface, not the room's fixed lighting."""

import cv2
import numpy as np

from app.core.shading import texture_image


def _skin_under_fixed_light(shift_px: int) -> np.ndarray:
    """Faint fine texture (skin) shifted by ``shift_px``, lit by a smooth light that does not move."""
    rng = np.random.default_rng(0)
    h, w = 240, 320
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w + 20)).astype(np.float32), (0, 0), 1.5)
    texture = 1.0 + 0.03 * texture / texture.std()
    yy, xx = np.mgrid[0:h, 0:w]
    light = 60 + 160 * np.exp(-((xx - 120) ** 2 + (yy - 120) ** 2) / (2 * 70.0**2))
    return np.clip(texture[:, 10 - shift_px : 10 - shift_px + w] * light, 0, 255).astype(np.uint8)


def _mean_flow_x(a: np.ndarray, b: np.ndarray) -> float:
    pts = np.array([[x, y] for x in range(100, 220, 15) for y in range(60, 180, 15)], np.float32)
    nxt, status, _ = cv2.calcOpticalFlowPyrLK(a, b, pts, None, winSize=(21, 21), maxLevel=3)
    return float((nxt - pts)[status.ravel() == 1, 0].mean())


def test_flow_on_the_texture_image_follows_the_skin_where_raw_grey_lags():
    before, after = _skin_under_fixed_light(0), _skin_under_fixed_light(4)
    raw = _mean_flow_x(before, after)
    shading_free = _mean_flow_x(texture_image(before, 6.0), texture_image(after, 6.0))
    assert raw < 3.7  # the fixed lighting holds raw-grey flow back (the head under-reads)
    assert abs(shading_free - 4.0) < 0.05


def test_smooth_shading_is_removed_and_fine_texture_kept():
    yy, xx = np.mgrid[0:200, 0:200]
    shading = (40 + 180 * np.exp(-((xx - 80) ** 2 + (yy - 100) ** 2) / (2 * 60.0**2))).astype(np.uint8)
    flat = texture_image(shading, 6.0)
    assert flat.dtype == np.uint8 and flat.shape == shading.shape
    assert np.abs(flat[20:-20, 20:-20].astype(float) - 128).max() <= 5  # from a 180-level swing
    checker = ((xx // 2 + yy // 2) % 2 * 20 + 100).astype(np.uint8)
    assert texture_image(checker, 6.0)[20:-20, 20:-20].std() > 15
