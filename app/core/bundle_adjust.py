"""Pose and structure refinement for the rigid head tracker.

Two problems bend a pose solved from tracked features, and this module answers both:

* **Wrong feature depths.** A feature's 3D position is first guessed from the head model (face
  mesh or skull ellipsoid); tracked over a large rotation, errors in that guess add up to an
  under- or over-read end range. Seen from several keyframes, feature positions and keyframe
  poses are jointly determined by the image motion itself (structure from motion of a rigid
  object), so :class:`BundleWindow` refines them together over the recent keyframes, with the
  anchor keyframe (a pose trusted from the face mesh) fixed and each point held near its model
  guess by a weak prior.
* **Rotation traded for translation.** Over small angles, a flexion and a downward shift of the
  head move face features almost alike (the face is nearly flat to the camera). Anatomy breaks
  the tie: the head turns about the cervical spine, whose lower part stays put while the patient
  sits, so a soft prior keeps a pivot point below the skull where it was at the anchor
  (``PivotPrior``). Its spread allows real protraction and trunk sway.

Solved by Levenberg-Marquardt (one loop, :func:`levenberg_marquardt`, one
:class:`DampingSchedule`) with the points eliminated (Schur complement), analytic Jacobians. This
module holds the settings, the projection, the priors, the solver and the per-frame pose;
:mod:`app.core.bundle_window` the window of keyframes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, TypeVar

import cv2
import numpy as np


# Added to the pose blocks' diagonal: a pose direction no observation constrains (a zero
# diagonal, which scaled damping cannot fix) still gives a solvable system.
POSE_RIDGE = 1e-9
# Converged: the largest step component (radians, mm) is below this.
POSE_STEP_TOL = 1e-7  # one frame's pose
WINDOW_STEP_TOL = 1e-6  # the window's keyframe poses (their step only; the points' step is not checked)


@dataclass(frozen=True)
class DampingSchedule:
    """Levenberg-Marquardt's damping, one schedule for the pose and the window refinement.

    A step that lowers the cost is taken and the damping falls (trust the Gauss-Newton model
    more); a step that does not is retried with more damping (closer to a short gradient step);
    damping past ``give_up`` means no step helps: the solve stops there.
    """

    start: float = 1e-3
    shrink: float = 3.0
    grow: float = 4.0
    floor: float = 1e-7  # never undamped: keeps the damped normal equations well conditioned
    give_up: float = 1e4

    def after_success(self, damping: float) -> float:
        return max(damping / self.shrink, self.floor)

    def after_failure(self, damping: float) -> float:
        return damping * self.grow


@dataclass(frozen=True)
class BundleConfig:
    window_keyframes: int = 10
    keyframe_every: int = 3
    keyframe_min_deg: float = 2.0  # a new keyframe needs this much rotation since the last
    point_prior_mm: float = 60.0  # how far the model's guess of a point may be wrong
    pixel_sigma: float = 1.0
    huber_px: float = 2.0
    iterations: int = 6  # per refinement; each starts from the last one's answer
    min_observations: int = 2
    pivot_sigma_mm: float = 20.0
    damping: DampingSchedule = DampingSchedule()


@dataclass(frozen=True)
class PivotPrior:
    """A point of the head model (mm) that should stay at ``camera_point`` in camera space."""

    model_point: np.ndarray
    camera_point: np.ndarray
    sigma_mm: float

    @classmethod
    def at_anchor(cls, model_point: np.ndarray, rvec: np.ndarray, tvec: np.ndarray, sigma_mm: float) -> "PivotPrior":
        rot, _ = cv2.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))
        return cls(model_point, rot @ model_point + np.asarray(tvec).reshape(3), sigma_mm)


def project_with_jacobians(world: np.ndarray, rvec: np.ndarray, tvec: np.ndarray, k: np.ndarray):
    """Pixels of model points at pose (rvec, tvec) and their derivatives.

    Returns ``(pixels (n,2), d_point (n,2,3), d_rot (n,2,3), d_trans (n,2,3))``.
    """
    rot, d_r = cv2.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))
    cam = world @ rot.T + np.asarray(tvec).reshape(3)
    z = np.maximum(cam[:, 2], 1.0)
    fx, fy, cx, cy = k[0, 0], k[1, 1], k[0, 2], k[1, 2]
    px = np.column_stack([fx * cam[:, 0] / z + cx, fy * cam[:, 1] / z + cy])
    jp = np.zeros((len(world), 2, 3))
    jp[:, 0, 0] = fx / z
    jp[:, 0, 2] = -fx * cam[:, 0] / z**2
    jp[:, 1, 1] = fy / z
    jp[:, 1, 2] = -fy * cam[:, 1] / z**2
    d_rot_cam = np.einsum("jrc,nc->nrj", d_r.reshape(3, 3, 3), world)  # d(cam)/d(rvec_j)
    return px, jp @ rot, jp @ d_rot_cam, jp


def _pivot_terms(prior: PivotPrior, rvec: np.ndarray, tvec: np.ndarray, pixel_sigma: float):
    """Residual (3,) and Jacobian (3, 6) of the pivot prior, scaled like pixels."""
    rot, d_r = cv2.Rodrigues(np.asarray(rvec, dtype=np.float64).reshape(3, 1))
    w = pixel_sigma / prior.sigma_mm
    res = (rot @ prior.model_point + np.asarray(tvec).reshape(3) - prior.camera_point) * w
    jac = np.zeros((3, 6))
    jac[:, :3] = np.einsum("jrc,c->rj", d_r.reshape(3, 3, 3), prior.model_point) * w
    jac[:, 3:] = np.eye(3) * w
    return res, jac


def solve_schur(
    u: np.ndarray, v: np.ndarray, w: np.ndarray, g_pose: np.ndarray, g_point: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Newton step of a bundle problem with the points eliminated (Schur complement).

    The normal equations are ``[[U, W], [W^T, V]] [dp; dx] = -[g_pose; g_point]`` with ``U``
    block-diagonal over poses (``u``: (k, 6, 6)), ``V`` block-diagonal over points (``v``:
    (p, 3, 3)) and ``W`` the pose-point coupling (``w``: (k, 6, p, 3)); damping is already in
    ``u`` and ``v``. Inverting ``V`` costs p 3x3 inverses, so only the 6k pose unknowns meet a
    dense solve, however many points there are. Returns ``(dp (k, 6), dx (p, 3))``; raises
    ``np.linalg.LinAlgError`` when the reduced system is singular.
    """
    n_free = len(u)
    v_inv = np.linalg.inv(v)
    y = np.einsum("kipj,pjl->kipl", w, v_inv)
    schur = -np.einsum("kipl,mjpl->kimj", y, w)
    schur[np.arange(n_free), :, np.arange(n_free), :] += u
    rhs = -g_pose + np.einsum("kipj,pj->ki", y, g_point)
    dp = np.linalg.solve(schur.reshape(6 * n_free, 6 * n_free), rhs.ravel()).reshape(n_free, 6)
    dx = np.einsum("pij,pj->pi", v_inv, -g_point - np.einsum("kipj,ki->pj", w, dp))
    return dp, dx


