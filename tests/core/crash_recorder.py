"""Records a session in real time (30 Hz) through the background writer until it is killed.

Run by tests/core/test_store_crash.py as a subprocess:
``python -m tests.core.crash_recorder DATA_DIR [--source truth|video]``. After handing each sample
to the writer it prints ``HANDED <frame_index> <time_s> <wall_clock>`` (flushed), so the test
knows exactly what had been handed over when it sends SIGKILL.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def truth_stream():
    from tests.core.angle_streams import truth_samples

    yield from truth_samples(ROOT / "assets" / "demo_clinic_truth.csv")


def video_stream():
    # The lead's measuring core, when present: the same frames a clinician's session would see.
    from app.core.pipeline import MeasurementPipeline  # noqa: PLC0415
    from app.core.video import iter_video_frames  # noqa: PLC0415

    pipeline = MeasurementPipeline()
    pipeline.start_calibration(1.0)  # as a clinician's session starts: hold neutral first
    for frame in iter_video_frames(ROOT / "assets" / "demo_clinic.mp4"):
        yield pipeline.process(frame).sample


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--source", choices=("truth", "video"), default="truth")
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.store import open_store

    store = open_store(args.data_dir)
    patient = store.create_patient()
    session = store.start_session(patient.id, engine=args.source, camera="crash-test")
    writer = store.open_writer(session.id)
    print(f"SESSION {session.id}", flush=True)
    period = 1.0 / args.rate
    next_time = time.monotonic()
    stream = truth_stream() if args.source == "truth" else video_stream()
    for sample in stream:
        # A camera paces frames; when measuring falls behind, it never bursts to catch up.
        next_time = max(next_time + period, time.monotonic())
        delay = next_time - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        writer.add_sample(sample)
        print(f"HANDED {sample.frame_index} {sample.time_s:.6f} {time.time():.6f}", flush=True)
    writer.close()
    store.close_session(session.id)
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
