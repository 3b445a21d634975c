"""Which views are kept, what the person holding the pattern is told, and the inputs that must be refused."""

from __future__ import annotations

import numpy as np
import pytest

from app.calibration.detect import detect_board
from app.calibration.pattern import PatternSpec
from app.calibration.solve import MAX_REPROJECTION_PX, CalibrationError, calibrate
from app.calibration.views import MAX_BLUR_PX, MIN_VIEWS, ViewCollector, ViewVerdict
from tests.calibration.synthetic_views import Degradation, TrueCamera, random_poses, render_view, render_views

SPEC = PatternSpec()
CAMERA = TrueCamera(640, 480, 62.0)


def test_blur_estimate_follows_the_true_blur():
    rng = np.random.default_rng(0)
    rvec, tvec = random_poses(SPEC, CAMERA, 1, rng)[0]
    estimates = []
    for sigma in (0.6, 1.5, 2.8):
        frame = render_view(SPEC, CAMERA, rvec, tvec, Degradation(blur_sigma_px=sigma, noise_sigma=2.0), rng)
        estimates.append(detect_board(frame, SPEC).blur_px)
    assert estimates == sorted(estimates)
    assert estimates[0] < MAX_BLUR_PX < estimates[2]


def test_blurred_and_repeated_views_are_rejected_with_advice():
    rng = np.random.default_rng(1)
    rvec, tvec = random_poses(SPEC, CAMERA, 1, rng)[0]
    collector = ViewCollector(SPEC)
    sharp = render_view(SPEC, CAMERA, rvec, tvec, Degradation(), rng)
    assert collector.add_frame(sharp).verdict is ViewVerdict.ACCEPTED
    again = collector.add_frame(render_view(SPEC, CAMERA, rvec, tvec, Degradation(), rng))
    assert again.verdict is ViewVerdict.DUPLICATE and "new place" in again.advice
    blurred = collector.add_frame(render_view(SPEC, CAMERA, rvec, tvec + [40, 0, 0], Degradation(blur_sigma_px=3.5), rng))
    assert blurred.verdict is ViewVerdict.BLURRED and "still" in blurred.advice
    nothing = collector.add_frame(np.full((480, 640, 3), 120, np.uint8))
    assert nothing.verdict is ViewVerdict.NO_PATTERN and "pattern" in nothing.advice
    assert collector.status(ViewVerdict.NO_PATTERN).views == 1


def test_fronto_parallel_views_are_not_enough():
    # Square to the camera the focal length cannot be told from the distance: refuse, say to tilt.
    rng = np.random.default_rng(2)
    collector = ViewCollector(SPEC)
    for rvec, tvec in random_poses(SPEC, CAMERA, 30, rng, max_tilt_deg=2.0):
        collector.add_frame(render_view(SPEC, CAMERA, rvec * 0, tvec, Degradation(), rng))
    assert len(collector.views) >= MIN_VIEWS and not collector.ready
    with pytest.raises(CalibrationError, match="tilt"):
        calibrate(collector.views)


def test_too_few_views_are_refused():
    collector = ViewCollector(SPEC)
    for frame in render_views(SPEC, CAMERA, 5, seed=4):
        collector.add_frame(frame)
    with pytest.raises(CalibrationError, match=f"{MIN_VIEWS} needed"):
        calibrate(collector.views)


def test_views_from_two_different_cameras_are_refused_as_wildly_wrong():
    # One "camera" that is two lenses (or a bent board) cannot fit: a large reprojection error.
    views = []
    for camera, seed in ((TrueCamera(640, 480, 45.0), 6), (TrueCamera(640, 480, 85.0), 7)):
        collector = ViewCollector(SPEC)
        for frame in render_views(SPEC, camera, 10, seed=seed):
            collector.add_frame(frame)
        views += collector.views
    with pytest.raises(CalibrationError, match=f"at most {MAX_REPROJECTION_PX:g}"):
        calibrate(views)
