"""Trunk orientation from the shoulder line (MediaPipe body pose), for compensation flags.

Lean comes from the tilt of the shoulder line in the image: on the dev video it stays within
3.6 degrees of neutral through every head movement, so it is trusted.

Trunk *rotation* is not measured (always None), on purpose: from one frontal camera both ways
tried were wrong. MediaPipe's per-point depth follows the head's yaw (the body model infers the
body from the head), and the shortening of the shoulder line, ``acos(width / neutral_width)``,
read 15-26 degrees during head rotations and up to 64 degrees in flexion (the chin hides the
shoulders) while the trunk did not move. A flag that fires on every trial would teach the
clinician to ignore flags; the function below is kept for a second camera or a better body model.

Angles in degrees: rotation positive when the trunk turns to the patient's left, lean positive
toward the patient's left shoulder (it drops in the image). In an unmirrored image the patient's
left shoulder (landmark 11) is on the image's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
MIN_VISIBILITY = 0.5


@dataclass(frozen=True)
class ShoulderLine:
    width_px: float
    lean_deg: float
    depth_sign: float  # +1 when the left shoulder looks farther from the camera


def shoulder_line(body_landmarks: np.ndarray | None) -> ShoulderLine | None:
    """The shoulder line of one frame, or None when the shoulders are not seen."""
    if body_landmarks is None:
        return None
    left, right = body_landmarks[LEFT_SHOULDER], body_landmarks[RIGHT_SHOULDER]
    if left[3] < MIN_VISIBILITY or right[3] < MIN_VISIBILITY:
        return None
    dx, dy, dz = left[0] - right[0], left[1] - right[1], left[2] - right[2]
    width = math.hypot(dx, dy)
    if width < 1.0:
        return None
    return ShoulderLine(width, math.degrees(math.atan2(dy, dx)), 1.0 if dz >= 0 else -1.0)


def trunk_angles(current: ShoulderLine | None, neutral: ShoulderLine | None) -> tuple[float | None, float | None]:
    """(rotation_deg, lean_deg) of the trunk relative to the neutral shoulder line."""
    if current is None:
        return None, None
    if neutral is None:
        return None, current.lean_deg
    ratio = min(1.0, current.width_px / neutral.width_px)
    rotation = math.degrees(math.acos(ratio)) * current.depth_sign
    return rotation, current.lean_deg - neutral.lean_deg
