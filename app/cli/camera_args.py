"""The camera options that analyze and record share: a measured calibration or the field of view."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption, CameraCalibration
from app.errors import InputError, read_input_bytes


def add_camera_arguments(parser: argparse.ArgumentParser) -> None:
    lens = parser.add_mutually_exclusive_group()
    lens.add_argument("--hfov", type=float, metavar="DEG",
                      help="the camera's horizontal field of view in degrees, if known (default: a typical "
                      f"webcam's {DEFAULT_HFOV_DEG:g}; flexion depends on it, see docs/MEASURING_CORE.md)")
    lens.add_argument("--calibration", type=Path, metavar="FILE.json",
                      help="the camera measured by `calibrate-camera --json` (field of view and lens distortion)")


def camera_from_args(args: argparse.Namespace) -> CameraAssumption:
    calibration = getattr(args, "calibration", None)
    if calibration is not None:
        return CameraAssumption.measured(load_calibration_json(calibration))
    try:
        return CameraAssumption.from_user(args.hfov)
    except ValueError as exc:
        raise InputError(f"--hfov: {exc}") from None


def load_calibration_json(path: Path) -> CameraCalibration:
    """The calibration in a file written by ``calibrate-camera --json`` (InputError: not one)."""
    try:
        return CameraCalibration.from_dict(json.loads(read_input_bytes(path)))
    except (ValueError, TypeError) as exc:
        raise InputError(f"{path}: {exc}") from None
