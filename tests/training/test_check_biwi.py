from __future__ import annotations

import cv2
import numpy as np

from app.core.angles import HeadAngles, matrix_from_angles
from training.check_biwi import check, nose_direction


def test_nose_points_to_image_right_when_the_patient_turns_left():
    assert nose_direction(matrix_from_angles(HeadAngles(30, 0, 0)))[0] > 0.4
    assert nose_direction(matrix_from_angles(HeadAngles(0, 20, 0)))[1] > 0.3  # flexion: nose down


def test_check_writes_one_image_per_direction_at_the_extreme_frame(synthetic_biwi, tmp_path):
    root, truth = synthetic_biwi
    paths = check(root, tmp_path, sequence="02", size=96)
    assert len(paths) == 6
    seq = [t for t in truth if t.sequence == "02"]
    left = max(seq, key=lambda t: t.angles.yaw_deg)
    assert any(p.name == f"rotation_left_02_{left.index:05d}.png" for p in paths)
    image = cv2.imread(str(paths[0]))
    assert image.shape == (96, 96, 3) and np.any(image != image[0, 0])
