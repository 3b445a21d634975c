"""The pipeline the window is built from takes the camera's field of view from the settings."""

from __future__ import annotations

from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption, CameraSource


def test_build_pipeline_uses_the_cameras_field_of_view():
    from app.ui.services import build_pipeline

    pipeline, info = build_pipeline("landmarks", camera_hfov_deg=48.0)
    assert pipeline.tracker.config.camera == CameraAssumption(48.0, CameraSource.GIVEN) and info.label == "landmarks"
    default, _ = build_pipeline("landmarks", camera_hfov_deg=0.0)  # the settings' "not set"
    assert default.tracker.config.camera == CameraAssumption(DEFAULT_HFOV_DEG, CameraSource.ASSUMED)
    edited, _ = build_pipeline("landmarks", camera_hfov_deg=500.0)  # a hand-edited settings file
    assert edited.tracker.config.camera == CameraAssumption(DEFAULT_HFOV_DEG, CameraSource.ASSUMED)
    for p in (pipeline, default, edited):
        p.tracker.close()


def test_a_measured_camera_is_used_before_the_settings_field_of_view():
    from app.ui.services import build_pipeline
    from tests.calibration.synthetic_views import TrueCamera
    from app.core.camera_model import CameraCalibration

    cal = CameraCalibration(640, 480, TrueCamera(640, 480, 70.0).intrinsics, 0.1, 15, "2026-12-01", "camera 0")
    pipeline, _ = build_pipeline("landmarks", camera_hfov_deg=48.0, calibration=cal)
    camera = pipeline.tracker.config.camera
    assert camera.kind is CameraSource.MEASURED and camera.calibration == cal
    assert camera.intrinsics_for(1280, 960).fx == 2 * cal.intrinsics.fx  # same sensor, twice the resolution
    cropped = camera.intrinsics_for(1280, 720)  # another crop of the sensor: only the field of view is known
    assert cropped.cx == 640.0 and not cropped.has_distortion
    pipeline.tracker.close()
