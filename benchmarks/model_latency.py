"""The shipped head-pose model's latency per face on this CPU, beside the face mesh's own, in one run.

    .venv/bin/python benchmarks/model_latency.py [--model FILE.onnx] [--video assets/demo_clinic.mp4]
                                                 [--frames 60] [--threads 0]

Both run on the same frames of the video: MediaPipe's face mesh (the app's FaceMeshDetector, on
the whole RGB frame, as the tracker calls it) and the ONNX model through the app's OnnxEngine
(batch 1, the model's own precision, on its crop of the frame). Prints the median and 90th
percentile milliseconds of each and the model's time as a share of the face mesh's (this machine
is noisy: the ratio, measured in the same run, is the figure to compare across machines).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.types import HeadBox  # noqa: E402
from app.core.video import iter_video_frames  # noqa: E402


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    ms = np.asarray(samples_s) * 1000.0
    return float(np.median(ms)), float(np.percentile(ms, 90))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, help="ONNX model (default: the app's default model)")
    p.add_argument("--video", type=Path, default=ROOT / "assets" / "demo_clinic.mp4")
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--threads", type=int, default=0, help="onnxruntime intra-op threads (0 = its default)")
    args = p.parse_args(argv)

    from app.core.head_boxes import head_box_from_mesh
    from app.core.landmark_detectors import FaceMeshDetector
    from app.engines.factory import default_model_path
    from app.engines.model_registry import REPO_MODELS_DIR
    from app.engines.onnx_engine import OnnxEngine
    from app.engines.onnx_session import SessionConfig

    model = args.model or default_model_path([REPO_MODELS_DIR])
    config = SessionConfig(cpu_threads=args.threads) if args.threads else SessionConfig()
    engine = OnnxEngine(model, config)
    mesh_detector = FaceMeshDetector()
    frames = []
    for frame in iter_video_frames(args.video):
        frames.append(frame)
        if len(frames) >= args.frames:
            break
    mesh_times, model_times = [], []
    for frame in frames:
        start = time.perf_counter()
        mesh = mesh_detector.detect(frame.image)
        mesh_times.append(time.perf_counter() - start)
        box = head_box_from_mesh(mesh) if mesh is not None else HeadBox(frame.image.shape[1] / 2, frame.image.shape[0] / 2, 160.0)
        crop = engine.crop_rule.crop(frame.image, box)[None]
        start = time.perf_counter()
        engine.predict_crops(crop)
        model_times.append(time.perf_counter() - start)
    mesh_detector.close()
    mesh_med, mesh_p90 = _percentiles(mesh_times)
    model_med, model_p90 = _percentiles(model_times)
    print(f"machine: {os.cpu_count()} CPU cores; {len(frames)} frames of {args.video.name}")
    print(f"face mesh (MediaPipe, whole frame):           median {mesh_med:6.2f} ms  p90 {mesh_p90:6.2f} ms")
    print(f"model {model.name} ({engine.info.precision}, {engine.crop_rule.input_size} px, batch 1): "
          f"median {model_med:6.2f} ms  p90 {model_p90:6.2f} ms  on {engine.device.value}")
    print(f"model / face mesh: {model_med / mesh_med:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
