"""The bundle adjustment's maths: analytic Jacobians against finite differences, the Schur
solve against a dense solve, and a refinement that recovers a perturbed pose."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.bundle_adjust import (
    BundleConfig,
    DampingSchedule,
    PivotPrior,
    _pivot_terms,
    project_with_jacobians,
    refine_pose,
    solve_schur,
)
from app.core.bundle_window import BundleWindow

K = np.array([[900.0, 0.0, 320.0], [0.0, 880.0, 240.0], [0.0, 0.0, 1.0]])
RVEC = np.array([0.3, -0.5, 0.2])  # about 35 deg: far from the identity, where errors hide
TVEC = np.array([15.0, -10.0, 600.0])
EPS = 1e-6


def _head_points(n: int, seed: int = 0) -> np.ndarray:
    """Points on a head-sized blob (mm) around the model origin."""
    return np.random.default_rng(seed).normal(0.0, 60.0, size=(n, 3))


def _numeric_jacobian(fn, x: np.ndarray) -> np.ndarray:
    """Central differences of ``fn`` (array out) with respect to ``x``; last axis = x's index."""
    cols = []
    for i in range(len(x)):
        step = np.zeros_like(x)
        step[i] = EPS
        cols.append((fn(x + step) - fn(x - step)) / (2 * EPS))
    return np.stack(cols, axis=-1)


def test_projection_jacobians_match_finite_differences():
    world = _head_points(7)
    _, d_point, d_rot, d_trans = project_with_jacobians(world, RVEC, TVEC, K)

    num_rot = _numeric_jacobian(lambda r: project_with_jacobians(world, r, TVEC, K)[0], RVEC)
    num_trans = _numeric_jacobian(lambda t: project_with_jacobians(world, RVEC, t, K)[0], TVEC)
    np.testing.assert_allclose(d_rot, num_rot, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(d_trans, num_trans, rtol=1e-5, atol=1e-6)
    for n, point in enumerate(world):
        num_point = _numeric_jacobian(lambda p: project_with_jacobians(p[None], RVEC, TVEC, K)[0][0], point)
        np.testing.assert_allclose(d_point[n], num_point, rtol=1e-5, atol=1e-6)


def test_projection_pixels_match_opencv():
    import cv2

    world = _head_points(5, seed=1)
    pixels = project_with_jacobians(world, RVEC, TVEC, K)[0]
    expected, _ = cv2.projectPoints(world, RVEC, TVEC, K, None)
    np.testing.assert_allclose(pixels, expected.reshape(-1, 2), atol=1e-9)


def test_pivot_jacobian_matches_finite_differences():
    prior = PivotPrior(np.array([0.0, 90.0, 40.0]), np.array([5.0, 80.0, 650.0]), sigma_mm=20.0)
    x0 = np.concatenate([RVEC, TVEC])
    res, jac = _pivot_terms(prior, RVEC, TVEC, pixel_sigma=1.5)
    numeric = _numeric_jacobian(lambda x: _pivot_terms(prior, x[:3], x[3:], 1.5)[0], x0)
    assert res.shape == (3,) and jac.shape == (3, 6)
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-7)


def test_pivot_prior_is_zero_at_its_anchor():
    model_point = np.array([0.0, 90.0, 40.0])
    prior = PivotPrior.at_anchor(model_point, RVEC, TVEC, sigma_mm=20.0)
    res, _ = _pivot_terms(prior, RVEC, TVEC, pixel_sigma=1.0)
    np.testing.assert_allclose(res, 0.0, atol=1e-9)


def _random_spd(rng: np.random.Generator, n: int, blocks: int) -> np.ndarray:
    a = rng.normal(size=(blocks, n, n))
    return a @ a.transpose(0, 2, 1) + n * np.eye(n)


