"""Whether the face mesh may correct the head model: it must have *earned* it, not just be detected.

The face mesh finds a "face" wherever something face-like is: on a profile at 80 degrees of
rotation (reading 12 degrees), on the chin and neck at full extension (reading -1 degree), on the
top of the head at full flexion, in a blurred title when the patient has left. Each such detection
is confident, and a rule that trusts it re-anchors the tracker to a pose tens of degrees off
(issue 18's gross errors on the dev set). What tells them apart is continuity: a real face is
followed from frame to frame by a mesh whose pose moves no faster than a neck can turn, and whose
track began while it agreed with the model tracker. So the mesh's detections are chained into a
*track*: a detection continues the track when it comes within ``MAX_GAP_S`` of the last one and
has turned no more than the head can in that time; otherwise it starts a new, unverified track.
A track is verified once the model agrees with it (or, to escape a lost model, once it has shown
a still, frontal face for ``PROVE_S``); only a verified track anchors, rescues or bounds the model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from app.core.angles import rotation_angle_deg

# Peak angular speed of fast voluntary neck movements is about 300-400 degrees/s in healthy adults,
# and the dev set's fastest ramps (0.6 s for 80 degrees) peak near 210 degrees/s; the mesh, which
# under-reads the angles where heads move fastest, moves slower still. A profile fit that jumped
# from 51 to 25 degrees in 2 frames (390 degrees/s) while the model turned 2 had jumped to something
# else; a mesh following a turn the model under-reads (it stalls on some faces) moves at 100-150.
MAX_HEAD_SPEED_DEG_S = 300.0
MESH_JITTER_DEG = 4.0  # the mesh's own frame-to-frame noise on top of the motion (profile fits wobble)
# A track is verified by the model agreeing with it closely; "consistent" is not enough (a mesh
# reading 25 degrees is consistent with a model at 81, since the mesh under-reads, and it is what a
# profile fit reads too).
VERIFY_AGREEMENT_DEG = 8.0
MAX_GAP_S = 0.1  # a face missing for longer may come back as something else
PROVE_S = 1.0  # an unverified face held still and frontal this long is the patient's face
PROVE_STILL_DEG = 3.0  # "still": within this of where the proof began (the mesh jitters ~0.3 degrees a frame)


@dataclass(frozen=True, eq=False)
class MeshTrack:
    """The chain of consecutive, physically possible face-mesh poses the current detection belongs to."""

    rotation: np.ndarray  # the latest detection's head rotation
    time_s: float  # the latest detection's time
    verified: bool
    still_frontal_since_s: float | None = None  # while unverified: since when it shows a still, frontal face
    proof_rotation: np.ndarray | None = None  # ... and where it was then

    def follows(self, rotation: np.ndarray, time_s: float) -> bool:
        """Whether a detection at ``time_s`` can be the same face, moved by a neck."""
        dt = time_s - self.time_s
        if not 0.0 < dt <= MAX_GAP_S:
            return False
        return rotation_angle_deg(self.rotation, rotation) <= MAX_HEAD_SPEED_DEG_S * dt + MESH_JITTER_DEG


def follow(track: MeshTrack | None, rotation: np.ndarray, time_s: float) -> MeshTrack:
    """The track after a detection: continued when the detection follows it, else a new unverified one."""
    if track is not None and track.follows(rotation, time_s):
        return replace(track, rotation=rotation, time_s=time_s)
    return MeshTrack(rotation, time_s, verified=False)


def verified(track: MeshTrack) -> MeshTrack:
    return track if track.verified else replace(track, verified=True, still_frontal_since_s=None, proof_rotation=None)


def doubted(track: MeshTrack) -> MeshTrack:
    """The track after a reading nearer the head than it contradicted it: unverified until it earns trust again."""
    return replace(track, verified=False, still_frontal_since_s=None, proof_rotation=None)


def proven(track: MeshTrack, frontal: bool) -> tuple[MeshTrack, bool]:
    """An unverified track's progress toward proving itself (a frontal face held still); (new track, proven now)."""
    if track.verified:
        return track, False
    started = track.proof_rotation is not None and track.still_frontal_since_s is not None
    if not frontal or (started and rotation_angle_deg(track.proof_rotation, track.rotation) > PROVE_STILL_DEG):
        return replace(track, still_frontal_since_s=None, proof_rotation=None), False
    if not started:
        return replace(track, still_frontal_since_s=track.time_s, proof_rotation=track.rotation), False
    if track.time_s - track.still_frontal_since_s >= PROVE_S:
        return verified(track), True
    return track, False
