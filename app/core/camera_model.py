"""Pinhole camera intrinsics used to turn pixels into viewing rays, and where they came from.

A webcam's focal length is rarely known. It matters: the perspective gradient across the face
that tells a flexion from a shift scales with it, and on the dev video and its perturbed copies
flexion and extension end ranges move by 3-4 degrees between an assumed 62 and 50
(docs/MEASURING_CORE.md). So the camera is, in order of preference, *measured* (a calibration
with a printed pattern, :mod:`app.calibration`, which also gives the lens distortion), *given*
(the field of view typed in the GUI's settings or ``--hfov``) or *assumed* (a typical webcam's),
and every result says which one it used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

# Typical laptop/USB webcams have a 55-70 degree horizontal field of view.
DEFAULT_HFOV_DEG = 62.0
HFOV_RANGE_DEG = (20.0, 150.0)  # what any webcam lens can have; outside it the value is a typo


def check_hfov(hfov_deg: float) -> float:
    """``hfov_deg`` if a webcam lens can have it (ValueError otherwise: the value is a typo)."""
    low, high = HFOV_RANGE_DEG
    if not (math.isfinite(hfov_deg) and low <= hfov_deg <= high):
        raise ValueError(f"a webcam's horizontal field of view is between {low:g} and {high:g} degrees, not {hfov_deg:g}")
    return float(hfov_deg)


class CameraSource(str, Enum):
    """Where the camera's intrinsics came from (stored with every session, shown in reports)."""

    ASSUMED = "assumed"
    GIVEN = "given"
    MEASURED = "measured"


@dataclass(frozen=True)
class CameraIntrinsics:
    """Pinhole intrinsics in pixels, with OpenCV's lens distortion (k1, k2, p1, p2[, k3]) when measured.

    The measuring core works in *ideal* pixels (a distortion-free image with the same fx, fy, cx,
    cy): points found in the image (face mesh, tracked features) go through :meth:`undistort`
    first, and positions drawn back onto the image through :meth:`distort`. The image itself is
    never remapped (that would cost a full-frame warp every frame and blur the features).
    """

    fx: float
    fy: float
    cx: float
    cy: float
    distortion: tuple[float, ...] = ()

    @classmethod
    def from_fov(cls, width: int, height: int, hfov_deg: float = DEFAULT_HFOV_DEG) -> "CameraIntrinsics":
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(f, f, width / 2.0, height / 2.0)

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def has_distortion(self) -> bool:
        return any(c != 0.0 for c in self.distortion)

    def undistort(self, points_px: np.ndarray) -> np.ndarray:
        """Ideal (distortion-free) pixel positions of image positions (N, 2); the input itself without distortion."""
        if not self.has_distortion:
            return points_px
        import cv2

        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 1, 2)
        # Iterated to convergence: OpenCV's default five steps leave an error toward the corners.
        ideal = cv2.undistortPoints(
            pts, self.matrix, np.asarray(self.distortion), R=None, P=self.matrix,
            criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 1e-6),
        )
        return ideal.reshape(-1, 2).astype(np.asarray(points_px).dtype, copy=False)

    def distort(self, ideal_px: np.ndarray) -> np.ndarray:
        """Image positions of ideal pixel positions (N, 2): the inverse of :meth:`undistort`."""
        if not self.has_distortion:
            return ideal_px
        import cv2

        pts = np.asarray(ideal_px, dtype=np.float64).reshape(-1, 2)
        rays = np.column_stack([(pts[:, 0] - self.cx) / self.fx, (pts[:, 1] - self.cy) / self.fy, np.ones(len(pts))])
        image, _ = cv2.projectPoints(rays, np.zeros(3), np.zeros(3), self.matrix, np.asarray(self.distortion))
        return image.reshape(-1, 2).astype(np.asarray(ideal_px).dtype, copy=False)

    def hfov_deg(self, width: int) -> float:
        """Horizontal field of view of an image ``width`` pixels wide (ideal pinhole, principal point included)."""
        return math.degrees(math.atan(self.cx / self.fx) + math.atan((width - self.cx) / self.fx))

    def rays(self, points_px: np.ndarray) -> np.ndarray:
        """Unnormalised viewing rays (N, 3) through pixel positions (N, 2), camera axes."""
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
        return np.column_stack(
            [(pts[:, 0] - self.cx) / self.fx, (pts[:, 1] - self.cy) / self.fy, np.ones(len(pts))]
        )

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """Pixel positions (N, 2) of camera-frame points (N, 3) in front of the camera."""
        p = np.asarray(points_cam, dtype=np.float64).reshape(-1, 3)
        z = np.maximum(p[:, 2], 1e-6)
        return np.column_stack([self.fx * p[:, 0] / z + self.cx, self.fy * p[:, 1] / z + self.cy])


