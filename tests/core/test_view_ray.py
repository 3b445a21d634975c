"""app.core.view_ray: the crop's viewing ray and head rotations relative to it."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.camera_model import CameraIntrinsics
from app.core.view_ray import camera_angles, camera_rotation, crop_ray, ray_frame_rotation, ray_rotation


@pytest.mark.parametrize("direction", [(0.3, -0.2, 1.0), (-0.5, 0.4, 1.0), (0.0, 0.0, 1.0), (1e-9, 0.0, 1.0)])
def test_the_ray_rotation_turns_the_optical_axis_onto_the_ray(direction) -> None:
    d = np.asarray(direction) / np.linalg.norm(direction)
    r = ray_rotation(np.asarray(direction))
    np.testing.assert_allclose(r @ np.array([0.0, 0.0, 1.0]), d, atol=1e-9)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_a_centred_crop_looks_along_the_optical_axis() -> None:
    k = CameraIntrinsics.from_fov(640, 480, 62.0)
    np.testing.assert_allclose(crop_ray(k, (270, 190, 370, 290)), [0.0, 0.0, 1.0], atol=1e-12)
    right = crop_ray(k, (500, 190, 600, 290))
    assert right[0] > 0 and abs(right[1]) < 1e-12  # x right, as the camera's


def test_a_head_facing_the_camera_off_centre_looks_turned_away_from_the_centre() -> None:
    """Right of the image centre the camera sees the head's right cheek, as if the head were
    turned to its own left (+yaw) by the ray's angle: its nose, nearer the camera, projects further
right than its centre."""
    k = CameraIntrinsics.from_fov(640, 480, 62.0)
    ray = crop_ray(k, (500, 190, 600, 290))
    seen = angles_from_matrix(ray_frame_rotation(np.eye(3), ray))
    off_axis_deg = np.degrees(np.arctan2(ray[0], ray[2]))
    assert seen.yaw_deg == pytest.approx(off_axis_deg, abs=1e-6)
    assert seen.yaw_deg > 15 and abs(seen.pitch_deg) < 1e-6 and abs(seen.roll_deg) < 1e-6


def test_camera_rotation_undoes_the_ray_frame() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        rotation = matrix_from_angles(HeadAngles(*rng.uniform(-60, 60, 3)))
        ray = np.array([*rng.uniform(-0.4, 0.4, 2), 1.0])
        np.testing.assert_allclose(camera_rotation(ray_frame_rotation(rotation, ray), ray), rotation, atol=1e-9)


def test_the_ray_goes_through_the_undistorted_centre() -> None:
    """With lens distortion the crop's centre pixel is first made ideal, as every tracked point is."""
    k = CameraIntrinsics(500.0, 500.0, 320.0, 240.0, (-0.3, 0.1, 0.0, 0.0))
    box = (520, 340, 600, 420)
    ideal = k.undistort(np.array([[560.0, 380.0]]))[0]
    expected = np.array([(ideal[0] - 320) / 500, (ideal[1] - 240) / 500, 1.0])
    np.testing.assert_allclose(crop_ray(k, box), expected / np.linalg.norm(expected), atol=1e-9)
    assert not np.allclose(crop_ray(k, box), crop_ray(CameraIntrinsics(500.0, 500.0, 320.0, 240.0), box))


def test_rows_read_on_crops_turn_into_the_camera_axes_one_by_one() -> None:
    rng = np.random.default_rng(1)
    rows = rng.uniform(-50, 50, (5, 3))
    rays = np.column_stack([rng.uniform(-0.3, 0.3, (5, 2)), np.ones(5)])
    got = camera_angles(rows, rays)
    for row, ray, out in zip(rows, rays, got):
        expected = angles_from_matrix(camera_rotation(matrix_from_angles(HeadAngles.from_array(row)), ray))
        np.testing.assert_allclose(out, expected.as_array(), atol=1e-9)
    np.testing.assert_allclose(camera_angles(rows, np.tile([0.0, 0.0, 1.0], (5, 1))), rows, atol=1e-9)
