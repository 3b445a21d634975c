"""Six bars: the session's maximum per clinical direction against the norm, and a reset button."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QWidget

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.ui.theme import AXIS_COLORS
from app.ui.widgets import push_button


class MaximaPanel(QGroupBox):
    reset_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Session maxima (vs norm)", parent)
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        self.bars: dict[str, QProgressBar] = {}
        self.values: dict[str, QLabel] = {}
        self.norms: dict[str, float] = {}
        for row, direction in enumerate(DIRECTIONS):
            axis, _ = DIRECTIONS[direction]
            name = QLabel(DIRECTION_LABELS[direction].capitalize())
            bar = QProgressBar()
            bar.setRange(0, 1000)  # tenths of a percent of the norm
            bar.setTextVisible(False)
            bar.setMaximumHeight(14)
            bar.setStyleSheet(f"QProgressBar::chunk {{ background: {AXIS_COLORS[axis]}; }}")
            value = QLabel("–")
            value.setMinimumWidth(110)
            grid.addWidget(name, row, 0)
            grid.addWidget(bar, row, 1)
            grid.addWidget(value, row, 2)
            self.bars[direction] = bar
            self.values[direction] = value
        grid.setColumnStretch(1, 1)
        self.reset_button = push_button("Reset\nmaxima", self.reset_requested)
        layout = QHBoxLayout(self)  # the button beside the bars: the panel is six rows high
        layout.setContentsMargins(8, 4, 8, 6)
        layout.addLayout(grid, 1)
        layout.addWidget(self.reset_button)

    def set_norms(self, norms: Mapping[str, float]) -> None:
        self.norms = dict(norms)

    def set_maxima(self, maxima: Mapping[str, float | None]) -> None:
        for direction, value in maxima.items():
            norm = self.norms.get(direction)
            if value is None:
                self.bars[direction].setValue(0)
                self.values[direction].setText("–")
                continue
            if norm:
                self.bars[direction].setValue(int(min(1000, 1000 * value / norm)))
                self.values[direction].setText(f"{value:.0f}° / {norm:.0f}° ({100 * value / norm:.0f}%)")
            else:
                self.values[direction].setText(f"{value:.0f}°")

    def shown_values(self) -> dict[str, str]:
        return {d: label.text() for d, label in self.values.items()}
