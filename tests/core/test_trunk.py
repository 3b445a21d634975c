import math

import numpy as np
import pytest

from app.core.trunk import LEFT_SHOULDER, RIGHT_SHOULDER, shoulder_line, trunk_angles


def _body(left_xy, right_xy, left_z=0.0, right_z=0.0, visibility=0.9):
    body = np.zeros((33, 4))
    body[LEFT_SHOULDER] = [*left_xy, left_z, visibility]
    body[RIGHT_SHOULDER] = [*right_xy, right_z, visibility]
    return body


def test_lean_toward_left_shoulder_is_positive():
    neutral = shoulder_line(_body((400, 300), (240, 300)))
    # Unmirrored: the patient's left shoulder is on the image's right and drops when leaning left.
    leaning = shoulder_line(_body((400, 320), (240, 290)))
    rot, lean = trunk_angles(leaning, neutral)
    assert lean == pytest.approx(math.degrees(math.atan2(30, 160)))


def test_rotation_from_shoulder_shortening():
    neutral = shoulder_line(_body((400, 300), (240, 300)))
    half = 80 * math.cos(math.radians(30))
    turned = shoulder_line(_body((320 + half, 300), (320 - half, 300), left_z=20, right_z=-20))
    rot, lean = trunk_angles(turned, neutral)
    assert rot == pytest.approx(30.0, abs=0.01)
    assert lean == pytest.approx(0.0)


def test_unseen_shoulders_give_nothing():
    assert shoulder_line(_body((400, 300), (240, 300), visibility=0.1)) is None
    assert trunk_angles(None, None) == (None, None)
