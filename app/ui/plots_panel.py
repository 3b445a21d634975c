"""Live pyqtgraph plots of yaw, pitch and roll: raw and filtered, norms and session maxima marked."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.core.angles import DIRECTIONS
from app.core.live_history import AXES
from app.ui.theme import AXIS_COLORS, AXIS_NAMES, faded, plot_colors

pg.setConfigOptions(antialias=True)


class PlotsPanel(QWidget):
    """Three stacked, x-linked plots over the last ``window_s`` seconds (scrolling)."""

    def __init__(self, window_s: float = 20.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s = window_s
        background, foreground = plot_colors()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(background)
        self._foreground = foreground
        self.plots: dict[str, pg.PlotItem] = {}
        self.raw_curves: dict[str, pg.PlotDataItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.norm_lines: dict[str, pg.InfiniteLine] = {}
        self.max_lines: dict[str, pg.InfiniteLine] = {}
        self._max_shown: dict[str, bool] = {}
        for row, axis in enumerate(AXES):
            plot = self.graphics.addPlot(row=row, col=0)
            plot.setTitle(AXIS_NAMES[axis], color=foreground, size="9pt")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setYRange(-90, 90)
            plot.getAxis("left").setWidth(40)
            for side in ("left", "bottom"):
                plot.getAxis(side).setTextPen(foreground)
            if row < len(AXES) - 1:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setLabel("bottom", "time", units="s", color=foreground)
            color = AXIS_COLORS[axis]
            self.raw_curves[axis] = plot.plot(pen=pg.mkPen(faded(color, 90), width=1), connect="finite")
            self.curves[axis] = plot.plot(pen=pg.mkPen(color, width=2), connect="finite")
            plot.addLine(y=0, pen=pg.mkPen(foreground, width=1, style=Qt.PenStyle.DotLine))
            if row > 0:
                plot.setXLink(self.plots[AXES[0]])
            self.plots[axis] = plot
        # One norm line and one maximum marker per clinical direction, on the plot of its axis.
        for direction, (axis, sign) in DIRECTIONS.items():
            norm = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#888888", width=1, style=Qt.PenStyle.DashLine))
            norm.setVisible(False)
            peak = pg.InfiniteLine(
                angle=0,
                movable=False,
                pen=pg.mkPen(AXIS_COLORS[axis], width=1.5, style=Qt.PenStyle.DashDotLine),
                label="",
                # Positive-direction labels at the left end, negative ones at the right end, each on
                # the zero side of its line: the two of one plot never overlap nor leave the plot.
                labelOpts={"position": 0.1 if sign > 0 else 0.9, "color": AXIS_COLORS[axis], "movable": False,
                           "anchors": [(0.5, 0.0), (0.5, 0.0)] if sign > 0 else [(0.5, 1.0), (0.5, 1.0)]},
            )
            peak.setVisible(False)
            self.plots[axis].addItem(norm, ignoreBounds=True)
            self.plots[axis].addItem(peak, ignoreBounds=True)
            self.norm_lines[direction] = norm
            self.max_lines[direction] = peak
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.samples_plotted = 0

    def changeEvent(self, event) -> None:  # noqa: N802
        # The system switched light/dark while the window is open: follow it.
        if event.type() == QEvent.Type.PaletteChange:
            background, foreground = plot_colors()
            self.graphics.setBackground(background)
            for axis, plot in self.plots.items():
                plot.setTitle(AXIS_NAMES[axis], color=foreground, size="9pt")
                for side in ("left", "bottom"):
                    plot.getAxis(side).setTextPen(foreground)
        super().changeEvent(event)

    def set_norms(self, norms: Mapping[str, float]) -> None:
        """Reference lines at the normal end range (the sign of each direction on its axis)."""
        for direction, value in norms.items():
            axis, sign = DIRECTIONS[direction]
            self.norm_lines[direction].setValue(sign * value)
            self.norm_lines[direction].setVisible(True)
            lo = min(-90.0, -abs(value) - 10)
            self.plots[axis].setYRange(lo, -lo, padding=0)

    def set_maxima(self, maxima: Mapping[str, float | None], min_deg: float = 5.0) -> None:
        """Mark each direction's maximum; tiny ones (noise around neutral) would only clutter."""
        for direction, value in maxima.items():
            line = self.max_lines[direction]
            self._max_shown[direction] = not (value is None or value < min_deg)
            if value is None or value < min_deg:
                line.setVisible(False)
            else:
                _, sign = DIRECTIONS[direction]
                line.setValue(sign * value)
                # The panel's number, written here: pyqtgraph does not redraw a hidden line's label.
                line.label.setFormat(f"max {value:.0f}°")
                line.label.setText(f"max {value:.0f}°")
                line.setVisible(True)

    def max_label_texts(self) -> dict[str, str]:
        """The 'max' labels shown ('' for a hidden one)."""
        return {d: self.max_lines[d].label.textItem.toPlainText() if shown else "" for d, shown in self._max_shown.items()}

    def set_data(self, data: Mapping[str, np.ndarray]) -> None:
        t = data["time_s"]
        for axis in AXES:
            self.curves[axis].setData(t, data[axis])
            self.raw_curves[axis].setData(t, data["raw_" + axis])
        self.samples_plotted = len(t)
        if len(t):
            end = max(float(t[-1]), self.window_s)
            self.plots[AXES[0]].setXRange(end - self.window_s, end, padding=0)
