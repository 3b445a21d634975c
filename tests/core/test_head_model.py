"""The head model back-projects image points onto the head where they really are."""

import numpy as np
import pytest

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.camera_model import CameraIntrinsics
from app.core.head_model import HeadModel


def _synthetic_mesh(camera: CameraIntrinsics) -> np.ndarray:
    # A face-like grid of 468 points in pixels with MediaPipe's z convention, 140 px wide.
    rng = np.random.default_rng(1)
    xy = rng.uniform(-1, 1, (468, 2)) * [70, 90] + [camera.cx, camera.cy]
    xy[234] = [camera.cx - 70, camera.cy]
    xy[454] = [camera.cx + 70, camera.cy]
    r2 = ((xy[:, 0] - camera.cx) / 80) ** 2 + ((xy[:, 1] - camera.cy) / 100) ** 2
    z = -40 * (1 - np.clip(r2, 0, 1))  # the middle of the face nearest the camera
    return np.column_stack([xy, z])


@pytest.fixture()
def setup():
    cam = CameraIntrinsics.from_fov(640, 480)
    return cam, HeadModel.from_face_mesh(_synthetic_mesh(cam), cam)


def test_model_scale_is_nominal_face_width(setup):
    _, model = setup
    assert np.linalg.norm(model.mesh_points[234] - model.mesh_points[454]) == pytest.approx(140.0, rel=0.05)


@pytest.mark.parametrize("yaw,pitch", [(0, 0), (25, 0), (-20, 10)])
def test_mesh_points_back_project_to_themselves(setup, yaw, pitch):
    cam, model = setup
    rot = matrix_from_angles(HeadAngles(yaw, pitch, 0))
    centre = model.ellipsoid_center
    t = centre - rot @ centre  # rotate about the skull centre
    inner = model.mesh_points[np.linalg.norm(model.mesh_points[:, :2] - model.mesh_points[:, :2].mean(0), axis=1) < 40]
    px = cam.project(inner @ rot.T + t)
    back, valid = model.backproject(px, rot, t, cam)
    assert valid.mean() > 0.8
    assert np.abs(back[valid] - inner[valid]).max() < 2.0  # mm


def test_skull_points_at_profile_land_on_the_ellipsoid(setup):
    cam, model = setup
    rot = matrix_from_angles(HeadAngles(80, 0, 0))
    centre = model.ellipsoid_center
    t = centre - rot @ centre
    c_px = cam.project((rot @ centre + t)[None])[0]
    back, valid = model.backproject(np.array([c_px]), rot, t, cam)
    assert valid[0]
    q = (back[0] - model.ellipsoid_center) / model.ellipsoid_axes
    assert np.sum(q**2) == pytest.approx(1.0, abs=1e-6)
