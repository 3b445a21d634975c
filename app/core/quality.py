"""The one quality scale every reading carries (0 to 1), and the one threshold of trust.

What the tracker's sources give (``app.core.head_tracker``):

* ``ANCHORED`` (1.0): the face mesh anchored the model: the whole face in view, fitting the
  patient's own neutral face, resting near neutral;
* ``NEAR_NEUTRAL`` (0.9): model tracking while a verified face mesh sees the face near neutral;
* up to ``MODEL_MAX`` (0.8): model tracking beyond what the face mesh sees (extrapolated), lower with
  fewer, less anchored or worse-fitting tracked features;
* ``MESH_ONLY`` (0.3): the model had lost the head and a fitting face mesh restarted it.

The ``onnx`` engine's readings carry the model's range and the crop's visibility
(app.engines.onnx_engine), capped at ``DISPUTED`` (0.25) where the head tracker's independent
reading disagrees (app.engines.tracker_check).

A reading is **trusted** at ``TRUSTED_QUALITY`` or above; below it is flagged low quality (the
end-range flag of app.core.compensation, the report, the window). Measured on the dev set (ten
videos, landed code of this change, ``benchmarks/dev_set.py`` prints it per video): of trusted
frames 94% were within 5 degrees of the truth (98.8% of those at 0.9 and above), not yet the 99%
the scale is meant to reach; readings below ``EXTRAPOLATED_BELOW`` carry the ``extrapolated`` flag.
"""

from __future__ import annotations

ANCHORED = 1.0
NEAR_NEUTRAL = 0.9
MODEL_MAX = 0.8
MODEL_MIN = 0.05
MESH_ONLY = 0.3
DISPUTED = 0.25
EXTRAPOLATED_BELOW = 0.85
TRUSTED_QUALITY = 0.5


def trusted(quality: float) -> bool:
    return quality >= TRUSTED_QUALITY