def test_schur_solve_matches_dense_solve():
    rng = np.random.default_rng(3)
    n_poses, n_points = 3, 5
    u = _random_spd(rng, 6, n_poses) * 10.0  # poses dominate, as in a real window
    v = _random_spd(rng, 3, n_points)
    w = rng.normal(size=(n_poses, 6, n_points, 3))
    w[0, :, 1, :] = 0.0  # a point not seen from one pose: the sparsity the real problem has
    g_pose = rng.normal(size=(n_poses, 6))
    g_point = rng.normal(size=(n_points, 3))

    dp, dx = solve_schur(u, v, w, g_pose, g_point)

    n_p, n_x = 6 * n_poses, 3 * n_points
    dense = np.zeros((n_p + n_x, n_p + n_x))
    for k in range(n_poses):
        dense[6 * k : 6 * k + 6, 6 * k : 6 * k + 6] = u[k]
    for p in range(n_points):
        dense[n_p + 3 * p : n_p + 3 * p + 3, n_p + 3 * p : n_p + 3 * p + 3] = v[p]
    coupling = w.reshape(n_p, n_x)
    dense[:n_p, n_p:] = coupling
    dense[n_p:, :n_p] = coupling.T
    expected = np.linalg.solve(dense, -np.concatenate([g_pose.ravel(), g_point.ravel()]))
    np.testing.assert_allclose(dp.ravel(), expected[:n_p], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(dx.ravel(), expected[n_p:], rtol=1e-9, atol=1e-10)


def test_schur_solve_refuses_a_singular_system():
    u = np.zeros((1, 6, 6))
    v = np.tile(np.eye(3), (2, 1, 1))
    w = np.zeros((1, 6, 2, 3))
    with pytest.raises(np.linalg.LinAlgError):
        solve_schur(u, v, w, np.ones((1, 6)), np.ones((2, 3)))


def test_refine_pose_recovers_the_true_pose():
    world = _head_points(40, seed=4)
    pixels = project_with_jacobians(world, RVEC, TVEC, K)[0]
    config = BundleConfig(iterations=20)
    rvec, tvec = refine_pose(world, pixels, K, RVEC + 0.03, TVEC + np.array([4.0, -3.0, 20.0]), None, config)
    np.testing.assert_allclose(rvec.ravel(), RVEC, atol=1e-6)
    np.testing.assert_allclose(tvec.ravel(), TVEC, atol=1e-3)


def test_window_refinement_recovers_a_perturbed_keyframe():
    rng = np.random.default_rng(5)
    truth = _head_points(30, seed=5)
    ids = np.arange(len(truth))
    poses = [(RVEC * s, TVEC + np.array([0.0, 0.0, 10.0 * s])) for s in (0.0, 0.5, 1.0)]
    window = BundleWindow(K, BundleConfig(iterations=30, point_prior_mm=1e3))
    for n, (rvec, tvec) in enumerate(poses):
        pixels = project_with_jacobians(truth, rvec, tvec, K)[0]
        start_r = rvec if n == 0 else rvec + rng.normal(0.0, 0.01, 3)
        window.add_keyframe(start_r, tvec.copy(), ids, pixels, fixed=n == 0)
    window.add_prior(ids, truth)
    points = window.refine({int(i): p for i, p in zip(ids, truth)})
    assert points is not None
    for kf, (rvec, _) in zip(window.keyframes[1:], poses[1:]):
        np.testing.assert_allclose(kf.rvec, rvec, atol=1e-4)


def test_the_damping_schedule_in_the_config_drives_both_solves():
    # One DampingSchedule (BundleConfig.damping) for refine_pose and BundleWindow.refine: a
    # schedule that gives up at once takes no step in either.
    frozen = BundleConfig(iterations=20, damping=DampingSchedule(give_up=0.0))
    world = _head_points(40, seed=4)
    pixels = project_with_jacobians(world, RVEC, TVEC, K)[0]
    start_r, start_t = RVEC + 0.03, TVEC + np.array([4.0, -3.0, 20.0])
    rvec, tvec = refine_pose(world, pixels, K, start_r, start_t, None, frozen)
    np.testing.assert_array_equal(rvec.ravel(), start_r)
    np.testing.assert_array_equal(tvec.ravel(), start_t)
    window = BundleWindow(K, frozen)
    ids = np.arange(len(world))
    window.add_keyframe(RVEC, TVEC, ids, pixels, fixed=True)
    moved = project_with_jacobians(world, RVEC * 1.5, TVEC, K)[0]
    window.add_keyframe(RVEC * 1.5 + 0.01, TVEC.copy(), ids, moved, fixed=False)
    window.refine({int(i): p for i, p in zip(ids, world)})
    np.testing.assert_array_equal(window.keyframes[1].rvec, RVEC * 1.5 + 0.01)
    assert DampingSchedule().after_success(1e-3) == pytest.approx(1e-3 / 3.0)
    assert DampingSchedule().after_success(1e-7) == 1e-7 and DampingSchedule().after_failure(1.0) == 4.0
