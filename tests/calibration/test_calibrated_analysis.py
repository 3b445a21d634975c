"""End to end: the dev video's camera measured from a pattern video, then the dev video analysed with it.

The demo video (assets/demo_clinic.mp4, the dev set's dev_clinic_plain) was rendered through a 60°
lens at 640x480. A pattern video through the same camera is calibrated, and the analysis with
that calibration must meet the bound issue 18 sets for perturbed copies of a dev video (every end
range within 4°): a calibration that differs from the true camera by 0.01° of field of view and
a fraction of a pixel is such a perturbation, and the measuring core's end ranges move with
those (with the network as the trackers' witness, extension reads 2.3° high with the true camera
and 2.8° high with this calibration, rotation left -0.1 and +1.5°: docs/CAMERA_CALIBRATION.md). The 3° bound of the unperturbed dev
video and the 0.5° agreement issue 15 asks for are not met this way yet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from app.calibration.pattern import PatternSpec
from main import main
from tests.calibration.synthetic_views import TrueCamera, render_views, write_video

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.score_video import score  # noqa: E402

DEMO_CAMERA = TrueCamera(640, 480, 60.0, principal_offset_px=(0.0, 0.0))
PERTURBED_END_RANGE_DEG = 4.0  # issue 18: worst end range over perturbed copies of a dev video


@pytest.mark.slow
def test_dev_video_analysed_with_its_measured_camera(tmp_path, demo_video, demo_truth):
    pattern = write_video(render_views(PatternSpec(), DEMO_CAMERA, 20, seed=60), tmp_path / "pattern.mp4", hold=2)
    calibration = tmp_path / "camera.json"
    assert main(["calibrate-camera", "--video", str(pattern), "--json", str(calibration)]) == 0
    measured = json.loads(calibration.read_text())
    assert abs(measured["hfov_deg"] - 60.0) < 0.3
    analysis, summary = tmp_path / "a.csv", tmp_path / "a.json"
    assert main(["analyze", str(demo_video), "--csv", str(analysis), "--json", str(summary),
                 "--calibration", str(calibration), "--no-progress"]) == 0
    assert json.loads(summary.read_text())["camera_hfov_source"].startswith("measured ")
    result = score(analysis, demo_truth)
    assert result.pose_rate == 1.0
    for direction, (true_max, est_max, err) in result.end_range.items():
        assert abs(err) <= PERTURBED_END_RANGE_DEG, f"{direction}: true {true_max:.1f}, measured {est_max:.1f}"
