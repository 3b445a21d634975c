"""The tracker's image-space sizes follow the head's width: a patient twice as far is tracked alike."""

import numpy as np
import pytest

from app.core.camera_model import CameraIntrinsics
from app.core.head_model import HeadModel
from app.core.rigid_tracker import RigidHeadTracker
from tests.core.test_head_model import _synthetic_mesh


def _started_tracker(face_scale: float) -> RigidHeadTracker:
    cam = CameraIntrinsics.from_fov(640, 480)
    mesh = _synthetic_mesh(cam)
    mesh[:, :2] = (mesh[:, :2] - [cam.cx, cam.cy]) * face_scale + [cam.cx, cam.cy]
    mesh[:, 2] *= face_scale
    tracker = RigidHeadTracker(HeadModel.from_face_mesh(mesh, cam), cam)
    tracker.start(np.full((480, 640), 128, np.uint8), np.eye(3), np.zeros(3), anchored=True)
    return tracker


def test_flow_window_seed_spacing_and_shading_scale_follow_the_head():
    near, far = _started_tracker(1.0), _started_tracker(0.5)
    near_window, far_window = near._lk_params["winSize"][0], far._lk_params["winSize"][0]
    assert near_window % 2 == 1 and far_window % 2 == 1
    assert 19 <= near_window <= 25 and abs(far_window - near_window / 2) <= 2
    assert abs(far._seed_spacing_px - near._seed_spacing_px / 2) <= 1
    assert far._shading_sigma_px == pytest.approx(near._shading_sigma_px / 2, rel=0.1)  # the skull sits deeper than the face
