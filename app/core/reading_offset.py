"""The fixed rotation between two independent readings of one head, and how far apart they are after it.

The trained network and the head tracker read the same head with different zeros: the network's
idea of straight ahead for this face, and the tracker's head model built at neutral. Between them
is a fixed rotation in the head's frame, learnt where the tracker is at its best (the face mesh
sees the whole face near neutral). After it, what is left of their difference is the disagreement:
the largest of its yaw, pitch and roll, as the dev set's errors are counted per axis.

Used by the engines' cross-check (app.engines.tracker_check: the disagreement caps the trust) and
by the network as the face mesh's witness inside the tracker (app.core.network_referee).
"""

from __future__ import annotations

import numpy as np

from app.core.angles import angles_from_matrix, nearest_rotation, rotation_angle_deg

# The offset is the mean over anchored frames that agree with it so far (once a few are in): one
# wrong network reading at neutral must not move the zero the rest are compared against.
OFFSET_OUTLIER_DEG = 10.0
OFFSET_SETTLED_FRAMES = 5
# Two readings further apart than this on some axis contradict each other: the engines' check then
# takes the trust away (app.engines.tracker_check), the vote gives way to the network (tracker_ensemble).
DISAGREEMENT_LIMIT_DEG = 10.0


def largest_angle_deg(rotation: np.ndarray) -> float:
    """The largest of a rotation's yaw, pitch and roll (project convention), in degrees: the
    disagreement on the worst axis, as the dev set's errors are counted."""
    return float(np.max(np.abs(angles_from_matrix(rotation).as_array())))


class ReadingOffset:
    """``reading = reference @ offset`` learnt as the chordal mean over the frames given to :meth:`learn`."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._sum = np.zeros((3, 3))
        self._frames = 0
        self._offset: np.ndarray | None = None

    @property
    def offset(self) -> np.ndarray | None:
        """None until a frame was learnt."""
        return self._offset

    @property
    def settled(self) -> bool:
        """Enough frames learnt that one outlier no longer moves the offset."""
        return self._frames >= OFFSET_SETTLED_FRAMES

    def learn(self, reading: np.ndarray, reference: np.ndarray) -> None:
        here = reference.T @ reading
        if self.settled and rotation_angle_deg(self._offset, here) > OFFSET_OUTLIER_DEG:
            return
        self._frames += 1
        self._sum += here
        self._offset = nearest_rotation(self._sum)

    def disagreement_deg(self, reading: np.ndarray, reference: np.ndarray) -> float | None:
        """The largest per-axis angle between ``reading`` and the offset-corrected ``reference``; None without an offset."""
        if self._offset is None:
            return None
        return largest_angle_deg(self._offset.T @ (reference.T @ reading))
