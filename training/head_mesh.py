"""A textured 3D head (glTF/OBJ bust) with a neck: posed in the project's angle convention.

A head file (a folder like the VALID busts: metres, Y up, face toward +Z, midline at x = 0) is
read with trimesh into parts (positions, texture coordinates, triangles, base-colour texture).
A rigid head rotation needs a neck: every vertex gets a weight, 1 above the chin, 0 at the
shoulders, smooth between, and is rotated about a pivot below and behind the head's centre by
that share of the rotation (a blend of rotation matrices, re-orthonormalised), so the shoulders
stay put and the neck bends, as a real cervical spine does.

Coordinates handed to the renderer are OpenCV camera axes of a camera in front of the face (x
right, y down, z away from the camera): the model's axes map by ``MODEL_TO_CAMERA`` (a proper
rotation), so a head at ``HeadAngles`` is ``matrix_from_angles`` in those axes, as everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.errors import InputError

log = logging.getLogger(__name__)

HEAD_SUFFIXES = (".glb", ".gltf", ".obj")
# Model (Y up, face +Z) to OpenCV camera axes (y down, face toward the camera at -z).
MODEL_TO_CAMERA = np.diag([1.0, -1.0, -1.0])
# Head geometry of an adult bust (README of the heads): the chin is ~23 cm below the crown; the
# head's centre about half-way; the cervical pivot ~10 cm below and 2.5 cm behind that centre.
CROWN_TO_CHIN_M = 0.23
CROWN_TO_CENTRE_M = 0.12
PIVOT_BELOW_CENTRE_M = 0.10
PIVOT_BEHIND_CENTRE_M = 0.025
# The neck blends over this band below the chin: rigid head above, fixed shoulders below.
NECK_BAND_M = 0.09
CHIN_MARGIN_M = 0.01
FACE_POINT_COUNT = 468
POSE_POINT_COUNT = 33


@dataclass(frozen=True)
class MeshPart:
    """One drawable part: positions [V,3] (model axes, m), uv [V,2], triangles [T,3], RGB texture."""

    name: str
    positions: np.ndarray
    uv: np.ndarray
    triangles: np.ndarray
    texture: np.ndarray


@dataclass(frozen=True)
class HeadMesh:
    """A head identity ready to pose: parts, neck weights per part, pivot and landmark vertices."""

    identity: str
    parts: tuple[MeshPart, ...]
    neck_weights: tuple[np.ndarray, ...]
    centre: np.ndarray  # model axes, m
    pivot: np.ndarray
    face_points: np.ndarray  # [468, 3] model axes: surface points spread over the face
    pose_points: np.ndarray  # [33, 3] model axes: surface points all around the head

    def posed(self, rotation_camera: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
        """Vertices of every part in camera axes relative to the head centre, for a head rotation
        given in camera axes; plus the head centre, face and pose points (same frame)."""
        rotation_model = MODEL_TO_CAMERA.T @ rotation_camera @ MODEL_TO_CAMERA
        parts = [
            _to_camera(_bend(p.positions, w, rotation_model, self.pivot), self.centre)
            for p, w in zip(self.parts, self.neck_weights)
        ]

        def rigid(points: np.ndarray) -> np.ndarray:
            return _to_camera((points - self.pivot) @ rotation_model.T + self.pivot, self.centre)

        return parts, rigid(self.centre[None])[0], rigid(self.face_points), rigid(self.pose_points)


def list_head_files(folder: Path) -> list[Path]:
    """The head files in ``folder`` (sorted), or InputError naming what was expected."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"--heads {folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in HEAD_SUFFIXES and p.is_file())
    if not files:
        raise InputError(f"no head files ({', '.join(HEAD_SUFFIXES)}) in {folder}")
    return files


def load_head(path: Path) -> HeadMesh:
    """Read one head file; InputError if it cannot be read or has no textured mesh."""
    import trimesh  # training-only dependency

    try:
        scene = trimesh.load(str(path), force="scene")
    except Exception as exc:  # trimesh raises many kinds on a damaged file
        raise InputError(f"cannot read head {path}: {exc}") from None
    parts = []
    for name, geometry in scene.geometry.items():
        part = _textured_part(name, geometry)
        if part is not None:
            parts.append(part)
    if not parts:
        raise InputError(f"{path} has no textured triangle mesh")
    everything = np.concatenate([p.positions for p in parts])
    crown = float(everything[:, 1].max())
    skin = max(parts, key=lambda p: len(p.positions)).positions
    centre = _head_centre(skin, crown)
    pivot = centre + np.array([0.0, -PIVOT_BELOW_CENTRE_M, -PIVOT_BEHIND_CENTRE_M])
    chin = crown - CROWN_TO_CHIN_M
    weights = tuple(neck_weights(p.positions[:, 1], chin) for p in parts)
    head_skin = skin[skin[:, 1] > chin - CHIN_MARGIN_M]
    face = surface_points(head_skin, centre, _face_directions(FACE_POINT_COUNT))
    around = surface_points(head_skin, centre, _sphere_directions(POSE_POINT_COUNT))
    return HeadMesh(Path(path).stem, tuple(parts), weights, centre, pivot, face, around)


