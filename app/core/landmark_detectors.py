"""MediaPipe face mesh (468 points) and body pose (33 points), as pixel arrays.

MediaPipe's legacy ``solutions`` are used because they ship their models inside the package (no
download at run time). Tracking confidences are kept low on purpose: losing the face near end
range is worse than a doubtful mesh, and the head tracker decides how far to trust it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


def import_mediapipe():
    """Import mediapipe (and cv2) without letting opencv's Qt plugin path leak into PySide6."""
    import cv2  # noqa: F401  (imported first: it sets QT_QPA_PLATFORM_PLUGIN_PATH)

    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    import mediapipe as mp

    return mp


@dataclass(frozen=True)
class DetectorConfig:
    face_detection_confidence: float = 0.3
    face_tracking_confidence: float = 0.05
    body_every_n_frames: int = 5  # the body model is ~4x slower than the face mesh; trunk moves slowly
    # Only the 'full' pose model (complexity 1) ships inside the wheel; others would be downloaded.
    body_model_complexity: int = 1


class FaceMeshDetector:
    """468 face-mesh points in pixels (x, y, z with z in x's pixel scale), or None."""

    def __init__(self, config: DetectorConfig | None = None):
        cfg = config or DetectorConfig()
        mp = import_mediapipe()
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=1,
            refine_landmarks=False,
            min_detection_confidence=cfg.face_detection_confidence,
            min_tracking_confidence=cfg.face_tracking_confidence,
        )

    def detect(self, image_rgb: np.ndarray) -> np.ndarray | None:
        h, w = image_rgb.shape[:2]
        result = self._mesh.process(image_rgb)
        if not result.multi_face_landmarks:
            return None
        lm = result.multi_face_landmarks[0].landmark
        return np.array([[p.x * w, p.y * h, p.z * w] for p in lm[:468]], dtype=np.float64)

    def close(self) -> None:
        self._mesh.close()


class BodyPoseDetector:
    """33 body-pose points (x, y in pixels, z, visibility), run every n-th frame."""

    def __init__(self, config: DetectorConfig | None = None):
        cfg = config or DetectorConfig()
        mp = import_mediapipe()
        self._every = max(1, cfg.body_every_n_frames)
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False, model_complexity=cfg.body_model_complexity, enable_segmentation=False
        )
        self._count = 0
        self._last: np.ndarray | None = None

    def detect(self, image_rgb: np.ndarray) -> np.ndarray | None:
        self._count += 1
        if (self._count - 1) % self._every:
            return self._last
        h, w = image_rgb.shape[:2]
        result = self._pose.process(image_rgb)
        if result.pose_landmarks is None:
            self._last = None
        else:
            lm = result.pose_landmarks.landmark
            self._last = np.array([[p.x * w, p.y * h, p.z * w, p.visibility] for p in lm], dtype=np.float64)
        return self._last

    def close(self) -> None:
        self._pose.close()
