"""The sliding window of keyframes that :mod:`app.core.bundle_adjust` refines: feature positions
and keyframe poses jointly, the anchor keyframe fixed, each point held near its model guess.

:meth:`BundleWindow.refine` is three named steps run by the module's one Levenberg-Marquardt loop:
the problem's structure (:meth:`BundleWindow._problem`), the residuals and Jacobians at a state
(:meth:`BundleWindow._evaluate`) and the normal equations (:func:`_window_normal`), solved with
the points eliminated (:func:`~app.core.bundle_adjust.solve_schur`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.core.bundle_adjust import (
    POSE_RIDGE,
    WINDOW_STEP_TOL,
    BundleConfig,
    PivotPrior,
    _huber_cost,
    _huber_weights,
    _pivot_terms,
    levenberg_marquardt,
    project_with_jacobians,
    solve_schur,
)


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
        problem = self._problem(points)
        if problem is None:
            return None
        cfg = self.config
        poses = np.array([np.concatenate([kf.rvec, kf.tvec]) for kf in self.keyframes])
        pts = np.array([points[p] for p in problem.point_ids])
        try:
            best = levenberg_marquardt(
                self._evaluate(problem, poses, pts),
                lambda state: _window_normal(problem, state),
                lambda state, normal, damping: self._try_step(problem, state, normal, damping),
                cfg.damping, cfg.iterations, WINDOW_STEP_TOL,
            )
        except np.linalg.LinAlgError:
            return None  # a singular reduced system: keep the keyframes and points as they were
        for kf_i, kf in enumerate(self.keyframes):
            if problem.kf_slot[kf_i] >= 0:
                kf.rvec, kf.tvec = best.poses[kf_i, :3].copy(), best.poses[kf_i, 3:].copy()
        return {pid: best.pts[n] for n, pid in enumerate(problem.point_ids)}

    def _problem(self, points: dict[int, np.ndarray]) -> _WindowProblem | None:
        """Who sees what: the points seen in enough keyframes, each observation's indices; None
        when there is nothing to refine (no such point, no free keyframe)."""
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
        obs_kf, obs_pt = np.array(obs_kf), np.array(obs_pt)
        priors = np.array([self.priors.get(p, points[p]) for p in point_ids])
        return _WindowProblem.build(point_ids, len(free), kf_slot, obs_kf, obs_pt, np.array(obs_px), priors, cfg)

    def _try_step(self, problem: _WindowProblem, state: _WindowState, normal: _WindowNormal,
                  damping: float) -> tuple[_WindowState, float]:
        """The state after the damped step (free keyframes and points move), and the largest pose step."""
        dp, dx = normal.damped_step(damping)
        free = problem.kf_slot >= 0
        t_poses = state.poses.copy()
        t_poses[free] += dp[problem.kf_slot[free]]
        return self._evaluate(problem, t_poses, state.pts + dx), float(np.abs(dp).max())

    def _evaluate(self, problem: _WindowProblem, poses: np.ndarray, pts: np.ndarray) -> _WindowState:
        """Residuals, Jacobians and cost (observations, point priors, pivot prior) at these poses and points."""
        cfg = self.config
        n_obs = len(problem.obs_kf)
        res = np.empty((n_obs, 2))
        d_point = np.empty((n_obs, 2, 3))
        d_pose = np.zeros((n_obs, 2, 6))
        for k, sel in problem.groups:
            if len(sel):
                px, dp, dr, dt = project_with_jacobians(pts[problem.obs_pt[sel]], poses[k, :3], poses[k, 3:], self.k)
                res[sel] = (px - problem.obs_px[sel]) / cfg.pixel_sigma
                d_point[sel] = dp / cfg.pixel_sigma
                d_pose[sel, :, :3] = dr / cfg.pixel_sigma
                d_pose[sel, :, 3:] = dt / cfg.pixel_sigma
        cost = _huber_cost(res, cfg.huber_px) + float(np.sum(((pts - problem.priors) * problem.prior_w) ** 2))
        pivots = []
        if self.pivot is not None:
            for kf_i in range(len(self.keyframes)):
                if problem.kf_slot[kf_i] >= 0:
                    r, j = _pivot_terms(self.pivot, poses[kf_i, :3], poses[kf_i, 3:], cfg.pixel_sigma)
                    pivots.append((problem.kf_slot[kf_i], r, j))
                    cost += float(r @ r)
        return _WindowState(poses, pts, res, d_point, d_pose, pivots, cost)


@dataclass(frozen=True, eq=False)
class _WindowProblem:
    """A window refinement's fixed structure: which points, which keyframes are free, and for
    each observation (one keyframe seeing one point) its keyframe, point and pixel, with the
    index arrays the normal equations are built with."""

    point_ids: list[int]
    n_free: int
    kf_slot: np.ndarray  # keyframe -> its slot among the free ones; -1: fixed
    obs_kf: np.ndarray
    obs_pt: np.ndarray
    obs_px: np.ndarray
    priors: np.ndarray  # each point's model guess
    prior_w: float
    huber_px: float
    groups: list[tuple[int, np.ndarray]]  # keyframe -> its observations
    obs_slot: np.ndarray
    pose_obs: np.ndarray  # observations from a free keyframe
    by_point: np.ndarray
    point_starts: np.ndarray
    slot_members: list[np.ndarray]  # free slot -> its observations

    @property
    def n_pts(self) -> int:
        return len(self.point_ids)

    @classmethod
    def build(cls, point_ids: list[int], n_free: int, kf_slot: np.ndarray, obs_kf: np.ndarray, obs_pt: np.ndarray,
              obs_px: np.ndarray, priors: np.ndarray, config: BundleConfig) -> "_WindowProblem":
        obs_slot = kf_slot[obs_kf]
        # Each observation is one (keyframe, point) pair, so the pose-point blocks of the normal
        # equations can be written into a dense (poses x points) array without accumulation.
        by_point = np.argsort(obs_pt, kind="stable")
        return cls(
            point_ids, n_free, kf_slot, obs_kf, obs_pt, obs_px, priors,
            config.pixel_sigma / config.point_prior_mm, config.huber_px,
            groups=[(k, np.flatnonzero(obs_kf == k)) for k in range(len(kf_slot))],
            obs_slot=obs_slot,
            pose_obs=obs_slot >= 0,
            by_point=by_point,
            point_starts=np.searchsorted(obs_pt[by_point], np.arange(len(point_ids))),
            slot_members=[np.flatnonzero(obs_slot == k) for k in range(n_free)],
        )


@dataclass(frozen=True, eq=False)
class _WindowState:
    """Keyframe poses and points with their residuals, Jacobians, pivot terms and cost."""

    poses: np.ndarray
    pts: np.ndarray
    res: np.ndarray
    d_point: np.ndarray
    d_pose: np.ndarray
    pivots: list[tuple[int, np.ndarray, np.ndarray]]
    cost: float


@dataclass(frozen=True, eq=False)
class _WindowNormal:
    """The window's normal equations (solve_schur's blocks), undamped."""

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    g_pose: np.ndarray
    g_point: np.ndarray

    def damped_step(self, damping: float) -> tuple[np.ndarray, np.ndarray]:
        ud = self.u + damping * np.einsum("kii->ki", self.u)[:, :, None] * np.eye(6) + POSE_RIDGE * np.eye(6)
        vd = self.v + damping * np.einsum("pii->pi", self.v)[:, :, None] * np.eye(3)
        return solve_schur(ud, vd, self.w, self.g_pose, self.g_point)


def _window_normal(problem: _WindowProblem, state: _WindowState) -> _WindowNormal:
    """Huber-weighted normal equations of the window at ``state`` (points' blocks by point)."""
    p = problem
    w = _huber_weights(state.res, p.huber_px)
    wr = state.res * w[:, None]
    d_pose, d_point = state.d_pose, state.d_point
    u = np.stack([np.einsum("nri,nrj,n->ij", d_pose[m], d_pose[m], w[m]) for m in p.slot_members])
    g_p = np.stack([np.einsum("nri,nr->i", d_pose[m], wr[m]) for m in p.slot_members])
    for slot, r, j in state.pivots:
        u[slot] += j.T @ j
        g_p[slot] += j.T @ r
    v_obs = np.einsum("nri,nrj,n->nij", d_point, d_point, w)
    v_sum = np.add.reduceat(v_obs[p.by_point], p.point_starts, axis=0) + np.eye(3) * p.prior_w**2
    g_x = np.add.reduceat(np.einsum("nri,nr->ni", d_point, wr)[p.by_point], p.point_starts, axis=0)
    g_x += (state.pts - p.priors) * p.prior_w**2
    w_dense = np.zeros((p.n_free, 6, p.n_pts, 3))
    w_dense[p.obs_slot[p.pose_obs], :, p.obs_pt[p.pose_obs], :] = np.einsum("nri,nrj,n->nij", d_pose, d_point, w)[p.pose_obs]
    return _WindowNormal(u, v_sum, w_dense, g_p, g_x)
