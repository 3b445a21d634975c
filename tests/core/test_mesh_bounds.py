"""The face mesh bounds the model's angles on axes where it sees little, and only there."""

from app.core.angles import HeadAngles
from app.core.head_tracker import bound_by_mesh


def _bound(model, mesh):
    return bound_by_mesh(HeadAngles(*model), HeadAngles(*mesh), trusted_deg=6.0, tolerance_deg=1.5,
                         tolerance_per_yaw=0.15)


def test_yaw_swing_during_flexion_is_held_to_what_the_mesh_allows():
    out = _bound((5.0, 20.0, -1.0), (0.5, 12.0, -0.5))
    assert out.yaw_deg == 0.5 * 2 + 1.5 + 0.15 * 0.5
    assert out.pitch_deg == 20.0  # the mesh sees flexion: it under-reads there, the model decides
    assert out.roll_deg == -1.0  # within [-1 - 1.5, -0.5 + 1.5]


def test_an_angle_the_mesh_under_reads_by_half_is_kept():
    model = HeadAngles(0.0, 5.0, 0.0)
    assert bound_by_mesh(model, HeadAngles(0.2, 2.6, 0.1), 6.0, 1.5, 0.15) is model


def test_negative_readings_bound_from_the_other_side():
    out = _bound((0.0, -9.0, 3.0), (0.0, -2.0, 0.0))
    assert out.pitch_deg == -2.0 * 2 - 1.5
    assert out.roll_deg == 1.5


def test_slack_grows_with_the_meshs_yaw():
    # A turned face is partly a profile, where the mesh's fit of pitch and roll is looser.
    out = _bound((5.5, 5.0, 0.0), (5.0, 0.0, 0.0))
    assert out.pitch_deg == 1.5 + 0.15 * 5.0
