"""BIWI reading and the one angle conversion, against hand-derived truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.crop import NOMINAL_HEAD_WIDTH_MM
from app.errors import InputError
from training.biwi import (
    biwi_rotation_to_angles,
    find_hpdb,
    fsanet_reading,
    head_box,
    matrices_from_angle_array,
    read_calibration,
    read_pose,
    subject_ids,
)
from training.synthetic_biwi import RGB_CAL, write_calibration

S30, C30 = 0.5, math.sqrt(3) / 2
NOSE = np.array([0.0, 0.0, -1.0])  # head frame at neutral: the face looks at the camera (-z)
CROWN = np.array([0.0, -1.0, 0.0])  # top of the head: up is -y in OpenCV axes


def test_pure_yaw_to_patients_left_is_positive_yaw():
    # Written by hand: the nose swings toward +x, the image's right, which is the patient's left.
    r = np.array([[C30, 0.0, -S30], [0.0, 1.0, 0.0], [S30, 0.0, C30]])
    assert (r @ NOSE)[0] == pytest.approx(S30)
    a = biwi_rotation_to_angles(r)
    assert (a.yaw_deg, a.pitch_deg, a.roll_deg) == pytest.approx((30.0, 0.0, 0.0), abs=1e-9)


def test_pure_flexion_is_positive_pitch():
    s, c = math.sin(math.radians(20)), math.cos(math.radians(20))
    r = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    assert (r @ NOSE)[1] > 0  # nose toward +y: down, chin to chest
    a = biwi_rotation_to_angles(r)
    assert (a.yaw_deg, a.pitch_deg, a.roll_deg) == pytest.approx((0.0, 20.0, 0.0), abs=1e-9)


def test_roll_toward_left_shoulder_is_positive_roll():
    s, c = math.sin(math.radians(15)), math.cos(math.radians(15))
    r = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    assert (r @ CROWN)[0] > 0  # crown toward +x: the patient's left
    a = biwi_rotation_to_angles(r)
    assert (a.yaw_deg, a.pitch_deg, a.roll_deg) == pytest.approx((0.0, 0.0, 15.0), abs=1e-9)


def test_fsanet_reading_matches_on_single_axis_and_maps_signs():
    # FSA-Net's raw numbers for the yaw matrix above are (yaw_f, pitch_f, roll_f) = (-30, 0, 0);
    # mapped to project signs that is +30.
    r = np.array([[C30, 0.0, -S30], [0.0, 1.0, 0.0], [S30, 0.0, C30]])
    assert fsanet_reading(r) == pytest.approx([30.0, 0.0, 0.0], abs=1e-9)
    for angles in ([0, -25, 0], [0, 0, -12], [-40, 0, 0]):
        r = matrix_from_angles(HeadAngles(*angles))
        assert fsanet_reading(r) == pytest.approx(angles, abs=1e-9)


def test_readings_differ_on_combined_poses_but_conversion_round_trips():
    truth = HeadAngles(40.0, 25.0, -10.0)
    r = matrix_from_angles(truth)
    back = biwi_rotation_to_angles(r)
    assert back.as_array() == pytest.approx(truth.as_array(), abs=1e-9)
    fsa = fsanet_reading(r)
    assert np.abs(fsa - truth.as_array()).max() > 1.0  # axis order matters on combined poses


def test_biwi_dataset_card_example_is_a_small_right_turn():
    # Sequence 12's first frame (BIWI via its Hugging Face card): R02 = 0.162 > 0, the nose
    # points toward -x, the image's left: the patient turned about 9 degrees to their right.
    r = np.array([[0.980639, 0.109899, 0.162077], [-0.11023, 0.993882, -0.00697376], [-0.161851, -0.011027, 0.986754]])
    a = biwi_rotation_to_angles(r)
    assert a.yaw_deg == pytest.approx(-math.degrees(math.atan2(0.162077, 0.986754)), abs=1e-6)
    assert fsanet_reading(r)[0] == pytest.approx(a.yaw_deg, abs=0.1)


def test_vectorised_matrices_equal_the_convention():
    rng = np.random.default_rng(0)
    angles = rng.uniform(-60, 60, size=(20, 3))
    stacked = matrices_from_angle_array(angles)
    for a, m in zip(angles, stacked):
        assert m == pytest.approx(matrix_from_angles(HeadAngles(*a)), abs=1e-12)


def test_calibration_parsed_from_biwi_layout(tmp_path):
    path = tmp_path / "rgb.cal"
    write_calibration(path, RGB_CAL)
    text = path.read_text()
    assert text.count("\n\n") == 3  # K, blank, distortion, blank, R, blank, t
    cal = read_calibration(path)
    assert cal.fx == pytest.approx(517.679)
    assert cal.intrinsics[1, 2] == pytest.approx(240.5)
    assert cal.translation == pytest.approx([-24.0198, 5.8896, -13.2308])
    assert cal.rotation[0, 2] == pytest.approx(0.00929419)


def test_head_box_projects_centre_with_extrinsics(tmp_path):
    center = np.array([43.4019, -30.7038, 906.864])
    box = head_box(RGB_CAL, center)
    p = RGB_CAL.rotation @ center + RGB_CAL.translation
    assert box.center_x == pytest.approx(517.679 * p[0] / p[2] + 320.0)
    assert box.center_y == pytest.approx(517.679 * p[1] / p[2] + 240.5)
    assert box.width == pytest.approx(517.679 * NOMINAL_HEAD_WIDTH_MM / p[2])


@pytest.mark.parametrize(
    "content",
    ["1 0 0\n0 1 0\n\n1 2 3\n", "1 0 0\n0 1 0\n0 0 1\n\n0 0 abc\n", "2 0 0\n0 2 0\n0 0 2\n\n0 0 900\n", "1 0 0\n0 1 0\n0 0 1\n\n0 0 -5\n", ""],
)
def test_malformed_pose_files_raise_input_error(tmp_path, content):
    path = tmp_path / "frame_00001_pose.txt"
    path.write_text(content)
    with pytest.raises(InputError):
        read_pose(path)


def test_missing_or_short_calibration_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="rgb.cal"):
        read_calibration(tmp_path / "rgb.cal")
    (tmp_path / "rgb.cal").write_text("517 0 320\n0 517 240\n0 0 1\n")
    with pytest.raises(InputError, match="rows"):
        read_calibration(tmp_path / "rgb.cal")


def test_find_hpdb_accepts_folder_or_parent(synthetic_biwi, tmp_path):
    root, _ = synthetic_biwi
    assert find_hpdb(root) == root / "hpdb"
    assert find_hpdb(root / "hpdb") == root / "hpdb"
    with pytest.raises(InputError):
        find_hpdb(tmp_path)


def test_repeated_people_share_a_subject_id():
    ids = subject_ids(["01", "02", "03", "07", "15", "22"])
    assert ids["03"] == ids["15"] and ids["07"] == ids["22"]
    assert len({ids["01"], ids["02"], ids["03"], ids["07"]}) == 4
