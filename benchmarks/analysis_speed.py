"""Analysis throughput on a video, with per-stage times (decode, track, engine, filter).

    python benchmarks/analysis_speed.py [VIDEO] [--engine landmarks|onnx --model FILE] [--trackers 1,3]

In the same minutes, on the same frames: MediaPipe's face mesh alone (the reference the ratios
are taken to, since this machine's speed varies), then the whole analysis with each number of
head trackers (app.core.tracker_ensemble; 3 is what ``analyze`` runs, 1 what live use runs),
the engines' cross-check on. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engines.choices import ENGINE_NAMES, Device, EngineName  # noqa: E402  (after the path)


def face_mesh_alone(video: Path) -> float:
    """Frames/s of the face mesh alone on the video's frames (decoding not counted)."""
    from app.core.landmark_detectors import FaceMeshDetector
    from app.core.video import iter_video_frames

    frames = [frame.image for frame in iter_video_frames(video)]
    detector = FaceMeshDetector()
    try:
        start = time.perf_counter()
        for image in frames:
            detector.detect(image)
        return len(frames) / (time.perf_counter() - start)
    finally:
        detector.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "assets" / "demo_clinic.mp4")
    parser.add_argument("--engine", choices=ENGINE_NAMES, default=EngineName.LANDMARKS)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--trackers", default="1,3", help="comma-separated numbers of head trackers to time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from app.core.camera_model import DEFAULT_HFOV_DEG, CameraAssumption
    from app.core.offline_analysis import analyze_video
    from app.core.pipeline import MeasurementPipeline
    from app.core.tracker_ensemble import head_tracker
    from app.engines.factory import create_engine, witness_network
    from app.model_folders import default_model_dirs

    mesh_fps = face_mesh_alone(args.video)
    print(f"video {args.video.name}, cores {os.cpu_count()}, engine {args.engine}")
    print(f"face mesh alone: {mesh_fps:.1f} frames/s")
    for trackers in (int(n) for n in args.trackers.split(",")):
        engine = create_engine(args.engine, args.model, Device.AUTO, default_model_dirs())
        pipeline = MeasurementPipeline(engine=engine, tracker=head_tracker(
            CameraAssumption(DEFAULT_HFOV_DEG), trackers, witness_network(engine)))
        result = analyze_video(args.video, pipeline)
        print(f"{trackers} tracker(s): {result.frames_per_second:.1f} frames/s ({result.frames_per_second / mesh_fps:.2f} "
              f"of the face mesh alone; video {result.video_fps:.0f} frames/s, {len(result.samples)} frames)")
        for stage, ms in result.stage_ms.items():
            print(f"  {stage:7s} {ms:6.2f} ms/frame")
        print(f"  total   {sum(result.stage_ms.values()):6.2f} ms/frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
