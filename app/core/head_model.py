"""A rigid 3D model of the patient's head, built from the face mesh at neutral.

Why a model: beyond ~50 degrees of rotation or ~40 degrees of flexion the face is hardly visible,
and face-mesh networks stop answering (or answer wrongly). What stays visible is the side or the
top of the head. Tracking image features on it needs each feature's 3D position on the head, so
the model is the face mesh (dense and accurate where the face is) completed by an ellipsoid for
the skull (ears, sides, top, back), sized from the face with adult head proportions.

Model coordinates are camera coordinates (millimetres) at the neutral frame the model was built
from, so the model's pose at that frame is the identity rotation and zero translation; the pose
of a later frame (R, t) maps model points X to camera points ``R @ X + t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import Delaunay

from app.core.camera_model import CameraIntrinsics

# MediaPipe face-mesh indices used to size the head.
CHEEK_RIGHT_IMG_LEFT = 234  # leftmost face-oval point in an unmirrored frontal image
CHEEK_LEFT_IMG_RIGHT = 454
NOSE_BRIDGE = 168
FOREHEAD_TOP = 10
CHIN = 152

# Nominal distance between landmarks 234 and 454 (face breadth near the ears, ~bizygomatic).
# It fixes the model's absolute scale only; rotations under perspective do not depend on it.
NOMINAL_FACE_WIDTH_MM = 140.0

# Adult skull proportions relative to that face width (anthropometric averages: head breadth
# ~155 mm, head length ~195 mm, vertex ~125 mm above the ear line).
SKULL_HALF_WIDTH = 0.56
SKULL_HALF_HEIGHT = 0.90
SKULL_HALF_DEPTH = 0.70
SKULL_CENTER_ABOVE_CHEEKS = 0.15
# The head turns about the cervical spine; as one effective pivot, mid-neck (~C4-C5): about
# 110 mm below the skull centre and a little behind it.
PIVOT_BELOW_SKULL_CENTER = 0.8
PIVOT_BEHIND_SKULL_CENTER = 0.07


@dataclass(frozen=True, eq=False)
class HeadModel:
    """Face-mesh vertices and triangles plus a skull ellipsoid, in model coordinates (mm)."""

    mesh_points: np.ndarray  # (468, 3)
    triangles: np.ndarray  # (T, 3) vertex indices, front-facing at neutral
    ellipsoid_center: np.ndarray  # (3,)
    ellipsoid_axes: np.ndarray  # (3,) semi-axes along model x, y, z
    face_width_mm: float

    @classmethod
    def from_face_mesh(cls, landmarks_px: np.ndarray, camera: CameraIntrinsics) -> "HeadModel":
        """Build the model from one (ideally averaged) neutral face mesh (468, 3) in pixels."""
        lm = np.asarray(landmarks_px, dtype=np.float64)[:468]
        width_px = float(np.linalg.norm(lm[CHEEK_RIGHT_IMG_LEFT, :2] - lm[CHEEK_LEFT_IMG_RIGHT, :2]))
        if width_px < 4.0:
            raise ValueError("face too small to build a head model")
        depth = camera.fx * NOMINAL_FACE_WIDTH_MM / width_px
        # MediaPipe z has the scale of x in pixels; at distance `depth` a pixel is depth/fx mm.
        z_mm = depth + lm[:, 2] * depth / camera.fx
        rays = camera.rays(lm[:, :2])
        points = rays * z_mm[:, None]
        triangles = Delaunay(lm[:, :2]).simplices.astype(np.int32)
        w = NOMINAL_FACE_WIDTH_MM
        mid = 0.5 * (points[CHEEK_RIGHT_IMG_LEFT] + points[CHEEK_LEFT_IMG_RIGHT])
        center = np.array(
            [mid[0], mid[1] - SKULL_CENTER_ABOVE_CHEEKS * w, points[NOSE_BRIDGE, 2] + SKULL_HALF_DEPTH * w]
        )
        axes = np.array([SKULL_HALF_WIDTH, SKULL_HALF_HEIGHT, SKULL_HALF_DEPTH]) * w
        return cls(points, triangles, center, axes, w)

    # -- back-projection ---------------------------------------------------------------------

    def backproject(
        self,
        points_px: np.ndarray,
        rotation: np.ndarray,
        translation: np.ndarray,
        camera: CameraIntrinsics,
        min_view_cos: float = 0.35,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Model coordinates of image points seen on the head at pose (R, t).

        Returns ``(model_points (N, 3), valid (N,) bool)``. A point is valid when its ray hits a
        front-facing face triangle, or else the skull ellipsoid at a surface angle steep enough
        (view cosine >= ``min_view_cos``) for its depth to be trusted.
        """
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
        out = np.zeros((len(pts), 3))
        valid = np.zeros(len(pts), dtype=bool)
        if len(pts) == 0:
            return out, valid
        on_mesh, mesh_pts = self._hit_mesh(pts, rotation, translation, camera)
        out[on_mesh] = mesh_pts[on_mesh]
        valid |= on_mesh
        rest = ~on_mesh
        if rest.any():
            hit, ell_pts, view_cos = self._hit_ellipsoid(pts[rest], rotation, translation, camera)
            ok = hit & (view_cos >= min_view_cos)
            idx = np.flatnonzero(rest)
            out[idx[ok]] = ell_pts[ok]
            valid[idx[ok]] = True
        return out, valid

    def _hit_mesh(self, pts, rotation, translation, camera):
        cam = self.mesh_points @ rotation.T + translation
        proj = camera.project(cam)
        tri = self.triangles
        a, b, c = proj[tri[:, 0]], proj[tri[:, 1]], proj[tri[:, 2]]
        # Keep triangles that face the camera now (same winding as at neutral, where all did).
        cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
        cross0 = self._neutral_winding(camera)
        facing = np.sign(cross) == np.sign(cross0)
        facing &= np.abs(cross) > 0.5  # skip triangles seen edge-on
        hit = np.zeros(len(pts), dtype=bool)
        model = np.zeros((len(pts), 3))
        if not facing.any():
            return hit, model
        a, b, c, cross, tri_f = a[facing], b[facing], c[facing], cross[facing], tri[facing]
        depth_tri = cam[tri_f].mean(axis=1)[:, 2]
        # Barycentric coordinates of every point in every facing triangle (N x T).
        px = pts[:, 0:1]
        py = pts[:, 1:2]
        w0 = ((b[:, 0] - px) * (c[:, 1] - py) - (b[:, 1] - py) * (c[:, 0] - px)) / cross
        w1 = ((c[:, 0] - px) * (a[:, 1] - py) - (c[:, 1] - py) * (a[:, 0] - px)) / cross
        w2 = 1.0 - w0 - w1
        inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
        if not inside.any():
            return hit, model
        depth = np.where(inside, depth_tri[None, :], np.inf)
        best = depth.argmin(axis=1)
        hit = np.isfinite(depth[np.arange(len(pts)), best])
        rows = np.flatnonzero(hit)
        t = best[rows]
        verts = self.mesh_points[tri_f[t]]  # (n, 3, 3)
        bary = np.stack([w0[rows, t], w1[rows, t], w2[rows, t]], axis=1)
        model[rows] = np.einsum("nk,nkd->nd", bary, verts)
        return hit, model

    def _neutral_winding(self, camera):
        proj = camera.project(self.mesh_points)
        tri = self.triangles
        a, b, c = proj[tri[:, 0]], proj[tri[:, 1]], proj[tri[:, 2]]
        return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])

    def _hit_ellipsoid(self, pts, rotation, translation, camera):
        # Ray from the camera centre, expressed in model coordinates.
        origin = -rotation.T @ translation
        dirs = camera.rays(pts) @ rotation  # (R^T d) for each row d
        o = (origin - self.ellipsoid_center) / self.ellipsoid_axes
        d = dirs / self.ellipsoid_axes
        qa = np.einsum("ij,ij->i", d, d)
        qb = 2.0 * d @ o
        qc = o @ o - 1.0
        disc = qb * qb - 4 * qa * qc
        hit = disc > 0
        s = np.where(hit, (-qb - np.sqrt(np.maximum(disc, 0.0))) / (2 * qa), 0.0)
        hit &= s > 0
        model = origin + s[:, None] * dirs
        normal = (model - self.ellipsoid_center) / self.ellipsoid_axes**2
        normal /= np.linalg.norm(normal, axis=1, keepdims=True)
        unit_dirs = dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
        view_cos = -np.einsum("ij,ij->i", unit_dirs, normal)
        return hit, model, view_cos

    def silhouette_mask(
        self, shape: tuple[int, int], rotation: np.ndarray, translation: np.ndarray, camera: CameraIntrinsics
    ) -> np.ndarray:
        """uint8 mask of where the skull ellipsoid and the face mesh project (for seeding)."""
        import cv2

        h, w = shape
        mask = np.zeros((h, w), dtype=np.uint8)
        # Sample the ellipsoid surface and fill the convex hull of its projection.
        u = np.linspace(0, 2 * np.pi, 48)
        v = np.linspace(-np.pi / 2, np.pi / 2, 24)
        uu, vv = np.meshgrid(u, v)
        sphere = np.stack([np.cos(vv) * np.cos(uu), np.sin(vv), np.cos(vv) * np.sin(uu)], axis=-1).reshape(-1, 3)
        surface = self.ellipsoid_center + sphere * self.ellipsoid_axes
        for cloud in (surface, self.mesh_points):
            cam = cloud @ rotation.T + translation
            cam = cam[cam[:, 2] > 1.0]
            if len(cam) < 3:
                continue
            hull = cv2.convexHull(camera.distort(camera.project(cam)).astype(np.float32))  # mask of the image
            cv2.fillConvexPoly(mask, hull.astype(np.int32), 255)
        return mask

    @property
    def pivot_point(self) -> np.ndarray:
        """Effective neck pivot in model coordinates (mm)."""
        w = self.face_width_mm
        return self.ellipsoid_center + np.array([0.0, PIVOT_BELOW_SKULL_CENTER * w, PIVOT_BEHIND_SKULL_CENTER * w])

    def center_camera(self, rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
        """Skull centre in camera coordinates at pose (R, t)."""
        return rotation @ self.ellipsoid_center + translation