def neck_weights(heights: np.ndarray, chin_y: float) -> np.ndarray:
    """1 at and above the chin, 0 a neck band below it, smoothstep between."""
    t = np.clip((heights - (chin_y - NECK_BAND_M)) / NECK_BAND_M, 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def surface_points(vertices: np.ndarray, centre: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """For each unit direction from ``centre``, the vertex seen closest to it (outermost on ties).

    Stands in for ray casting: the busts are star-shaped around the head's centre, so the vertex
    of largest cosine to a direction lies on the surface that direction meets.
    """
    offsets = vertices - centre
    distance = np.linalg.norm(offsets, axis=1, keepdims=True)
    cosine = (offsets / np.maximum(distance, 1e-9)) @ directions.T  # [V, K]
    # Among the vertices within a small cone, take the farthest (the surface, not the mouth).
    best = cosine.max(axis=0, keepdims=True)
    in_cone = cosine >= best - 2e-3
    score = np.where(in_cone, distance, -1.0)
    return vertices[np.argmax(score, axis=0)]


def _textured_part(name: str, geometry) -> MeshPart | None:
    faces = getattr(geometry, "faces", None)
    visual = getattr(geometry, "visual", None)
    uv = getattr(visual, "uv", None)
    if faces is None or len(faces) == 0 or uv is None:
        return None
    material = getattr(visual, "material", None)
    image = getattr(material, "baseColorTexture", None) or getattr(material, "image", None)
    if image is None:
        return None
    texture = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return MeshPart(
        name=str(name),
        positions=np.asarray(geometry.vertices, dtype=np.float64),
        uv=np.asarray(uv, dtype=np.float32),
        triangles=np.asarray(faces, dtype=np.int32),
        texture=texture,
    )


def _head_centre(skin: np.ndarray, crown: float) -> np.ndarray:
    y = crown - CROWN_TO_CENTRE_M
    slab = skin[np.abs(skin[:, 1] - y) < 0.02]
    if len(slab) < 10:
        slab = skin
    z = 0.5 * (float(slab[:, 2].min()) + float(slab[:, 2].max()))
    return np.array([0.0, y, z])


def _sphere_directions(count: int) -> np.ndarray:
    """Fibonacci points on the upper 80 % of the sphere (below is the neck)."""
    i = np.arange(count) + 0.5
    y = 1.0 - 1.6 * i / count
    r = np.sqrt(1.0 - y * y)
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    return np.stack([r * np.cos(phi), y, r * np.sin(phi)], axis=1)


def _face_directions(count: int) -> np.ndarray:
    """A grid of directions over the face: +-70 degrees across, -50..+40 degrees up and down."""
    cols, rows = 26, 18
    assert cols * rows == count
    azimuth = np.radians(np.linspace(-70.0, 70.0, cols))
    elevation = np.radians(np.linspace(-50.0, 40.0, rows))
    az, el = np.meshgrid(azimuth, elevation)
    d = np.stack([np.cos(el) * np.sin(az), np.sin(el), np.cos(el) * np.cos(az)], axis=-1)
    return d.reshape(-1, 3)


def _bend(positions: np.ndarray, weights: np.ndarray, rotation: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    """Rotate each vertex about ``pivot`` by its weight's share of ``rotation``."""
    rigid = (positions - pivot) @ rotation.T + pivot
    if np.all(weights >= 1.0):
        return rigid
    out = rigid.copy()
    partial = weights < 1.0
    if not partial.any():
        return out
    # Few distinct weights matter visually: blend matrices on a 16-level grid of the weight.
    levels = np.round(weights[partial] * 16).astype(int)
    index = np.flatnonzero(partial)
    for level in np.unique(levels):
        share = level / 16.0
        r = _fractional_rotation(rotation, share)
        rows = index[levels == level]
        out[rows] = (positions[rows] - pivot) @ r.T + pivot
    return out


def _fractional_rotation(rotation: np.ndarray, share: float) -> np.ndarray:
    """``rotation`` raised to ``share`` (axis-angle scaled), so the neck bends evenly."""
    if share <= 0.0:
        return np.eye(3)
    angle = float(np.arccos(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)))
    if angle < 1e-9:
        return np.eye(3)
    axis = np.array([rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0], rotation[1, 0] - rotation[0, 1]])
    norm = np.linalg.norm(axis)
    if norm < 1e-9:  # 180 degrees: not reached by a neck
        return rotation if share >= 0.5 else np.eye(3)
    k = axis / norm
    a = angle * share
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(a) * kx + (1.0 - np.cos(a)) * kx @ kx


def _to_camera(points_model: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Model points to camera axes with the head's centre at the origin."""
    return ((points_model - centre) @ MODEL_TO_CAMERA.T).astype(np.float32)
