"""Render a posed head with OpenGL (moderngl on an EGL context: Mesa's llvmpipe on a CPU, the
driver's on a GPU), in OpenCV camera axes with a pinhole camera, into an RGBA image.

The renderer draws one region of the camera's image (the face crop) at that region's own
pixel scale: the same pixels the full frame would hold there, without drawing the rest.
Shading is textured Lambert with a little specular from one directional light plus ambient;
normals come from screen-space derivatives (the busts ship without normals).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from app.errors import InputError
from training.head_mesh import HeadMesh

log = logging.getLogger(__name__)

NEAR_M, FAR_M = 0.05, 10.0

_VERTEX_SHADER = """
#version 330
uniform vec4 intrinsics;   // fx, fy, cx, cy of the region, pixels
uniform vec2 viewport;     // width, height, pixels
uniform vec3 offset;       // head centre in camera axes, m
uniform vec2 depth;        // A, B of z_clip = A z + B
in vec3 position;
in vec2 uv;
out vec3 camera_point;
out vec2 frag_uv;
void main() {
    vec3 p = position + offset;
    camera_point = p;
    frag_uv = uv;
    float u = intrinsics.x * p.x + intrinsics.z * p.z;   // pixel * z
    float v = intrinsics.y * p.y + intrinsics.w * p.z;
    gl_Position = vec4(2.0 * u / viewport.x - p.z, p.z - 2.0 * v / viewport.y, depth.x * p.z + depth.y, p.z);
}
"""

_FRAGMENT_SHADER = """
#version 330
uniform sampler2D texture0;
uniform vec3 light_direction;  // toward the light, camera axes
uniform vec3 light_colour;
uniform float ambient;
uniform float specular;
in vec3 camera_point;
in vec2 frag_uv;
out vec4 colour;
void main() {
    vec3 n = normalize(cross(dFdx(camera_point), dFdy(camera_point)));
    vec3 to_eye = normalize(-camera_point);
    if (dot(n, to_eye) < 0.0) n = -n;
    vec3 albedo = texture(texture0, frag_uv).rgb;
    float diffuse = max(dot(n, light_direction), 0.0);
    vec3 h = normalize(light_direction + to_eye);
    float shine = specular * pow(max(dot(n, h), 0.0), 24.0);
    colour = vec4(albedo * (ambient + diffuse * light_colour) + shine * light_colour, 1.0);
}
"""


@dataclass(frozen=True)
class Lighting:
    direction: tuple[float, float, float]  # toward the light, camera axes (normalised here)
    colour: tuple[float, float, float] = (1.0, 1.0, 1.0)
    ambient: float = 0.4
    specular: float = 0.1


@dataclass(frozen=True)
class RenderRegion:
    """A ``size`` x ``size`` window of a camera's image: the camera's focal lengths and the
    principal point moved into the window's pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    size: int


