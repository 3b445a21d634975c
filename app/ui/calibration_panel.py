"""Neutral calibration: a button, a countdown and a clear "hold still" state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from app.ui.theme import OK_COLOR, WARN_COLOR


class CalibrationPanel(QGroupBox):
    calibrate_requested = Signal()

    def __init__(self, duration_s: float = 2.0, parent: QWidget | None = None) -> None:
        super().__init__("Neutral calibration", parent)
        self.duration_s = duration_s
        self.state = QLabel("Not calibrated: look straight at the camera, then press Calibrate (C)")
        self.state.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("hold still… %p%")
        self.progress.setVisible(False)
        self.button = QPushButton("Calibrate neutral  [C]")
        self.button.clicked.connect(self.calibrate_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.progress)
        layout.addWidget(self.button)

    def show_state(self, calibrating: bool, progress: float, calibrated: bool) -> None:
        if calibrating:
            left = max(0.0, self.duration_s * (1.0 - progress))
            self.state.setText(f"<b style='color:{WARN_COLOR}'>HOLD STILL</b> — looking straight ahead ({left:.1f} s)")
            self.progress.setVisible(True)
            self.progress.setValue(int(round(100 * progress)))
            self.button.setText("Calibrating…")
            self.button.setEnabled(False)
        else:
            self.progress.setVisible(False)
            self.button.setEnabled(True)
            if calibrated:
                self.state.setText(f"<b style='color:{OK_COLOR}'>Calibrated</b>: angles are relative to this neutral")
                self.button.setText("Recalibrate  [C]")
            else:
                self.state.setText("Not calibrated: look straight at the camera, then press Calibrate (C)")
                self.button.setText("Calibrate neutral  [C]")
