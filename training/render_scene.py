"""What one synthetic training image shows: pose, camera, light, background and webcam defects.

Every field is drawn from a seeded generator (``draw_scene(rng)``), so image ``i`` of a run is
the same whenever it is rendered (resuming never changes the data). The ranges are the issue's:
yaw to +-90, pitch -70..+60, roll +-50 degrees (a neck's whole range, and some more from the
camera's tilt), horizontal field of view 45-80 degrees, distance, offset, lights, backgrounds,
blur, noise, JPEG and exposure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.core.angles import HeadAngles

YAW_RANGE_DEG = (-90.0, 90.0)
PITCH_RANGE_DEG = (-70.0, 60.0)
ROLL_RANGE_DEG = (-50.0, 50.0)
HFOV_RANGE_DEG = (45.0, 80.0)
DISTANCE_RANGE_M = (0.45, 1.3)
FRAME_SIZES = ((640, 480), (1280, 720), (960, 540))
# How far the head's centre sits from the image centre, as a share of the frame: a seated
# patient framed by a clinician. Farther out, a crop alone cannot tell a turned head from a
# head seen off-axis (the label is relative to the camera's axes, as in BIWI).
MAX_OFFSET_SHARE = 0.2
CAMERA_TILT_DEG = (12.0, 3.0, 8.0)  # pitch, roll, yaw of the camera about the upright patient
# How the app's head box errs (centre and size) compared with the true head: the crop sees it.
BOX_SHIFT_SHARE = 0.04
BOX_SCALE_SIGMA = 0.06
BACKGROUNDS = ("gradient", "rectangles", "noise", "texture")


@dataclass(frozen=True)
class Degradation:
    exposure_gain: float
    gamma: float
    white_balance: tuple[float, float, float]
    blur_sigma_px: float
    noise_sigma: float
    jpeg_quality: int


@dataclass(frozen=True)
class Scene:
    neck: HeadAngles  # the head relative to the shoulders
    camera_tilt: HeadAngles  # the camera relative to the upright patient (same convention)
    hfov_deg: float
    frame_size: tuple[int, int]
    distance_m: float
    offset_share: tuple[float, float]  # head centre from the image centre, share of width/height
    box_shift_share: tuple[float, float]
    box_scale: float
    light_direction: tuple[float, float, float]
    light_colour: tuple[float, float, float]
    ambient: float
    specular: float
    background: str
    background_seed: int
    degradation: Degradation


def draw_neck(rng: np.random.Generator) -> HeadAngles:
    """Half the poses move one axis through its whole range (the protocol's movements), a third
    fill the whole box (combined movements), the rest stay near neutral (where most frames are)."""
    ranges = (YAW_RANGE_DEG, PITCH_RANGE_DEG, ROLL_RANGE_DEG)
    kind = rng.random()
    if kind < 0.5:
        axis = int(rng.integers(3))
        values = [float(np.clip(rng.normal(0.0, 8.0), *r)) for r in ranges]
        values[axis] = float(rng.uniform(*ranges[axis]))
    elif kind < 0.83:
        values = [float(rng.uniform(*r)) for r in ranges]
    else:
        values = [float(np.clip(rng.normal(0.0, 10.0), *r)) for r in ranges]
    return HeadAngles(*values)


def draw_degradation(rng: np.random.Generator) -> Degradation:
    return Degradation(
        exposure_gain=float(np.exp(rng.normal(0.0, 0.3))),
        gamma=float(np.exp(rng.normal(0.0, 0.15))),
        white_balance=tuple(float(v) for v in np.exp(rng.normal(0.0, 0.08, size=3))),
        blur_sigma_px=float(rng.choice([0.0, rng.uniform(0.3, 1.8)], p=[0.4, 0.6])),
        noise_sigma=float(rng.uniform(0.0, 10.0)),
        jpeg_quality=int(rng.integers(35, 96)),
    )


def draw_scene(rng: np.random.Generator) -> Scene:
    tilt_p, tilt_r, tilt_y = CAMERA_TILT_DEG
    light = rng.normal(size=3)
    light[2] = -abs(light[2]) - 0.3  # from the camera's side of the head (z toward the camera is -)
    tint = np.clip(rng.normal(1.0, 0.08, size=3), 0.75, 1.25) * rng.uniform(0.45, 1.1)
    return Scene(
        neck=draw_neck(rng),
        camera_tilt=HeadAngles(float(rng.uniform(-tilt_y, tilt_y)), float(rng.uniform(-tilt_p, tilt_p)),
                               float(np.clip(rng.normal(0.0, tilt_r), -2 * tilt_r, 2 * tilt_r))),
        hfov_deg=float(rng.uniform(*HFOV_RANGE_DEG)),
        frame_size=FRAME_SIZES[int(rng.integers(len(FRAME_SIZES)))],
        distance_m=float(rng.uniform(*DISTANCE_RANGE_M)),
        offset_share=tuple(float(v) for v in rng.uniform(-MAX_OFFSET_SHARE, MAX_OFFSET_SHARE, size=2)),
        box_shift_share=tuple(float(v) for v in rng.normal(0.0, BOX_SHIFT_SHARE, size=2)),
        box_scale=float(np.exp(rng.normal(0.0, BOX_SCALE_SIGMA))),
        light_direction=tuple(float(v) for v in light),
        light_colour=tuple(float(v) for v in tint),
        ambient=float(rng.uniform(0.15, 0.6)),
        specular=float(rng.uniform(0.0, 0.3)),
        background=BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))],
        background_seed=int(rng.integers(2**31)),
        degradation=draw_degradation(rng),
    )