class HeadRenderer:
    """One OpenGL context; a head's buffers and textures are uploaded once per identity."""

    def __init__(self) -> None:
        import moderngl  # training-only dependency

        try:
            self._ctx = moderngl.create_standalone_context(backend="egl")
        except Exception as exc:  # no EGL / no Mesa: name the packages
            raise InputError(
                f"cannot open an OpenGL context for rendering ({exc}); on Debian install "
                "libegl1 libegl-mesa0 libgl1-mesa-dri"
            ) from None
        self._program = self._ctx.program(vertex_shader=_VERTEX_SHADER, fragment_shader=_FRAGMENT_SHADER)
        self._head: HeadMesh | None = None
        self._parts: list[tuple] = []
        self._fbo = None
        self._fbo_size = 0
        log.info("renderer: %s", self._ctx.info.get("GL_RENDERER", "?"))

    @property
    def gpu_name(self) -> str:
        return str(self._ctx.info.get("GL_RENDERER", "?"))

    def use_head(self, head: HeadMesh) -> None:
        if self._head is head:
            return
        with self._ctx:  # another renderer's context may be the current one
            self._upload(head)

    def _upload(self, head: HeadMesh) -> None:
        self._release_parts()
        for part in head.parts:
            # trimesh's uv has its origin at the image's bottom-left (OBJ's), and OpenGL's t = 0 is
            # the first row uploaded: the image goes in bottom row first.
            texture = self._ctx.texture(part.texture.shape[1::-1], 3, np.flipud(part.texture).tobytes())
            texture.build_mipmaps()
            positions = self._ctx.buffer(reserve=len(part.positions) * 12, dynamic=True)
            uv = self._ctx.buffer(np.ascontiguousarray(part.uv, dtype=np.float32).tobytes())
            index = self._ctx.buffer(part.triangles.astype(np.uint32).tobytes())
            vao = self._ctx.vertex_array(self._program, [(positions, "3f", "position"), (uv, "2f", "uv")], index_buffer=index)
            self._parts.append((vao, positions, uv, index, texture))
        self._head = head

    def render(self, vertices: list[np.ndarray], centre_camera: np.ndarray, region: RenderRegion, light: Lighting,
               supersample: int = 2) -> np.ndarray:
        """RGBA uint8 [size, size, 4] of the posed head (alpha 0 where nothing was drawn)."""
        if self._head is None:
            raise RuntimeError("use_head() first")
        with self._ctx:  # another renderer's context may be the current one
            image = self._draw(vertices, centre_camera, region, light, supersample)
        if supersample > 1:
            import cv2

            image = cv2.resize(image, (region.size, region.size), interpolation=cv2.INTER_AREA)
        return np.ascontiguousarray(image)

    def _draw(self, vertices: list[np.ndarray], centre_camera: np.ndarray, region: RenderRegion, light: Lighting,
              supersample: int) -> np.ndarray:
        size = region.size * supersample
        fbo = self._framebuffer(size)
        fbo.viewport = (0, 0, size, size)
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 0.0, viewport=(0, 0, size, size))
        self._ctx.enable(self._ctx.DEPTH_TEST)
        p = self._program
        p["intrinsics"].value = tuple(float(v) * supersample for v in (region.fx, region.fy, region.cx, region.cy))
        p["viewport"].value = (float(size), float(size))
        p["offset"].value = tuple(float(v) for v in centre_camera)
        a = (FAR_M + NEAR_M) / (FAR_M - NEAR_M)
        p["depth"].value = (a, -2.0 * FAR_M * NEAR_M / (FAR_M - NEAR_M))
        direction = np.asarray(light.direction, dtype=np.float64)
        p["light_direction"].value = tuple(direction / max(np.linalg.norm(direction), 1e-9))
        p["light_colour"].value = tuple(float(c) for c in light.colour)
        p["ambient"].value = float(light.ambient)
        p["specular"].value = float(light.specular)
        for (vao, positions, _uv, _index, texture), points in zip(self._parts, vertices):
            positions.write(np.ascontiguousarray(points, dtype=np.float32).tobytes())
            texture.use(0)
            vao.render()
        raw = np.frombuffer(fbo.read(viewport=(0, 0, size, size), components=4, alignment=1), dtype=np.uint8)
        return np.flipud(raw.reshape(size, size, 4))

    def close(self) -> None:
        with self._ctx:
            self._release_parts()
            if self._fbo is not None:
                self._fbo.release()
        self._ctx.release()

    def _framebuffer(self, size: int):
        """One framebuffer for every crop (drawn in its corner): crops change size with every
        scene, and a new framebuffer per image would be allocated on the hot path."""
        if self._fbo is None or self._fbo_size < size:
            if self._fbo is not None:
                self._fbo.release()
            self._fbo = self._ctx.simple_framebuffer((size, size), components=4)
            self._fbo_size = size
        return self._fbo

    def _release_parts(self) -> None:
        for resources in self._parts:
            for r in resources:
                r.release()
        self._parts = []
        self._head = None
