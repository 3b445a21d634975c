import numpy as np
import pytest

from app.core.one_euro import AngleFilter, OneEuroConfig, OneEuroFilter, smooth_angles_zero_phase


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


def _ramp_and_hold(n: int = 90) -> tuple[list[tuple[float, float, float]], list[float]]:
    t = np.arange(n) / 30.0
    yaw = np.clip(t - 0.5, 0.0, 1.0) * 60.0  # still, a 60° turn in 1 s, held
    return [(float(y), 0.0, 0.0) for y in yaw], [float(x) for x in t]


def test_zero_phase_smoothing_has_no_lag_on_a_ramp():
    values, times = _ramp_and_hold()
    live = AngleFilter()
    causal = np.array([live(v, t)[0] for v, t in zip(values, times)])
    offline = np.array([v[0] for v in smooth_angles_zero_phase(values, times)])
    truth = np.array([v[0] for v in values])
    ramp = slice(18, 45)
    # The causal filter trails the ramp; the zero-phase mean errs on both sides and much less.
    assert np.mean(truth[ramp] - causal[ramp]) > 1.0
    assert abs(np.mean(truth[ramp] - offline[ramp])) < 0.2 * np.mean(truth[ramp] - causal[ramp])


def test_zero_phase_smoothing_still_removes_jitter():
    rng = np.random.default_rng(1)
    times = [i / 30.0 for i in range(300)]
    noisy = [(float(v), 0.0, 0.0) for v in 5.0 + rng.normal(0, 0.5, 300)]
    out = np.array([v[0] for v in smooth_angles_zero_phase(noisy, times)])
    assert np.std(out[30:-30]) < 0.35 * 0.5


def test_zero_phase_smoothing_restarts_at_gaps():
    times = [0.0, 0.033, 0.066, 3.0, 3.033]
    values = [(0.0, 0.0, 0.0)] * 3 + [(40.0, 0.0, 0.0)] * 2
    out = smooth_angles_zero_phase(values, times)
    assert [v[0] for v in out] == pytest.approx([0, 0, 0, 40, 40])
