"""Finds the head in every frame and keeps its pose through the full range of motion.

Two sources, each where it is good:

* the **rigid head-model tracker** (:mod:`app.core.rigid_tracker`) measures every frame it can,
  including where the face mesh degrades or is lost (rotation past ~50 degrees, flexion past ~40
  degrees); away from neutral its values carry a lower quality and the flag ``extrapolated``;
* the **face mesh** (MediaPipe, 468 points; its pose is PnP of the neutral mesh on today's 2D
  points) re-anchors the model while the head *rests* near neutral (yaw and pitch within
  ``mesh_trusted_deg``), which removes drift between movements. It does not anchor while the head
  moves: this pose under-reads growing angles (by half at 10-18 degrees of flexion on the dev
  video) and would carry that error to the end range. It also rescues the model when the face is
  in view and the two disagree beyond what the mesh's errors explain, and it bounds the model's
  angles on the axes where it sees little (:func:`bound_by_mesh`).

The mesh has a say only when it has earned it: its landmarks fit the patient's own neutral face
at its pose (:func:`mesh_fit_of_face_width`) and its track is verified (:mod:`app.core.mesh_track`);
a "face" found on a profile, the chin, the scalp or a title neither anchors, rescues nor bounds.
Where a trained network is installed it is the mesh's witness (:mod:`app.core.network_referee`):
it verifies a face it reads alike, allows a rescue only where it sides with the mesh, and lets the
mesh rescue a model that reads far more than the mesh (the stall on the way back from flexion).

The model is built from the first frames with a face (offline) or from the neutral hold
(live, :meth:`HeadTracker.rebuild_model`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import cv2
import numpy as np

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles, rotation_angle_deg
from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption, CameraIntrinsics
from app.core.crop import NOMINAL_HEAD_WIDTH_MM, HeadBox
from app.core.head_boxes import head_box_from_landmarks, head_box_from_mesh
from app.core.head_model import HeadModel
from app.core import quality as quality_scale
from app.core.mesh_evidence import bound_by_mesh, mesh_fit_of_face_width, model_contradicts_mesh, model_exceeds_mesh
from app.core.mesh_track import VERIFY_AGREEMENT_DEG, MeshTrack, doubted, follow, proven, verified
from app.core.network_referee import NetworkReferee
from app.core.rigid_tracker import RigidHeadTracker, RigidPose, TrackerConfig
from app.core.types import Frame, HeadObservation

log = logging.getLogger(__name__)

SOURCE_MESH = "face mesh"
SOURCE_MODEL = "model tracking"
SOURCE_MESH_ONLY = "face mesh (untrusted)"

# The quality of model tracking (_model_quality, below quality.MODEL_MAX): full only with enough
# tracked features and a small reprojection error, lower in proportion as either falls short.
FULL_SUPPORT_INLIERS = 40.0  # with fewer RANSAC inliers the pose rests on fewer features
SHARP_REPROJECTION_PX = 1.5  # mean inlier error up to this is sub-pixel flow plus model depth error
UNANCHORED_SHARE = 0.5  # no feature seeded at a trusted neutral left: half the quality (drift is unbounded)


@dataclass(frozen=True)
class HeadTrackerConfig:
    """The measuring core's settings, composed once: what a tracker is built with is all here.

    * its own fields: the camera, the model build and the **fusion** of face mesh and model
      tracking (when the mesh anchors, rescues or bounds the model; read here and by
      :mod:`app.core.mesh_evidence`);
    * ``tracking``: the rigid tracker's :class:`TrackerConfig`, given to every
      :class:`RigidHeadTracker` this tracker builds, and its ``bundle``
      (:class:`~app.core.bundle_adjust.BundleConfig`), given to the bundle adjustment and the
      per-frame pose refinement.

    The One Euro filter's :class:`~app.core.one_euro.OneEuroConfig` is not here: the filter runs
    in the pipeline, on angles relative to the neutral, so it is
    ``MeasurementPipeline(filter_config=...)``. tests/core/test_core_config.py changes a field of
    each and sees the behaviour change.
    """

    mesh_trusted_deg: float = 6.0
    model_frames: int = 1
    camera: CameraAssumption = CameraAssumption(DEFAULT_HFOV_DEG)
    reanchor_every: int = 3  # frames between re-anchors while the mesh is trusted
    reanchor_disagreement_deg: float = 1.0
    rest_deg_per_s: float = 8.0  # slower than this the head counts as resting
    recover_disagreement_deg: float = 10.0
    recover_axis_deg: float = 20.0  # model angle on an axis where the mesh sees < mesh_trusted_deg
    # Beyond this much extension the mesh's pitch does not rescue the model (it over-reads there;
    # chosen on dev3_white_m1_office and dev3_mena_m1_dim_shelf, the only videos with such rescues).
    mesh_extension_trusted_deg: float = 30.0
    # A model reading far more than the mesh is rescued (with the network's word) only while the mesh
    # reads at most this (chosen on dev2_dim_toplight_3trials, whose rescues at 9-11 degrees were right,
    # and the re-encoded dev3_white_m1_office, whose rescue at 18 was wrong: app.core.mesh_evidence).
    mesh_exceeded_max_deg: float = 12.0
    mesh_bound_deg: float = 1.5  # the mesh's error on an axis where it sees little (bound_by_mesh)
    mesh_bound_per_yaw: float = 0.15  # ... growing with yaw: a profile distorts the mesh's fit
    # The mesh's pose is used only when the landmarks fit the patient's neutral face shape this well
    # (mean distance, share of the face's width), allowing more the more the face is turned: a real
    # face fits at ~0.4% frontal, ~1.3% at 15 degrees, ~2.7% at 30 (its neutral depths are rough),
    # while the "faces" behind the gross errors claimed 3-20 degrees and fit at 2.9-3.2%
    # (chosen on dev2_backlit_far_720p, dev2_laptop_wide_near_drift and dev_clinic_plain).
    mesh_fit_max: float = 0.010
    mesh_fit_per_deg: float = 0.001
    # Landmarks fitting the patient's face this closely are the patient's face (its pose within 5 degrees on
    # every frame of the six videos measured): the mesh is trusted at once, whatever its track.
    mesh_fit_verifies: float = 0.008
    tracking: TrackerConfig = TrackerConfig()  # the rigid tracker's (and its bundle adjustment's) settings


@dataclass(frozen=True, eq=False)
class TrackedPose:
    """What the tracker says about one frame: head rotation and translation (mm, camera axes), quality, source."""

    rotation: np.ndarray | None
    translation: np.ndarray | None
    quality: float
    source: str


NO_POSE = TrackedPose(None, None, 0.0, "")


class HeadTracker:
    """Face mesh + body pose + rigid head-model tracking -> :class:`HeadObservation`."""

    def __init__(self, face_detector=None, body_detector=None, config: HeadTrackerConfig | None = None,
                 referee: NetworkReferee | None = None):
        from app.core.landmark_detectors import BodyPoseDetector, FaceMeshDetector

        self.config = config or HeadTrackerConfig()
        self.referee = referee  # the trained network as the mesh's witness (app.core.network_referee), if any
        self._face = face_detector if face_detector is not None else FaceMeshDetector()
        self._body = body_detector if body_detector is not None else optional_body_detector(BodyPoseDetector)
        self._camera: CameraIntrinsics | None = None
        self._frame_size: tuple[int, int] | None = None
        self._model: HeadModel | None = None
        self._tracker: RigidHeadTracker | None = None
        self._model_buffer: list[np.ndarray] = []
        self._mesh_guess: tuple[np.ndarray, np.ndarray] | None = None
        self._since_anchor = 0
        self._last_mesh: tuple[np.ndarray, float] | None = None
        self._mesh_track: MeshTrack | None = None
        self._mesh_fit = float("inf")

    def set_camera(self, camera: CameraAssumption) -> None:
        """Measure with another camera from the next frame on (a new calibration): the head model is rebuilt."""
        self.config = replace(self.config, camera=camera)
        self._frame_size = None

    @property
    def has_model(self) -> bool:
        return self._model is not None

    def rebuild_model(self) -> None:
        """Build a new head model from the next frames (call when the patient holds neutral)."""
        self._model = None
        self._tracker = None
        self._model_buffer = []
        self._mesh_guess = None
        self._mesh_track = None
        if self.referee is not None:
            self.referee.reset()

    def close(self) -> None:
        for det in (self._face, self._body):
            if det is not None and hasattr(det, "close"):
                det.close()

    # -- per frame ---------------------------------------------------------------------------

    def process(self, frame: Frame) -> HeadObservation:
        image = frame.image
        h, w = image.shape[:2]
        if self._frame_size != (w, h):
            self._frame_size = (w, h)
            self._camera = self.config.camera.intrinsics_for(w, h)
            self.rebuild_model()
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        mesh = self._face.detect(image)
        body = self._body.detect(image) if self._body is not None else None
        ideal_mesh = self._ideal_landmarks(mesh)

        if self._model is None:
            self._collect_model(ideal_mesh, gray)
            if self._model is None:
                return HeadObservation(box=head_box_from_landmarks(mesh, body), face_landmarks=mesh,
                                       face_confidence=1.0 if mesh is not None else 0.0, body_landmarks=body)
        pose = self._pose(ideal_mesh, gray, frame, head_box_from_mesh(mesh) if mesh is not None else None)
        box = self._box_from_pose(pose.rotation, pose.translation) if pose.rotation is not None else None
        if box is None:
            box = head_box_from_landmarks(mesh, body)
        return HeadObservation(
            box=box,
            face_landmarks=mesh,
            face_confidence=1.0 if mesh is not None else 0.0,
            body_landmarks=body,
            tracked_rotation=pose.rotation,
            tracked_quality=pose.quality,
            tracked_source=pose.source,
        )

    def _ideal_landmarks(self, mesh: np.ndarray | None) -> np.ndarray | None:
        """The face mesh with its image positions moved to where a distortion-free lens would put them."""
        if mesh is None or not self._camera.has_distortion:
            return mesh
        ideal = mesh.copy()
        ideal[:, :2] = self._camera.undistort(mesh[:, :2])
        return ideal

    def _collect_model(self, mesh: np.ndarray | None, gray: np.ndarray) -> None:
        if mesh is None:
            self._model_buffer = []
            return
        self._model_buffer.append(mesh)
        if len(self._model_buffer) < self.config.model_frames:
            return
        neutral_mesh = np.median(np.stack(self._model_buffer), axis=0)
        try:
            self._model = HeadModel.from_face_mesh(neutral_mesh, self._camera)
        except ValueError as exc:
            log.info("head model not built yet: %s", exc)
            self._model_buffer = []
            return
        self._tracker = RigidHeadTracker(self._model, self._camera, self.config.tracking)
        self._tracker.start(gray, np.eye(3), np.zeros(3), anchored=True)
        self._mesh_guess = (np.zeros(3), np.zeros(3))
        log.info("head model built from %d frames", len(self._model_buffer))

    def _mesh_pose(self, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The mesh's head pose (PnP of the patient's neutral face on today's points); None when the face found
        does not fit the patient's own face shape well enough to be trusted (a profile, a scalp, a chin, a title)."""
        pose = self._solve_mesh_pose(mesh)
        if pose is None:
            return None
        cfg = self.config
        allowed = cfg.mesh_fit_max + cfg.mesh_fit_per_deg * rotation_angle_deg(np.eye(3), pose[0])
        self._mesh_fit = mesh_fit_of_face_width(self._model.mesh_points, mesh, pose, self._camera)
        if self._mesh_fit > allowed:
            self._mesh_guess = None  # next time solve from scratch, not from a pose fitted to something else
            return None
        return pose

    def _solve_mesh_pose(self, mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        model_pts = self._model.mesh_points
        img_pts = mesh[:, :2].astype(np.float64)
        if self._mesh_guess is None:
            ok, rvec, tvec = cv2.solvePnP(model_pts, img_pts, self._camera.matrix, None, flags=cv2.SOLVEPNP_SQPNP)
        else:
            rvec0, tvec0 = (v.reshape(3, 1).copy() for v in self._mesh_guess)
            ok, rvec, tvec = cv2.solvePnP(
                model_pts, img_pts, self._camera.matrix, None, rvec0, tvec0, useExtrinsicGuess=True,
                flags=cv2.SOLVEPNP_ITERATIVE,
            )
        if not ok:
            return None
        self._mesh_guess = (rvec.ravel(), tvec.ravel())
        return cv2.Rodrigues(rvec)[0], tvec.ravel()

    def _pose(self, mesh, gray, frame: Frame, mesh_box: HeadBox | None) -> "TrackedPose":
        cfg = self.config
        time_s = frame.timestamp
        referee = self.referee if mesh_box is not None else None
        tracker = self._tracker
        mesh_pose = self._mesh_pose(mesh) if mesh is not None else None
        near_neutral = at_rest = False
        mesh_angles = angles_from_matrix(mesh_pose[0]) if mesh_pose is not None else None
        if mesh_pose is not None:
            near_neutral = (abs(mesh_angles.yaw_deg) < cfg.mesh_trusted_deg
                            and abs(mesh_angles.pitch_deg) < cfg.mesh_trusted_deg)
            if self._last_mesh is not None and time_s > self._last_mesh[1]:
                speed = rotation_angle_deg(self._last_mesh[0], mesh_pose[0]) / (time_s - self._last_mesh[1])
                at_rest = speed < cfg.rest_deg_per_s
            self._last_mesh = (mesh_pose[0], time_s)
        else:
            self._last_mesh = None
        # Features seeded now count as anchored only if the mesh was trusted until now and still rests near neutral.
        was_trusted = mesh_pose is not None and self._mesh_track is not None and self._mesh_track.verified
        tracked: RigidPose | None = tracker.update(gray, allow_seed_anchored=near_neutral and at_rest and was_trusted)
        trusted_mesh = self._follow_mesh(mesh_pose, time_s, near_neutral)
        if not trusted_mesh and mesh_pose is not None and referee is not None:
            if referee.vouches_for(frame, mesh_box, mesh_pose[0]):
                self._mesh_track = verified(self._mesh_track)  # the network sees the face the mesh found
                trusted_mesh = True
        near_neutral = near_neutral and trusted_mesh
        # The mesh under-reads angles as they grow, so it anchors the model only while the head
        # rests near neutral, never at the start of a movement.
        anchor = resting = near_neutral and at_rest
        model_angles = angles_from_matrix(tracked.rotation) if tracked is not None and mesh_pose is not None else None
        if model_angles is not None and not anchor:
            anchor, trusted_mesh = self._rescue_due(referee, frame, mesh_box, mesh_pose[0], mesh_angles,
                                                    tracked.rotation, model_angles, near_neutral, trusted_mesh)
        if not trusted_mesh:
            mesh_angles = None  # a face the mesh has not earned neither rescues nor bounds the model
        if anchor:
            rotation, translation = mesh_pose
            if resting and referee is not None:
                referee.learn(frame, mesh_box, rotation)  # the network's zero, where the mesh is right
            self._since_anchor += 1
            drift = 0.0 if tracked is None else rotation_angle_deg(tracked.rotation, rotation)
            if tracked is None or drift > cfg.reanchor_disagreement_deg or self._since_anchor >= cfg.reanchor_every:
                tracker.correct(gray, rotation, translation)
                self._since_anchor = 0
            return TrackedPose(rotation, translation, quality_scale.ANCHORED, SOURCE_MESH)
        if tracked is not None:
            quality = _model_quality(tracked)
            if near_neutral:
                quality = max(quality, quality_scale.NEAR_NEUTRAL)  # the whole face is in view: not an extrapolation
            rotation = tracked.rotation
            if model_angles is not None and mesh_angles is not None:
                rotation = self._within_mesh_bounds(rotation, model_angles, mesh_angles)
            return TrackedPose(rotation, tracked.translation, quality, SOURCE_MODEL)
        if mesh_pose is not None:
            # The model tracker lost the head but the mesh still sees a face: restart from it.
            tracker.start(gray, mesh_pose[0], mesh_pose[1], anchored=False)
            return TrackedPose(mesh_pose[0], mesh_pose[1], quality_scale.MESH_ONLY, SOURCE_MESH_ONLY)
        return NO_POSE

    def _follow_mesh(self, mesh_pose, time_s: float, frontal: bool) -> bool:
        """Chain this frame's mesh into its track (:mod:`app.core.mesh_track`); whether the track is trusted."""
        if mesh_pose is None:
            return False
        self._mesh_track = follow(self._mesh_track, mesh_pose[0], time_s)
        if self._mesh_fit <= self.config.mesh_fit_verifies:
            self._mesh_track = verified(self._mesh_track)  # it is the patient's face: nothing else fits it this well
        self._mesh_track, _ = proven(self._mesh_track, frontal)
        return self._mesh_track.verified

    def _model_went_astray(self, mesh_rotation: np.ndarray, mesh: HeadAngles, model_rotation: np.ndarray,
                           model: HeadAngles, near_neutral: bool) -> bool:
        """The face is in view and the model disagrees with it beyond what the mesh's errors allow."""
        cfg = self.config
        if near_neutral and rotation_angle_deg(model_rotation, mesh_rotation) > cfg.recover_disagreement_deg:
            return True
        return model_contradicts_mesh(model, mesh, cfg)

    def _rescue_due(self, referee: NetworkReferee | None, frame: Frame, mesh_box: HeadBox | None,
                    mesh_rotation: np.ndarray, mesh: HeadAngles, model_rotation: np.ndarray, model: HeadAngles,
                    near_neutral: bool, trusted_mesh: bool) -> tuple[bool, bool]:
        """Whether the mesh replaces the model on this frame, and whether the mesh is trusted now."""
        astray = self._model_went_astray(mesh_rotation, mesh, model_rotation, model, near_neutral)
        if not astray and trusted_mesh and referee is not None and model_exceeds_mesh(model, mesh, self.config):
            astray = referee.vouches_for(frame, mesh_box, mesh_rotation)  # the network sides with the mesh: a stall
        if not astray and rotation_angle_deg(model_rotation, mesh_rotation) <= VERIFY_AGREEMENT_DEG:
            self._mesh_track = verified(self._mesh_track)  # the model agrees: this face is the patient's
            trusted_mesh = True
        rescue = astray and trusted_mesh
        if rescue and referee is not None and not referee.prefers_mesh(frame, mesh_box, mesh_rotation, model_rotation):
            # The network finds this face farther from the head than the model: it neither rescues nor bounds.
            self._mesh_track = doubted(self._mesh_track)
            return False, False
        return rescue, trusted_mesh

    def _within_mesh_bounds(self, model_rotation: np.ndarray, model: HeadAngles, mesh: HeadAngles) -> np.ndarray:
        cfg = self.config
        bounded = bound_by_mesh(model, mesh, cfg.mesh_trusted_deg, cfg.mesh_bound_deg, cfg.mesh_bound_per_yaw)
        return model_rotation if bounded == model else matrix_from_angles(bounded)

    # -- boxes -------------------------------------------------------------------------------

    def _box_from_pose(self, rotation: np.ndarray, translation: np.ndarray) -> HeadBox | None:
        center = self._model.center_camera(rotation, translation)
        if center[2] <= 1.0:
            return None  # the head's centre at or behind the camera: a pose gone wrong, no box from it
        px = self._camera.distort(self._camera.project(center[None, :]))[0]
        width = self._camera.fx * NOMINAL_HEAD_WIDTH_MM / center[2]
        return HeadBox(float(px[0]), float(px[1]), float(width))

def optional_body_detector(factory):
    """The body pose detector, or None with a warning where its model is missing."""
    # Trunk flags need the body model; measuring the neck does not, so its absence is a warning.
    try:
        return factory()
    except Exception as exc:  # noqa: BLE001  (mediapipe raises several kinds when a model is missing)
        log.warning("body pose unavailable (trunk compensation not measured): %s", exc)
        return None


def _model_quality(pose: RigidPose) -> float:
    """Quality of an extrapolated pose: enough inliers, still anchored, small residuals."""
    support = min(1.0, pose.inliers / FULL_SUPPORT_INLIERS)
    anchoring = UNANCHORED_SHARE + (1.0 - UNANCHORED_SHARE) * pose.anchored_fraction
    residual = 1.0 if pose.reprojection_px < SHARP_REPROJECTION_PX else SHARP_REPROJECTION_PX / pose.reprojection_px
    top = quality_scale.MODEL_MAX
    return float(np.clip(top * support * anchoring * residual, quality_scale.MODEL_MIN, top))
