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

Solved by Levenberg-Marquardt with the points eliminated (Schur complement), analytic Jacobians.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    x = np.concatenate([np.asarray(rvec).reshape(3), np.asarray(tvec).reshape(3)])

    def terms(x):
        px, _, d_rot, d_trans = project_with_jacobians(model_pts, x[:3], x[3:], k)
        res = (px - pixels) / config.pixel_sigma
        jac = np.concatenate([d_rot, d_trans], axis=2) / config.pixel_sigma
        cost = _huber_cost(res, config.huber_px)
        piv = None
        if pivot is not None:
            piv = _pivot_terms(pivot, x[:3], x[3:], config.pixel_sigma)
            cost += float(piv[0] @ piv[0])
        return res, jac, piv, cost

    res, jac, piv, cost = terms(x)
    schedule = config.damping
    damping = schedule.start
    for _ in range(config.iterations):
        w = _huber_weights(res, config.huber_px)
        h = np.einsum("nri,nrj,n->ij", jac, jac, w)
        g = np.einsum("nri,nr,n->i", jac, res, w)
        if piv is not None:
            h += piv[1].T @ piv[1]
            g += piv[1].T @ piv[0]
        while damping < schedule.give_up:
            step = np.linalg.solve(h + damping * np.diag(np.diag(h)) + POSE_RIDGE * np.eye(6), -g)
            trial = x + step
            t_res, t_jac, t_piv, t_cost = terms(trial)
            if t_cost < cost:
                x, res, jac, piv, cost = trial, t_res, t_jac, t_piv, t_cost
                damping = schedule.after_success(damping)
                break
            damping = schedule.after_failure(damping)
        else:
            break
        if np.abs(step).max() < POSE_STEP_TOL:
            break
    return x[:3].reshape(3, 1), x[3:].reshape(3, 1)


@dataclass
class Keyframe:
    rvec: np.ndarray
    tvec: np.ndarray
    fixed: bool
    observations: dict[int, np.ndarray] = field(default_factory=dict)  # feature id -> pixel


