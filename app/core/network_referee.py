"""The trained network as a third witness where the face mesh and the model tracker disagree.

The head tracker's gross errors that survive the vote of three trackers (app.core.tracker_ensemble)
are shared by every member, because they come from the image: on the way back from full flexion
the tracked features stall on the scalp and the model stays at 45-50 degrees while the face mesh
already reads the head coming back; the mesh cannot correct it, because its track began while the
face was hidden and nothing has verified it since (app.core.mesh_track). And once in backlight a
"face" found on the scalp at full flexion, verified by chance, rescued the model to a pose 37
degrees off. The network reads each frame from scratch, so it cannot stall, and on those frames it
was 6-7 degrees off where the tracker was 25-27 (docs/MEASURING_CORE.md). It is too coarse to
measure with (several degrees of error), but it can tell which of two readings tens of degrees
apart is the head:

* **vouch**: an unverified mesh track the network agrees with (on every axis within the mesh
  track's ``VERIFY_AGREEMENT_DEG``, which the track measures about the rotation's own axis) is the
  patient's face, as when the model agrees with it;
* **referee**: a rescue (the model replaced by the mesh) is made only where the network is closer
  to the mesh than to the model;
* **confirm a stall**: a model reading far more than the mesh allows is rescued where the network
  vouches for the mesh (app.core.mesh_evidence.model_exceeds_mesh);
* **judge a split vote**: the ensemble gathers around a member the network agrees with where it
  contradicts the majority (app.core.tracker_ensemble.combine).

The network's zero differs from the tracker's; the offset between them (app.core.reading_offset)
is learnt at the frames where the mesh anchors the model. Until it is settled, the referee has no say.
All members of an ensemble share one referee: the network runs at most once per frame and box.
"""

from __future__ import annotations

import logging

import numpy as np

from app.core.mesh_track import VERIFY_AGREEMENT_DEG
from app.core.reading_offset import ReadingOffset
from app.core.types import Frame, HeadBox, HeadObservation, PoseEngine

log = logging.getLogger(__name__)


class NetworkReferee:
    """Reads the head with ``network`` (a :class:`PoseEngine` without a check of its own) on request."""

    def __init__(self, network: PoseEngine, agree_deg: float = VERIFY_AGREEMENT_DEG) -> None:
        self.network = network
        self.agree_deg = agree_deg
        self._offset = ReadingOffset()
        self._cached: tuple[tuple, np.ndarray | None] | None = None
        self._learnt_frame: int | None = None

    def reset(self) -> None:
        """A new head model (a new neutral): the offset is learnt again."""
        self._offset = ReadingOffset()
        self._learnt_frame = None
        self._cached = None

    @property
    def ready(self) -> bool:
        """The offset is settled: one wrong reading at neutral can no longer set the zero it judges by."""
        return self._offset.settled

    def reading(self, frame: Frame, box: HeadBox) -> np.ndarray | None:
        """The network's head rotation in this box (camera axes, its own zero); None where it gives none."""
        key = (frame.index, frame.timestamp, box)
        if self._cached is None or self._cached[0] != key:
            result = self.network.estimate(frame, HeadObservation(box=box))
            self._cached = (key, None if result is None else result.rotation)
        return self._cached[1]

    def learn(self, frame: Frame, box: HeadBox, anchored_rotation: np.ndarray) -> None:
        """The model is anchored at ``anchored_rotation`` on this frame: one more sample of the offset."""
        if self._learnt_frame == frame.index:
            return  # the ensemble's members anchor on the same frames: each frame counts once
        reference = self.reading(frame, box)
        if reference is not None:
            self._offset.learn(anchored_rotation, reference)
            self._learnt_frame = frame.index

    def disagreement_deg(self, frame: Frame, box: HeadBox, rotation: np.ndarray) -> float | None:
        """How far the network (offset-corrected) is from ``rotation``, worst axis; None before the offset."""
        if not self.ready:
            return None
        reference = self.reading(frame, box)
        return None if reference is None else self._offset.disagreement_deg(rotation, reference)

    def vouches_for(self, frame: Frame, box: HeadBox, mesh_rotation: np.ndarray) -> bool:
        disagreement = self.disagreement_deg(frame, box, mesh_rotation)  # the worst axis
        return disagreement is not None and disagreement <= self.agree_deg

    def prefers_mesh(self, frame: Frame, box: HeadBox, mesh_rotation: np.ndarray, model_rotation: np.ndarray) -> bool:
        """Whether a rescue may replace the model by the mesh: True without a say (no offset yet, no reading)."""
        to_mesh = self.disagreement_deg(frame, box, mesh_rotation)
        to_model = self.disagreement_deg(frame, box, model_rotation)
        if to_mesh is None or to_model is None:
            return True
        if to_mesh >= to_model:
            log.debug("rescue refused: the network is %.1f deg from the mesh, %.1f from the model", to_mesh, to_model)
        return to_mesh < to_model
