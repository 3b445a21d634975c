"""Values that cross module and thread boundaries: frozen dataclasses, angles in degrees."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from app.core.camera_model import CameraAssumption


@dataclass(frozen=True)
class HeadBox:
    """Head centre (pixels) and apparent head width (pixels) in one image.

    The face-crop rule (app.core.crop) cuts around it; it lives here, without OpenCV, because
    every layer passes it on and the protocol and report import this module.
    """

    center_x: float
    center_y: float
    width: float


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured image (RGB uint8, H x W x 3), its capture time (s) and index in the stream."""

    image: np.ndarray
    timestamp: float
    index: int


class SampleFlag(StrEnum):
    """Why a sample's angles deserve a second look (``PoseSample.flags``; text in CSV and database)."""

    EXTRAPOLATED = "extrapolated"  # the quality is below app.core.quality.EXTRAPOLATED_BELOW: beyond the face mesh
    UNCALIBRATED = "uncalibrated"  # measured before the neutral was calibrated
    DISPUTED = "disputed"  # another reading of the head (the network, the other trackers) contradicts it: not trusted


@dataclass(frozen=True)
class PoseSample:
    """What the measuring core says about one frame.

    Angles follow app.core.angles (degrees, relative to the calibrated neutral). ``None`` angles
    mean no pose for this frame. ``raw_*`` are unfiltered; the plain fields are filtered.
    ``trunk_rotation_deg`` / ``trunk_lean_deg`` come from the shoulder line (None if unseen):
    rotation positive when the trunk turns to the patient's left, lean positive toward the
    patient's left shoulder.
    """

    frame_index: int
    time_s: float
    detected: bool
    quality: float
    yaw_deg: float | None = None
    pitch_deg: float | None = None
    roll_deg: float | None = None
    raw_yaw_deg: float | None = None
    raw_pitch_deg: float | None = None
    raw_roll_deg: float | None = None
    trunk_rotation_deg: float | None = None
    trunk_lean_deg: float | None = None
    source: str = ""
    flags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, eq=False)
class HeadObservation:
    """What the head tracker knows of the head in one frame (pixel coordinates).

    ``face_landmarks``: MediaPipe face mesh, (468, 3): x, y in pixels, z in pixels (same scale as
    x, smaller = nearer the camera), or None. ``body_landmarks``: MediaPipe pose, (33, 4): x, y in
    pixels, z, visibility, or None. ``box`` is where the head is (also at profile, when the face
    mesh is lost); None when the head is not found at all.
    """

    box: HeadBox | None
    face_landmarks: np.ndarray | None = None
    face_confidence: float = 0.0
    body_landmarks: np.ndarray | None = None
    # Rigid head pose from the tracker (face mesh near neutral, model tracking beyond): rotation
    # relative to the tracker's own neutral model, its quality in [0, 1] and where it came from.
    tracked_rotation: np.ndarray | None = None
    tracked_quality: float = 0.0
    tracked_source: str = ""
    # The tracker's own readings of the head disagree (app.core.tracker_ensemble): not trusted.
    tracked_disputed: bool = False


@dataclass(frozen=True, eq=False)
class EngineResult:
    """A pose engine's answer for one frame.

    ``rotation``: 3x3 head-to-camera rotation (convention of app.core.angles). Engines that only
    know rotations relative to a reference of their own (the landmarks engine) return those; the
    pipeline always reports angles relative to the calibrated neutral, so either works.
    ``quality`` in [0, 1]: 1 = confident measurement, low = extrapolating / unreliable.
    ``disputed``: an independent reading of the same head contradicts this one
    (app.engines.tracker_check); its quality is then below trust.
    """

    rotation: np.ndarray
    quality: float
    source: str
    disputed: bool = False


class PoseEngine(Protocol):
    """One interface for every pose engine (``landmarks``, ``onnx``)."""

    name: str

    def estimate(self, frame: Frame, head: HeadObservation) -> EngineResult | None:
        """Rotation of the head in ``frame``; None when this engine cannot tell."""
        ...

    def reset(self) -> None:
        """Forget any per-patient state (new patient or new neutral)."""
        ...

    def set_camera(self, camera: CameraAssumption) -> None:
        """The camera the frames come from (an engine that reads crops needs it to place them; others ignore it)."""
        ...


@dataclass(frozen=True, eq=False)
class FrameResult:
    """Everything the GUI needs to show for one processed frame."""

    sample: PoseSample
    head_box: HeadBox | None = None
    rotation_camera: np.ndarray | None = None  # head-to-camera, for drawing the head axes
    landmarks_px: np.ndarray | None = None  # (N, 2) points to draw, or None
    calibrating: bool = False
    calibration_progress: float = 0.0  # 0..1 while the neutral hold runs
    calibrated: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