def _huber_weights(res: np.ndarray, delta: float) -> np.ndarray:
    norm = np.linalg.norm(res, axis=1)
    return np.where(norm <= delta, 1.0, delta / np.maximum(norm, 1e-12))


def _huber_cost(res: np.ndarray, delta: float) -> float:
    norm = np.linalg.norm(res, axis=1)
    return float(np.sum(np.where(norm <= delta, norm**2, 2 * delta * norm - delta**2)))


S = TypeVar("S", bound="_Costed")
E = TypeVar("E")


class _Costed(Protocol):
    cost: float


def levenberg_marquardt(
    start: S,
    linearize: Callable[[S], E],
    try_step: Callable[[S, E, float], tuple[S, float]],
    schedule: DampingSchedule,
    iterations: int,
    step_tol: float,
) -> S:
    """The one damped Gauss-Newton loop of this module (a pose, a window of keyframes).

    ``linearize(state)`` gives the normal equations at a state; ``try_step(state, normal,
    damping)`` the state after the damped step and that step's largest component. A step is
    taken only when it lowers the cost; the loop ends after ``iterations``, when no damping
    helps (``schedule.give_up``) or when the step taken is below ``step_tol``.
    """
    state, damping = start, schedule.start
    for _ in range(iterations):
        normal = linearize(state)
        improved, step_size = False, 0.0
        while damping < schedule.give_up:
            trial, step_size = try_step(state, normal, damping)
            if trial.cost < state.cost:
                state, improved = trial, True
                damping = schedule.after_success(damping)
                break
            damping = schedule.after_failure(damping)
        if not improved or step_size < step_tol:
            break
    return state


@dataclass(frozen=True, eq=False)
class _PoseState:
    """One frame's pose ``x`` (rvec, tvec) with its residuals, Jacobian, pivot terms and cost."""

    x: np.ndarray
    res: np.ndarray
    jac: np.ndarray
    pivot: tuple[np.ndarray, np.ndarray] | None
    cost: float


def refine_pose(
    model_pts: np.ndarray,
    pixels: np.ndarray,
    k: np.ndarray,
    rvec: np.ndarray,
    tvec: np.ndarray,
    pivot: PivotPrior | None,
    config: BundleConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """One frame's pose by robust Gauss-Newton with the pivot prior (points fixed)."""

    def state_at(x: np.ndarray) -> _PoseState:
        px, _, d_rot, d_trans = project_with_jacobians(model_pts, x[:3], x[3:], k)
        res = (px - pixels) / config.pixel_sigma
        jac = np.concatenate([d_rot, d_trans], axis=2) / config.pixel_sigma
        cost = _huber_cost(res, config.huber_px)
        piv = None
        if pivot is not None:
            piv = _pivot_terms(pivot, x[:3], x[3:], config.pixel_sigma)
            cost += float(piv[0] @ piv[0])
        return _PoseState(x, res, jac, piv, cost)

    def linearize(state: _PoseState) -> tuple[np.ndarray, np.ndarray]:
        w = _huber_weights(state.res, config.huber_px)
        h = np.einsum("nri,nrj,n->ij", state.jac, state.jac, w)
        g = np.einsum("nri,nr,n->i", state.jac, state.res, w)
        if state.pivot is not None:
            h += state.pivot[1].T @ state.pivot[1]
            g += state.pivot[1].T @ state.pivot[0]
        return h, g

    def try_step(state: _PoseState, normal: tuple[np.ndarray, np.ndarray], damping: float) -> tuple[_PoseState, float]:
        h, g = normal
        step = np.linalg.solve(h + damping * np.diag(np.diag(h)) + POSE_RIDGE * np.eye(6), -g)
        return state_at(state.x + step), float(np.abs(step).max())

    x = np.concatenate([np.asarray(rvec).reshape(3), np.asarray(tvec).reshape(3)])
    best = levenberg_marquardt(state_at(x), linearize, try_step, config.damping, config.iterations, POSE_STEP_TOL)
    return best.x[:3].reshape(3, 1), best.x[3:].reshape(3, 1)
