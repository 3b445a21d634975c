"""Persistent settings (QSettings): engine, model, device, camera and its field of view, norms, protocol, data folder.

One typed view over QSettings so no widget reads raw keys; tests pass their own QSettings
(an .ini file in a temporary folder) through the constructor.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from PySide6.QtCore import QSettings

from app.core.neutral_hold import DEFAULT_HOLD_S

ORGANIZATION, APPLICATION = "cervicam", "cervicam"


@dataclass
class AppSettings:
    engine: str = "landmarks"
    model: str = ""
    device: str = "auto"
    camera: int = 0
    width: int = 1280
    height: int = 720
    mirror: bool = True  # display only; patients expect a mirror, angles never flip
    show_landmarks: bool = False
    norm_set: str = "ama"
    trials: int = 3
    warmups: int = 2
    calibration_s: float = DEFAULT_HOLD_S  # the neutral hold (the demo video's pauses are 2.1 s or shorter)
    camera_hfov_deg: float = 0.0  # the webcam's horizontal field of view (flexion depends on it); 0: not set
    data_dir: str = ""
    clinician: str = ""  # on every session and report
    passphrase_word_shown: bool = False  # the first-start word about encrypting names was said
    geometry: bytes = b""

    @classmethod
    def load(cls, qs: QSettings) -> "AppSettings":
        out = cls()
        for f in fields(cls):
            default = getattr(out, f.name)
            value = qs.value(f.name, default)
            setattr(out, f.name, _coerce(value, default))
        return out

    def save(self, qs: QSettings) -> None:
        for f in fields(self):
            qs.setValue(f.name, getattr(self, f.name))
        qs.sync()


def _coerce(value: Any, default: Any) -> Any:
    # QSettings' ini backend returns strings: convert back to the default's type.
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, bytes):
            return bytes(value) if value is not None else default
        return str(value)
    except (TypeError, ValueError):
        return default


def default_qsettings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)
