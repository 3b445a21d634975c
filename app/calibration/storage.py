"""Calibrations kept on this computer, one per camera and resolution, for the next measurement.

A JSON file in the data folder (``camera_calibrations.json``): readable, small, and moved with
the folder. It is rewritten whole through a temporary file, so a crash leaves the old one; a file
that cannot be read is reported and treated as empty (a calibration can always be measured
again), never a reason not to measure.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from app.core.camera_model import CameraCalibration
from app.errors import CervicamError

log = logging.getLogger(__name__)

FILENAME = "camera_calibrations.json"


class CalibrationStore:
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / FILENAME

    def all(self) -> list[CameraCalibration]:
        if not self.path.exists():
            return []
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(entries, list):
                raise ValueError("not a list of calibrations")
        except (OSError, ValueError) as exc:
            log.warning("camera calibrations in %s cannot be read (%s): measuring with the field of view instead",
                        self.path, exc)
            return []
        out = []
        for entry in entries:
            try:
                out.append(CameraCalibration.from_dict(entry))
            except (ValueError, TypeError, AttributeError) as exc:
                log.warning("a camera calibration in %s is skipped: %s", self.path, exc)
        return out

    def find(self, camera: str, width: int | None = None, height: int | None = None) -> CameraCalibration | None:
        """The newest calibration of ``camera`` (at this resolution when given, else any)."""
        matches = [c for c in self.all() if c.camera == camera and (width is None or (c.width, c.height) == (width, height))]
        return max(matches, key=lambda c: c.measured_on) if matches else None

    def save(self, calibration: CameraCalibration) -> None:
        """Keep ``calibration``, replacing the camera's earlier one at the same resolution."""
        if not calibration.camera:
            raise ValueError("a stored calibration needs the camera's name")
        kept = [c for c in self.all()
                if (c.camera, c.width, c.height) != (calibration.camera, calibration.width, calibration.height)]
        self._write([*kept, calibration])

    def forget(self, camera: str) -> int:
        """Remove every calibration of ``camera``; how many were removed."""
        entries = self.all()
        kept = [c for c in entries if c.camera != camera]
        if len(kept) != len(entries):
            self._write(kept)
        return len(entries) - len(kept)

    def _write(self, calibrations: list[CameraCalibration]) -> None:
        text = json.dumps([c.to_dict() for c in calibrations], indent=2)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calibrations-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise CervicamError(f"could not save the camera calibration to {self.path}: {exc.strerror or exc}") from None
