"""The neutral hold: the pose the patient holds still for a while becomes the zero (Qt-free).

One hold, two rules for which frames count. The clinician's hold (``HoldLimits()``, the
default) refuses what is not a neutral: a frame counts only when the face mesh is found and
the face looks near frontal (:func:`face_direction_deg`, from the mesh alone, independent of any
neutral), because a hold that took any still pose made a head held at full flexion the zero.
``ANY_STILL_POSE`` (the pipeline's hold when none is given: scripts and tests) counts every frame
with a pose. Either way the hold restarts whenever the head moves, and ``problem`` says what is
wrong, in the clinician's words. The pipeline runs the hold it is given
(``MeasurementPipeline.start_calibration(hold=...)``).

Times must only increase (a looped video's time goes on past the loop, app.ui.workers); a time
going backwards restarts the hold instead of giving a negative progress.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from app.core.angles import mean_rotation, rotation_angle_deg
from app.core.trunk import ShoulderLine

if TYPE_CHECKING:
    from app.core.pipeline import RawMeasurement

log = logging.getLogger(__name__)

DEFAULT_HOLD_S = 1.5  # the demo video's neutral pauses are 2.1 s or shorter
# Face mesh points: forehead top, chin, the eyes' outer corners (MediaPipe's 468-point mesh).
FOREHEAD, CHIN, EYE_RIGHT, EYE_LEFT = 10, 152, 33, 263
# The forehead-chin line of the mesh leans back at a frontal face: its normal reads this much
# "up" when the head looks straight at the camera (measured on the demo video: -7 to -9°).
MESH_PITCH_OFFSET_DEG = -8.0


class HoldProblem(Enum):
    """Why the frames do not count toward the neutral hold now."""

    NO_FACE = "no face in view: sit in front of the camera"
    NOT_FRONTAL = "turn to face the camera"
    MOVING = "hold still"

    @property
    def text(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class HoldLimits:
    """How far from frontal (face mesh) and how still a neutral hold must be."""

    max_yaw_deg: float = 15.0
    max_pitch_deg: float = 20.0
    max_roll_deg: float = 12.0
    max_spread_deg: float = 4.0  # how far the head may wander (rotation from the hold's first frame)
    frontal_only: bool = True  # False: any still pose counts, whatever the face mesh says


ANY_STILL_POSE = HoldLimits(frontal_only=False)


@dataclass(frozen=True, eq=False)
class Neutral:
    """The calibrated neutral: head rotation and shoulder line the patient held."""

    rotation: np.ndarray
    trunk: ShoulderLine | None = None
    time_s: float = 0.0


def neutral_from(raws: list[RawMeasurement]) -> Neutral:
    """Mean head rotation and median shoulder line of a still hold."""
    rotations = [r.rotation for r in raws if r.rotation is not None]
    if not rotations:
        raise ValueError("no pose to calibrate neutral from")
    trunks = [r.trunk for r in raws if r.trunk is not None]
    trunk = None
    if trunks:
        trunk = ShoulderLine(
            float(np.median([t.width_px for t in trunks])), float(np.median([t.lean_deg for t in trunks])), 1.0
        )
    return Neutral(mean_rotation(rotations), trunk, raws[0].time_s)


@dataclass(frozen=True)
class FaceDirection:
    """The face's direction from the camera (mesh only): 0/0/0 = looking straight at it."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def face_direction_deg(landmarks: np.ndarray | None) -> FaceDirection | None:
    """Yaw, pitch (offset-corrected) and roll of the face plane; None without a mesh."""
    if landmarks is None or len(landmarks) <= max(FOREHEAD, CHIN, EYE_RIGHT, EYE_LEFT):
        return None
    pts = np.asarray(landmarks, dtype=float)[:, :3]
    across = pts[EYE_LEFT] - pts[EYE_RIGHT]
    down = pts[CHIN] - pts[FOREHEAD]
    normal = np.cross(across, down)
    norm = float(np.linalg.norm(normal))
    if norm < 1e-9 or abs(across[0]) + abs(across[1]) < 1e-9:
        return None
    n = normal / norm
    yaw = math.degrees(math.atan2(n[0], n[2]))
    pitch = math.degrees(math.atan2(n[1], n[2])) - MESH_PITCH_OFFSET_DEG
    roll = math.degrees(math.atan2(across[1], across[0]))
    return FaceDirection(yaw, pitch, roll)


def frontal_problem(direction: FaceDirection | None, limits: HoldLimits) -> HoldProblem | None:
    """NO_FACE, NOT_FRONTAL or None (acceptable)."""
    if direction is None:
        return HoldProblem.NO_FACE
    if (
        abs(direction.yaw_deg) > limits.max_yaw_deg
        or abs(direction.pitch_deg) > limits.max_pitch_deg
        or abs(direction.roll_deg) > limits.max_roll_deg
    ):
        return HoldProblem.NOT_FRONTAL
    return None


class NeutralHold:
    """A neutral hold of ``duration_s`` that counts still frames; with ``limits.frontal_only``
    only still, frontal frames with a face."""

    def __init__(self, duration_s: float = DEFAULT_HOLD_S, limits: HoldLimits | None = None) -> None:
        self.duration_s = duration_s
        self.limits = limits or HoldLimits()
        self._raws: list[RawMeasurement] = []
        self.result: Neutral | None = None
        self.problem: HoldProblem | None = None

    @property
    def progress(self) -> float:
        """0..1, never outside (the countdown shown is at most ``duration_s``)."""
        if self.result is not None:
            return 1.0
        if len(self._raws) < 2:
            return 0.0
        held = self._raws[-1].time_s - self._raws[0].time_s
        return min(1.0, max(0.0, held / self.duration_s))

    def add(self, raw: RawMeasurement) -> Neutral | None:
        """Count one raw measurement; the Neutral once held."""
        if self.result is not None:
            return self.result
        if raw.rotation is None and not self.limits.frontal_only:
            return None  # any-pose hold: a frame without a pose neither counts nor restarts it
        self.problem = self._facing_problem(raw)
        if self.problem is not None:
            self._raws = []  # the hold starts again once the face is back and frontal
            return None
        if self._raws and raw.time_s < self._raws[-1].time_s:
            self._raws = []  # time went back (a new stream): hold again from here
        if self._raws and rotation_angle_deg(self._raws[0].rotation, raw.rotation) > self.limits.max_spread_deg:
            self._raws = []  # moved: this frame starts a new hold
            self.problem = HoldProblem.MOVING
        self._raws.append(raw)
        if self.progress >= 1.0:
            self.result = neutral_from(self._raws)
        return self.result

    def _facing_problem(self, raw: RawMeasurement) -> HoldProblem | None:
        if raw.rotation is None:
            return HoldProblem.NO_FACE
        if not self.limits.frontal_only:
            return None
        return frontal_problem(face_direction_deg(raw.observation.face_landmarks), self.limits)
