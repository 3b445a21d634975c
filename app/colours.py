"""The one colour per axis that the window (plots, bars, overlay) and the report share (Qt-free).

Each clinical direction takes its axis' colour: the positive direction the full colour, the
negative one a lighter shade of it (app.core.angles.DIRECTIONS gives the signs).
"""

from __future__ import annotations

from app.core.angles import DIRECTIONS

AXIS_COLORS: dict[str, str] = {"yaw_deg": "#e4572e", "pitch_deg": "#29a36a", "roll_deg": "#3b82f6"}


def lighter(color: str, amount: float = 0.45) -> str:
    """``color`` ('#rrggbb') mixed with white by ``amount`` (0: unchanged, 1: white)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


MOTION_COLORS: dict[str, str] = {
    direction: AXIS_COLORS[axis] if sign > 0 else lighter(AXIS_COLORS[axis]) for direction, (axis, sign) in DIRECTIONS.items()
}
