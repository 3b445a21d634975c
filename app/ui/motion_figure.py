"""A simple drawn figure of the motion asked for: a head seen from the front or the side and an arrow."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.core.angles import DIRECTIONS
from app.ui.theme import AXIS_COLORS

# The view each axis is drawn in: yaw from above, pitch from the side, roll from the front. The
# drawn head turns with the sign of its direction (app.core.angles.DIRECTIONS), drawn as the
# clinician sees the patient facing them (the patient's left on the clinician's right).
_VIEW_OF_AXIS = {"yaw_deg": "top", "pitch_deg": "side", "roll_deg": "front"}


class MotionFigure(QWidget):
    """Head and arrow for ``motion``; the head swings gently toward end range (animation phase)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.motion: str | None = None
        self.phase = 0.0  # 0..1: neutral..end range, animated by the panel's timer
        self.setMinimumSize(90, 90)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_motion(self, motion: str | None) -> None:
        self.motion = motion
        self.update()

    def set_phase(self, phase: float) -> None:
        self.phase = phase
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        p.translate(self.width() / 2, self.height() / 2)
        p.scale(side / 200, side / 200)
        fg = self.palette().color(self.foregroundRole())
        if self.motion == "done":  # the test is over: a check mark
            p.setPen(QPen(QColor("#22a06b"), 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.drawPolyline(QPolygonF([QPointF(-55, 0), QPointF(-15, 40), QPointF(60, -45)]))
            return
        if self.motion not in DIRECTIONS:
            p.setPen(QPen(fg, 3))
            p.drawEllipse(QRectF(-40, -50, 80, 100))
            return
        axis, sign = DIRECTIONS[self.motion]
        view = _VIEW_OF_AXIS[axis]
        color = QColor(AXIS_COLORS[axis])
        angle = sign * 35 * self.phase
        p.setPen(QPen(fg, 3))
        if view == "front":
            p.drawLine(QPointF(-70, 80), QPointF(70, 80))  # shoulders
            p.save()
            p.translate(0, 60)
            p.rotate(angle)  # the patient's left is the viewer's right: clockwise on screen
            p.drawEllipse(QRectF(-35, -110, 70, 90))
            p.drawLine(QPointF(0, -20), QPointF(0, 0))
            p.restore()
            self._arc(p, color, 0, 60, 120, -90, sign * 40)
        elif view == "side":
            p.drawLine(QPointF(0, 100), QPointF(0, 50))  # neck
            p.save()
            p.translate(0, 50)
            p.rotate(angle)  # facing right: flexion tips the face down (clockwise on screen)
            p.drawEllipse(QRectF(-40, -100, 80, 90))
            p.drawLine(QPointF(38, -55), QPointF(52, -50))  # nose points where the face looks
            p.restore()
            self._arc(p, color, 0, 50, 120, -90, sign * 40)
        else:  # top view: head from above, nose toward the viewer (down the screen)
            p.drawLine(QPointF(-80, 0), QPointF(80, 0))
            p.save()
            p.rotate(-angle)  # seen from above, nose to the viewer: the patient's left is screen right
            p.drawEllipse(QRectF(-40, -45, 80, 90))
            p.drawLine(QPointF(0, 45), QPointF(0, 62))
            p.restore()
            self._arc(p, color, 0, 0, 80, 90, -sign * 40)

    @staticmethod
    def _arc(p: QPainter, color: QColor, cx: float, cy: float, radius: float, start_deg: float, span_deg: float) -> None:
        """Arrow along a circle (angles in degrees, screen y down, 0 = +x, positive = clockwise)."""
        pen = QPen(color, 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        path = QPainterPath()
        steps = 16
        pts = []
        for i in range(steps + 1):
            a = math.radians(start_deg + span_deg * i / steps)
            pts.append(QPointF(cx + radius * math.cos(a), cy + radius * math.sin(a)))
        path.moveTo(pts[0])
        for pt in pts[1:]:
            path.lineTo(pt)
        p.drawPath(path)
        tip, before = pts[-1], pts[-3]
        dx, dy = tip.x() - before.x(), tip.y() - before.y()
        n = math.hypot(dx, dy) or 1.0
        dx, dy = dx / n, dy / n
        head = QPolygonF([tip + QPointF(dx * 12, dy * 12), tip + QPointF(-dy * 10, dx * 10), tip + QPointF(dy * 10, -dx * 10)])
        p.setBrush(color)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(head)
