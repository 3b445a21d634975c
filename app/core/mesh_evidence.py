"""What the face mesh says, weighed: does it fit the patient's face, what interval does it allow, does it
contradict the model. Pure functions of angles and points; the head tracker decides with them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.core.angles import HeadAngles
from app.core.camera_model import CameraIntrinsics

PITCH = 1  # index of pitch in HeadAngles.as_array() (yaw, pitch, roll)

if TYPE_CHECKING:
    from app.core.head_tracker import HeadTrackerConfig


def mesh_fit_of_face_width(face_points: np.ndarray, mesh: np.ndarray, pose: tuple[np.ndarray, np.ndarray],
                           camera: CameraIntrinsics) -> float:
    """How far the detected landmarks are from the patient's neutral face at the solved pose, as a share of
    the face's width in the image (mean distance). A real face fits its own shape to a few tenths of a percent;
    a "face" found on a profile, the scalp, the chin or a title fits it at 2-6% (dev set)."""
    rotation, translation = pose
    projected = camera.project(face_points @ rotation.T + translation)
    width = float(np.ptp(projected[:, 0]))
    if width <= 1.0:
        return float("inf")
    return float(np.mean(np.linalg.norm(projected - mesh[:, :2], axis=1)) / width)


def model_contradicts_mesh(model: HeadAngles, mesh: HeadAngles, cfg: HeadTrackerConfig) -> bool:
    """The face is in view and the model disagrees with it beyond what the mesh's errors allow.

    The mesh under-reads large angles (by half or more) but never invents one: an axis on which
    the mesh sees almost nothing while the model reads a large angle means the model lost its
    way (typically on the way back from flexion, tracking features on a smooth scalp); so does
    a model reading far less than the mesh on the axis the mesh sees turned most (typically
    turning the wrong way when the head turns fast). Reading far more is not a sign: the mesh
    can under-read by more than half at end range (flexion 48 degrees read as 19); nor are the
    other axes, which the mesh fits loosely when the face is turned. Extension is the exception
    to "never invents": on the two dev faces with a jaw, neck and hair the mesh read 41-54
    degrees at 33-43 of extension, and each of the five rescues it made there was wrong.
    """
    seen, value = mesh.as_array(), model.as_array()
    seen_turned = np.abs(seen) >= cfg.mesh_trusted_deg
    if np.any(~seen_turned & (np.abs(value) > cfg.recover_axis_deg)):
        return True
    main = int(np.argmax(np.abs(seen)))
    if not seen_turned[main]:
        return False
    if main == PITCH and seen[main] < -cfg.mesh_extension_trusted_deg:
        return False  # past this the mesh over-reads extension: the jaw and neck enter the face it fits
    low, high = mesh_allows(mesh, cfg.recover_disagreement_deg, cfg.mesh_bound_per_yaw)
    return bool(value[main] < low[main] if seen[main] > 0 else value[main] > high[main])


def model_exceeds_mesh(model: HeadAngles, mesh: HeadAngles, cfg: HeadTrackerConfig) -> bool:
    """The model reads far more than the mesh allows on the axis the mesh sees turned most.

    Alone this is no sign that the model is lost (the mesh under-reads by half or more at end
    range), but it is the shape of the stall on the way back from flexion: the features stick to
    the scalp and the model stays at 45-50 degrees while the returning face reads 10. Only a third
    reading can tell the two apart (app.core.network_referee), and only while the mesh reads a
    small angle (``mesh_exceeded_max_deg``): further out the mesh and the network under-read
    together (a face with hair at 42 degrees of flexion: mesh 18, network 26, model 46).
    """
    seen, value = mesh.as_array(), model.as_array()
    main = int(np.argmax(np.abs(seen)))
    if not cfg.mesh_trusted_deg <= abs(seen[main]) <= cfg.mesh_exceeded_max_deg:
        return False
    low, high = mesh_allows(mesh, cfg.recover_disagreement_deg, cfg.mesh_bound_per_yaw)
    return bool(value[main] > high[main] if seen[main] > 0 else value[main] < low[main])


def bound_by_mesh(model: HeadAngles, mesh: HeadAngles, trusted_deg: float, tolerance_deg: float,
                  tolerance_per_yaw: float) -> HeadAngles:
    """The model's angles, each kept where the face mesh says it can be when the mesh sees little on it.

    Tracked features swing the model by a few degrees on an axis that is not moving (yaw while
    the head flexes or tilts sideways: a sideways shift of the head and a turn look alike). The
    mesh sees the whole face there and is reliable near zero, where it under-reads an angle by
    up to half but never invents or hides one. So on each axis where the mesh reads less than
    ``trusted_deg``, the model's value is kept between the mesh's reading and twice it, give or
    take the mesh's own error; axes the mesh sees turned are left to the model.
    """
    value = model.as_array()
    low, high = mesh_allows(mesh, tolerance_deg, tolerance_per_yaw)
    bounded = np.where(np.abs(mesh.as_array()) < trusted_deg, np.clip(value, low, high), value)
    return model if np.array_equal(bounded, value) else HeadAngles.from_array(bounded)


def mesh_allows(mesh: HeadAngles, tolerance_deg: float, tolerance_per_yaw: float) -> tuple[np.ndarray, np.ndarray]:
    """Per axis (yaw, pitch, roll), the interval the true angle lies in given the mesh's reading.

    The mesh under-reads growing angles (by about half in mid-range, more at end range), so the
    truth is at least its reading and, near zero, at most about twice it, give or take the
    mesh's own error, which grows with yaw (a turned face is partly a profile and the mesh's
    fit of pitch and roll loosens: roll -9 degrees at 71 degrees of yaw on the dev video).
    """
    seen = mesh.as_array()
    slack = tolerance_deg + tolerance_per_yaw * abs(mesh.yaw_deg)
    return np.minimum(seen, 2 * seen) - slack, np.maximum(seen, 2 * seen) + slack
