"""Fakes injected into the window: a pipeline that answers the dev video's truth, a flaky camera."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from app.core.angles import HeadAngles, matrix_from_angles
from app.core.camera_model import CameraAssumption
from app.core.neutral_hold import NeutralHold
from app.core.types import Frame, FrameResult, HeadBox, PoseSample


class TruthPipeline:
    """Answers each frame with the dev video's exact angles (by frame index), like a perfect engine.

    It keeps the real pipeline's contract: ``start_calibration(duration_s)`` (or ``hold=``, whose
    ``duration_s`` it takes; it does not judge the face) runs over frame times, angles are reported only once calibrated, ``reset()`` forgets the neutral.
    """

    def __init__(self, truth_csv: Path, delay_s: float = 0.0) -> None:
        with open(truth_csv, newline="") as fh:
            rows = list(csv.DictReader(fh))
        self.truth = {int(r["frame"]): (float(r["yaw_deg"]), float(r["pitch_deg"]), float(r["roll_deg"])) for r in rows}
        self.calibrated = False
        self._cal_duration: float | None = None
        self._cal_start: float | None = None
        self.delay_s = delay_s
        self.processed: list[int] = []
        self.camera = CameraAssumption.from_user(None)

    def start_calibration(self, duration_s: float | None = None, *, hold: NeutralHold | None = None) -> None:
        duration = hold.duration_s if hold is not None else duration_s
        self._cal_duration, self._cal_start = (2.0 if duration is None else duration), None

    def reset(self) -> None:
        self.calibrated = False
        self._cal_duration = self._cal_start = None

    def set_camera(self, camera: CameraAssumption) -> None:
        self.camera = camera
        self.reset()

    def process(self, frame: Frame) -> FrameResult:
        if self.delay_s:
            import time

            time.sleep(self.delay_s)
        self.processed.append(frame.index)
        yaw, pitch, roll = self.truth.get(frame.index, (0.0, 0.0, 0.0))
        calibrating, progress = False, 0.0
        if self._cal_duration is not None:
            if self._cal_start is None:
                self._cal_start = frame.timestamp
            progress = min(1.0, (frame.timestamp - self._cal_start) / self._cal_duration)
            calibrating = progress < 1.0
            if not calibrating:
                self.calibrated, self._cal_duration = True, None
        angles = (yaw, pitch, roll) if self.calibrated and not calibrating else (None, None, None)
        sample = PoseSample(
            frame.index, frame.timestamp, True, 0.95, *angles, *angles, source="truth"
        )
        h, w = frame.image.shape[:2]
        return FrameResult(
            sample,
            head_box=HeadBox(w / 2, h / 2 - 20, 160.0),
            rotation_camera=matrix_from_angles(HeadAngles(yaw, pitch, roll)),
            landmarks_px=None,
            calibrating=calibrating,
            calibration_progress=progress,
            calibrated=self.calibrated,
        )


class FlakyCamera:
    """A camera that delivers ``frames_before_loss`` frames, then fails until re-opened.

    The factory it comes with refuses ``refusals`` re-opens (camera unplugged), then succeeds.
    """

    def __init__(self, frames_before_loss: int) -> None:
        self.left = frames_before_loss
        self.opened = True
        self.reads = 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def read(self):
        if self.left <= 0:
            return False, None
        self.left -= 1
        self.reads += 1
        img = np.full((120, 160, 3), 100 + (self.reads % 50), dtype=np.uint8)
        return True, img

    def get(self, prop: int) -> float:
        import cv2

        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 160.0, cv2.CAP_PROP_FRAME_HEIGHT: 120.0}.get(prop, 0.0)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.opened = False


class FlakyCameraFactory:
    def __init__(self, frames_before_loss: int = 20, refusals: int = 2, frames_after: int = 10_000) -> None:
        self.calls = 0
        self.frames_before_loss = frames_before_loss
        self.refusals = refusals
        self.frames_after = frames_after

    def __call__(self, spec):
        self.calls += 1
        if self.calls == 1:
            return FlakyCamera(self.frames_before_loss)
        if self.calls <= 1 + self.refusals:
            cam = FlakyCamera(0)
            cam.opened = False
            return cam
        return FlakyCamera(self.frames_after)


class NoCamera:
    """Factory for a machine without a camera."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, spec):
        self.calls += 1
        if spec.is_file:
            import cv2

            return cv2.VideoCapture(str(spec.video))
        cam = FlakyCamera(0)
        cam.opened = False
        return cam
