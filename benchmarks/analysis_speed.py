"""Analysis throughput on a video, with per-stage times (decode, track, engine, filter).

    python benchmarks/analysis_speed.py [VIDEO] [--engine landmarks|onnx --model FILE]

Runs the video twice in the same minutes, with and without the engines' cross-check
(app.engines.tracker_check), and prints both and their ratio. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engines.choices import ENGINE_NAMES, Device, EngineName  # noqa: E402  (after the path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "assets" / "demo_clinic.mp4")
    parser.add_argument("--engine", choices=ENGINE_NAMES, default=EngineName.LANDMARKS)
    parser.add_argument("--model", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from app.core.offline_analysis import analyze_video
    from app.core.pipeline import MeasurementPipeline
    from app.engines.factory import create_engine
    from app.model_folders import default_model_dirs

    throughput = {}
    for checked in (False, True):
        engine = create_engine(args.engine, args.model, Device.AUTO, default_model_dirs(), cross_check=checked)
        result = analyze_video(args.video, MeasurementPipeline(engine=engine))
        throughput[checked] = result.frames_per_second
        print(f"video {args.video.name}: {len(result.samples)} frames, cores {os.cpu_count()}, engine {args.engine}, "
              f"cross-check {'on' if checked else 'off'}")
        print(f"throughput {result.frames_per_second:.1f} frames/s (video is {result.video_fps:.0f} frames/s)")
        for stage, ms in result.stage_ms.items():
            print(f"  {stage:7s} {ms:6.2f} ms/frame")
        print(f"  total   {sum(result.stage_ms.values()):6.2f} ms/frame")
    print(f"with the cross-check / without: {throughput[True] / throughput[False]:.2f} of the throughput")
    return 0


if __name__ == "__main__":
    sys.exit(main())
