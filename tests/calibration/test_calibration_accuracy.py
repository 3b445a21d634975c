"""Calibration of synthetic views through known cameras: 48, 62 and 78 degree lenses, with and without barrel distortion."""

from __future__ import annotations

import numpy as np
import pytest

from app.calibration.detect import detect_board
from app.calibration.pattern import PatternKind, PatternSpec
from app.calibration.solve import calibrate
from app.calibration.views import ViewCollector
from tests.calibration.synthetic_views import BARREL, Degradation, TrueCamera, render_views

# A webcam frame as it reaches the app: slightly soft, noisy, JPEG-compressed.
WEBCAM = Degradation(blur_sigma_px=0.9, noise_sigma=4.0, jpeg_quality=75)


@pytest.mark.parametrize("hfov", [48.0, 62.0, 78.0])
@pytest.mark.parametrize("distortion", [(), BARREL], ids=["pinhole", "barrel"])
def test_field_of_view_within_1_degree_and_focal_length_within_2_percent(hfov, distortion):
    camera = TrueCamera(640, 480, hfov, distortion)
    spec = PatternSpec()
    collector = ViewCollector(spec)
    for frame in render_views(spec, camera, 18, seed=int(hfov), degradation=WEBCAM):
        collector.add_frame(frame)
    assert collector.ready
    cal = calibrate(collector.views, camera="camera 0")
    truth = camera.intrinsics
    assert abs(cal.hfov_deg - camera.true_hfov_deg) <= 1.0
    assert abs(cal.intrinsics.fx / truth.fx - 1) <= 0.02
    assert abs(cal.intrinsics.fy / truth.fy - 1) <= 0.02
    assert abs(cal.intrinsics.cx - truth.cx) < 6 and abs(cal.intrinsics.cy - truth.cy) < 6
    if distortion:
        # The measured lens moves an image corner where the true one does: undistortion is right.
        corner = np.array([[5.0, 5.0], [630.0, 470.0]])
        assert np.abs(cal.intrinsics.undistort(corner) - truth.undistort(corner)).max() < 2.0
    else:
        assert abs(cal.intrinsics.distortion[0]) < 0.05


def test_charuco_board_partly_hidden_still_calibrates():
    camera = TrueCamera(640, 480, 70.0, BARREL)
    spec = PatternSpec(PatternKind.CHARUCO)
    collector = ViewCollector(spec)
    for k, frame in enumerate(render_views(spec, camera, 18, seed=5, degradation=WEBCAM)):
        whole = detect_board(frame, spec)
        if k % 2 == 0 and whole is not None:
            # A hand over a third of the board: a ChArUco board's remaining corners still count.
            (x0, y0), (x1, y1) = whole.corners.min(axis=0).astype(int), whole.corners.max(axis=0).astype(int)
            frame[max(y0 - 5, 0):y1 + 5, max(x0 - 5, 0):x0 + (x1 - x0) // 3] = 60
        collector.add_frame(frame)
    cal = calibrate(collector.views)
    assert abs(cal.hfov_deg - camera.true_hfov_deg) <= 1.0
    assert any(len(v.ids) < spec.corner_count for v in collector.views)
