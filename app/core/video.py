"""Frames from a video file (the same `Frame` a camera gives), with clear errors for bad files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.core.types import Frame
from app.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    fps: float
    frame_count: int  # as the container claims; a truncated file yields fewer
    width: int
    height: int


def open_video(path: str | Path) -> tuple[cv2.VideoCapture, VideoInfo]:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a video file")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: empty file")
    cap = cv2.VideoCapture(str(p))
    if not cap.isOpened():
        raise InputError(f"{p}: not a video OpenCV can read")
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not fps or not np.isfinite(fps) or fps <= 0 or fps > 1000:
        log.warning("%s: no usable frame rate in the file; assuming 30 frames/s", p)
        fps = 30.0
    info = VideoInfo(
        p, float(fps), int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
        int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
    )
    return cap, info


def iter_video_frames(path: str | Path, info_out: list | None = None) -> Iterator[Frame]:
    """RGB frames of a video with timestamps ``index / fps``; stops quietly at a truncation."""
    cap, info = open_video(path)
    if info_out is not None:
        info_out.append(info)
    index = 0
    try:
        while True:
            ok, bgr = cap.read()
            if not ok or bgr is None:
                break
            yield Frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), index / info.fps, index)
            index += 1
    finally:
        cap.release()
    if index == 0:
        raise InputError(f"{info.path}: not a video OpenCV can read (no frame could be decoded)")
    if info.frame_count > 0 and index < info.frame_count - 1:
        log.warning("%s: decoded %d of %d frames (truncated file?)", info.path, index, info.frame_count)
