"""Pinhole camera intrinsics used to turn pixels into viewing rays.

A webcam's focal length is rarely known, so a typical webcam field of view is assumed unless the
user gives one. It matters: the perspective gradient across the face that tells a flexion from a
shift scales with it, and on the dev video and its perturbed copies flexion and extension end
ranges move by 3-4 degrees between an assumed 62 and 50 (docs/MEASURING_CORE.md), so the CLI
(``--hfov``) and the GUI's settings take the real one, and every result says which one it used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Typical laptop/USB webcams have a 55-70 degree horizontal field of view.
DEFAULT_HFOV_DEG = 62.0
HFOV_RANGE_DEG = (20.0, 150.0)  # what any webcam lens can have; outside it the value is a typo


@dataclass(frozen=True)
class CameraAssumption:
    """The horizontal field of view an analysis used, and whether the user gave it."""

    hfov_deg: float
    given: bool

    @classmethod
    def from_user(cls, hfov_deg: float | None) -> "CameraAssumption":
        """The user's value, checked, or the typical webcam's when there is none (ValueError: no lens has it)."""
        if hfov_deg is None:
            return cls(DEFAULT_HFOV_DEG, given=False)
        low, high = HFOV_RANGE_DEG
        if not low <= hfov_deg <= high:
            raise ValueError(f"a webcam's horizontal field of view is between {low:g} and {high:g} degrees, not {hfov_deg:g}")
        return cls(float(hfov_deg), given=True)

    @property
    def word(self) -> str:
        return "given" if self.given else "assumed"

    @property
    def source(self) -> str:
        return self.word if self.given else f"{self.word} (typical webcam)"

    def describe(self, where: str) -> str:
        """``where`` (a camera or a file) with the field of view its angles were measured with."""
        return f"{where}, {self.hfov_deg:g}° field of view ({self.word})"


@dataclass(frozen=True)
class CameraIntrinsics:
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_fov(cls, width: int, height: int, hfov_deg: float = DEFAULT_HFOV_DEG) -> "CameraIntrinsics":
        f = (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(f, f, width / 2.0, height / 2.0)

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

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
