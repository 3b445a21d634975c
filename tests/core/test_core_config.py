"""The measuring core's settings compose: a tracking setting given at the top reaches the rigid tracker."""

from __future__ import annotations

from app.core.bundle_adjust import BundleConfig
from app.core.head_tracker import HeadTracker, HeadTrackerConfig
from app.core.rigid_tracker import TrackerConfig
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
        assert len(rigid.feature_points) <= 50
    finally:
        tracker.close()
