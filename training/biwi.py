"""Reader for the BIWI Kinect Head Pose database as distributed, and its angle conversion.

On-disk layout (``kinect_head_pose_db.tgz`` unpacks to ``hpdb/``)::

    hpdb/01 .. hpdb/24/
        frame_XXXXX_rgb.png      640x480 colour image
        frame_XXXXX_pose.txt     3 rows of the 3x3 rotation, a blank line, head centre (mm)
        rgb.cal, depth.cal       3 rows intrinsics K, blank, distortion row, blank,
                                 3 rows extrinsic rotation, blank, extrinsic translation (mm)

The head pose is given in the depth camera's frame. ``rgb.cal``'s extrinsics map a point from
the depth camera's frame to the RGB camera's: ``p_rgb = R_ext @ p_depth + t_ext`` (the RGB
camera of a Kinect sits about 25 mm to the depth camera's +x, hence ``t_ext ~ (-24, 6, -13)``).
Both cameras use OpenCV's axes (x right, y down, z forward): a centre projects to the pixel
``(fx X/Z + cx, fy Y/Z + cy)``.

Sequences are not people: BIWI recorded four people twice (:data:`SEQUENCE_SUBJECT`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.crop import NOMINAL_HEAD_WIDTH_MM
from app.core.types import HeadBox
from app.errors import InputError

log = logging.getLogger(__name__)

# BIWI's README: 24 sequences of 20 people. Sequences 15/18/21/22 repeat the people of
# 03/05/02/07, so a subject-independent split must keep those pairs together.
SEQUENCE_SUBJECT: dict[str, str] = {
    "01": "F01", "02": "F02", "03": "F03", "04": "F04", "05": "F05", "06": "F06",
    "07": "M01", "08": "M02", "09": "M03", "10": "M04", "11": "M05", "12": "M06",
    "13": "M07", "14": "M08", "15": "F03", "16": "M09", "17": "M10", "18": "F05",
    "19": "M11", "20": "M12", "21": "F02", "22": "M01", "23": "M13", "24": "M14",
}  # fmt: skip

FRAME_PATTERN = re.compile(r"^frame_(\d+)_rgb\.png$")

# What a BIWI-format folder holds, as preprocess records it (npz ``dataset``) and the model card
# shows it. training.synthetic_biwi leaves SYNTHETIC_MARKER in the folder it writes, so a model
# trained on its renders is never presented as a BIWI model.
BIWI_DATASET = "BIWI Kinect Head Pose"
SYNTHETIC_DATASET = "synthetic BIWI-format test data (not BIWI)"
SYNTHETIC_MARKER = "CERVICAM_SYNTHETIC_DATA.txt"


def dataset_name(hpdb: Path) -> str:
    """SYNTHETIC_DATASET when ``hpdb`` (or its parent) holds SYNTHETIC_MARKER, else BIWI_DATASET."""
    hpdb = Path(hpdb)
    return SYNTHETIC_DATASET if any((d / SYNTHETIC_MARKER).is_file() for d in (hpdb, hpdb.parent)) else BIWI_DATASET


@dataclass(frozen=True)
class Calibration:
    """One camera's ``*.cal`` file: intrinsics and the depth-to-this-camera extrinsics."""

    intrinsics: np.ndarray  # 3x3
    distortion: np.ndarray  # as stored (BIWI ships zeros)
    rotation: np.ndarray  # 3x3, p_cam = rotation @ p_depth + translation
    translation: np.ndarray  # (3,) mm

    @property
    def fx(self) -> float:
        return float(self.intrinsics[0, 0])

    def to_camera(self, point_depth_mm: np.ndarray) -> np.ndarray:
        return self.rotation @ np.asarray(point_depth_mm, dtype=np.float64) + self.translation

    def project(self, point_cam_mm: np.ndarray) -> tuple[float, float]:
        x, y, z = (float(v) for v in point_cam_mm)
        k = self.intrinsics
        return k[0, 0] * x / z + k[0, 2], k[1, 1] * y / z + k[1, 2]


@dataclass(frozen=True)
class BiwiPose:
    """One ``frame_XXXXX_pose.txt``: head rotation and centre in the depth camera's frame."""

    rotation: np.ndarray  # 3x3
    center_mm: np.ndarray  # (3,)


@dataclass(frozen=True)
class BiwiFrame:
    sequence: str  # "01".."24"
    subject: int  # person index (1-based, persons in order of first appearance)
    index: int  # XXXXX of the file names
    rgb_path: Path
    pose_path: Path


def _numeric_rows(path: Path) -> list[list[float]]:
    """Non-blank lines of a BIWI text file as float rows (trailing spaces are usual there)."""
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append([float(v) for v in line.split()])
        except ValueError:
            raise InputError(f"{path}:{number}: not a row of numbers: {line.strip()[:60]!r}") from None
    return rows


