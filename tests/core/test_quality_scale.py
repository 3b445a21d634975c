"""The window's words and colours for a reading's quality come from the one scale of app.core.quality."""

from __future__ import annotations

from app.core import quality as q


def test_trust_levels_follow_the_named_thresholds():
    assert q.trust_of(q.ANCHORED) is q.Trust.MEASURED
    assert q.trust_of(q.EXTRAPOLATED_BELOW) is q.Trust.MEASURED
    assert q.trust_of(q.TRUSTED_QUALITY) is q.Trust.EXTRAPOLATED
    assert q.trust_of(q.MESH_ONLY) is q.Trust.NOT_TRUSTED
    assert q.trust_of(q.DISPUTED) is q.Trust.NOT_TRUSTED
    assert q.trust_of(None) is q.Trust.NOT_TRUSTED


def test_the_readout_says_when_and_why_a_reading_is_not_trusted():
    assert q.quality_words(0.92) == "quality 92%"
    assert q.quality_words(0.6) == "quality 60%"
    assert q.quality_words(0.3) == "quality 30% · not trusted"
    assert q.quality_words(q.DISPUTED, disputed=True) == "quality 25% · not trusted: the readings of the head disagree"
