"""Norm tables, percent of norm, asymmetry and change against the MDC."""

from __future__ import annotations

import pytest

from app.core.angles import DIRECTIONS
from app.core.norms import (
    IMPROVED,
    NO_CHANGE,
    NORM_SETS,
    WORSE,
    asymmetries,
    asymmetry,
    change_since,
    combined_rom,
    get_norm_set,
    percent_of_norm,
)
from app.errors import InputError


def test_norm_values_and_sources():
    ama, va = NORM_SETS["ama"], NORM_SETS["va"]
    assert [ama.values[d] for d in DIRECTIONS] == [80, 80, 50, 60, 45, 45]
    assert [va.values[d] for d in DIRECTIONS] == [80, 80, 45, 45, 45, 45]
    assert sum(va.values.values()) == va.combined_normal_deg == 340
    assert "AMA Guides" in ama.source and "38 CFR 4.71a" in va.source
    with pytest.raises(InputError, match="unknown norm set"):
        get_norm_set("who")


def test_percent_of_norm():
    assert percent_of_norm(40.0, "flexion", NORM_SETS["ama"]) == pytest.approx(80.0)
    assert percent_of_norm(40.0, "flexion", NORM_SETS["va"]) == pytest.approx(88.888, abs=1e-2)
    assert percent_of_norm(None, "flexion", NORM_SETS["va"]) is None


@pytest.mark.parametrize(
    "left, right, flagged",
    [
        (72.0, 66.0, False),  # 6 degrees, 8.3 %
        (72.0, 61.0, True),  # 11 degrees > 10
        (30.0, 25.0, True),  # 5 degrees but 16.7 % > 15 %
        (30.0, 26.0, False),  # 13.3 %
        (20.0, 20.0, False),
    ],
)
def test_asymmetry_rule(left, right, flagged):
    a = asymmetry(left, right, "rotation")
    assert a.flagged is flagged
    assert a.difference_deg == pytest.approx(left - right)
    assert a.difference_pct == pytest.approx(100 * abs(left - right) / max(left, right))


def test_asymmetries_pairs_and_missing_side():
    rec = {"rotation_left": 70.0, "rotation_right": 50.0, "lateral_flexion_left": 30.0}
    rot, lat = asymmetries(rec)
    assert rot.pair == "rotation" and rot.flagged and "left greater by 20.0°" in rot.text
    assert lat.pair == "lateral_flexion" and not lat.flagged and lat.difference_deg is None


@pytest.mark.parametrize(
    "prev, cur, mdc, verdict",
    [(50, 56, 5, IMPROVED), (50, 55, 5, NO_CHANGE), (50, 45, 5, NO_CHANGE), (50, 44.9, 5, WORSE), (50, 53, 2, IMPROVED)],
)
def test_change_against_mdc(prev, cur, mdc, verdict):
    change = change_since(prev, cur, mdc_deg=mdc)
    assert change.verdict == verdict and change.delta_deg == pytest.approx(cur - prev)
    assert change_since(None, cur).verdict is None


def test_combined_rom():
    rec = dict(zip(DIRECTIONS, [70, 66, 48, 56, 38, 33]))
    assert combined_rom(rec) == 311
    rec["flexion"] = None
    assert combined_rom(rec) is None
