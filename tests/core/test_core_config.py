"""The measuring core's settings compose: one HeadTrackerConfig (fusion fields, ``tracking`` with
its ``bundle``) reaches the rigid tracker and its bundle adjustment; the filter's settings reach
the pipeline's samples. Each test changes a field at the top and sees the behaviour change."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.bundle_adjust import BundleConfig
from app.core.head_tracker import HeadTracker, HeadTrackerConfig
from app.core.one_euro import OneEuroConfig
from app.core.pipeline import MeasurementPipeline, Neutral
from app.core.rigid_tracker import TrackerConfig
from app.core.types import EngineResult, Frame, HeadBox, HeadObservation
from app.core.video import iter_video_frames


def test_tracking_and_bundle_settings_reach_the_rigid_tracker(demo_video):
    tracking = TrackerConfig(target_features=50, bundle=BundleConfig(pivot_sigma_mm=35.0))
    tracker = HeadTracker(config=HeadTrackerConfig(tracking=tracking))
    try:
        for frame in iter_video_frames(demo_video):
            tracker.process(frame)
            if tracker.has_model:
                break
        rigid = tracker._tracker
        assert rigid.config is tracking and rigid.config.bundle.pivot_sigma_mm == 35.0
        assert rigid._bundle.config is tracking.bundle and rigid._bundle.pivot.sigma_mm == 35.0
        assert len(rigid.feature_points) <= 50
    finally:
        tracker.close()


def _most_keyframes(demo_video, window_keyframes: int, frames: int = 160) -> int:
    bundle = BundleConfig(window_keyframes=window_keyframes)
    tracker = HeadTracker(config=HeadTrackerConfig(tracking=TrackerConfig(bundle=bundle)))
    most = 0
    try:
        for frame in iter_video_frames(demo_video):
            tracker.process(frame)
            window = tracker._tracker._bundle if tracker._tracker is not None else None
            most = max(most, len(window.keyframes) if window is not None else 0)
            if frame.index >= frames:
                break
    finally:
        tracker.close()
    return most


def test_a_bundle_window_size_given_at_the_top_bounds_the_bundle_adjustment(demo_video):
    # The head turns from frame ~90: the default window (10) fills, a window of 3 stays at 3.
    assert BundleConfig().window_keyframes == 10
    assert _most_keyframes(demo_video, 3) == 3
    assert _most_keyframes(demo_video, 10) == 10


class _Still:
    """Tracker and engine doubles: the head steps from 0 to 30 degrees of yaw at 1 s."""

    config = HeadTrackerConfig()

    def __init__(self) -> None:
        self.obs = HeadObservation(HeadBox(320, 240, 150))

    def process(self, frame):
        return self.obs

    def rebuild_model(self):
        pass

    def estimate(self, frame, head):
        yaw = 30.0 if frame.timestamp >= 1.0 else 0.0
        return EngineResult(matrix_from_angles(HeadAngles(yaw, 0.0, 0.0)), 1.0, "face mesh")

    def set_camera(self, camera) -> None:
        pass

    def reset(self):
        pass


def _yaw_after_the_step(filter_config: OneEuroConfig | None) -> float:
    double = _Still()
    pipeline = MeasurementPipeline(double, tracker=double, filter_config=filter_config)
    pipeline.set_neutral(Neutral(np.eye(3)))
    image = np.zeros((4, 4, 3), np.uint8)
    samples = [pipeline.process(Frame(image, i / 30, i)).sample for i in range(32)]
    return samples[-1].yaw_deg  # 2 frames after the step


def test_the_filter_settings_given_to_the_pipeline_reach_its_samples():
    # The One Euro filter runs on angles relative to the neutral, so its settings live with the
    # pipeline (MeasurementPipeline(filter_config=...)), not in the tracker's config.
    smoothed = _yaw_after_the_step(None)
    unsmoothed = _yaw_after_the_step(OneEuroConfig(min_cutoff_hz=1e6, beta=0.0))
    assert smoothed < 29.0
    assert unsmoothed == pytest.approx(30.0, abs=0.01)


def test_the_flow_and_ransac_settings_are_the_tracker_config_fields():
    from app.core.rigid_tracker import FlowConfig

    params = FlowConfig(pyramid_levels=2, iterations=10, epsilon_px=0.1).lk_params(head_px=140.0)
    assert params["maxLevel"] == 2 and params["criteria"][1:] == (10, 0.1)
    assert params["winSize"] == (21, 21)  # 0.15 of a 140 px head, odd
    default = TrackerConfig()
    assert (default.ransac.iterations, default.ransac.confidence, default.flow.pyramid_levels) == (100, 0.99, 3)
