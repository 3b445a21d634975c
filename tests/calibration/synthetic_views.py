"""Views of a calibration board through a known camera, made with OpenCV (for tests and the benchmark).

Every output pixel is traced back exactly: through the lens distortion (``undistortPoints``), the
camera's intrinsics and the board's pose (a plane homography) to the printed board, which is
sampled with ``cv2.remap`` at twice the output resolution and averaged down (no aliasing). Then
the webcam's degradations: defocus blur, sensor noise, JPEG. So a calibration of these views can
be scored against the camera that made them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.calibration.pattern import PatternSpec
from app.core.camera_model import CameraIntrinsics

BOARD_PX_PER_MM = 4.0
PAPER_MARGIN_MM = 15.0  # white paper around the printed board (detectors need a quiet border)
BARREL = (-0.28, 0.09, 0.0005, -0.0004)  # k1, k2, p1, p2: a cheap wide webcam's barrel distortion


@dataclass(frozen=True)
class TrueCamera:
    width: int
    height: int
    hfov_deg: float
    distortion: tuple[float, ...] = ()
    principal_offset_px: tuple[float, float] = (4.0, -3.0)  # real sensors are a little off centre

    @property
    def intrinsics(self) -> CameraIntrinsics:
        f = (self.width / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)
        return CameraIntrinsics(f, f, self.width / 2.0 + self.principal_offset_px[0],
                                self.height / 2.0 + self.principal_offset_px[1], self.distortion)

    @property
    def true_hfov_deg(self) -> float:
        return self.intrinsics.hfov_deg(self.width)


@dataclass(frozen=True)
class Degradation:
    blur_sigma_px: float = 0.6
    noise_sigma: float = 3.0
    jpeg_quality: int = 85


def _paper_image(spec: PatternSpec) -> np.ndarray:
    margin = int(round(PAPER_MARGIN_MM * BOARD_PX_PER_MM))
    return cv2.copyMakeBorder(spec.image(BOARD_PX_PER_MM), margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)


def random_poses(spec: PatternSpec, camera: TrueCamera, count: int, rng: np.random.Generator,
                 max_tilt_deg: float = 40.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Board poses (rvec, tvec) that keep the whole paper in view, spread over the image, many tilted."""
    k = camera.intrinsics
    board_w, board_h = spec.size_mm
    outline = np.array([[-PAPER_MARGIN_MM, -PAPER_MARGIN_MM, 0], [board_w + PAPER_MARGIN_MM, -PAPER_MARGIN_MM, 0],
                        [board_w + PAPER_MARGIN_MM, board_h + PAPER_MARGIN_MM, 0],
                        [-PAPER_MARGIN_MM, board_h + PAPER_MARGIN_MM, 0]])
    poses: list[tuple[np.ndarray, np.ndarray]] = []
    while len(poses) < count:
        tilt_x, tilt_y = rng.uniform(-max_tilt_deg, max_tilt_deg, 2)
        turn = rng.uniform(-20, 20)
        rot = (_rot("x", tilt_x) @ _rot("y", tilt_y) @ _rot("z", turn))
        span = rng.uniform(0.35, 0.65) * camera.width
        depth = k.fx * board_w / span
        target = np.array([rng.uniform(0.2, 0.8) * camera.width, rng.uniform(0.2, 0.8) * camera.height])
        ray = np.array([(target[0] - k.cx) / k.fx, (target[1] - k.cy) / k.fy, 1.0])
        centre = np.array([board_w / 2, board_h / 2, 0.0])
        tvec = ray * depth - rot @ centre
        rvec = cv2.Rodrigues(rot)[0].ravel()
        image_pts, _ = cv2.projectPoints(outline, rvec, tvec, k.matrix, np.asarray(k.distortion) if k.distortion else None)
        pts = image_pts.reshape(-1, 2)
        inside = (pts[:, 0] > 2) & (pts[:, 0] < camera.width - 3) & (pts[:, 1] > 2) & (pts[:, 1] < camera.height - 3)
        if inside.all() and (rot @ outline.T + tvec[:, None])[2].min() > 50:
            poses.append((rvec, tvec))
    return poses


def render_view(spec: PatternSpec, camera: TrueCamera, rvec: np.ndarray, tvec: np.ndarray,
                degradation: Degradation, rng: np.random.Generator) -> np.ndarray:
    """One BGR webcam frame of the board at pose (rvec, tvec) through ``camera``."""
    k = camera.intrinsics
    paper = _paper_image(spec)
    u, v, ideal = _ideal_grid(camera)
    rot = cv2.Rodrigues(np.asarray(rvec, dtype=np.float64))[0]
    plane_to_ideal = k.matrix @ np.column_stack([rot[:, 0], rot[:, 1], np.asarray(tvec, dtype=np.float64)])
    board_mm = cv2.perspectiveTransform(ideal.reshape(-1, 1, 2), np.linalg.inv(plane_to_ideal)).reshape(-1, 2)
    margin_px = PAPER_MARGIN_MM * BOARD_PX_PER_MM
    map_xy = (board_mm * BOARD_PX_PER_MM + margin_px - 0.5).astype(np.float32)
    shape = u.shape
    wall = 95 + 25 * np.sin(u / 37.0) * np.cos(v / 53.0)  # a textured grey wall behind
    sampled = cv2.remap(paper.astype(np.float32), map_xy[:, 0].reshape(shape), map_xy[:, 1].reshape(shape),
                        cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    scene = np.where(sampled < 0, wall, 30 + sampled * 0.75)  # paper under room light: not pure black/white
    image = cv2.resize(scene.astype(np.float32), (camera.width, camera.height), interpolation=cv2.INTER_AREA)
    if degradation.blur_sigma_px > 0:
        image = cv2.GaussianBlur(image, (0, 0), degradation.blur_sigma_px)
    image = image + rng.normal(0.0, degradation.noise_sigma, image.shape)
    gray = np.clip(image, 0, 255).astype(np.uint8)
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, degradation.jpeg_quality])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def render_views(spec: PatternSpec, camera: TrueCamera, count: int, seed: int = 0,
                 degradation: Degradation = Degradation()) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [render_view(spec, camera, r, t, degradation, rng) for r, t in random_poses(spec, camera, count, rng)]


def write_video(frames: list[np.ndarray], path: Path, fps: float = 10.0, hold: int = 1) -> Path:
    """An mp4 (mp4v) of the frames, each held ``hold`` frames (a person holding the pattern still)."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in frames:
        for _ in range(hold):
            writer.write(frame)
    writer.release()
    return path


@functools.lru_cache(maxsize=8)
def _ideal_grid(camera: TrueCamera, scale: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The supersampled pixel grid and, for each of its pixels, where a distortion-free lens puts it."""
    u, v = np.meshgrid((np.arange(camera.width * scale) + 0.5) / scale - 0.5,
                       (np.arange(camera.height * scale) + 0.5) / scale - 0.5)
    pixels = np.column_stack([u.ravel(), v.ravel()])
    return u, v, camera.intrinsics.undistort(pixels)


def _rot(axis: str, deg: float) -> np.ndarray:
    return cv2.Rodrigues(np.array({"x": [1, 0, 0], "y": [0, 1, 0], "z": [0, 0, 1]}[axis], float) * math.radians(deg))[0]
