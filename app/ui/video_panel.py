"""Live video with the head axes, head box and landmarks drawn on it, a quality dot and a readout."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.core.angles import HeadAngles, describe
from app.core.quality import quality_words
from app.core.types import FrameResult, SampleFlag
from app.ui.theme import AXIS_COLORS, quality_color


class VideoView(QWidget):
    """Paints the newest frame scaled to fit, and the overlay in the same (possibly mirrored) space.

    Mirroring is a display choice only: the image and the overlay are flipped together here;
    the angles shown elsewhere come from the unmirrored frame and are never flipped.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._result: FrameResult | None = None
        self.mirror = False
        self.show_axes = True
        self.show_box = True
        self.show_landmarks = False
        self.message = ""

    def set_frame(self, image: np.ndarray, result: FrameResult | None) -> None:
        h, w = image.shape[:2]
        # QImage wraps the numpy buffer; copy() so Qt owns pixels that outlive the array.
        self._image = QImage(image.data, w, h, image.strides[0], QImage.Format.Format_RGB888).copy()
        self._result = result
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#202124"))
        if self._image is None:
            self._draw_message(p, self.message or "waiting for video…")
            return
        iw, ih = self._image.width(), self._image.height()
        scale = min(self.width() / iw, self.height() / ih)
        ox, oy = (self.width() - iw * scale) / 2, (self.height() - ih * scale) / 2
        p.save()
        p.translate(ox, oy)
        p.scale(scale, scale)
        if self.mirror:
            p.translate(iw, 0)
            p.scale(-1, 1)
        p.drawImage(0, 0, self._image)
        if self._result is not None:
            self._draw_overlay(p, self._result, scale)
        p.restore()
        if self.message:
            self._draw_message(p, self.message)

    def _draw_overlay(self, p: QPainter, r: FrameResult, scale: float) -> None:
        width_px = 2.5 / max(scale, 1e-3)
        if self.show_landmarks and r.landmarks_px is not None and len(r.landmarks_px):
            p.setPen(QPen(QColor(255, 255, 255, 150), 2.0 / max(scale, 1e-3)))
            step = max(1, len(r.landmarks_px) // 160)  # a sparse cloud is enough to see the fit
            p.drawPoints([QPointF(float(x), float(y)) for x, y in np.asarray(r.landmarks_px)[::step, :2]])
        box = r.head_box
        if box is None:
            return
        if self.show_box:
            p.setPen(QPen(QColor(255, 255, 255, 170), width_px, Qt.PenStyle.DashLine))
            half = box.width / 2
            p.drawRect(QRectF(box.center_x - half, box.center_y - half, box.width, box.width))
        if self.show_axes and r.rotation_camera is not None:
            rot = np.asarray(r.rotation_camera)
            length = 0.6 * box.width
            c = QPointF(box.center_x, box.center_y)
            # Head axes in camera space, orthographic: x = patient's left, y = down (chin), and
            # the nose direction, which is -z (toward the camera).
            for vec, color in ((rot[:, 0], AXIS_COLORS["roll_deg"]), (rot[:, 1], AXIS_COLORS["pitch_deg"]), (-rot[:, 2], AXIS_COLORS["yaw_deg"])):
                p.setPen(QPen(QColor(color), 2 * width_px, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                p.drawLine(c, QPointF(box.center_x + length * vec[0], box.center_y + length * vec[1]))

    def _draw_message(self, p: QPainter, text: str) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        p.setFont(font)
        rect = self.rect().adjusted(10, 10, -10, -10)
        metrics = p.fontMetrics()
        band = QRectF(rect.left(), rect.bottom() - metrics.height() * 2.2, rect.width(), metrics.height() * 2.2)
        p.fillRect(band, QColor(0, 0, 0, 160))
        p.setPen(QColor("white"))
        p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)


# Shorter words for a narrow window: the numbers keep their size, the words give way.
SHORT_WORDS = (("lateral flexion", "lat. flex."), ("rotation", "rot."), ("extension", "ext."), ("flexion", "flex."),
               (" left", " L"), (" right", " R"))
READOUT_SCALE = 1.6  # the numbers' size, times the UI font: read from the patient's chair


def short_words(text: str) -> str:
    for long, short in SHORT_WORDS:
        text = text.replace(long, short)
    return text


class AngleReadout(QWidget):
    """The current angles in big clinical words: "rotation left 42°" ("rot. left 42°" when narrow)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.labels: dict[str, QLabel] = {}
        self._base_pt = self.font().pointSizeF()
        self.short = False
        self._words: list[str] = ["–"] * 3
        for axis in ("yaw_deg", "pitch_deg", "roll_deg"):
            label = QLabel("–")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumWidth(1)  # the font shrinks to fit instead of the words being cut
            label.setStyleSheet(f"color: {AXIS_COLORS[axis]};")
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            layout.addWidget(label)
            self.labels[axis] = label

    def resizeEvent(self, event) -> None:  # noqa: N802
        # The numbers keep one size (READOUT_SCALE x the UI font) at any window width: a narrow
        # window gets the short words; only where even those do not fit does the font give way.
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(self._base_pt * READOUT_SCALE)
        room = max(1.0, (self.width() - 2 * self.layout().spacing()) / 3.0 - 2.0)  # one label's width
        widest = "lateral flexion right 88°"
        self.short = QFontMetrics(font).horizontalAdvance(widest) > room
        if self.short:
            need = QFontMetrics(font).horizontalAdvance(short_words(widest))
            if need > room:
                font.setPointSizeF(self._base_pt * READOUT_SCALE * room / need)
        for label in self.labels.values():
            label.setFont(font)
        self._show_words()
        super().resizeEvent(event)

    def show_angles(self, angles: HeadAngles | None) -> None:
        self._words = describe(angles) if angles is not None else ["no head"] * 3
        self._show_words()

    def _show_words(self) -> None:
        for label, text in zip(self.labels.values(), self._words):
            label.setText(short_words(text) if self.short else text)


class VideoPanel(QWidget):
    """Video view, overlay toggles, quality indicator and the angle readout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = VideoView()
        self.readout = AngleReadout()
        self.quality = QLabel("quality –")
        self.mirror = QCheckBox("Mirror preview")
        self.mirror.setToolTip("Display only: the measured angles are never mirrored")
        self.axes = QCheckBox("Axes")
        self.axes.setChecked(True)
        self.box = QCheckBox("Head box")
        self.box.setChecked(True)
        self.landmarks = QCheckBox("Landmarks")
        for cb, attr in ((self.mirror, "mirror"), (self.axes, "show_axes"), (self.box, "show_box"), (self.landmarks, "show_landmarks")):
            cb.toggled.connect(lambda on, a=attr: (setattr(self.view, a, on), self.view.update()))
        options = QHBoxLayout()
        for w in (self.mirror, self.axes, self.box, self.landmarks):
            options.addWidget(w)
        options.addStretch(1)
        options.addWidget(self.quality)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(options)
        layout.addWidget(self.readout)

    def show_result(self, image: np.ndarray, result: FrameResult | None) -> None:
        self.view.set_frame(image, result)
        sample = result.sample if result is not None else None
        if sample is None or not sample.detected or sample.yaw_deg is None:
            self.readout.show_angles(None)
        else:
            self.readout.show_angles(HeadAngles(sample.yaw_deg, sample.pitch_deg or 0.0, sample.roll_deg or 0.0))
        q = sample.quality if sample is not None and sample.detected else 0.0
        disputed = sample is not None and SampleFlag.DISPUTED in sample.flags
        self.quality.setText(f"<b><span style='color:{quality_color(q)}'>●</span></b> {quality_words(q, disputed)}")