class BundleWindow:
    """Keyframes with their feature observations, and the joint refinement over them."""

    def __init__(self, camera_matrix: np.ndarray, config: BundleConfig | None = None):
        self.config = config or BundleConfig()
        self.k = camera_matrix
        self.keyframes: list[Keyframe] = []
        self.priors: dict[int, np.ndarray] = {}
        self.pivot: PivotPrior | None = None

    def reset(self) -> None:
        self.keyframes = []
        self.priors = {}
        self.pivot = None

    def add_keyframe(self, rvec, tvec, ids: np.ndarray, pixels: np.ndarray, fixed: bool) -> None:
        obs = {int(i): p.astype(np.float64) for i, p in zip(ids, pixels)}
        self.keyframes.append(Keyframe(rvec.reshape(3).copy(), tvec.reshape(3).copy(), fixed, obs))
        # Keep the anchor (first, fixed) and the most recent keyframes.
        limit = self.config.window_keyframes
        if len(self.keyframes) > limit:
            anchor = [kf for kf in self.keyframes[:1] if kf.fixed]
            self.keyframes = anchor + self.keyframes[-(limit - len(anchor)) :]

    def add_prior(self, ids: np.ndarray, points: np.ndarray) -> None:
        for i, p in zip(ids, points):
            self.priors.setdefault(int(i), p.copy())

    def refine(self, points: dict[int, np.ndarray]) -> dict[int, np.ndarray] | None:
        """Refine free keyframe poses (in place) and the points seen at least twice; new points."""
        cfg = self.config
        counts: dict[int, int] = {}
        for kf in self.keyframes:
            for i in kf.observations:
                counts[i] = counts.get(i, 0) + 1
        point_ids = [i for i, c in counts.items() if c >= cfg.min_observations and i in points]
        free = [kf for kf in self.keyframes if not kf.fixed]
        if not point_ids or not free or len(self.keyframes) < 2:
            return None
        pidx = {pid: n for n, pid in enumerate(point_ids)}
        free_index = {id(kf): n for n, kf in enumerate(free)}
        kf_slot = np.array([free_index.get(id(kf), -1) for kf in self.keyframes])
        obs_kf, obs_pt, obs_px = [], [], []
        for k, kf in enumerate(self.keyframes):
            for i, px in kf.observations.items():
                if i in pidx:
                    obs_kf.append(k)
                    obs_pt.append(pidx[i])
                    obs_px.append(px)
        obs_kf, obs_pt, obs_px = np.array(obs_kf), np.array(obs_pt), np.array(obs_px)
        n_free, n_pts = len(free), len(point_ids)
        poses = np.array([np.concatenate([kf.rvec, kf.tvec]) for kf in self.keyframes])
        pts = np.array([points[p] for p in point_ids])
        priors = np.array([self.priors.get(p, points[p]) for p in point_ids])
        prior_w = cfg.pixel_sigma / cfg.point_prior_mm
        groups = [(k, np.flatnonzero(obs_kf == k)) for k in range(len(self.keyframes))]
        obs_slot = kf_slot[obs_kf]
        pose_obs = obs_slot >= 0

        def evaluate(poses, pts):
            res = np.empty((len(obs_kf), 2))
            d_point = np.empty((len(obs_kf), 2, 3))
            d_pose = np.zeros((len(obs_kf), 2, 6))
            for k, sel in groups:
                if len(sel):
                    px, dp, dr, dt = project_with_jacobians(pts[obs_pt[sel]], poses[k, :3], poses[k, 3:], self.k)
                    res[sel] = (px - obs_px[sel]) / cfg.pixel_sigma
                    d_point[sel] = dp / cfg.pixel_sigma
                    d_pose[sel, :, :3] = dr / cfg.pixel_sigma
                    d_pose[sel, :, 3:] = dt / cfg.pixel_sigma
            cost = _huber_cost(res, cfg.huber_px) + float(np.sum(((pts - priors) * prior_w) ** 2))
            pivots = []
            if self.pivot is not None:
                for kf_i, kf in enumerate(self.keyframes):
                    if kf_slot[kf_i] >= 0:
                        r, j = _pivot_terms(self.pivot, poses[kf_i, :3], poses[kf_i, 3:], cfg.pixel_sigma)
                        pivots.append((kf_slot[kf_i], r, j))
                        cost += float(r @ r)
            return res, d_point, d_pose, pivots, cost

        res, d_point, d_pose, pivots, cost = evaluate(poses, pts)
        # Each observation is one (keyframe, point) pair, so the pose-point blocks of the normal
        # equations can be written into a dense (poses x points) array without accumulation.
        by_point = np.argsort(obs_pt, kind="stable")
        point_starts = np.searchsorted(obs_pt[by_point], np.arange(n_pts))
        slot_members = [np.flatnonzero(obs_slot == k) for k in range(n_free)]
        po_slot, po_pt = obs_slot[pose_obs], obs_pt[pose_obs]
        damping = cfg.damping.start
        for _ in range(cfg.iterations):
            w = _huber_weights(res, cfg.huber_px)
            wr = res * w[:, None]
            u = np.stack([np.einsum("nri,nrj,n->ij", d_pose[m], d_pose[m], w[m]) for m in slot_members])
            g_p = np.stack([np.einsum("nri,nr->i", d_pose[m], wr[m]) for m in slot_members])
            for slot, r, j in pivots:
                u[slot] += j.T @ j
                g_p[slot] += j.T @ r
            v_obs = np.einsum("nri,nrj,n->nij", d_point, d_point, w)
            v_sum = np.add.reduceat(v_obs[by_point], point_starts, axis=0) + np.eye(3) * prior_w**2
            g_x = np.add.reduceat(np.einsum("nri,nr->ni", d_point, wr)[by_point], point_starts, axis=0)
            g_x += (pts - priors) * prior_w**2
            w_dense = np.zeros((n_free, 6, n_pts, 3))
            w_dense[po_slot, :, po_pt, :] = np.einsum("nri,nrj,n->nij", d_pose, d_point, w)[pose_obs]
            improved = False
            while damping < cfg.damping.give_up:
                ud = u + damping * np.einsum("kii->ki", u)[:, :, None] * np.eye(6) + POSE_RIDGE * np.eye(6)
                vd = v_sum + damping * np.einsum("pii->pi", v_sum)[:, :, None] * np.eye(3)
                try:
                    dp, dx = solve_schur(ud, vd, w_dense, g_p, g_x)
                except np.linalg.LinAlgError:
                    return None
                t_poses = poses.copy()
                t_poses[kf_slot >= 0] += dp[kf_slot[kf_slot >= 0]]
                t_pts = pts + dx
                t_eval = evaluate(t_poses, t_pts)
                if t_eval[-1] < cost:
                    poses, pts = t_poses, t_pts
                    res, d_point, d_pose, pivots, cost = t_eval
                    damping = cfg.damping.after_success(damping)
                    improved = True
                    break
                damping = cfg.damping.after_failure(damping)
            if not improved or np.abs(dp).max() < WINDOW_STEP_TOL:
                break
        for kf_i, kf in enumerate(self.keyframes):
            if kf_slot[kf_i] >= 0:
                kf.rvec, kf.tvec = poses[kf_i, :3].copy(), poses[kf_i, 3:].copy()
        return {pid: pts[n] for pid, n in pidx.items()}
