"""Qt-free rolling history of pose samples for the live plots (last N seconds, raw and filtered)."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from app.core.types import PoseSample

AXES = ("yaw_deg", "pitch_deg", "roll_deg")


def _num(value: float | None) -> float:
    # NaN breaks the plotted line where there is no pose, which is what the eye should see.
    return math.nan if value is None else float(value)


class LiveHistory:
    """The last ``window_s`` seconds of samples as arrays: time, filtered and raw angles per axis."""

    def __init__(self, window_s: float = 20.0) -> None:
        self.window_s = window_s
        self._rows: deque[tuple[float, ...]] = deque()
        self.total = 0

    def add(self, sample: PoseSample) -> None:
        row = (float(sample.time_s),) + tuple(_num(getattr(sample, a)) for a in AXES) + tuple(
            _num(getattr(sample, "raw_" + a)) for a in AXES
        )
        self._rows.append(row)
        self.total += 1
        while self._rows and row[0] - self._rows[0][0] > self.window_s:
            self._rows.popleft()
        # A file that loops (or a camera clock reset) goes back in time: start over.
        if len(self._rows) > 1 and self._rows[-2][0] > row[0]:
            self._rows = deque([row])

    def clear(self) -> None:
        self._rows.clear()

    def __len__(self) -> int:
        return len(self._rows)

    def arrays(self) -> dict[str, np.ndarray]:
        """``time_s`` and, per axis, ``yaw_deg`` (filtered) and ``raw_yaw_deg`` etc."""
        data = np.array(self._rows, dtype=np.float64).reshape(-1, 7)
        out = {"time_s": data[:, 0]}
        for i, axis in enumerate(AXES):
            out[axis] = data[:, 1 + i]
            out["raw_" + axis] = data[:, 4 + i]
        return out
