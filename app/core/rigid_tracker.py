"""Model-based head tracking: image features on the head, tracked frame to frame, solved for pose.

Each tracked feature carries its fixed 3D position on the :class:`HeadModel`. Every frame the
features are followed with pyramidal Lucas-Kanade optical flow (forward-backward checked), and the
head pose is solved by PnP (RANSAC, then Levenberg-Marquardt on the inliers). Because model
coordinates never change once assigned, features seeded at neutral keep anchoring the pose to the
truth for as long as they are visible; only features seeded later inherit the pose error of the
frame that seeded them, which is what bounds drift.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from app.core.bundle_adjust import BundleConfig, PivotPrior, refine_pose
from app.core.bundle_window import BundleWindow
from app.core.camera_model import CameraIntrinsics
from app.core.head_model import HeadModel
from app.core.shading import SHADING_SIGMA_OF_HEAD_WIDTH, texture_image

log = logging.getLogger(__name__)

# The flow window, sized to the head (FlowConfig.window_of_head_width), stays within
# these: smaller finds too little texture to follow, larger spans the head's outline and the
# background behind it (and costs time). Odd, as OpenCV's windows are centred on the point.
FLOW_WINDOW_MIN_PX = 9
FLOW_WINDOW_MAX_PX = 41
MIN_SEED_SPACING_PX = 3  # features closer than this track the same texture
MIN_SEED_INSET_PX = 3  # however small the head, seed at least this far inside its outline
# Seeds below this share of the skull ellipsoid's half-height (or the chin, if lower) are on the
# neck or jaw, which do not move with the skull.
SKULL_LOW_LIMIT_OF_HALF_HEIGHT = 0.45


@dataclass(frozen=True)
class FlowConfig:
    """Following the features from frame to frame: pyramidal Lucas-Kanade, forward-backward checked."""

    forward_backward_px: float = 1.0  # a feature whose flow back misses by more slid along an edge
    # 3 coarser levels follow motion ~8x larger than one level does (a fast turn); each level
    # iterates until a step is under epsilon_px, at most ``iterations`` times.
    pyramid_levels: int = 3
    iterations: int = 30
    epsilon_px: float = 0.01
    # The window follows the head's width (at the dev video's 140 px, 21 px), so that a patient
    # twice as far is tracked alike.
    window_of_head_width: float = 0.15

    def lk_params(self, head_px: float) -> dict:
        """calcOpticalFlowPyrLK's settings for a head ``head_px`` wide."""
        window = int(np.clip(round(self.window_of_head_width * head_px), FLOW_WINDOW_MIN_PX, FLOW_WINDOW_MAX_PX)) | 1
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, self.iterations, self.epsilon_px)
        return dict(maxLevel=self.pyramid_levels, criteria=criteria, winSize=(window, window))


@dataclass(frozen=True)
class RansacConfig:
    """PnP-RANSAC's settings. It starts from the last pose (an extrinsic guess), so few iterations
    find the inliers; at ``confidence`` OpenCV stops early once a consensus that likely is found."""

    reprojection_px: float = 3.0
    iterations: int = 100
    confidence: float = 0.99


@dataclass(frozen=True)
class TrackerConfig:
    """The rigid tracker's settings: seeding, flow (:class:`FlowConfig`), pose solving
    (:class:`RansacConfig`, then the bundle adjustment's :class:`BundleConfig`)."""

    target_features: int = 320
    min_inliers: int = 12
    # Seed spacing and inset follow the head's width like the flow window (7 px at 140 px).
    seed_spacing_of_head_width: float = 0.05
    seed_quality: float = 0.01
    reseed_every: int = 5
    phase_frames: int = 0  # reseeds and keyframes this many frames later after each (re)start
    seed_inset: float = 0.12  # of the head width
    min_view_cos: float = 0.5
    shading_sigma: float | None = SHADING_SIGMA_OF_HEAD_WIDTH  # of the head width; None: track raw grey
    flow: FlowConfig = FlowConfig()
    ransac: RansacConfig = RansacConfig()
    bundle: BundleConfig | None = BundleConfig()  # None: no refinement of the model while tracking


