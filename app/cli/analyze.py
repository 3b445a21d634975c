"""Analyse a recorded video: per-frame angles (CSV), maxima (JSON), optional protocol report (PDF)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.cli.camera_args import add_camera_arguments, camera_from_args
from app.core.tracker_ensemble import DEFAULT_MEMBERS
from app.engines.choices import DEVICES, ENGINE_NAMES, Device, EngineName
from app.errors import CervicamError, InputError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", type=Path, help="video file (any format OpenCV reads)")
    parser.add_argument("--csv", type=Path, required=True, help="per-frame CSV to write")
    parser.add_argument("--json", type=Path, help="summary JSON (per-direction maxima, detection rate, ...)")
    parser.add_argument("--report", type=Path, help="run the protocol offline and write a PDF report")
    parser.add_argument("--engine", choices=ENGINE_NAMES, default=EngineName.LANDMARKS)
    parser.add_argument("--model", type=Path, help="ONNX model file (engine onnx)")
    parser.add_argument("--device", choices=DEVICES, default=Device.AUTO, help="onnx device")
    parser.add_argument("--no-cross-check", action="store_true",
                        help="each engine alone: the network's readings not checked against the head tracker's (onnx), "
                             "nor the tracker's against the network's (landmarks)")
    parser.add_argument("--neutral-seconds", type=float, default=1.0,
                        help="neutral = mean pose of the first N seconds with a face (default 1)")
    parser.add_argument("--neutral-at", type=float, metavar="TIME",
                        help="take the neutral from TIME seconds on instead of the first face")
    add_camera_arguments(parser)
    parser.add_argument("--trackers", type=int, default=DEFAULT_MEMBERS, metavar="N",
                        help=f"head trackers run side by side, their readings combined (default {DEFAULT_MEMBERS}; "
                             "1 is faster and less robust, see docs/MEASURING_CORE.md)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from app.core.offline_analysis import analyze_video, write_summary_json
    from app.core.pipeline import MeasurementPipeline
    from app.core.sample_csv import write_samples_csv
    from app.core.tracker_ensemble import head_tracker
    from app.engines.factory import create_engine, witness_network
    from app.model_folders import default_model_dirs

    if args.neutral_seconds <= 0:
        raise InputError("--neutral-seconds must be positive")
    if args.trackers < 1:
        raise InputError("--trackers must be 1 or more")
    for out in (args.csv, args.json, args.report):
        if out is not None and not out.parent.exists():
            raise InputError(f"{out}: folder {out.parent} does not exist")
    camera = camera_from_args(args)
    # Before the tracker's models load; --model, else the first model in models/ or the user's folder.
    engine = create_engine(args.engine, args.model, args.device, default_model_dirs(), cross_check=not args.no_cross_check)
    witness = witness_network(engine)
    pipeline = MeasurementPipeline(engine=engine, tracker=head_tracker(camera, args.trackers, witness))
    bar = tqdm(total=0, unit="frame", file=sys.stderr, disable=args.no_progress, desc=args.video.name)

    def progress(done: int, total: int) -> None:
        if total > 0 and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        result = analyze_video(args.video, pipeline, args.neutral_seconds, args.neutral_at, progress)
    finally:
        bar.close()
    try:
        write_samples_csv(result.samples, args.csv)
        if args.json is not None:
            write_summary_json(result, engine.name, args.video, args.json, camera, args.trackers,
                               witness.info.name if witness is not None else None)
    except OSError as exc:
        raise CervicamError(f"could not write results: {exc}") from exc
    if result.neutral is None:
        raise InputError(f"{args.video}: no face or head found in the whole video ({len(result.samples)} frames "
                         "analysed; CSV written with detected=0)")
    if args.report is not None:
        from app.report.offline import write_offline_report

        write_offline_report(result.samples, args.report, source=camera.describe(str(args.video)), engine=engine.name)
    if result.trusted_rate == 0.0:
        raise InputError(f"{args.video}: nothing could be measured with trust (a pose on {result.detection_rate:.1%} "
                         "of frames, none of good quality): no maxima; is the patient's face in view?")
    maxima = result.maxima()
    print(f"{len(result.samples)} frames, pose on {result.detection_rate:.1%}, trusted {result.trusted_rate:.1%}, "
          f"{result.frames_per_second:.0f} frames/s")
    for direction, value in maxima.items():
        print(f"  {direction.replace('_', ' '):24s} {'-' if value is None else f'{value:5.1f}°'}")
    return 0
