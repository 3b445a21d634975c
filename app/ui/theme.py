"""Look and feel: high-DPI, the system's light/dark palette, colours shared by the panels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

# One colour per axis, readable on light and dark backgrounds, used by overlay, plots, bars and
# the report (defined once in app.colours).
from app.colours import AXIS_COLORS  # noqa: E402,F401
from app.core.quality import Trust, trust_of  # noqa: E402

AXIS_NAMES = {"yaw_deg": "Rotation (yaw)", "pitch_deg": "Flexion / extension (pitch)", "roll_deg": "Lateral flexion (roll)"}
OK_COLOR, WARN_COLOR, BAD_COLOR = "#22a06b", "#e2a400", "#d64545"


def configure_high_dpi() -> None:
    """Call before the QApplication exists: crisp on 4K, no rounding of 125%/150% scale factors."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def plot_colors() -> tuple[str, str]:
    """(background, foreground) for pyqtgraph, following the system palette."""
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).name(), palette.color(QPalette.ColorRole.Text).name()


def quality_color(quality: float | None) -> str:
    """Green measured, amber extrapolated, red not trusted: the levels of app.core.quality."""
    return {Trust.MEASURED: OK_COLOR, Trust.EXTRAPOLATED: WARN_COLOR}.get(trust_of(quality), BAD_COLOR)


def faded(color: str, alpha: int = 110) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c