@dataclass(frozen=True, eq=False)
class RigidPose:
    """Head pose from the tracker: model-to-camera rotation and translation (mm)."""

    rotation: np.ndarray
    translation: np.ndarray
    inliers: int
    reprojection_px: float
    anchored_fraction: float  # share of inliers seeded while the face mesh was trusted


class RigidHeadTracker:
    """Tracks a :class:`HeadModel` through a grey-level image stream."""

    def __init__(self, model: HeadModel, camera: CameraIntrinsics, config: TrackerConfig | None = None):
        self.model = model
        self.camera = camera
        self.config = config or TrackerConfig()
        self._prev_gray: np.ndarray | None = None
        self._pts = np.zeros((0, 2), np.float32)
        self._model_pts = np.zeros((0, 3))
        self._anchored = np.zeros(0, dtype=bool)
        self._ids = np.zeros(0, dtype=np.int64)
        self._next_id = 0
        self._rvec = np.zeros((3, 1))
        self._tvec = np.zeros((3, 1))
        self._frames_since_seed = 0
        self._frames_since_keyframe = 0
        self._bundle = BundleWindow(camera.matrix, self.config.bundle) if self.config.bundle else None
        self._pivot: PivotPrior | None = None
        self._shading_sigma_px = 0.0
        self._lk_params: dict = {}  # sized to the head by start()
        self._seed_spacing_px = 0
        self.lost = True

    @property
    def feature_points(self) -> np.ndarray:
        return self._pts.copy()

    def start(self, gray: np.ndarray, rotation: np.ndarray, translation: np.ndarray, anchored: bool) -> None:
        """(Re)start at a known pose, seeding features on the head."""
        self._pts = np.zeros((0, 2), np.float32)
        self._model_pts = np.zeros((0, 3))
        self._anchored = np.zeros(0, dtype=bool)
        self._ids = np.zeros(0, dtype=np.int64)
        self._set_pose(rotation, translation)
        self._scale_to_head(self._head_width_px(*self.pose()))
        gray = self._texture(gray)
        self._prev_gray = gray
        self._seed(gray, anchored)
        self._pivot = None
        if self.config.bundle is not None:
            self._pivot = PivotPrior.at_anchor(
                self.model.pivot_point, self._rvec, self._tvec, self.config.bundle.pivot_sigma_mm
            )
        if self._bundle is not None:
            self._bundle.reset()
            self._bundle.pivot = self._pivot
            self._bundle.add_keyframe(self._rvec, self._tvec, self._ids, self.camera.undistort(self._pts), fixed=True)
            self._frames_since_keyframe = 0
        # A phase delays this tracker's reseeds and keyframes after a (re)start: trackers of a
        # TrackerEnsemble then follow different features (app.core.tracker_ensemble).
        self._frames_since_seed -= self.config.phase_frames
        self._frames_since_keyframe -= self.config.phase_frames
        self.lost = len(self._pts) < self.config.min_inliers

    def correct(self, gray: np.ndarray, rotation: np.ndarray, translation: np.ndarray) -> None:
        """Accept a trusted pose from elsewhere (the face mesh near neutral) and reseed anchors."""
        self.start(gray, rotation, translation, anchored=True)

    def pose(self) -> tuple[np.ndarray, np.ndarray]:
        rot, _ = cv2.Rodrigues(self._rvec)
        return rot, self._tvec.ravel().copy()

    def update(self, gray: np.ndarray, allow_seed_anchored: bool = False) -> RigidPose | None:
        """Follow the features into ``gray`` and solve the new pose; None when tracking is lost.

        Three steps: follow the features (:meth:`_follow`), solve the pose on those that
        survived (:meth:`_solve_pose`), then keep the inliers, seed new features and refine the
        window (:meth:`_maintain`).
        """
        min_inliers = self.config.min_inliers
        if self._prev_gray is None or len(self._pts) < min_inliers:
            return self._lose()
        gray = self._texture(gray)
        self._follow(gray)
        if len(self._pts) < min_inliers:
            return self._lose()
        ideal = self.camera.undistort(self._pts).astype(np.float64)  # the geometry is solved in ideal pixels
        solved = self._solve_pose(ideal)
        if solved is None:
            return self._lose()
        self._rvec, self._tvec, idx = solved
        reproj = self._reprojection_px(ideal, idx)
        anchored_fraction = float(self._anchored[idx].mean())
        self._maintain(gray, idx, allow_seed_anchored)
        self.lost = False
        rot, _ = cv2.Rodrigues(self._rvec)
        return RigidPose(rot, self._tvec.ravel().copy(), int(len(idx)), reproj, anchored_fraction)

    def _lose(self) -> None:
        self.lost = True
        return None

    def _follow(self, gray: np.ndarray) -> None:
        """Lucas-Kanade flow from the last image to ``gray``, kept where the flow back returns
        within ``forward_backward_px`` (a feature that slid along an edge does not)."""
        nxt, st, _ = cv2.calcOpticalFlowPyrLK(self._prev_gray, gray, self._pts, None, **self._lk_params)
        back, st_b, _ = cv2.calcOpticalFlowPyrLK(gray, self._prev_gray, nxt, None, **self._lk_params)
        fb = np.linalg.norm(back - self._pts, axis=1)
        good = (st.ravel() == 1) & (st_b.ravel() == 1) & (fb < self.config.flow.forward_backward_px)
        self._keep(good, nxt)
        self._prev_gray = gray

    def _solve_pose(self, ideal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """PnP-RANSAC from the last pose, refined on the inliers; (rvec, tvec, inlier rows) or None."""
        cfg = self.config
        ok, rvec, tvec, inliers = cv2.solvePnPRansac(
            self._model_pts,
            ideal,
            self.camera.matrix,
            None,
            self._rvec.copy(),
            self._tvec.copy(),
            useExtrinsicGuess=True,
            iterationsCount=cfg.ransac.iterations,
            reprojectionError=cfg.ransac.reprojection_px,
            confidence=cfg.ransac.confidence,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
        if not ok or inliers is None or len(inliers) < cfg.min_inliers:
            return None
        idx = inliers.ravel()
        if cfg.bundle is not None:
            rvec, tvec = refine_pose(
                self._model_pts[idx], ideal[idx], self.camera.matrix, rvec, tvec, self._pivot, cfg.bundle,
            )
        else:
            rvec, tvec = cv2.solvePnPRefineLM(
                self._model_pts[idx], ideal[idx], self.camera.matrix, None, rvec, tvec
            )
        return rvec, tvec, idx

    def _reprojection_px(self, ideal: np.ndarray, idx: np.ndarray) -> float:
        """Mean distance (ideal pixels) between the inliers and their model points at the pose."""
        proj, _ = cv2.projectPoints(self._model_pts[idx], self._rvec, self._tvec, self.camera.matrix, None)
        return float(np.mean(np.linalg.norm(proj.reshape(-1, 2) - ideal[idx], axis=1)))

    def _maintain(self, gray: np.ndarray, idx: np.ndarray, allow_seed_anchored: bool) -> None:
        """Keep the inliers only, seed new features when short of them, add a keyframe when due."""
        cfg = self.config
        inlier_mask = np.zeros(len(self._pts), dtype=bool)
        inlier_mask[idx] = True
        self._keep(inlier_mask, self._pts)
        self._frames_since_seed += 1
        if len(self._pts) < cfg.target_features and self._frames_since_seed >= cfg.reseed_every:
            self._seed(gray, anchored=allow_seed_anchored)
        self._frames_since_keyframe += 1
        if self._bundle is not None and self._frames_since_keyframe >= self._bundle.config.keyframe_every:
            self._refine_with_keyframe()

    def _refine_with_keyframe(self) -> None:
        self._frames_since_keyframe = 0
        last = self._bundle.keyframes[-1] if self._bundle.keyframes else None
        if last is not None:
            # A still head adds no new view: a keyframe then would only let the window drift.
            turned = np.degrees(np.linalg.norm(cv2.Rodrigues(
                cv2.Rodrigues(last.rvec.reshape(3, 1))[0].T @ cv2.Rodrigues(self._rvec)[0])[0]))
            if turned < self._bundle.config.keyframe_min_deg:
                return
        self._bundle.add_keyframe(self._rvec, self._tvec, self._ids, self.camera.undistort(self._pts), fixed=False)
        current = {int(i): p for i, p in zip(self._ids, self._model_pts)}
        points = self._bundle.refine(current)
        if points is None:
            return
        for row, fid in enumerate(self._ids):
            if int(fid) in points:
                self._model_pts[row] = points[int(fid)]
        last = self._bundle.keyframes[-1]
        self._rvec, self._tvec = last.rvec.reshape(3, 1).copy(), last.tvec.reshape(3, 1).copy()

    # -- internals ---------------------------------------------------------------------------

    def _set_pose(self, rotation: np.ndarray, translation: np.ndarray) -> None:
        self._rvec, _ = cv2.Rodrigues(np.asarray(rotation, dtype=np.float64))
        self._tvec = np.asarray(translation, dtype=np.float64).reshape(3, 1)

    def _scale_to_head(self, head_px: float) -> None:
        cfg = self.config
        self._lk_params = cfg.flow.lk_params(head_px)
        self._seed_spacing_px = max(MIN_SEED_SPACING_PX, int(round(cfg.seed_spacing_of_head_width * head_px)))
        if cfg.shading_sigma:
            self._shading_sigma_px = cfg.shading_sigma * head_px

    def _texture(self, gray: np.ndarray) -> np.ndarray:
        return texture_image(gray, self._shading_sigma_px) if self.config.shading_sigma else gray

    def _head_width_px(self, rotation: np.ndarray, translation: np.ndarray) -> float:
        depth = float(self.model.center_camera(rotation, translation)[2])
        return self.camera.fx * 2.0 * self.model.ellipsoid_axes[0] / max(depth, 1.0)

    def _keep(self, mask: np.ndarray, pts: np.ndarray) -> None:
        self._pts = pts[mask].astype(np.float32)
        self._model_pts = self._model_pts[mask]
        self._anchored = self._anchored[mask]
        self._ids = self._ids[mask]

    def _seed(self, gray: np.ndarray, anchored: bool) -> None:
        cfg = self.config
        self._frames_since_seed = 0
        rot, t = self.pose()
        mask = self.model.silhouette_mask(gray.shape[:2], rot, t, self.camera)
        # The head's outline against the background is a strong corner that does not move with
        # the head surface; features there stall the pose, so seed well inside the outline.
        margin = max(MIN_SEED_INSET_PX, int(cfg.seed_inset * self._head_width_px(rot, t)))
        mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1)))
        for p in self._pts:
            cv2.circle(mask, (int(p[0]), int(p[1])), self._seed_spacing_px, 0, -1)
        wanted = cfg.target_features - len(self._pts)
        if wanted <= 0:
            return
        corners = cv2.goodFeaturesToTrack(
            gray, maxCorners=wanted, qualityLevel=cfg.seed_quality, minDistance=self._seed_spacing_px, mask=mask
        )
        if corners is None:
            return
        corners = corners.reshape(-1, 2)
        model_pts, valid = self.model.backproject(self.camera.undistort(corners), rot, t, self.camera, cfg.min_view_cos)
        # The lower skull ellipsoid overlaps the neck and jaw, which do not move with the skull.
        low_limit = self.model.ellipsoid_center[1] + SKULL_LOW_LIMIT_OF_HALF_HEIGHT * self.model.ellipsoid_axes[1]
        chin_y = self.model.mesh_points[:, 1].max()
        valid &= model_pts[:, 1] <= max(low_limit, chin_y)
        if not valid.any():
            return
        self._pts = np.vstack([self._pts, corners[valid].astype(np.float32)])
        self._model_pts = np.vstack([self._model_pts, model_pts[valid]])
        self._anchored = np.concatenate([self._anchored, np.full(int(valid.sum()), anchored)])
        new_ids = np.arange(self._next_id, self._next_id + int(valid.sum()))
        self._next_id += len(new_ids)
        self._ids = np.concatenate([self._ids, new_ids])
        if self._bundle is not None:
            self._bundle.add_prior(new_ids, model_pts[valid])
