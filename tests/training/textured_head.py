"""A small textured bust written as glTF, shaped like the VALID heads (metres, Y up, face +Z).

An ellipsoid head over a box of shoulders, one texture: skin with a red patch on the head's left
cheek (model +x, the patient's left) and a blue one on the nose, so that tests can tell which
way the rendered head turned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CROWN_Y = 1.70
HEAD_CENTRE = np.array([0.0, CROWN_Y - 0.12, 0.03])
RADII = np.array([0.078, 0.115, 0.10])
TEXTURE_PX = 128
# uv of the cheek and nose patches (the sphere's parametrisation below)
LEFT_CHEEK_UV = (0.62, 0.45)
NOSE_UV = (0.5, 0.5)


def _texture() -> np.ndarray:
    tex = np.zeros((TEXTURE_PX, TEXTURE_PX, 3), np.uint8)
    tex[:] = (200, 160, 130)
    yy, xx = np.mgrid[0:TEXTURE_PX, 0:TEXTURE_PX] / TEXTURE_PX
    for (u, v), colour in ((LEFT_CHEEK_UV, (230, 20, 20)), (NOSE_UV, (20, 20, 230))):
        # uv's v counts from the bottom (OBJ/trimesh), image rows from the top
        mask = (xx - u) ** 2 + ((1 - yy) - v) ** 2 < 0.05**2
        tex[mask] = colour
    return tex


def head_meshes():
    import trimesh
    from PIL import Image

    # head: sphere parametrised so that u = 0.5 looks along +z and u grows toward +x
    rows, cols = 24, 48
    theta = np.linspace(0.0, np.pi, rows + 1)  # from the crown down
    phi = np.linspace(-np.pi, np.pi, cols + 1)  # azimuth from +z toward +x
    t, p = np.meshgrid(theta, phi, indexing="ij")
    dirs = np.stack([np.sin(t) * np.sin(p), np.cos(t), np.sin(t) * np.cos(p)], axis=-1)
    verts = (dirs * RADII + HEAD_CENTRE).reshape(-1, 3)
    uv = np.stack([(p / (2 * np.pi) + 0.5), 1.0 - t / np.pi], axis=-1).reshape(-1, 2)
    faces = []
    for r in range(rows):
        for c in range(cols):
            a, b = r * (cols + 1) + c, r * (cols + 1) + c + 1
            d, e = a + cols + 1, b + cols + 1
            faces += [(a, d, b), (b, d, e)]
    image = Image.fromarray(_texture())
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    head = trimesh.Trimesh(verts, np.array(faces), visual=trimesh.visual.TextureVisuals(uv=uv, material=material),
                           process=False)
    shoulders = trimesh.creation.box(extents=(0.45, 0.18, 0.22))
    shoulders.apply_translation((0.0, CROWN_Y - 0.37, 0.0))
    shoulders.visual = trimesh.visual.TextureVisuals(
        uv=np.full((len(shoulders.vertices), 2), 0.1), material=trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    )
    return head, shoulders


def write_head(path: Path) -> Path:
    import trimesh

    head, shoulders = head_meshes()
    scene = trimesh.Scene()
    scene.add_geometry(head, node_name="head", geom_name="head")
    scene.add_geometry(shoulders, node_name="shoulders", geom_name="shoulders")
    path.parent.mkdir(parents=True, exist_ok=True)
    scene.export(str(path))
    return path
