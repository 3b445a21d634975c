"""Open the clinician's window (webcam, or --video FILE as the camera)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.engines.choices import DEVICES, ENGINE_NAMES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--video", type=Path, default=None, help="use a recorded video file as the camera")
    parser.add_argument("--camera", type=int, default=None, help="camera index (default: the saved setting, else 0)")
    parser.add_argument("--engine", choices=ENGINE_NAMES, default=None, help="pose engine (default: saved setting)")
    parser.add_argument("--model", type=Path, default=None, help="ONNX model file for --engine onnx")
    parser.add_argument("--device", choices=DEVICES, default=None, help="inference device for onnx")
    parser.add_argument("--data-dir", type=Path, default=None, help="folder for the session database and reports")
    parser.add_argument("--loop", action="store_true", help="loop the --video file (demo)")
    parser.add_argument("--exit-after", type=float, default=None, metavar="SECONDS", help="close the window after SECONDS (smoke tests)")


def run(args: argparse.Namespace) -> int:
    from app.errors import InputError

    if args.video is not None and not Path(args.video).is_file():
        raise InputError(f"video file not found: {args.video}")
    if args.model is not None and not Path(args.model).is_file():
        raise InputError(f"model file not found: {args.model}")
    from app.cli.gui_libraries import check_gui_libraries

    check_gui_libraries()  # before Qt is imported: one line naming the apt packages, not Qt's abort
    # Heavy imports (Qt, OpenCV, MediaPipe) only when the GUI really opens.
    from app.ui.app import run_gui

    return run_gui(args)
