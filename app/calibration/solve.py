"""The calibration itself: ``cv2.calibrateCamera`` on the kept views, and the checks that refuse a bad one.

A result is refused (nothing saved) when it cannot be right: too few or too similar views, corners
that no single camera explains (the board bent or moved during the frame: a large reprojection
error), a field of view no webcam has, a principal point far from the image's centre, or
non-square pixels. Views that fit much worse than the others (a misdetected board) are dropped
once and the camera solved again.
"""

from __future__ import annotations

import datetime as _dt
import logging

import cv2
import numpy as np

from app.calibration.detect import BoardDetection
from app.calibration.views import MIN_TILTED_VIEWS, MIN_VIEWS, TILT_FORESHORTENING, foreshortening
from app.core.camera_model import CameraCalibration, CameraIntrinsics, check_hfov
from app.errors import InputError

log = logging.getLogger(__name__)

MAX_REPROJECTION_PX = 1.0  # RMS: sharp corners on a flat board fit to a few tenths of a pixel
OUTLIER_VIEW_FACTOR = 3.0  # a view fitting this many times worse than the median is dropped
MAX_PRINCIPAL_OFFSET = 0.15  # of the image's width or height
MAX_ASPECT_DIFFERENCE = 0.03  # fx vs fy: webcams have square pixels
# k1, k2, p1, p2: a third radial term is rarely needed by a webcam and overfits a dozen views.
CALIBRATION_FLAGS = cv2.CALIB_FIX_K3


class CalibrationError(InputError):
    """A calibration that cannot be trusted: one clear message, nothing saved."""


def calibrate(views: list[BoardDetection], camera: str = "", today: _dt.date | None = None) -> CameraCalibration:
    """The camera that saw these views (CalibrationError when the views cannot give a trustworthy one)."""
    _check_views(views)
    size = views[0].image_size
    rms, k, dist, per_view = _solve(views, size)
    worst = per_view > max(OUTLIER_VIEW_FACTOR * float(np.median(per_view)), 0.5)
    if worst.any() and len(views) - int(worst.sum()) >= MIN_VIEWS:
        log.info("calibration: %d of %d views fit badly and were dropped", int(worst.sum()), len(views))
        views = [v for v, bad in zip(views, worst) if not bad]
        rms, k, dist, per_view = _solve(views, size)
    intrinsics = CameraIntrinsics(float(k[0, 0]), float(k[1, 1]), float(k[0, 2]), float(k[1, 2]),
                                  tuple(float(c) for c in dist.ravel()[:4]))
    result = CameraCalibration(size[0], size[1], intrinsics, float(rms), len(views),
                               (today or _dt.date.today()).isoformat(), camera)
    _check_result(result)
    return result


def _check_views(views: list[BoardDetection]) -> None:
    if len(views) < MIN_VIEWS:
        raise CalibrationError(
            f"only {len(views)} good view(s) of the pattern, {MIN_VIEWS} needed: show the whole pattern, "
            "still and sharp, in more places and tilts")
    if len({v.image_size for v in views}) > 1:
        raise CalibrationError("the views have different image sizes: calibrate one resolution at a time")
    tilted = sum(foreshortening(v) >= TILT_FORESHORTENING for v in views)
    if tilted < MIN_TILTED_VIEWS:
        raise CalibrationError(
            f"only {tilted} view(s) with the pattern tilted, {MIN_TILTED_VIEWS} needed: the field of view can "
            "only be measured from tilted views (tilt the pattern about 30° left, right, up and down)")


def _solve(views: list[BoardDetection], size: tuple[int, int]):
    objects = [v.object_points.astype(np.float32) for v in views]
    images = [v.corners.reshape(-1, 1, 2).astype(np.float32) for v in views]
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-9)
    rms, k, dist, rvecs, tvecs = cv2.calibrateCamera(objects, images, size, None, None,
                                                      flags=CALIBRATION_FLAGS, criteria=criteria)
    per_view = np.array([
        np.sqrt(np.mean(np.sum((cv2.projectPoints(o, r, t, k, dist)[0].reshape(-1, 2) - i.reshape(-1, 2)) ** 2, axis=1)))
        for o, i, r, t in zip(objects, images, rvecs, tvecs)
    ])
    return rms, k, dist, per_view


def _check_result(cal: CameraCalibration) -> None:
    k = cal.intrinsics
    if not np.isfinite(cal.reprojection_px) or cal.reprojection_px > MAX_REPROJECTION_PX:
        raise CalibrationError(
            f"the views do not fit one camera (reprojection error {cal.reprojection_px:.2f} px, at most "
            f"{MAX_REPROJECTION_PX:g} allowed): was the pattern flat and held still? Nothing saved")
    try:
        check_hfov(cal.hfov_deg)
    except ValueError as exc:
        raise CalibrationError(f"the result is not a webcam ({exc}); nothing saved") from None
    dx, dy = abs(k.cx - cal.width / 2) / cal.width, abs(k.cy - cal.height / 2) / cal.height
    if max(dx, dy) > MAX_PRINCIPAL_OFFSET or abs(k.fx / k.fy - 1) > MAX_ASPECT_DIFFERENCE:
        raise CalibrationError(
            f"the result is not plausible (principal point {k.cx:.0f}, {k.cy:.0f} px in a {cal.width}x{cal.height} "
            f"image, fx/fy {k.fx / k.fy:.3f}): take more views, tilted and spread over the image; nothing saved")


def summary_lines(cal: CameraCalibration) -> list[str]:
    """The result as a person reads it (the CLI prints it, the window shows it)."""
    k = cal.intrinsics
    dist = ", ".join(f"{c:+.4f}" for c in k.distortion) or "none"
    return [
        f"horizontal field of view  {cal.hfov_deg:.2f}°",
        f"focal length              {k.fx:.1f} x {k.fy:.1f} px",
        f"principal point           {k.cx:.1f}, {k.cy:.1f} px ({cal.width}x{cal.height} image)",
        f"distortion (k1 k2 p1 p2)  {dist}",
        f"reprojection error        {cal.reprojection_px:.3f} px RMS",
        f"views used                {cal.views}",
    ]
