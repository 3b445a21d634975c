"""MediaPipe face-mesh (468 x 3) and body-pose (33 x 3) landmarks of BIWI frames.

These are the baseline MLP's inputs and the dual-branch model's auxiliary targets. Coordinates
are expressed in the face crop's frame (x, y in [0, 1] across the crop square, z on the same
scale as x), so they describe the same picture the CNN sees. NaN where MediaPipe finds nothing.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)

FACE_POINTS = 468
POSE_POINTS = 33
FACE_DIM = FACE_POINTS * 3  # 1404
POSE_DIM = POSE_POINTS * 3  # 99


def to_crop_frame(points_norm: np.ndarray, image_wh: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    """MediaPipe image-normalised (x, y, z) [K, 3] to crop-normalised coordinates [K, 3]."""
    w, h = image_wh
    x0, y0, x1, _ = box
    side = float(x1 - x0)
    out = np.empty_like(points_norm, dtype=np.float32)
    out[:, 0] = (points_norm[:, 0] * w - x0) / side
    out[:, 1] = (points_norm[:, 1] * h - y0) / side
    out[:, 2] = points_norm[:, 2] * w / side
    return out


class LandmarkExtractor:
    """Runs MediaPipe FaceMesh and Pose (legacy ``mp.solutions``) on still RGB images."""

    def __init__(self) -> None:
        import mediapipe as mp  # heavy; only when --landmarks is asked

        self._face = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1)
        self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)

    def __call__(self, image_rgb: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Flat face [1404] and pose [99] landmark vectors in the crop frame (NaN if not found)."""
        h, w = image_rgb.shape[:2]
        face = np.full(FACE_DIM, np.nan, dtype=np.float32)
        pose = np.full(POSE_DIM, np.nan, dtype=np.float32)
        result = self._face.process(image_rgb)
        if result.multi_face_landmarks:
            pts = np.array([(p.x, p.y, p.z) for p in result.multi_face_landmarks[0].landmark[:FACE_POINTS]])
            face = to_crop_frame(pts, (w, h), box).reshape(-1)
        result = self._pose.process(image_rgb)
        if result.pose_landmarks:
            pts = np.array([(p.x, p.y, p.z) for p in result.pose_landmarks.landmark[:POSE_POINTS]])
            pose = to_crop_frame(pts, (w, h), box).reshape(-1)
        return face, pose

    def close(self) -> None:
        self._face.close()
        self._pose.close()
