"""The one quality scale every reading carries (0 to 1), and the one threshold of trust.

What the tracker's sources give (``app.core.head_tracker``):

* ``ANCHORED`` (1.0): the face mesh anchored the model: the whole face in view, fitting the
  patient's own neutral face, resting near neutral;
* ``NEAR_NEUTRAL`` (0.9): model tracking while a verified face mesh sees the face near neutral;
* up to ``MODEL_MAX`` (0.8): model tracking beyond what the face mesh sees (extrapolated), lower with
  fewer, less anchored or worse-fitting tracked features;
* ``MESH_ONLY`` (0.3): the model had lost the head and a fitting face mesh restarted it.

Where the trained network is installed, each engine is checked by the other reading of the same
head (app.engines.tracker_check): a reading the other contradicts by more than 10 degrees on some
axis keeps its angles, drops to ``DISPUTED`` (0.25), below the threshold of trust, and carries
the ``disputed`` flag (app.core.types.SampleFlag). So does a reading of the offline analysis's
three trackers when no two of them agree within 10 degrees (app.core.tracker_ensemble). The
``onnx`` engine's own quality is the model's range times the crop's visibility
(app.engines.onnx_engine).

A reading is **trusted** at ``TRUSTED_QUALITY`` or above; below it is flagged low quality (the
end-range flag of app.core.compensation, the report, the window). Measured on the dev set (ten
videos, ``benchmarks/dev_set.py`` prints it per video): of the landmarks engine's trusted frames
97.5% are within 5 degrees of the truth with the network's check (94.8% without it; 91.2% on the
worst video, 79.5% without), not yet the 99% the scale is meant to reach; readings below
``EXTRAPOLATED_BELOW`` carry the ``extrapolated`` flag.
"""

from __future__ import annotations

from enum import Enum

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


class Trust(Enum):
    """What a reading's quality means to the person reading it (the window's quality dot)."""

    MEASURED = "measured"  # at EXTRAPOLATED_BELOW or above: the face mesh sees the face
    EXTRAPOLATED = "extrapolated"  # trusted, beyond what the face mesh sees
    NOT_TRUSTED = "not trusted"  # below TRUSTED_QUALITY, or no pose


def trust_of(quality: float | None) -> Trust:
    if quality is None or not trusted(quality):
        return Trust.NOT_TRUSTED
    return Trust.MEASURED if quality >= EXTRAPOLATED_BELOW else Trust.EXTRAPOLATED


def quality_words(quality: float, disputed: bool = False) -> str:
    """The live readout's words: 'quality 92%', 'quality 40% · not trusted', and why when known."""
    text = f"quality {quality:.0%}"
    if trust_of(quality) is Trust.NOT_TRUSTED:
        text += " · not trusted" + (": the readings of the head disagree" if disputed else "")
    return text
