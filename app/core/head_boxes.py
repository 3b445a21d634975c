"""Where the head is in the image before (or without) a head model: from the face mesh or the body pose."""

from __future__ import annotations

import numpy as np

from app.core.types import HeadBox

# Body-pose landmark indices (MediaPipe Pose).
NOSE, LEFT_EAR, RIGHT_EAR = 0, 7, 8

# Head boxes before (or without) a head model, from the face mesh or the body pose's head points.
FACE_OVAL_OF_HEAD_WIDTH = 0.85  # the face oval the mesh covers is ~85% of the head's breadth
HEAD_ABOVE_FACE_OF_WIDTH = 0.1  # the skull's centre lies above the face's: shift the box up this share
EAR_SPAN_OF_HEAD_WIDTH = 1.2  # the head (hair, skull) reaches a little beyond the ear landmarks
MIN_BODY_BOX_PX = 20.0  # a box from two close body points is never smaller than this (a crop needs pixels)
BODY_POINT_VISIBLE = 0.5  # MediaPipe Pose visibility above which a head point is used


def head_box_from_mesh(mesh: np.ndarray) -> HeadBox:
    """The head box around face-mesh pixels: wider than the face oval, centred a little above it."""
    x0, y0 = mesh[:, :2].min(axis=0)
    x1, y1 = mesh[:, :2].max(axis=0)
    width = (x1 - x0) / FACE_OVAL_OF_HEAD_WIDTH
    return HeadBox(float((x0 + x1) / 2), float((y0 + y1) / 2 - HEAD_ABOVE_FACE_OF_WIDTH * width), float(width))


def head_box_from_landmarks(mesh: np.ndarray | None, body: np.ndarray | None) -> HeadBox | None:
    """The head box before (or without) a head model: from the face mesh, else the body pose's head points."""
    if mesh is not None:
        return head_box_from_mesh(mesh)
    if body is not None:
        pts = body[[NOSE, LEFT_EAR, RIGHT_EAR]]
        seen = pts[pts[:, 3] > BODY_POINT_VISIBLE]
        if len(seen) >= 2:
            span = float(np.ptp(seen[:, 0]))
            ears = body[[LEFT_EAR, RIGHT_EAR], :2]
            width = max(span, float(np.linalg.norm(ears[0] - ears[1]))) * EAR_SPAN_OF_HEAD_WIDTH
            c = seen[:, :2].mean(axis=0)
            return HeadBox(float(c[0]), float(c[1]), max(width, MIN_BODY_BOX_PX))
    return None
