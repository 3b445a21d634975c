"""Finding 9, the smaller ones: one colour per axis in the window and the report, a layout that
does not jump, the results table at 1024x700, the field-of-view box, Open PDF without a viewer."""

from __future__ import annotations

from app.colours import AXIS_COLORS, MOTION_COLORS
from app.core.angles import DIRECTIONS


def test_gui_and_report_colour_each_axis_the_same():
    from app.report import pdf
    from app.ui import theme

    assert theme.AXIS_COLORS is AXIS_COLORS
    assert pdf.MOTION_COLORS is MOTION_COLORS
    for direction, (axis, sign) in DIRECTIONS.items():
        if sign > 0:
            assert MOTION_COLORS[direction] == AXIS_COLORS[axis]
    source = open(pdf.__file__).read()
    for old in ("#1f77b4", "#d62728", "#2ca02c"):  # the report's own colours before
        assert old not in source
