"""A tiny dataset in BIWI's exact on-disk format, with known poses, for tests and smoke runs.

Each frame renders a textured ellipsoid head (skin gradient, eyes, nose, mouth, hair cap) at a
random pose and position, seen by a camera with BIWI's real calibration. The image depends on
the pose, so a few training steps can lower the loss, and the pose files hold the exact
rotation, so the BIWI reader, the angle conversion and the crop are tested against truth.

    from training.synthetic_biwi import write_synthetic_biwi
    truth = write_synthetic_biwi(tmp_path / "biwi", sequences=("01", "02", "03", "15"), frames=6)
    # tmp_path/biwi/hpdb/01/frame_00000_rgb.png, ..._pose.txt, rgb.cal, depth.cal
    # tmp_path/biwi/hpdb/CERVICAM_SYNTHETIC_DATA.txt (the marker: preprocess records "synthetic")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.core.angles import HeadAngles
from training.biwi import SYNTHETIC_DATASET, SYNTHETIC_MARKER, Calibration, angles_to_biwi_rotation, head_box

IMAGE_WIDTH, IMAGE_HEIGHT = 640, 480

# The values BIWI ships (sequence 12): RGB intrinsics and the depth-to-RGB extrinsics.
RGB_CAL = Calibration(
    intrinsics=np.array([[517.679, 0.0, 320.0], [0.0, 517.679, 240.5], [0.0, 0.0, 1.0]]),
    distortion=np.zeros(4),
    rotation=np.array(
        [[0.999947, 0.00432361, 0.00929419], [-0.00446314, 0.999877, 0.0150443], [-0.009228, -0.015085, 0.999844]]
    ),
    translation=np.array([-24.0198, 5.8896, -13.2308]),
)
DEPTH_CAL = Calibration(
    intrinsics=np.array([[575.816, 0.0, 320.0], [0.0, 575.816, 240.0], [0.0, 0.0, 1.0]]),
    distortion=np.zeros(4),
    rotation=np.eye(3),
    translation=np.zeros(3),
)

# Head ellipsoid semi-axes (mm): half-width, half-height, half-depth.
HEAD_AXES_MM = np.array([75.0, 100.0, 90.0])


@dataclass(frozen=True)
class SyntheticFrame:
    sequence: str
    index: int
    angles: HeadAngles  # truth in the project convention
    rotation: np.ndarray  # what pose.txt holds
    center_mm: np.ndarray  # depth camera frame


def _format_rows(rows: np.ndarray) -> str:
    # BIWI's files put a space after every number, including the last one of a row.
    return "".join("".join(f"{v:.6g} " for v in row) + "\n" for row in np.atleast_2d(rows))


def write_calibration(path: Path, cal: Calibration) -> None:
    text = (
        _format_rows(cal.intrinsics)
        + "\n"
        + _format_rows(cal.distortion)
        + "\n"
        + _format_rows(cal.rotation)
        + "\n"
        + _format_rows(cal.translation)
    )
    Path(path).write_text(text, encoding="ascii")


def write_pose(path: Path, rotation: np.ndarray, center_mm: np.ndarray) -> None:
    Path(path).write_text(_format_rows(rotation) + "\n" + _format_rows(center_mm), encoding="ascii")


def _head_surface(n_theta: int = 40, n_phi: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points, outward normals and RGB colours of the textured head, in the head frame.

    Head frame at neutral = camera axes: x toward the image's right (the patient's left), y down,
    the face looking toward -z (the camera).
    """
    theta = np.linspace(0.0, np.pi, n_theta)  # from the crown (-y) to the chin (+y)
    phi = np.linspace(-np.pi, np.pi, n_phi, endpoint=False)  # 0 = face centre (-z)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.sin(p), -np.cos(t), -np.sin(t) * np.cos(p)], axis=-1).reshape(-1, 3)
    points = unit * HEAD_AXES_MM
    normals = unit / HEAD_AXES_MM
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    # Skin whose tint varies left-right and up-down, so every view looks different.
    u = unit
    colors = np.stack([190 + 50 * u[:, 0], 150 + 40 * u[:, 1], 120 - 50 * u[:, 2]], axis=-1)
    hair = u[:, 1] < -0.45
    back = u[:, 2] > 0.35
    colors[hair | back] = (60, 40, 25)
    features = {
        (-0.38, -0.25): (20, 40, 200),  # eye on the image-left (the patient's right)
        (0.38, -0.25): (20, 200, 40),  # eye on the image-right: a different colour breaks symmetry
        (0.0, 0.05): (230, 30, 30),  # nose
        (0.0, 0.45): (120, 0, 60),  # mouth
    }
    front = u[:, 2] < -0.3
    for (fx, fy), color in features.items():
        near = front & ((u[:, 0] - fx) ** 2 + (u[:, 1] - fy) ** 2 < 0.018)
        colors[near] = color
    return points, normals, np.clip(colors, 0, 255)


