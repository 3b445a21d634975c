"""The pipeline the window is built from takes the camera's field of view from the settings."""

from __future__ import annotations

from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption


def test_build_pipeline_uses_the_cameras_field_of_view():
    from app.ui.services import build_pipeline

    pipeline, info = build_pipeline("landmarks", camera_hfov_deg=48.0)
    assert pipeline.tracker.config.camera == CameraAssumption(48.0, given=True) and info.label == "landmarks"
    default, _ = build_pipeline("landmarks", camera_hfov_deg=0.0)  # the settings' "not set"
    assert default.tracker.config.camera == CameraAssumption(DEFAULT_HFOV_DEG, given=False)
    edited, _ = build_pipeline("landmarks", camera_hfov_deg=500.0)  # a hand-edited settings file
    assert edited.tracker.config.camera == CameraAssumption(DEFAULT_HFOV_DEG, given=False)
    for p in (pipeline, default, edited):
        p.tracker.close()
