"""The calibration board in one frame: its corners (sub-pixel), which corners they are, how sharp.

Corners come from OpenCV (``findChessboardCorners`` + ``cornerSubPix``; ``CharucoDetector`` for a
ChArUco board). A frame whose board is motion-blurred or out of focus still gives corners, but
they sit where the blur put them, so each detection also carries an estimate of the blur.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from app.calibration.pattern import PatternKind, PatternSpec

# A ChArUco view needs enough identified corners to constrain a homography well.
MIN_CHARUCO_CORNERS = 12

_SUBPIX_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 40, 0.001)
_CHESSBOARD_FLAGS = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE | cv2.CALIB_CB_FAST_CHECK


@dataclass(frozen=True, eq=False)
class BoardDetection:
    """The board's corners found in one frame."""

    corners: np.ndarray  # (N, 2) float32 image positions (pixels)
    ids: np.ndarray  # (N,) indices into PatternSpec.object_points()
    object_points: np.ndarray  # (N, 3) float32 board coordinates (mm) of those corners
    blur_px: float  # edge blur as a Gaussian sigma in pixels (0.5-1 for a sharp webcam frame)
    image_size: tuple[int, int]  # width, height


def to_gray(image: np.ndarray) -> np.ndarray:
    """8-bit grey of an RGB or grey frame."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def detect_board(image: np.ndarray, spec: PatternSpec) -> BoardDetection | None:
    """The board in ``image`` (RGB or grey), or None when it is not (wholly, for a chessboard) in view."""
    gray = to_gray(image)
    if spec.kind is PatternKind.CHARUCO:
        found = _charuco_corners(gray, spec)
    else:
        found = _chessboard_corners(gray, spec)
    if found is None:
        return None
    corners, ids = found
    all_points = spec.object_points()
    return BoardDetection(corners, ids, all_points[ids], edge_blur_px(gray, corners),
                          (gray.shape[1], gray.shape[0]))


def _chessboard_corners(gray: np.ndarray, spec: PatternSpec) -> tuple[np.ndarray, np.ndarray] | None:
    ok, corners = cv2.findChessboardCorners(gray, spec.inner_corners, flags=_CHESSBOARD_FLAGS)
    if not ok or corners is None:
        return None
    corners = corners.reshape(-1, 2)
    # The refinement window must stay inside one square: a quarter of the smallest corner spacing.
    cols = spec.inner_corners[0]
    grid = corners.reshape(-1, cols, 2)
    spacing = min(np.linalg.norm(np.diff(grid, axis=1), axis=2).min(), np.linalg.norm(np.diff(grid, axis=0), axis=2).min())
    half = int(np.clip(spacing / 4.0, 2, 11))
    refined = cv2.cornerSubPix(gray, corners.reshape(-1, 1, 2).copy(), (half, half), (-1, -1), _SUBPIX_CRITERIA)
    return refined.reshape(-1, 2).astype(np.float32), np.arange(len(refined))


def _charuco_corners(gray: np.ndarray, spec: PatternSpec) -> tuple[np.ndarray, np.ndarray] | None:
    detector = cv2.aruco.CharucoDetector(spec.charuco_board())
    corners, ids, _, _ = detector.detectBoard(gray)
    if ids is None or len(ids) < MIN_CHARUCO_CORNERS:
        return None
    return corners.reshape(-1, 2).astype(np.float32), ids.ravel().astype(np.int64)


def edge_blur_px(gray: np.ndarray, corners: np.ndarray) -> float:
    """The blur of the board's edges, as the sigma (pixels) of a Gaussian that would make it.

    A step edge of contrast C blurred by a Gaussian of sigma s has a steepest gradient of
    C / (s * sqrt(2 pi)); so s follows from the board's contrast (its dark and light levels) and
    its steepest gradients, whatever the lighting or the board's size in the image.
    """
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    patch = gray[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].astype(np.float32)
    if patch.shape[0] < 8 or patch.shape[1] < 8:
        return math.inf
    dark, light = np.percentile(patch, (5, 95))
    contrast = float(light - dark)
    # Sobel's 3x3 kernel weighs the central difference by 8: divide to get grey levels per pixel.
    gx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    steepest = float(np.percentile(np.hypot(gx, gy), 99.5))
    if contrast <= 0 or steepest <= 0:
        return math.inf
    return contrast / (steepest * math.sqrt(2.0 * math.pi))
