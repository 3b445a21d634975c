"""Values that cross module and thread boundaries: frozen dataclasses, angles in degrees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True, eq=False)
class Frame:
    """One captured image (RGB uint8, H x W x 3), its capture time (s) and index in the stream."""

    image: np.ndarray
    timestamp: float
    index: int


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
