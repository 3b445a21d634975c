"""Trunk orientation from the shoulder line (MediaPipe body pose), for compensation flags.

Angles in degrees, camera-relative (the pipeline subtracts the neutral's): rotation positive
when the trunk turns to the patient's left (their left shoulder moves away from the camera),
lean positive toward the patient's left shoulder (it drops in the image). In an unmirrored image
the patient's left shoulder (landmark 11) is on the image's right.
"""

from __future__ import annotations

import math

import numpy as np

LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
MIN_VISIBILITY = 0.5


def trunk_angles(body_landmarks: np.ndarray | None) -> tuple[float, float] | None:
    """(rotation_deg, lean_deg) of the shoulder line, or None when the shoulders are not seen."""
    if body_landmarks is None:
        return None
    left, right = body_landmarks[LEFT_SHOULDER], body_landmarks[RIGHT_SHOULDER]
    if left[3] < MIN_VISIBILITY or right[3] < MIN_VISIBILITY:
        return None
    dx, dy, dz = left[0] - right[0], left[1] - right[1], left[2] - right[2]
    if abs(dx) < 1e-6:
        return None
    lean = math.degrees(math.atan2(dy, dx))
    rotation = math.degrees(math.atan2(dz, dx))
    return rotation, lean
