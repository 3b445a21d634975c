"""calibrate-camera and calibration-pattern from the command line; calibrations kept per camera; analyze --calibration."""

from __future__ import annotations

import json
import re
import zlib

import pytest

from app.calibration.pattern import A4_LANDSCAPE_MM, PatternSpec, pattern_instructions, pattern_page
from app.calibration.storage import CalibrationStore
from app.core.camera_model import CameraAssumption, CameraSource
from main import main
from tests.calibration.synthetic_views import BARREL, TrueCamera, render_views, write_video

CAMERA = TrueCamera(640, 480, 78.0, BARREL)


@pytest.fixture(scope="module")
def pattern_video(tmp_path_factory):
    frames = render_views(PatternSpec(), CAMERA, 18, seed=11)
    return write_video(frames, tmp_path_factory.mktemp("cal") / "pattern.mp4", hold=2)


def test_calibrate_camera_reports_the_lens_and_saves_it_for_the_camera(pattern_video, tmp_path, capsys):
    out = tmp_path / "cal.json"
    rc = main(["calibrate-camera", "--video", str(pattern_video), "--json", str(out), "--save", "--name", "camera 0",
               "--data-dir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert rc == 0
    for words in ("horizontal field of view", "focal length", "principal point", "distortion", "reprojection error",
                  "views used"):
        assert words in printed
    result = json.loads(out.read_text())
    assert abs(result["hfov_deg"] - CAMERA.true_hfov_deg) < 1.0
    assert result["distortion"][0] < -0.1  # barrel
    stored = CalibrationStore(tmp_path).find("camera 0", 640, 480)
    assert stored is not None and abs(stored.hfov_deg - result["hfov_deg"]) < 1e-3
    camera = CameraAssumption.measured(stored)
    assert camera.kind is CameraSource.MEASURED and camera.intrinsics_for(640, 480).has_distortion
    assert "measured 20" in camera.describe("camera 0")


@pytest.mark.parametrize("argv, message", [
    (["--video", "missing.mp4"], "cannot read"),
    (["--video", "{noise}"], "no chessboard"),
    (["--video", "{few}"], "needed"),
    (["--video", "{pattern}", "--save"], "--name"),
    (["--video", "{pattern}", "--columns", "8", "--rows", "8"], "odd"),
])
def test_bad_input_gives_one_line_exit_2_and_saves_nothing(argv, message, pattern_video, tmp_path, capsys):
    import cv2
    import numpy as np

    noise = tmp_path / "noise.mp4"
    write_video([np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8) for _ in range(5)], noise)
    few = write_video(render_views(PatternSpec(), CAMERA, 4, seed=2), tmp_path / "few.mp4")
    args = [a.format(noise=noise, few=few, pattern=pattern_video) for a in argv]
    rc = main(["calibrate-camera", *args, "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and message in err[-1] and err[-1].startswith("cervicam: ")
    assert not (tmp_path / "camera_calibrations.json").exists()
    assert cv2 is not None


def test_calibration_pattern_pdf_is_a4_with_its_instructions(tmp_path, capsys):
    out = tmp_path / "pattern.pdf"
    assert main(["calibration-pattern", str(out)]) == 0
    pdf = out.read_bytes()
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    points_per_mm = 72 / 25.4
    assert (round(float(box.group(1)) / points_per_mm), round(float(box.group(2)) / points_per_mm)) == tuple(
        round(v) for v in A4_LANDSCAPE_MM)
    # The first black square, drawn as a vector path: exactly 25 mm wide on the page.
    drawing = b"".join(zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S) if _inflates(m))
    board = drawing[drawing.index(b"re W n"):]  # after the page's white background, inside the board's clip
    x0, y0, x1 = (float(v) for v in re.search(rb"\n([\d.]+) ([\d.]+) m\n([\d.]+) \2 l", board).groups())
    assert abs((x1 - x0) / points_per_mm - PatternSpec().square_mm) < 0.05
    page_text = [t.get_text() for t in pattern_page(PatternSpec()).texts]
    assert any("Print at 100%" in t for t in page_text) and any("25 mm" in t for t in page_text)
    assert page_text == pattern_instructions(PatternSpec())
    assert main(["calibration-pattern", str(out), "--square-mm", "40"]) == 2  # 400 x 280 mm does not fit A4
    assert "does not fit" in capsys.readouterr().err


def test_a_damaged_calibration_file_is_reported_and_ignored(tmp_path, caplog):
    (tmp_path / "camera_calibrations.json").write_text("{not json")
    assert CalibrationStore(tmp_path).find("camera 0") is None
    assert "cannot be read" in caplog.text


def test_analyze_refuses_a_file_that_is_not_a_calibration(tmp_path, capsys, demo_video):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"fx": "wide"}))
    rc = main(["analyze", str(demo_video), "--csv", str(tmp_path / "a.csv"), "--calibration", str(bad)])
    assert rc == 2 and "not a camera calibration" in capsys.readouterr().err


def _inflates(data: bytes) -> bool:
    try:
        zlib.decompress(data)
        return True
    except zlib.error:
        return False
