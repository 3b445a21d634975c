"""The ``--hfov`` option that analyze and record share: the camera's horizontal field of view."""

from __future__ import annotations

import argparse

from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption
from app.errors import InputError


def add_hfov(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hfov", type=float, metavar="DEG",
                        help="the camera's horizontal field of view in degrees, if known (default: a typical "
                        f"webcam's {DEFAULT_HFOV_DEG:g}; flexion depends on it, see docs/MEASURING_CORE.md)")


def camera_from_args(args: argparse.Namespace) -> CameraAssumption:
    try:
        return CameraAssumption.from_user(args.hfov)
    except ValueError as exc:
        raise InputError(f"--hfov: {exc}") from None
