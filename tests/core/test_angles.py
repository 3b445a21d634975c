"""The angle convention, checked on rotations worked out by hand."""

import numpy as np
import pytest

from app.core.angles import (
    HeadAngles, angles_from_matrix, describe, matrix_from_angles, mean_rotation, relative_rotation,
    rotation_angle_deg,
)

NOSE = np.array([0.0, 0.0, -1.0])  # the nose points at the camera (-z) at neutral
TOP = np.array([0.0, -1.0, 0.0])  # the top of the head is up (-y)


def test_turn_to_patients_left_moves_nose_to_image_right():
    # Unmirrored camera: the patient's left is the image's right (+x).
    nose = matrix_from_angles(HeadAngles(30, 0, 0)) @ NOSE
    assert nose[0] == pytest.approx(np.sin(np.radians(30)))
    assert nose[2] == pytest.approx(-np.cos(np.radians(30)))


def test_flexion_moves_nose_down_in_the_image():
    nose = matrix_from_angles(HeadAngles(0, 20, 0)) @ NOSE
    assert nose[1] == pytest.approx(np.sin(np.radians(20)))  # +y is down


def test_lateral_flexion_left_tilts_top_toward_image_right():
    top = matrix_from_angles(HeadAngles(0, 0, 25)) @ TOP
    assert top[0] == pytest.approx(np.sin(np.radians(25)))
    assert top[1] == pytest.approx(-np.cos(np.radians(25)))


@pytest.mark.parametrize("yaw,pitch,roll", [(72, -5, 3), (-66, 10, -8), (5, 48, 2), (0, -56, 0), (10, 5, 38), (-3, 2, -33)])
def test_matrix_and_angles_round_trip(yaw, pitch, roll):
    a = angles_from_matrix(matrix_from_angles(HeadAngles(yaw, pitch, roll)))
    assert (a.yaw_deg, a.pitch_deg, a.roll_deg) == pytest.approx((yaw, pitch, roll), abs=1e-9)


def test_rotation_is_intrinsic_yaw_then_pitch_then_roll():
    # Pitch about the head's own left-right axis: after a 90° turn that axis is the camera's z.
    r = matrix_from_angles(HeadAngles(90, 30, 0))
    top = r @ TOP
    assert top[2] == pytest.approx(0.0, abs=1e-12)
    assert rotation_angle_deg(r, matrix_from_angles(HeadAngles(90, 0, 0))) == pytest.approx(30)


def test_relative_rotation_keeps_pure_yaw_for_an_oblique_neutral():
    neutral = matrix_from_angles(HeadAngles(10, 8, 0))
    current = neutral @ matrix_from_angles(HeadAngles(40, 0, 0))
    rel = angles_from_matrix(relative_rotation(neutral, current))
    assert (rel.yaw_deg, rel.pitch_deg, rel.roll_deg) == pytest.approx((40, 0, 0), abs=1e-9)


def test_mean_rotation_of_symmetric_jitter_is_the_centre():
    centre = matrix_from_angles(HeadAngles(5, -3, 2))
    jitter = [centre @ matrix_from_angles(HeadAngles(d, -d, d)) for d in (-1.0, 1.0)]
    assert rotation_angle_deg(mean_rotation(jitter), centre) < 0.05


def test_describe_says_the_direction_in_words():
    assert describe(HeadAngles(42.4, -10, 3)) == ["rotation left 42°", "extension 10°", "lateral flexion left 3°"]
