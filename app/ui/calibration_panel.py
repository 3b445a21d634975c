"""Neutral calibration: a button, a countdown, what is wrong with the hold, the neutral in use."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from app.core.calibration_view import CalibrationState, CalibrationView, calibration_view
from app.ui.theme import BAD_COLOR, OK_COLOR, WARN_COLOR
from app.ui.widgets import push_button


class CalibrationPanel(QGroupBox):
    calibrate_requested = Signal()

    def __init__(self, duration_s: float = 1.5, parent: QWidget | None = None) -> None:
        super().__init__("Neutral calibration", parent)
        self.duration_s = duration_s
        self.state = QLabel()
        self.state.setWordWrap(True)
        # Two lines reserved: the window's layout never moves when the text changes.
        self.state.setFixedHeight(2 * self.fontMetrics().lineSpacing() + 4)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("hold still… %p%")
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # hidden, it keeps its place
        self.progress.setSizePolicy(policy)
        self.progress.setVisible(False)
        self.button = push_button("Calibrate neutral  [C]", self.calibrate_requested)
        self.button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # As wide as its widest text: the bar beside it keeps its length whatever the button says.
        texts = ("Calibrate neutral  [C]", "Recalibrate  [C]", "Calibrating…")
        self.button.setFixedWidth(max(self.button.fontMetrics().horizontalAdvance(t) for t in texts) + 32)
        row = QHBoxLayout()  # the bar (kept in place when hidden) beside the button: one line
        row.addWidget(self.progress, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.state)
        layout.addLayout(row)
        self.view: CalibrationView | None = None
        self.show_view(calibration_view(False, 0.0, False, duration_s))

    def show_state(self, calibrating: bool, progress: float, calibrated: bool) -> None:
        self.show_view(calibration_view(calibrating, progress, calibrated, self.duration_s))

    def show_view(self, view: CalibrationView) -> None:
        self.view = view
        holding = view.state is CalibrationState.HOLDING
        self.progress.setVisible(holding)
        self.button.setEnabled(not holding)
        if holding:
            self.progress.setValue(int(round(100 * view.progress)))
            color = BAD_COLOR if view.problem else WARN_COLOR
            self.state.setText(f"<b style='color:{color}'>{view.text}</b>")
            self.button.setText("Calibrating…")
        elif view.state is CalibrationState.CALIBRATED:
            color = WARN_COLOR if view.advice else OK_COLOR
            self.state.setText(f"<b style='color:{color}'>{'Recalibrate?' if view.advice else 'Calibrated:'}</b> {view.text}")
            self.button.setText("Recalibrate  [C]")
        else:
            self.state.setText(view.text)
            self.button.setText("Calibrate neutral  [C]")
