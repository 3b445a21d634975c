"""Which frames make good calibration views, and what to tell the person holding the pattern.

A calibration is only as good as its views. The focal length is seen only through perspective
(a board facing the camera squarely at one distance cannot tell a long lens far away from a short
one near), and the distortion only where it is large (toward the image's edges and corners). So a
frame is kept when its board is sharp and shows something new, and the capture is ready when
there are enough views, enough of them tilted, spread over the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from app.calibration.detect import BoardDetection, detect_board
from app.calibration.pattern import PatternSpec

MAX_BLUR_PX = 2.0  # edge blur (Gaussian sigma) above which corners are not where the board is
DUPLICATE_SHIFT_OF_WIDTH = 0.04  # a view whose corners all moved less than this (of the image width) adds nothing
MIN_VIEWS = 12
MIN_TILTED_VIEWS = 4
TILT_FORESHORTENING = 0.08  # opposite board edges differing by 8% in length: tilted ~10-15 degrees or more
GRID = 3  # coverage cells per image side
MIN_COVERAGE = 7  # of the GRID x GRID cells with a corner in some view
MAX_VIEWS = 60  # beyond this more views only slow the solve


class ViewVerdict(str, Enum):
    ACCEPTED = "accepted"
    NO_PATTERN = "no pattern"
    BLURRED = "blurred"
    DUPLICATE = "duplicate"
    FULL = "enough views"


ADVICE = {
    ViewVerdict.NO_PATTERN: "Show the whole pattern to the camera",
    ViewVerdict.BLURRED: "Hold the pattern still (the view is blurred)",
    ViewVerdict.DUPLICATE: "Move or tilt the pattern to a new place",
    ViewVerdict.FULL: "Enough views: compute the calibration",
}


@dataclass(frozen=True, eq=False)
class CaptureStatus:
    """What the last frame gave and where the capture stands (shown live while calibrating)."""

    verdict: ViewVerdict
    views: int
    tilted: int
    covered: tuple[bool, ...]  # GRID x GRID cells, row by row from the top left
    ready: bool
    advice: str
    detection: BoardDetection | None

    @property
    def coverage(self) -> int:
        return sum(self.covered)


def foreshortening(detection: BoardDetection) -> float:
    """How unequal the board's opposite edges look (0 for a board square to the camera)."""
    import cv2

    h, _ = cv2.findHomography(detection.object_points[:, :2], detection.corners, 0)
    if h is None:
        return 0.0
    xs, ys = detection.object_points[:, 0], detection.object_points[:, 1]
    quad = np.array([[xs.min(), ys.min()], [xs.max(), ys.min()], [xs.max(), ys.max()], [xs.min(), ys.max()]])
    q = cv2.perspectiveTransform(quad.reshape(-1, 1, 2).astype(np.float64), h).reshape(4, 2)
    edge = [np.linalg.norm(q[(i + 1) % 4] - q[i]) for i in range(4)]  # top, right, bottom, left
    return float(max(abs(1 - edge[0] / edge[2]), abs(1 - edge[1] / edge[3])))


class ViewCollector:
    """Keeps the good views of a board from a stream of frames (a live camera or a video)."""

    def __init__(self, spec: PatternSpec) -> None:
        self.spec = spec
        self.views: list[BoardDetection] = []
        self._tilted = 0
        self._covered = np.zeros((GRID, GRID), dtype=bool)
        self.image_size: tuple[int, int] | None = None

    @property
    def ready(self) -> bool:
        return (len(self.views) >= MIN_VIEWS and self._tilted >= MIN_TILTED_VIEWS
                and int(self._covered.sum()) >= MIN_COVERAGE)

    def add_frame(self, image: np.ndarray) -> CaptureStatus:
        detection = detect_board(image, self.spec)
        return self.add_detection(detection)

    def add_detection(self, detection: BoardDetection | None) -> CaptureStatus:
        verdict = self._judge(detection)
        if verdict is ViewVerdict.ACCEPTED:
            self._accept(detection)
        return self.status(verdict, detection)

    def _judge(self, detection: BoardDetection | None) -> ViewVerdict:
        if len(self.views) >= MAX_VIEWS:
            return ViewVerdict.FULL
        if detection is None:
            return ViewVerdict.NO_PATTERN
        if self.image_size is not None and detection.image_size != self.image_size:
            return ViewVerdict.NO_PATTERN  # another resolution: another calibration
        if detection.blur_px > MAX_BLUR_PX:
            return ViewVerdict.BLURRED
        if any(_same_view(detection, kept) for kept in self.views):
            return ViewVerdict.DUPLICATE
        return ViewVerdict.ACCEPTED

    def _accept(self, detection: BoardDetection) -> None:
        self.image_size = detection.image_size
        self.views.append(detection)
        if foreshortening(detection) >= TILT_FORESHORTENING:
            self._tilted += 1
        w, h = detection.image_size
        cells_x = np.clip((detection.corners[:, 0] / w * GRID).astype(int), 0, GRID - 1)
        cells_y = np.clip((detection.corners[:, 1] / h * GRID).astype(int), 0, GRID - 1)
        self._covered[cells_y, cells_x] = True

    def status(self, verdict: ViewVerdict, detection: BoardDetection | None = None) -> CaptureStatus:
        return CaptureStatus(verdict, len(self.views), self._tilted, tuple(bool(c) for c in self._covered.ravel()),
                             self.ready, self._advice(verdict), detection)

    def _advice(self, verdict: ViewVerdict) -> str:
        if verdict is not ViewVerdict.ACCEPTED and verdict in ADVICE:
            return ADVICE[verdict]
        if self.ready:
            return ADVICE[ViewVerdict.FULL]
        if self._tilted < MIN_TILTED_VIEWS:
            return "Good view. Now tilt the pattern (about 30°) left, right, up or down"
        empty = [i for i, c in enumerate(self._covered.ravel()) if not c]
        if empty and int(self._covered.sum()) < MIN_COVERAGE:
            row, col = divmod(empty[0], GRID)
            where = ("top", "middle", "bottom")[row] + " " + ("left", "centre", "right")[col]
            return f"Good view. Now move the pattern toward the {where.replace('middle centre', 'centre')} of the image"
        return f"Good view. {max(0, MIN_VIEWS - len(self.views))} more, each in a new place or tilt"


def _same_view(a: BoardDetection, b: BoardDetection) -> bool:
    common, ia, ib = np.intersect1d(a.ids, b.ids, return_indices=True)
    if len(common) < 4:
        return False
    shift = np.linalg.norm(a.corners[ia] - b.corners[ib], axis=1)
    return bool(shift.max() < DUPLICATE_SHIFT_OF_WIDTH * a.image_size[0])
