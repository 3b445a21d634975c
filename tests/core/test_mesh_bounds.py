"""The face mesh bounds the model's angles on axes where it sees little, and only there."""

from app.core.angles import HeadAngles
from app.core.head_tracker import HeadTrackerConfig, bound_by_mesh, model_contradicts_mesh
from app.core.mesh_evidence import model_exceeds_mesh


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


def _astray(mesh, model):
    return model_contradicts_mesh(HeadAngles(*model), HeadAngles(*mesh), HeadTrackerConfig())


def test_a_model_turning_the_wrong_way_is_astray():
    assert _astray((30.0, -1.0, 2.0), (-2.6, 0.0, 0.0))


def test_a_model_reading_more_than_the_mesh_at_end_range_is_not_astray():
    assert not _astray((-1.3, 19.0, 4.5), (-0.9, 49.3, 0.8))  # flexion 48: the mesh said 19


def test_the_meshs_loose_roll_on_a_turned_face_does_not_make_the_model_astray():
    assert not _astray((-40.3, -6.3, 15.7), (-71.0, -1.1, -3.1))


def test_the_mesh_reading_more_extension_than_the_model_past_30_degrees_is_no_rescue():
    # dev3_white_m1_office at 40.6 degrees of extension: model -40.0 (right), mesh -50.8.
    assert not _astray((-3.8, -50.8, -1.4), (-2.2, -40.0, -1.3))
    # At 21 degrees the mesh is still believed: the model at -11.7 had lost half the extension.
    assert _astray((-0.3, -22.0, -0.1), (-1.6, -11.7, 0.0))


def _exceeds(mesh, model):
    return model_exceeds_mesh(HeadAngles(*model), HeadAngles(*mesh), HeadTrackerConfig())


def test_a_model_reading_far_more_than_the_mesh_allows_is_the_shape_of_a_stall():
    # dev2_dim_toplight_3trials on the way back from flexion: truth 15, mesh 9, model stuck at 43.
    assert _exceeds((-0.5, 9.0, 0.2), (-0.4, 43.3, 0.2))
    assert _exceeds((-10.0, 1.0, 0.0), (-40.0, 1.0, 0.0))
    assert not _exceeds((-0.5, 9.0, 0.2), (-0.4, 27.0, 0.2))  # within twice the mesh and the rescue tolerance
    assert not _exceeds((-0.5, 3.0, 0.2), (-0.4, 43.3, 0.2))  # the mesh sees no turn: model_contradicts_mesh's case
    # Past 12 degrees the mesh (and the network) under-read together: the re-encoded office face, 42 degrees flexed.
    assert not _exceeds((-2.8, 18.4, 2.8), (-0.9, 45.9, 1.8))
