"""The viewing ray through a face crop, and head rotations relative to it.

A crop does not show where in the frame it was cut. A head that faces the camera's axis but sits
off centre is seen obliquely: 20 % of the frame's width off centre under a 62 degree lens, it
looks turned by 13 degrees. So the rotation *relative to the camera's axes* is not a function of
the crop; the rotation relative to the ray through the crop's centre (a virtual camera turned to
look at the crop) is. A network that reads crops learns the latter (``AngleFrame.CROP_RAY``,
the renders' labels since stop 24) and the app, which knows the camera and the box, turns it back
into the camera's axes (:func:`camera_rotation`).

The virtual camera is the real one turned by the smallest rotation that takes its optical axis
(z) onto the ray, so a centred crop's ray frame is the camera's own.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.camera_model import CameraIntrinsics


class AngleFrame(StrEnum):
    """What a network's angles are relative to (ONNX metadata ``angle_frame``)."""

    CAMERA = "camera"  # the camera's axes (BIWI's labels; a model without the key)
    CROP_RAY = "crop_ray"  # the viewing ray through the crop's centre


def ray_rotation(direction: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) that takes the optical axis (0, 0, 1) onto ``direction``."""
    d = np.asarray(direction, dtype=np.float64)
    d = d / np.linalg.norm(d)
    axis = np.array([-d[1], d[0], 0.0])  # z x d
    s = float(np.linalg.norm(axis))
    if s < 1e-12:
        return np.eye(3)
    k = axis / s
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + s * cross + (1.0 - float(d[2])) * (cross @ cross)


def crop_ray(intrinsics: CameraIntrinsics, box: tuple[float, float, float, float]) -> np.ndarray:
    """Unit viewing ray (3,) through the centre of the crop square ``(x0, y0, x1, y1)`` (image pixels)."""
    centre = np.array([[(box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0]])
    ray = intrinsics.rays(intrinsics.undistort(centre))[0]
    return ray / np.linalg.norm(ray)


def ray_frame_rotation(camera_rotation: np.ndarray, ray: np.ndarray) -> np.ndarray:
    """A head rotation in the camera's axes seen from the virtual camera that looks along ``ray``."""
    return ray_rotation(ray).T @ camera_rotation


def camera_rotation(ray_frame: np.ndarray, ray: np.ndarray) -> np.ndarray:
    """The inverse of :func:`ray_frame_rotation`: a rotation read on the crop, in the camera's axes."""
    return ray_rotation(ray) @ ray_frame


def camera_angles(ray_frame_deg: np.ndarray, rays: np.ndarray) -> np.ndarray:
    """Yaw, pitch, roll rows (N, 3) read on crops, relative to each crop's ray (N, 3), in the camera's axes."""
    return np.array([
        angles_from_matrix(camera_rotation(matrix_from_angles(HeadAngles.from_array(row)), ray)).as_array()
        for row, ray in zip(np.asarray(ray_frame_deg).reshape(-1, 3), np.asarray(rays).reshape(-1, 3))
    ]).reshape(-1, 3)
