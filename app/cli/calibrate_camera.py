"""Measure a webcam's field of view and lens distortion from views of a printed pattern."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from app.cli.pattern_args import add_pattern_arguments, pattern_from_args
from app.cli.store_args import add_data_dir
from app.errors import CervicamError, InputError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--camera", type=int, metavar="N", help="live camera index: show the pattern to it")
    source.add_argument("--video", type=Path, metavar="FILE", help="a video of the pattern recorded with the camera")
    add_pattern_arguments(parser)
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the calibration as JSON (for analyze --calibration)")
    parser.add_argument("--save", action="store_true",
                        help="keep it for this camera: the next measurement with it uses it (see --name)")
    parser.add_argument("--name", help="the camera's name to save under (default 'camera N'; needed with --video)")
    parser.add_argument("--seconds", type=float, default=120.0, help="live camera: give up after this long (default 120)")
    add_data_dir(parser)


def run(args: argparse.Namespace) -> int:
    from app.calibration.solve import CalibrationError, calibrate, summary_lines
    from app.calibration.views import ViewCollector

    spec = pattern_from_args(args)
    name = args.name or (f"camera {args.camera}" if args.camera is not None else "")
    if args.save and not name:
        raise InputError("--save with --video needs --name: the camera the video was recorded with")
    if args.json is not None and not args.json.parent.exists():
        raise InputError(f"{args.json}: folder {args.json.parent} does not exist")
    collector = ViewCollector(spec)
    frames, found = _collect(args, collector)
    if found == 0:
        raise CalibrationError(f"no {spec.kind.value} of {spec.columns} x {spec.rows} squares found in {frames} frames "
                               "of the source: print one with calibration-pattern, or check --pattern/--columns/--rows")
    calibration = calibrate(collector.views, camera=name)
    print(f"{spec.describe()}: {found} frames with the pattern, {len(collector.views)} good views")
    for line in summary_lines(calibration):
        print("  " + line)
    try:
        if args.json is not None:
            args.json.write_text(json.dumps({**calibration.to_dict(), "pattern": spec.describe()}, indent=2))
    except OSError as exc:
        raise CervicamError(f"could not write {args.json}: {exc.strerror or exc}") from None
    if args.save:
        from app.calibration.storage import CalibrationStore
        from app.store.paths import resolve_data_dir

        CalibrationStore(resolve_data_dir(args.data_dir)).save(calibration)
        print(f"saved for {name} at {calibration.width}x{calibration.height}: the next measurement with it uses it")
    return 0


def _collect(args: argparse.Namespace, collector) -> tuple[int, int]:
    """Feed the source's frames to ``collector``; (frames read, frames with the pattern)."""
    import cv2
    from tqdm import tqdm

    from app.calibration.views import ViewVerdict

    cap = cv2.VideoCapture(str(args.video) if args.video is not None else args.camera)
    if not cap.isOpened():
        raise InputError(f"cannot read {args.video}" if args.video is not None else f"no camera {args.camera}")
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if args.video is not None else 0
    bar = tqdm(total=total or None, unit="frame", file=sys.stderr, disable=args.video is None, desc="views")
    frames = found = 0
    started = time.monotonic()
    try:
        while True:
            ok, image = cap.read()
            if not ok or image is None:
                break
            frames += 1
            bar.update(1)
            status = collector.add_frame(image)
            found += status.verdict not in (ViewVerdict.NO_PATTERN,)
            if args.camera is not None and status.verdict is ViewVerdict.ACCEPTED:
                print(f"  view {status.views}: {status.advice}", file=sys.stderr)
            if status.verdict is ViewVerdict.FULL or (args.camera is not None and (
                    collector.ready or time.monotonic() - started > args.seconds)):
                break
    finally:
        bar.close()
        cap.release()
    if frames == 0:
        raise InputError(f"cannot read {args.video}: no frames" if args.video is not None else f"camera {args.camera} gave no frames")
    return frames, found
