"""One labelled training example from a head and a :class:`Scene`: the face crop the app would cut
from a webcam frame, its angles in the project's convention, and landmark targets.

The camera is a pinhole of the scene's field of view and frame size. The head box is the one
the app's tracker makes (``HeadBox`` at the projected head centre, width = fx x the nominal
head width / depth), disturbed as a tracker disturbs it, and cut with the app's ``CropRule``,
so the network sees crops framed as at run time. Only that crop's window of the frame is
rendered, at the camera's own pixel scale (capped at ``max_side`` pixels).

The label is the head's rotation relative to the viewing ray through the crop's centre
(app.core.view_ray, ``AngleFrame.CROP_RAY``): what the crop shows. The rotation relative to the
camera's axes (the neck's rotation, then the patient's orientation in front of a tilted camera)
is kept beside it; the two differ by the crop's position in the frame, which the crop cannot show
(7.5/3.6/2.3 degrees MAE yaw/pitch/roll over the 26 100 renders of docs/TRAINING.md), so a network trained on the camera's
axes learns that much noise. Landmarks are surface points of the head
(468 over the face, 33 all around), projected into the crop frame as training.landmarks does
for MediaPipe's (x, y in [0, 1] across the crop, z depth relative to the head centre, x's scale).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.angles import HeadAngles, angles_from_matrix, matrix_from_angles
from app.core.crop import NOMINAL_HEAD_WIDTH_MM, CropRule
from app.core.camera_model import CameraIntrinsics
from app.core.types import HeadBox
from app.core.view_ray import crop_ray, ray_frame_rotation
from training.head_mesh import HeadMesh
from training.head_renderer import HeadRenderer, Lighting, RenderRegion
from training.render_scene import Scene
from training.webcam_look import background, black_outside_frame, composite, degrade

SUPERSAMPLE_BELOW_PX = 200  # small crops are drawn at twice the size and reduced (anti-aliasing)


@dataclass(frozen=True)
class Example:
    image: np.ndarray  # RGB uint8 [n, n, 3]: the crop window at the camera's pixel scale (capped)
    angles: HeadAngles  # relative to the crop's viewing ray: the network's label
    camera_angles: HeadAngles  # relative to the camera's axes
    ray: np.ndarray  # [3] unit viewing ray through the crop's centre, camera axes
    box: tuple[int, int, int, int]  # the crop square in the camera's frame, pixels
    face_landmarks: np.ndarray  # [1404] crop frame
    pose_landmarks: np.ndarray  # [99] crop frame


def focal_px(hfov_deg: float, width: int) -> float:
    return (width / 2.0) / math.tan(math.radians(hfov_deg) / 2.0)


def render_example(head: HeadMesh, renderer: HeadRenderer, scene: Scene, rule: CropRule,
                   textures: list[np.ndarray], rng: np.random.Generator, max_side: int = 256) -> Example:
    width, height = scene.frame_size
    f = focal_px(scene.hfov_deg, width)
    cx, cy = width / 2.0, height / 2.0
    u = cx + scene.offset_share[0] * width
    v = cy + scene.offset_share[1] * height
    z = scene.distance_m
    centre = np.array([(u - cx) / f * z, (v - cy) / f * z, z])

    body = matrix_from_angles(scene.camera_tilt)
    neck = matrix_from_angles(scene.neck)
    parts, moved, face, around = head.posed(neck)
    parts = [p @ body.T.astype(np.float32) for p in parts]
    face, around = face @ body.T, around @ body.T
    camera_rotation = body @ neck

    # The app's box follows the head's centre where the neck has carried it.
    moved = moved @ body.T + centre
    mu, mv = f * moved[0] / moved[2] + cx, f * moved[1] / moved[2] + cy
    head_width = f * NOMINAL_HEAD_WIDTH_MM / (moved[2] * 1000.0) * scene.box_scale
    box_head = HeadBox(mu + scene.box_shift_share[0] * head_width, mv + scene.box_shift_share[1] * head_width, head_width)
    box = rule.box(box_head)
    ray = crop_ray(CameraIntrinsics(f, f, cx, cy), box)
    side = box[2] - box[0]
    n = int(min(side, max_side))
    scale = n / float(side)
    region = RenderRegion(f * scale, f * scale, (cx - box[0]) * scale, (cy - box[1]) * scale, n)
    light = Lighting(scene.light_direction, scene.light_colour, scene.ambient, scene.specular)
    rgba = renderer.render(parts, centre, region, light, supersample=2 if n < SUPERSAMPLE_BELOW_PX else 1)

    image = composite(rgba, background(scene.background, n, scene.background_seed, textures))
    image = degrade(image, scene.degradation, rng)
    image = black_outside_frame(image, box, scene.frame_size)
    return Example(
        image=image,
        angles=angles_from_matrix(ray_frame_rotation(camera_rotation, ray)),
        camera_angles=angles_from_matrix(camera_rotation),
        ray=ray,
        box=box,
        face_landmarks=_crop_frame(face, centre, region),
        pose_landmarks=_crop_frame(around, centre, region),
    )


def _crop_frame(points: np.ndarray, centre: np.ndarray, region: RenderRegion) -> np.ndarray:
    p = points + centre
    x = (region.fx * p[:, 0] / p[:, 2] + region.cx) / region.size
    y = (region.fy * p[:, 1] / p[:, 2] + region.cy) / region.size
    depth = (p[:, 2] - centre[2]) * region.fx / centre[2] / region.size
    return np.stack([x, y, depth], axis=1).astype(np.float32).reshape(-1)
