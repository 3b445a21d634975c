"""Guided camera calibration: show the printed pattern, tilt it, move it to the corners, compute, save.

The dialog only shows what :class:`app.calibration.views.ViewCollector` decides about each frame
(kept or not, and what to do next) and what :func:`app.calibration.solve.calibrate` returns. Frames
come from the running camera through ``frames`` (the window's latest image), so the camera is not
opened twice.
"""

from __future__ import annotations

import logging
from typing import Callable

import cv2
import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget,
)  # fmt: skip

from app.calibration.pattern import PatternSpec
from app.calibration.solve import CalibrationError, calibrate, summary_lines
from app.calibration.views import GRID, MIN_COVERAGE, MIN_TILTED_VIEWS, MIN_VIEWS, CaptureStatus, ViewCollector, ViewVerdict
from app.core.camera_model import CameraCalibration
from app.errors import CervicamError
from app.ui.theme import OK_COLOR, WARN_COLOR
from app.ui.widgets import push_button

log = logging.getLogger(__name__)

POLL_MS = 150  # board detection costs 5-30 ms a frame: a few looks a second keep the window responsive


class CameraCalibrationDialog(QDialog):
    """Collects views of the pattern from ``frames`` and, on Save, hands the result to ``save``."""

    def __init__(self, frames: Callable[[], np.ndarray | None], camera: str,
                 save: Callable[[CameraCalibration], None], spec: PatternSpec | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Calibrate {camera}")
        self.frames, self.camera, self.save_result = frames, camera, save
        self.collector = ViewCollector(spec or PatternSpec())
        self.result: CameraCalibration | None = None
        self._last_frame_id: int | None = None
        self.preview = QLabel("waiting for the camera…")
        self.preview.setMinimumSize(480, 360)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.advice = QLabel(f"Print the pattern (python main.py calibration-pattern pattern.pdf), then show it: "
                             f"{self.collector.spec.describe()}")
        self.advice.setWordWrap(True)
        self.count = QLabel()
        self.cells = [QLabel() for _ in range(GRID * GRID)]
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.compute_button = push_button("Compute", self.compute)
        self.save_button = push_button("Save", self.save)
        self.cancel_button = push_button("Cancel", self.reject)
        self._layout()
        self.show_status(self.collector.status(ViewVerdict.NO_PATTERN))
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def _layout(self) -> None:
        coverage = QGridLayout()
        coverage.setSpacing(2)
        for i, cell in enumerate(self.cells):
            cell.setFixedSize(26, 20)
            coverage.addWidget(cell, *divmod(i, GRID))
        side = QVBoxLayout()
        side.addWidget(QLabel("Image covered"))
        side.addLayout(coverage)
        side.addWidget(self.count)
        side.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.preview, 1)
        top.addLayout(side)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.compute_button, self.save_button, self.cancel_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.advice)
        layout.addWidget(self.outcome)
        layout.addLayout(buttons)

    # ----- per frame -------------------------------------------------------------------------------
    def poll(self) -> CaptureStatus | None:
        image = self.frames()
        if image is None or id(image) == self._last_frame_id or self.result is not None:
            return None
        self._last_frame_id = id(image)
        status = self.collector.add_frame(image)
        self.show_status(status)
        self.show_frame(image, status)
        return status

    def show_status(self, status: CaptureStatus) -> None:
        colour = OK_COLOR if status.verdict is ViewVerdict.ACCEPTED or status.ready else WARN_COLOR
        self.advice.setText(f"<b style='color:{colour}'>{status.advice}</b>")
        self.count.setText(f"Good views: {status.views} ({MIN_VIEWS} needed)\n"
                           f"Tilted views: {status.tilted} ({MIN_TILTED_VIEWS} needed)\n"
                           f"Cells covered: {status.coverage} of {GRID * GRID} ({MIN_COVERAGE} needed)")
        for cell, covered in zip(self.cells, status.covered):
            cell.setStyleSheet(f"background:{OK_COLOR if covered else '#444'}; border-radius:3px")
        self.compute_button.setEnabled(status.ready and self.result is None)
        self.save_button.setEnabled(self.result is not None)

    def show_frame(self, image: np.ndarray, status: CaptureStatus) -> None:
        shown = np.ascontiguousarray(image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB))
        if status.detection is not None:
            shown = shown.copy()
            colour = (80, 200, 120) if status.verdict is ViewVerdict.ACCEPTED else (230, 160, 40)
            for x, y in status.detection.corners:
                cv2.circle(shown, (int(round(x)), int(round(y))), 3, colour, -1, cv2.LINE_AA)
        h, w = shown.shape[:2]
        qimage = QImage(shown.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.preview.setPixmap(QPixmap.fromImage(qimage).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    # ----- result ----------------------------------------------------------------------------------
    def compute(self) -> CameraCalibration | None:
        try:
            self.result = calibrate(self.collector.views, camera=self.camera)
        except CalibrationError as exc:
            self.outcome.setText(f"<b style='color:{WARN_COLOR}'>Not calibrated:</b> {exc}")
            self.collector = ViewCollector(self.collector.spec)  # start again with new views
            return None
        self.timer.stop()
        lines = "<br>".join(summary_lines(self.result))
        self.outcome.setText(f"<b style='color:{OK_COLOR}'>Calibrated.</b> Save to use it for the next measurement "
                             f"with {self.camera}.<br><tt>{lines}</tt>")
        self.compute_button.setEnabled(False)
        self.save_button.setEnabled(True)
        self.adjustSize()
        return self.result

    def save(self) -> None:
        if self.result is None:
            return
        try:
            self.save_result(self.result)
        except (CervicamError, ValueError, OSError) as exc:  # a full disk or a read-only folder: say so, keep the dialog
            log.warning("camera calibration not saved: %s", exc)
            self.outcome.setText(f"<b style='color:{WARN_COLOR}'>Not saved:</b> {exc}")
            return
        self.accept()

    def done(self, result: int) -> None:  # noqa: D401  (Qt's name)
        self.timer.stop()
        super().done(result)
