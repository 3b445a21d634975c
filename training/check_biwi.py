"""Look at BIWI through the conversion: crops of the most extreme poses with the converted angles.

    python -m training.check_biwi --biwi /data/biwi --out check/ [--sequence 01]

For each of the six directions (rotation left/right, flexion/extension, lateral flexion
left/right) it picks the frame that goes furthest that way and writes a crop with the angles in
words and the nose direction (from the converted rotation) drawn as an arrow. If the arrow does
not follow the nose, or "rotation left" shows a patient turned to their right, the conversion in
``training/biwi.py`` is wrong for this copy of BIWI: a ten-second check before a long training run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from app.core.angles import DIRECTIONS, describe
from app.core.crop import CropRule
from app.errors import InputError
from training.biwi import biwi_rotation_to_angles, find_hpdb, head_box, list_frames, read_calibration, read_pose
from training.cli import EXIT_BAD_INPUT, attempt
from training.crop_cache import read_rgb


def nose_direction(rotation: np.ndarray) -> np.ndarray:
    """Image-plane direction (dx, dy) the nose points to: the head's -z axis in camera axes."""
    nose = np.asarray(rotation) @ np.array([0.0, 0.0, -1.0])
    return nose[:2]


def annotate(crop: np.ndarray, rotation: np.ndarray, label: str) -> np.ndarray:
    out = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)
    h = out.shape[0]
    d = nose_direction(rotation)
    centre = (h // 2, h // 2)
    tip = (int(centre[0] + d[0] * h * 0.45), int(centre[1] + d[1] * h * 0.45))
    cv2.arrowedLine(out, centre, tip, (0, 255, 255), 2, tipLength=0.2)
    words = describe(biwi_rotation_to_angles(rotation))
    for i, text in enumerate([label, *words]):
        cv2.putText(out, text, (4, 14 + 14 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def check(biwi: Path, out_dir: Path, sequence: str | None = None, size: int = 224) -> list[Path]:
    hpdb = find_hpdb(biwi)
    frames = [f for f in list_frames(hpdb) if sequence is None or f.sequence == sequence]
    poses = {}
    for f in frames:
        try:
            poses[f] = read_pose(f.pose_path)
        except InputError:
            continue
    if not poses:
        raise InputError(f"no readable pose files under {hpdb}" + (f"/{sequence}" if sequence else ""))
    angles = {f: biwi_rotation_to_angles(p.rotation) for f, p in poses.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    rule = CropRule(input_size=size)
    for name, (axis, sign) in DIRECTIONS.items():
        frame = max(angles, key=lambda f: sign * getattr(angles[f], axis))
        image = read_rgb(frame.rgb_path)
        if image is None:
            continue
        cal = read_calibration(frame.rgb_path.parent / "rgb.cal")
        crop = rule.crop(image, head_box(cal, poses[frame].center_mm))
        path = out_dir / f"{name}_{frame.sequence}_{frame.index:05d}.png"
        cv2.imwrite(str(path), annotate(crop, poses[frame].rotation, name.replace("_", " ")))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.check_biwi", description=__doc__.split("\n")[0])
    p.add_argument("--biwi", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--sequence", help="one sequence folder, e.g. 01 (default: all)")
    args = p.parse_args(argv)
    paths = attempt("check_biwi", lambda: check(args.biwi, args.out, args.sequence))
    if paths is None:
        return EXIT_BAD_INPUT
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
