"""The one angle convention of cervicam (stated here; README's *Angle convention* repeats it for users).

Degrees, from the patient's point of view, relative to the calibrated neutral:

* yaw   = axial rotation, positive when the patient turns to **their left**;
* pitch = flexion/extension, positive = **flexion** (chin toward chest);
* roll  = lateral flexion, positive toward **their left** shoulder.

Camera axes are OpenCV's (x right in the image, y down, z away from the camera). A patient who
faces an unmirrored camera has their left on the image's right (+x). The head rotation, as a
matrix acting on head points expressed in camera axes at neutral, is

    R = R_y(-yaw) @ R_x(pitch) @ R_z(roll)

i.e. intrinsic: about the head's vertical axis, then its left-right axis, then its front-back
axis. Why the minus on yaw: the nose points to -z (toward the camera); R_y(+a) swings -z toward
-x (the patient's right), so a turn to the patient's left is R_y(-yaw).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# How a model's metadata names this convention (ONNX ``convention`` key): the id first, then the
# convention in words. The app refuses a model whose ``convention`` does not start with the id.
CONVENTION_ID = "cervicam v1"
CONVENTION_TEXT = (
    f"{CONVENTION_ID}: yaw,pitch,roll degrees of the head relative to the camera; yaw+ = patient's left, "
    "pitch+ = flexion, roll+ = toward patient's left shoulder; R = R_y(-yaw) R_x(pitch) R_z(roll), "
    "camera axes x right, y down, z forward"
)


@dataclass(frozen=True)
class HeadAngles:
    """Head orientation in degrees, in the convention above."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float

    def as_array(self) -> np.ndarray:
        return np.array([self.yaw_deg, self.pitch_deg, self.roll_deg], dtype=np.float64)

    @classmethod
    def from_array(cls, values: np.ndarray | list[float] | tuple[float, ...]) -> "HeadAngles":
        yaw, pitch, roll = (float(v) for v in values)
        return cls(yaw, pitch, roll)


def rot_x(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(angle_deg: float) -> np.ndarray:
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def matrix_from_angles(angles: HeadAngles) -> np.ndarray:
    """Rotation matrix (camera axes) of a head at ``angles``."""
    return rot_y(-angles.yaw_deg) @ rot_x(angles.pitch_deg) @ rot_z(angles.roll_deg)


def angles_from_matrix(rotation: np.ndarray) -> HeadAngles:
    """Inverse of :func:`matrix_from_angles` (pitch in [-90, 90])."""
    r = np.asarray(rotation, dtype=np.float64)
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, -r[1, 2]))))
    roll = math.degrees(math.atan2(r[1, 0], r[1, 1]))
    yaw = -math.degrees(math.atan2(r[0, 2], r[2, 2]))
    return HeadAngles(yaw, pitch, roll)


def relative_rotation(neutral: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Rotation of ``current`` relative to ``neutral``, expressed in the head's neutral axes.

    Both are head-to-camera rotations. Expressing the change in the neutral head frame (rather
    than in camera axes) keeps the words right when the patient's neutral is not square to the
    camera: a turn about the patient's own vertical axis stays pure yaw.
    """
    return np.asarray(neutral).T @ np.asarray(current)


def nearest_rotation(matrix: np.ndarray) -> np.ndarray:
    """Closest proper rotation (SVD projection), for averaging or noisy estimates."""
    u, _, vt = np.linalg.svd(np.asarray(matrix, dtype=np.float64))
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def mean_rotation(rotations: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Chordal L2 mean of rotations: robust enough for a still neutral hold."""
    stack = np.asarray(rotations, dtype=np.float64)
    if stack.ndim != 3 or stack.shape[0] == 0:
        raise ValueError("mean_rotation needs at least one 3x3 rotation")
    return nearest_rotation(stack.sum(axis=0))


def rotation_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Geodesic angle between two rotations, in degrees."""
    cos = (np.trace(np.asarray(a).T @ np.asarray(b)) - 1.0) / 2.0
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


# Words for the six clinical directions, one per sign of each axis.
DIRECTIONS: dict[str, tuple[str, int]] = {
    "rotation_left": ("yaw_deg", +1),
    "rotation_right": ("yaw_deg", -1),
    "flexion": ("pitch_deg", +1),
    "extension": ("pitch_deg", -1),
    "lateral_flexion_left": ("roll_deg", +1),
    "lateral_flexion_right": ("roll_deg", -1),
}

DIRECTION_LABELS: dict[str, str] = {
    "rotation_left": "rotation left",
    "rotation_right": "rotation right",
    "flexion": "flexion",
    "extension": "extension",
    "lateral_flexion_left": "lateral flexion left",
    "lateral_flexion_right": "lateral flexion right",
}


def describe(angles: HeadAngles) -> list[str]:
    """Angles in clinical words, e.g. ``["rotation left 42°", "flexion 3°", ...]``."""
    words = []
    for axis, (pos, neg) in (
        ("yaw_deg", ("rotation left", "rotation right")),
        ("pitch_deg", ("flexion", "extension")),
        ("roll_deg", ("lateral flexion left", "lateral flexion right")),
    ):
        value = getattr(angles, axis)
        words.append(f"{pos if value >= 0 else neg} {abs(value):.0f}°")
    return words