def read_calibration(path: Path) -> Calibration:
    """Parse ``rgb.cal``/``depth.cal``: K (3 rows), distortion (1 row), R (3 rows), t (1 row)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"missing calibration file {path} (BIWI ships rgb.cal in every sequence folder)")
    rows = _numeric_rows(path)
    shapes = [len(r) for r in rows]
    if len(rows) < 8 or shapes[:3] != [3, 3, 3] or shapes[4:7] != [3, 3, 3] or shapes[7] != 3:
        raise InputError(
            f"{path}: expected 3 rows of intrinsics, a distortion row, 3 rows of rotation and a "
            f"translation row; found rows of lengths {shapes}"
        )
    if not all(np.isfinite(v) for row in rows[:8] for v in row):
        raise InputError(f"{path}: non-finite numbers (nan or inf) in the calibration")
    k = np.array(rows[0:3], dtype=np.float64)
    if k[0, 0] <= 0 or k[1, 1] <= 0:
        raise InputError(f"{path}: focal lengths must be positive, got {k[0, 0]}, {k[1, 1]}")
    return Calibration(
        intrinsics=k,
        distortion=np.array(rows[3], dtype=np.float64),
        rotation=np.array(rows[4:7], dtype=np.float64),
        translation=np.array(rows[7], dtype=np.float64),
    )


def read_pose(path: Path) -> BiwiPose:
    """Parse ``frame_XXXXX_pose.txt``; raise :class:`InputError` if it is not 3x3 + centre."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"missing pose file {path}")
    rows = _numeric_rows(path)
    if [len(r) for r in rows] != [3, 3, 3, 3]:
        raise InputError(f"{path}: expected a 3x3 rotation and a head centre (4 rows of 3 numbers)")
    rotation = np.array(rows[:3], dtype=np.float64)
    center = np.array(rows[3], dtype=np.float64)
    if not np.all(np.isfinite(rotation)) or not np.all(np.isfinite(center)):
        raise InputError(f"{path}: non-finite numbers")
    if np.abs(rotation @ rotation.T - np.eye(3)).max() > 1e-2 or np.linalg.det(rotation) < 0.9:
        raise InputError(f"{path}: the 3x3 block is not a rotation matrix")
    if center[2] <= 0:
        raise InputError(f"{path}: head centre depth must be positive, got {center[2]} mm")
    return BiwiPose(rotation=rotation, center_mm=center)


def biwi_rotation_to_angles(rotation: np.ndarray) -> HeadAngles:
    """BIWI's ``pose.txt`` rotation as yaw, pitch, roll in cervicam's convention (app.core.angles).

    Derivation. BIWI gives, per frame, a rotation ``R`` and a head centre ``T`` in the depth
    camera's frame, whose axes are OpenCV's (x right, y down, z forward: the centres project
    with ``u = fx X/Z + cx``, ``v = fy Y/Z + cy``, both focal lengths positive). ``R`` maps the
    head template, built facing the camera, into that frame: ``p_cam = R p_head + T``, so
    ``R = I`` for a frontal head. That is exactly the matrix cervicam's convention describes:
    "the head rotation, acting on head points expressed in camera axes at neutral" with
    ``R = R_y(-yaw) R_x(pitch) R_z(roll)``. Hence the conversion is
    ``angles_from_matrix(R)`` with no axis change: yaw = -atan2(R02, R22),
    pitch = asin(-R12), roll = atan2(R10, R11).

    Check against the literature. FSA-Net's reading takes ``M = R^T`` and
    ``pitch_f = atan2(M21, M22)``, ``yaw_f = -atan2(-M20, hypot(M21, M22))``,
    ``roll_f = -atan2(M10, M00)``, i.e. ``M = R_z(-roll_f) R_y(-yaw_f) R_x(pitch_f)`` and
    ``R = R_x(-pitch_f) R_y(yaw_f) R_z(roll_f)``. On single-axis poses this gives
    yaw = -yaw_f (R_y(+a) swings the nose, -z, toward -x: image left, the patient's right),
    pitch = -pitch_f (R_x(+a) swings the nose toward +y, down: flexion), roll = +roll_f
    (R_z(+a) tips the crown, -y, toward +x: the patient's left). Those are the signs of the
    300W-LP/AFLW2000 convention (positive yaw = face toward image left, positive pitch = up),
    which networks trained there are scored with on BIWI, so the two readings agree on what
    BIWI's matrix means. They differ only in the order of the axes (x-y-z there, y-x-z here) on
    combined poses; :func:`fsanet_reading` gives the literature's numbers for comparison.

    The RGB camera's extra rotation (``rgb.cal``, under 1 degree) is ignored, as in the
    published BIWI protocols.
    """
    return angles_from_matrix(np.asarray(rotation, dtype=np.float64))


def angles_to_biwi_rotation(angles: HeadAngles) -> np.ndarray:
    """Inverse of :func:`biwi_rotation_to_angles` (the synthetic data writer uses it)."""
    return matrix_from_angles(angles)


