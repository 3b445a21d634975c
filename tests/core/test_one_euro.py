import numpy as np
import pytest

from app.core.one_euro import AngleFilter, OneEuroConfig, OneEuroFilter


def test_still_signal_jitter_is_reduced():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(OneEuroConfig(min_cutoff_hz=1.0, beta=0.02))
    t = np.arange(300) / 30.0
    noisy = 10.0 + rng.normal(0, 0.5, len(t))
    out = np.array([f(v, ti) for v, ti in zip(noisy, t)])
    assert np.std(out[60:]) < 0.35 * np.std(noisy[60:])
    assert np.mean(out[60:]) == pytest.approx(10.0, abs=0.2)


def test_fast_ramp_keeps_its_peak():
    # A 70° turn in 1 s, held 1 s: the filtered peak must not fall short by more than 1.5°.
    f = OneEuroFilter()
    t = np.arange(60) / 30.0
    signal = np.minimum(t, 1.0) * 70.0
    out = [f(v, ti) for v, ti in zip(signal, t)]
    assert max(out) > 68.5


def test_gap_restarts_the_filter():
    f = AngleFilter(max_gap_s=0.5)
    f((0.0, 0.0, 0.0), 0.0)
    f((0.0, 0.0, 0.0), 0.033)
    out = f((50.0, 10.0, -5.0), 2.0)  # after a 2 s dropout the first value passes unchanged
    assert out == pytest.approx((50.0, 10.0, -5.0))