@dataclass(frozen=True)
class CameraCalibration:
    """A camera measured with a printed pattern (:mod:`app.calibration`): intrinsics at one resolution."""

    width: int
    height: int
    intrinsics: CameraIntrinsics
    reprojection_px: float  # RMS over the views used
    views: int
    measured_on: str  # ISO date
    camera: str = ""  # the camera's name as the app knows it ("camera 0")

    @property
    def hfov_deg(self) -> float:
        return self.intrinsics.hfov_deg(self.width)

    def intrinsics_for(self, width: int, height: int) -> CameraIntrinsics | None:
        """The intrinsics for frames of this size: scaled when only the resolution changed; None when the
        aspect ratio differs (the camera then crops its sensor another way, which the calibration can't say)."""
        if (width, height) == (self.width, self.height):
            return self.intrinsics
        sx, sy = width / self.width, height / self.height
        if abs(sx - sy) > 0.01 * max(sx, sy):
            return None
        k = self.intrinsics
        return CameraIntrinsics(k.fx * sx, k.fy * sy, k.cx * sx, k.cy * sy, k.distortion)

    def to_dict(self) -> dict:
        k = self.intrinsics
        return {
            "camera": self.camera, "width": self.width, "height": self.height,
            "fx": k.fx, "fy": k.fy, "cx": k.cx, "cy": k.cy, "distortion": list(k.distortion),
            "hfov_deg": round(self.hfov_deg, 3), "reprojection_px": self.reprojection_px,
            "views": self.views, "measured_on": self.measured_on,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "CameraCalibration":
        """ValueError with what is wrong when ``d`` is not a calibration (a hand-edited or foreign file)."""
        try:
            k = CameraIntrinsics(float(d["fx"]), float(d["fy"]), float(d["cx"]), float(d["cy"]),
                                 tuple(float(c) for c in d.get("distortion", ())))
            cal = cls(int(d["width"]), int(d["height"]), k, float(d["reprojection_px"]), int(d["views"]),
                      str(d["measured_on"]), str(d.get("camera", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a camera calibration ({type(exc).__name__}: {exc})") from None
        values = (k.fx, k.fy, k.cx, k.cy, *k.distortion)
        if cal.width <= 0 or cal.height <= 0 or k.fx <= 0 or k.fy <= 0 or not all(map(math.isfinite, values)):
            raise ValueError("not a camera calibration (impossible intrinsics)")
        check_hfov(cal.hfov_deg)
        return cal


@dataclass(frozen=True)
class CameraAssumption:
    """The camera an analysis measured with: a field of view, where it came from, and a calibration if measured."""

    hfov_deg: float
    kind: CameraSource = CameraSource.ASSUMED
    calibration: CameraCalibration | None = field(default=None, compare=False)

    @classmethod
    def from_user(cls, hfov_deg: float | None) -> "CameraAssumption":
        """The user's value, checked, or the typical webcam's when there is none (ValueError: no lens has it)."""
        if hfov_deg is None:
            return cls(DEFAULT_HFOV_DEG, CameraSource.ASSUMED)
        return cls(check_hfov(hfov_deg), CameraSource.GIVEN)

    @classmethod
    def measured(cls, calibration: CameraCalibration) -> "CameraAssumption":
        return cls(round(calibration.hfov_deg, 1), CameraSource.MEASURED, calibration)

    @property
    def given(self) -> bool:
        """Whether the intrinsics are the user's camera's own (typed in or measured), not a guess."""
        return self.kind is not CameraSource.ASSUMED

    @property
    def word(self) -> str:
        if self.kind is CameraSource.MEASURED and self.calibration is not None:
            return f"measured {self.calibration.measured_on}"
        return self.kind.value

    @property
    def source(self) -> str:
        return f"{self.word} (typical webcam)" if self.kind is CameraSource.ASSUMED else self.word

    def describe(self, where: str) -> str:
        """``where`` (a camera or a file) with the field of view its angles were measured with."""
        return f"{where}, {self.hfov_deg:g}° field of view ({self.word})"

    def intrinsics_for(self, width: int, height: int) -> CameraIntrinsics:
        """Intrinsics for frames of this size: the calibration's when it fits them, else from the field of view."""
        if self.calibration is not None:
            measured = self.calibration.intrinsics_for(width, height)
            if measured is not None:
                return measured
        return CameraIntrinsics.from_fov(width, height, self.hfov_deg)
