"""Synthetic angle streams for protocol/store/report tests: ramp - hold - return per repetition."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.core.angles import DIRECTIONS
from app.core.types import PoseSample

FPS = 30.0


def repetition(direction: str, peak_deg: float, ramp_s: float = 1.0, hold_s: float = 1.0, rest_s: float = 0.7) -> np.ndarray:
    """(N, 3) yaw/pitch/roll of one movement to ``peak_deg`` toward ``direction`` and back."""
    axis, sign = DIRECTIONS[direction]
    col = ("yaw_deg", "pitch_deg", "roll_deg").index(axis)
    n_ramp, n_hold, n_rest = int(ramp_s * FPS), int(hold_s * FPS), int(rest_s * FPS)
    up = peak_deg * 0.5 * (1 - np.cos(np.linspace(0, np.pi, n_ramp)))
    profile = np.concatenate([up, np.full(n_hold, peak_deg), up[::-1], np.zeros(n_rest)])
    out = np.zeros((profile.size, 3))
    out[:, col] = sign * profile
    return out


def rest(seconds: float) -> np.ndarray:
    return np.zeros((int(seconds * FPS), 3))


def samples_from_angles(angles: np.ndarray, noise_deg: float = 0.0, seed: int = 0, quality: float = 0.9) -> list[PoseSample]:
    rng = np.random.default_rng(seed)
    noisy = angles + rng.normal(0.0, noise_deg, angles.shape) if noise_deg else angles
    return [
        PoseSample(
            frame_index=i, time_s=i / FPS, detected=True, quality=quality,
            yaw_deg=float(y), pitch_deg=float(p), roll_deg=float(r),
            raw_yaw_deg=float(y), raw_pitch_deg=float(p), raw_roll_deg=float(r),
            trunk_rotation_deg=0.0, trunk_lean_deg=0.0,
        )  # fmt: skip
        for i, (y, p, r) in enumerate(noisy)
    ]


def drop(samples: list[PoseSample], start_s: float, end_s: float) -> list[PoseSample]:
    """Head not detected between start_s and end_s (a dropout)."""
    return [
        replace(s, detected=False, yaw_deg=None, pitch_deg=None, roll_deg=None, quality=0.0)
        if start_s <= s.time_s < end_s
        else s
        for s in samples
    ]


def truth_samples(path: Path) -> list[PoseSample]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        PoseSample(
            frame_index=int(r["frame"]), time_s=float(r["time_s"]), detected=True, quality=0.9,
            yaw_deg=float(r["yaw_deg"]), pitch_deg=float(r["pitch_deg"]), roll_deg=float(r["roll_deg"]),
            raw_yaw_deg=float(r["yaw_deg"]), raw_pitch_deg=float(r["pitch_deg"]), raw_roll_deg=float(r["roll_deg"]),
            trunk_rotation_deg=0.0, trunk_lean_deg=0.0, source="truth",
        )  # fmt: skip
        for r in rows
    ]


def truth_maxima(path: Path) -> dict[str, float]:
    samples = truth_samples(path)
    out = {}
    for direction, (axis, sign) in DIRECTIONS.items():
        out[direction] = max(sign * getattr(s, axis) for s in samples)
    return out
