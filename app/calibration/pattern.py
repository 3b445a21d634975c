"""The printed calibration board: its geometry, its image and the A4 page to print.

Two kinds, both OpenCV standards: a plain **chessboard** (detected only when all its inner
corners are in view; the most accurate corners) and a **ChArUco** board (a chessboard with ArUco
markers in its white squares: each corner is identified, so a partly hidden or cut-off board still
counts, which helps to reach the image's corners, where lens distortion is largest).

Board coordinates are millimetres with the origin at the board's top-left outer corner, x to the
right and y down the printed page, z = 0 on the board.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

A4_LANDSCAPE_MM = (297.0, 210.0)


class PatternKind(str, Enum):
    CHESSBOARD = "chessboard"
    CHARUCO = "charuco"


@dataclass(frozen=True)
class PatternSpec:
    """A board of ``columns`` x ``rows`` squares of ``square_mm`` (the default fits A4 with margins)."""

    kind: PatternKind = PatternKind.CHESSBOARD
    columns: int = 10
    rows: int = 7
    square_mm: float = 25.0
    marker_of_square: float = 0.72  # ChArUco: the marker's side as a share of the square's

    def __post_init__(self) -> None:
        if self.columns < 3 or self.rows < 3:
            raise ValueError("a calibration board needs at least 3 x 3 squares")
        if not 1.0 <= self.square_mm <= 200.0:
            raise ValueError(f"a square of {self.square_mm:g} mm cannot be printed and held (1-200 mm)")
        if self.kind is PatternKind.CHESSBOARD and self.columns % 2 == self.rows % 2:
            # An even x even or odd x odd board looks the same turned half a turn: its corner order is ambiguous.
            raise ValueError("a chessboard needs one odd and one even number of squares (e.g. 10 x 7)")

    @property
    def inner_corners(self) -> tuple[int, int]:
        """Inner corners per row and per column (OpenCV's ``patternSize``)."""
        return self.columns - 1, self.rows - 1

    @property
    def size_mm(self) -> tuple[float, float]:
        return self.columns * self.square_mm, self.rows * self.square_mm

    @property
    def corner_count(self) -> int:
        cols, rows = self.inner_corners
        return cols * rows

    def object_points(self) -> np.ndarray:
        """(N, 3) float32 board coordinates (mm) of the inner corners, in the order detections use for ids."""
        if self.kind is PatternKind.CHARUCO:
            return np.asarray(self.charuco_board().getChessboardCorners(), dtype=np.float32).reshape(-1, 3)
        cols, rows = self.inner_corners
        i, j = np.meshgrid(np.arange(1, cols + 1), np.arange(1, rows + 1))
        return np.column_stack([i.ravel() * self.square_mm, j.ravel() * self.square_mm,
                                np.zeros(cols * rows)]).astype(np.float32)

    def charuco_board(self):
        import cv2

        dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_5X5_100)
        return cv2.aruco.CharucoBoard((self.columns, self.rows), self.square_mm,
                                      self.square_mm * self.marker_of_square, dictionary)

    def image(self, px_per_mm: float = 4.0) -> np.ndarray:
        """The board as an 8-bit grey image (white 255, black 0), ``px_per_mm`` pixels per millimetre."""
        width, height = (int(round(v * px_per_mm)) for v in self.size_mm)
        if self.kind is PatternKind.CHARUCO:
            return self.charuco_board().generateImage((width, height), marginSize=0, borderBits=1)
        square = self.square_mm * px_per_mm
        x = (np.arange(width) + 0.5) // square
        y = (np.arange(height) + 0.5) // square
        black = (x[None, :] + y[:, None]) % 2 == 0  # the top-left square is black
        return np.where(black, 0, 255).astype(np.uint8)

    def describe(self) -> str:
        cols, rows = self.inner_corners
        return (f"{self.kind.value} {self.columns} x {self.rows} squares of {self.square_mm:g} mm "
                f"({cols} x {rows} inner corners)")


def pattern_instructions(spec: PatternSpec) -> list[str]:
    """What the printed page says: what it is, how to print it, how to check the print."""
    return [
        f"cervicam camera calibration pattern: {spec.describe()}",
        "Print at 100% (actual size; no 'fit to page' or 'shrink to fit'), then glue it flat on stiff card.",
        f"Check the print: one square must measure {spec.square_mm:g} mm. If it does not, give the measured "
        "size with --square-mm.",
        "Show it to the webcam in 15 or more views: tilted left, right, up and down, and near every corner of the image.",
    ]


def write_pattern_pdf(spec: PatternSpec, path: str | Path) -> Path:
    """A printable A4 landscape page with the board at its true size and the instructions on it."""
    out = Path(path)
    pattern_page(spec).savefig(out, format="pdf")
    return out


def pattern_page(spec: PatternSpec):
    """The A4 page as a matplotlib Figure (ValueError when the board does not fit on it)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    page_w, page_h = A4_LANDSCAPE_MM
    board_w, board_h = spec.size_mm
    if board_w > page_w - 20 or board_h > page_h - 32:
        raise ValueError(f"a {board_w:g} x {board_h:g} mm board does not fit on A4 with its margins "
                         f"(at most {page_w - 20:g} x {page_h - 32:g} mm): use fewer or smaller squares")
    mm_per_inch = 25.4
    fig = Figure(figsize=(page_w / mm_per_inch, page_h / mm_per_inch))
    left, bottom = (page_w - board_w) / 2, 8.0
    ax = fig.add_axes((left / page_w, bottom / page_h, board_w / page_w, board_h / page_h))
    ax.set_axis_off()
    ax.set_xlim(0, board_w)
    ax.set_ylim(board_h, 0)  # y down, as on the board
    if spec.kind is PatternKind.CHESSBOARD:
        # Vector squares: exact edges at any printer resolution.
        for r in range(spec.rows):
            for c in range(spec.columns):
                if (r + c) % 2 == 0:
                    ax.add_patch(Rectangle((c * spec.square_mm, r * spec.square_mm), spec.square_mm,
                                           spec.square_mm, facecolor="black", edgecolor="none"))
    else:
        ax.imshow(spec.image(px_per_mm=10.0), cmap="gray", vmin=0, vmax=255, interpolation="nearest",
                  extent=(0, board_w, board_h, 0))
    lines = pattern_instructions(spec)
    for k, line in enumerate(lines):  # the title on top, the board below the text
        y_mm = bottom + board_h + 4.0 + (len(lines) - 1 - k) * 4.5
        fig.text(left / page_w, y_mm / page_h, line, fontsize=10 if k == 0 else 8.5,
                 weight="bold" if k in (0, 1) else "normal", va="bottom")
    return fig