_SURFACE = _head_surface()


def render_frame(rotation: np.ndarray, center_mm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """RGB image (H, W, 3 uint8) of the head at ``rotation``/``center_mm`` (depth camera frame)."""
    points, normals, colors = _SURFACE
    r_rgb = RGB_CAL.rotation @ rotation
    cam = (r_rgb @ points.T).T + RGB_CAL.to_camera(center_mm)
    nrm = (r_rgb @ normals.T).T
    visible = np.einsum("ij,ij->i", nrm, cam) < 0
    cam, col = cam[visible], colors[visible]
    order = np.argsort(-cam[:, 2])  # far first, near drawn over it
    cam, col = cam[order], col[order]
    k = RGB_CAL.intrinsics
    u = k[0, 0] * cam[:, 0] / cam[:, 2] + k[0, 2]
    v = k[1, 1] * cam[:, 1] / cam[:, 2] + k[1, 2]
    radius = max(2, int(round(k[0, 0] * 9.0 / float(np.median(cam[:, 2])))))
    image = rng.integers(70, 110, size=(IMAGE_HEIGHT, IMAGE_WIDTH, 3), dtype=np.uint8)
    for x, y, c in zip(u.astype(int), v.astype(int), col.astype(int)):
        cv2.circle(image, (int(x), int(y)), radius, (int(c[0]), int(c[1]), int(c[2])), -1, lineType=cv2.LINE_8)
    return image


def random_pose(rng: np.random.Generator) -> tuple[HeadAngles, np.ndarray]:
    """A pose in BIWI's range (about +-75 yaw, +-60 pitch) and a centre about 1 m away."""
    angles = HeadAngles(
        float(rng.uniform(-70, 70)), float(rng.uniform(-40, 40)), float(rng.uniform(-30, 30))
    )
    center = np.array([rng.uniform(-80, 80), rng.uniform(-60, 40), rng.uniform(850, 1050)])
    return angles, center


def write_synthetic_biwi(
    root: Path,
    sequences: tuple[str, ...] = ("01", "02", "03", "04", "15"),
    frames: int = 8,
    seed: int = 0,
) -> list[SyntheticFrame]:
    """Write ``root/hpdb/<seq>/...`` in BIWI's format; return the truth of every frame.

    ``hpdb/`` also gets training.biwi.SYNTHETIC_MARKER, from which preprocess records that the
    data is synthetic (and the exported model's card says so).
    """
    rng = np.random.default_rng(seed)
    hpdb = Path(root) / "hpdb"
    hpdb.mkdir(parents=True, exist_ok=True)
    (hpdb / SYNTHETIC_MARKER).write_text(
        f"{SYNTHETIC_DATASET}: rendered by training.synthetic_biwi (seed {seed}), not the BIWI database.\n",
        encoding="ascii",
    )
    truth = []
    for seq in sequences:
        seq_dir = hpdb / seq
        seq_dir.mkdir(parents=True, exist_ok=True)
        write_calibration(seq_dir / "rgb.cal", RGB_CAL)
        write_calibration(seq_dir / "depth.cal", DEPTH_CAL)
        # BIWI numbers frames from 00003 or so with gaps; keep a gap to exercise that.
        for i in range(frames):
            index = 3 + i if i < frames // 2 else 5 + i
            angles, center = random_pose(rng)
            rotation = angles_to_biwi_rotation(angles)
            image = render_frame(rotation, center, rng)
            cv2.imwrite(str(seq_dir / f"frame_{index:05d}_rgb.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            write_pose(seq_dir / f"frame_{index:05d}_pose.txt", rotation, center)
            truth.append(SyntheticFrame(seq, index, angles, rotation, center))
    return truth


def expected_head_box(center_mm: np.ndarray):
    """The head box the reader should find for a frame written by this module."""
    return head_box(RGB_CAL, center_mm)
