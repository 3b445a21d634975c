"""The neutral hold that refuses what is not a neutral: face in view, near frontal, still (Qt-free).

The pipeline's own hold (``app.core.pipeline.NeutralCalibration``) takes any still pose, so a
head held at full flexion became the zero. :class:`GuardedNeutralHold` has the same interface
(``duration_s``, ``progress``, ``result``, ``add(raw)``) and adds the acceptance rule: a frame
counts toward the hold only when the face mesh is found and the face looks near frontal
(:func:`face_direction_deg`, from the mesh alone, independent of any neutral), and the hold
restarts whenever the head moves. ``problem`` says what is wrong, in the clinician's words.

Times must only increase (a looped video's time goes on past the loop, app.ui.workers); a time
going backwards restarts the hold instead of giving a negative progress.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from app.core.angles import rotation_angle_deg

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
    max_spread_deg: float = 4.0  # the pipeline's own stillness rule


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


class GuardedNeutralHold:
    """A neutral hold of ``duration_s`` that only counts still, frontal frames with a face."""

    def __init__(self, duration_s: float = DEFAULT_HOLD_S, limits: HoldLimits | None = None) -> None:
        self.duration_s = duration_s
        self.limits = limits or HoldLimits()
        self._raws: list[Any] = []
        self.result: Any | None = None
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

    def add(self, raw: Any) -> Any | None:
        """Count one raw measurement (app.core.pipeline.RawMeasurement); the Neutral once held."""
        if self.result is not None:
            return self.result
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
            from app.core.pipeline import neutral_from

            self.result = neutral_from(self._raws)
        return self.result

    def _facing_problem(self, raw: Any) -> HoldProblem | None:
        if raw.rotation is None:
            return HoldProblem.NO_FACE
        return frontal_problem(face_direction_deg(raw.observation.face_landmarks), self.limits)


def install_hold(pipeline: Any, hold: GuardedNeutralHold) -> bool:
    """Start ``pipeline``'s neutral calibration with ``hold`` as its hold; False when the pipeline
    has no replaceable hold (a test double): it then calibrates its own way.

    Relies on MeasurementPipeline running ``self._calibration`` (``add``/``result``/``progress``)
    in ``process``; tests/core/test_neutral_hold.py checks that contract on the real class.
    """
    pipeline.start_calibration(duration_s=hold.duration_s)
    target = pipeline
    while "_calibration" not in vars(target) and getattr(target, "inner", None) is not None:
        target = target.inner  # a wrapper that forwards to the pipeline (scripts/screenshots.py)
    if "_calibration" not in vars(target):
        return False
    target._calibration = hold  # noqa: SLF001  (see the docstring: a start_calibration(hold=) would be cleaner)
    return True