def fsanet_reading(rotation: np.ndarray) -> np.ndarray:
    """FSA-Net's yaw, pitch, roll of a BIWI matrix, mapped to cervicam's signs (degrees).

    The literature's BIWI MAE (FSA-Net, 6DRepNet, ...) is computed in this reading; the sign
    mapping (-yaw_f, -pitch_f, +roll_f) is derived in :func:`biwi_rotation_to_angles`. Equal to
    the project's angles on single-axis poses; differs on combined ones (axis order x-y-z).
    Accepts one 3x3 matrix or a stack [N, 3, 3]; returns [3] or [N, 3].
    """
    r = np.asarray(rotation, dtype=np.float64)
    m = np.swapaxes(r, -1, -2)
    pitch_f = np.degrees(np.arctan2(m[..., 2, 1], m[..., 2, 2]))
    yaw_f = -np.degrees(np.arctan2(-m[..., 2, 0], np.hypot(m[..., 2, 1], m[..., 2, 2])))
    roll_f = -np.degrees(np.arctan2(m[..., 1, 0], m[..., 0, 0]))
    return np.stack([-yaw_f, -pitch_f, roll_f], axis=-1)


def matrices_from_angle_array(angles: np.ndarray) -> np.ndarray:
    """[N, 3] project angles (degrees) to [N, 3, 3] rotations, vectorised."""
    a = np.radians(np.asarray(angles, dtype=np.float64).reshape(-1, 3))
    yaw, pitch, roll = -a[:, 0], a[:, 1], a[:, 2]
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    n = len(a)
    ry = np.zeros((n, 3, 3)); rx = np.zeros((n, 3, 3)); rz = np.zeros((n, 3, 3))  # noqa: E702
    ry[:, 0, 0], ry[:, 0, 2], ry[:, 1, 1], ry[:, 2, 0], ry[:, 2, 2] = cy, sy, 1, -sy, cy
    rx[:, 0, 0], rx[:, 1, 1], rx[:, 1, 2], rx[:, 2, 1], rx[:, 2, 2] = 1, cp, -sp, sp, cp
    rz[:, 0, 0], rz[:, 0, 1], rz[:, 1, 0], rz[:, 1, 1], rz[:, 2, 2] = cr, -sr, sr, cr, 1
    return ry @ rx @ rz


def head_box(calibration: Calibration, center_depth_mm: np.ndarray) -> HeadBox:
    """Head centre projected into the RGB image, with the apparent head width in pixels.

    Width follows the shared crop rule: ``fx * NOMINAL_HEAD_WIDTH_MM / depth``.
    """
    center_cam = calibration.to_camera(center_depth_mm)
    if center_cam[2] <= 0:
        raise InputError(f"head centre {center_cam} is behind the RGB camera")
    u, v = calibration.project(center_cam)
    width = calibration.fx * NOMINAL_HEAD_WIDTH_MM / float(center_cam[2])
    return HeadBox(center_x=u, center_y=v, width=width)


def find_hpdb(path: Path) -> Path:
    """The folder holding ``01``..``24``: ``path`` itself or its ``hpdb`` child."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"BIWI folder not found: {path}")
    for candidate in (path, path / "hpdb"):
        if candidate.is_dir() and any(_is_sequence_dir(p) for p in candidate.iterdir()):
            return candidate
    raise InputError(
        f"{path} holds no BIWI sequence folders (01..24); pass the 'hpdb' folder or its parent"
    )


def _is_sequence_dir(path: Path) -> bool:
    return path.is_dir() and re.fullmatch(r"\d{2}", path.name) is not None


def subject_ids(sequences: list[str]) -> dict[str, int]:
    """Person index for each sequence: repeated people share one id (1-based)."""
    people: dict[str, int] = {}
    out = {}
    for seq in sorted(sequences):
        person = SEQUENCE_SUBJECT.get(seq, f"seq{seq}")
        out[seq] = people.setdefault(person, len(people) + 1)
    return out


def list_sequences(hpdb: Path) -> list[Path]:
    return sorted(p for p in Path(hpdb).iterdir() if _is_sequence_dir(p))


def list_frames(hpdb: Path) -> list[BiwiFrame]:
    """All ``frame_XXXXX_rgb.png`` of all sequences, with their pose file paths (may be missing)."""
    sequences = list_sequences(hpdb)
    ids = subject_ids([s.name for s in sequences])
    frames = []
    for seq_dir in sequences:
        names = {p.name for p in seq_dir.iterdir()}
        indices = set()
        for name in names:
            m = FRAME_PATTERN.match(name) or re.match(r"^frame_(\d+)_pose\.txt$", name)
            if m:
                indices.add(m.group(1))
        for idx in sorted(indices):
            frames.append(
                BiwiFrame(
                    sequence=seq_dir.name,
                    subject=ids[seq_dir.name],
                    index=int(idx),
                    rgb_path=seq_dir / f"frame_{idx}_rgb.png",
                    pose_path=seq_dir / f"frame_{idx}_pose.txt",
                )
            )
    return frames

