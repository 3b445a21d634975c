"""Backgrounds behind a rendered head and the defects of a webcam in front of it.

Backgrounds are procedural (offline: no photo collection to draw from): gradients, rooms of
rectangles, blurred noise, and patches of the heads' own textures (clothes, hair, skin), so
that a skin-coloured background cannot be told from the face by colour alone. Webcam defects
are applied at the camera's pixel scale: exposure and gamma, white balance, blur, sensor noise
and JPEG compression.
"""

from __future__ import annotations

import cv2
import numpy as np

from training.render_scene import Degradation


def background(kind: str, size: int, seed: int, textures: list[np.ndarray]) -> np.ndarray:
    """An RGB uint8 [size, size, 3] background of ``kind`` (training.render_scene.BACKGROUNDS)."""
    rng = np.random.default_rng(seed)
    if kind == "gradient":
        a, b = rng.uniform(0, 255, size=(2, 3))
        t = np.linspace(0.0, 1.0, size)[:, None, None]
        image = a + (b - a) * t
        image = np.broadcast_to(image, (size, size, 3))
        if rng.random() < 0.5:
            image = image.transpose(1, 0, 2)
        return np.clip(image, 0, 255).astype(np.uint8)
    if kind == "rectangles":
        image = np.full((size, size, 3), rng.uniform(40, 220, size=3), dtype=np.float32)
        for _ in range(int(rng.integers(3, 9))):
            x0, y0 = rng.integers(-size // 2, size, size=2)
            w, h = rng.integers(size // 8, size, size=2)
            image[max(0, y0) : max(0, y0 + h), max(0, x0) : max(0, x0 + w)] = rng.uniform(20, 235, size=3)
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 3.0)).astype(np.uint8)
    if kind == "noise":
        coarse = rng.uniform(0, 255, size=(int(rng.integers(3, 12)),) * 2 + (3,)).astype(np.float32)
        return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)
    if kind == "texture" and textures:
        texture = textures[int(rng.integers(len(textures)))]
        h, w = texture.shape[:2]
        side = int(rng.integers(min(h, w) // 8, min(h, w) // 2))
        y, x = rng.integers(0, h - side), rng.integers(0, w - side)
        patch = texture[y : y + side, x : x + side]
        return cv2.resize(patch, (size, size), interpolation=cv2.INTER_LINEAR)
    return np.full((size, size, 3), 128, dtype=np.uint8)


def composite(rendered_rgba: np.ndarray, back: np.ndarray) -> np.ndarray:
    alpha = rendered_rgba[..., 3:4].astype(np.float32) / 255.0
    out = rendered_rgba[..., :3].astype(np.float32) * alpha + back.astype(np.float32) * (1.0 - alpha)
    return np.clip(out, 0, 255).astype(np.uint8)


def degrade(image: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    """The picture as a webcam would deliver it (RGB uint8 in and out)."""
    x = image.astype(np.float32) / 255.0
    x = np.clip(x * d.exposure_gain * np.asarray(d.white_balance, dtype=np.float32), 0.0, 1.0) ** d.gamma
    x = x * 255.0
    if d.blur_sigma_px > 0:
        x = cv2.GaussianBlur(x, (0, 0), d.blur_sigma_px)
    if d.noise_sigma > 0:
        x = x + rng.normal(0.0, d.noise_sigma, size=x.shape).astype(np.float32)
    x = np.clip(x, 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(x, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, d.jpeg_quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) if ok else x


def black_outside_frame(image: np.ndarray, box: tuple[int, int, int, int], frame_size: tuple[int, int]) -> np.ndarray:
    """Black where the crop square ``box`` leaves the camera's frame, as the app's crop pads it."""
    x0, y0, x1, y1 = box
    w, h = frame_size
    side = x1 - x0
    scale = image.shape[0] / float(side)
    out = image.copy()
    left, top = int(round(max(0, -x0) * scale)), int(round(max(0, -y0) * scale))
    right, bottom = int(round(max(0, x1 - w) * scale)), int(round(max(0, y1 - h) * scale))
    n = image.shape[0]
    if left:
        out[:, :left] = 0
    if top:
        out[:top] = 0
    if right:
        out[:, n - right :] = 0
    if bottom:
        out[n - bottom :] = 0
    return out
