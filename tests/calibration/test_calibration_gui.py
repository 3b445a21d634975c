"""The window's guided camera calibration, driven as a clinician would, with a fake camera playing a pattern video."""

from __future__ import annotations

import time

import cv2
import pytest

from app.calibration.pattern import PatternSpec
from app.calibration.storage import CalibrationStore
from app.core.camera_model import CameraSource
from app.ui.dialogs import SettingsDialog
from app.ui.settings import AppSettings
from app.ui.workers import SourceSpec
from tests.calibration.synthetic_views import BARREL, TrueCamera, render_views, write_video
from tests.ui.fakes import TruthPipeline
from tests.ui.helpers import build_window, wait_for

CAMERA = TrueCamera(640, 480, 74.0, BARREL)
FPS = 20.0


class PatternCamera:
    """A webcam in front of which someone shows the pattern: the video's frames at their frame rate, looped."""

    def __init__(self, video) -> None:
        self.cap = cv2.VideoCapture(str(video))
        self.next_at = time.monotonic()

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's names)
        return self.cap.isOpened()

    def read(self):
        self.next_at += 1.0 / FPS
        time.sleep(max(0.0, self.next_at - time.monotonic()))
        ok, frame = self.cap.read()
        if not ok:
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.cap.read()
        return ok, frame

    def get(self, prop):
        return self.cap.get(prop)

    def set(self, prop, value):
        return True

    def release(self) -> None:
        self.cap.release()


@pytest.fixture
def pattern_video(tmp_path):
    return write_video(render_views(PatternSpec(), CAMERA, 18, seed=21), tmp_path / "pattern.mp4", fps=FPS, hold=5)


def test_guided_calibration_measures_saves_and_is_used_by_the_next_measurement(qtbot, tmp_path, pattern_video, demo_truth):
    settings = AppSettings(data_dir=str(tmp_path / "data"))
    pipeline = TruthPipeline(demo_truth)
    controller, window = build_window(pipeline, SourceSpec(camera=0), settings=settings,
                                      capture_factory=lambda spec: PatternCamera(pattern_video))
    qtbot.addWidget(window)
    window.show()
    controller.start()
    try:
        dialog = window.calibrate_camera()
        assert dialog is not None and not dialog.compute_button.isEnabled()
        assert wait_for(lambda: dialog.collector.ready, 60), dialog.advice.text()
        assert dialog.compute_button.isEnabled() and "Good views" in dialog.count.text()
        dialog.compute_button.click()
        assert dialog.result is not None and abs(dialog.result.hfov_deg - CAMERA.true_hfov_deg) < 1.0
        assert "field of view" in dialog.outcome.text()
        dialog.save_button.click()
        stored = CalibrationStore(tmp_path / "data").find("camera 0", 640, 480)
        assert stored is not None and stored.intrinsics.has_distortion
        # The next measurement uses it, and a session says so.
        assert wait_for(lambda: pipeline.camera.kind is CameraSource.MEASURED, 5)
        assert "measured" in controller._describe_camera()
        settings_dialog = SettingsDialog(settings, calibration=stored, calibrate=lambda: None)
        qtbot.addWidget(settings_dialog)  # deleted by pytest-qt, not at interpreter exit
        assert "measured" in settings_dialog.camera_calibration.text()
    finally:
        window.close()


def test_calibration_refuses_a_video_file_source(qtbot, demo_video, demo_truth):
    controller, window = build_window(TruthPipeline(demo_truth), SourceSpec(video=demo_video))
    qtbot.addWidget(window)
    assert window.calibrate_camera() is None
    assert "needs a camera" in window.status.currentMessage()
    window.close()
