"""Records a session in real time (30 Hz) through the background writer until it is killed.

Run by tests/core/test_store_crash.py and tests/hardening/test_sigkill_recovery.py as a subprocess
(``running`` below): ``python -m tests.core.crash_recorder DATA_DIR [--source truth|video|guided]``.
After handing each sample to the writer it prints ``HANDED <frame_index> <time_s> <wall_clock>``
(flushed), so the test knows exactly what had been handed over when it sends SIGKILL (``sigkill``,
``handed_over``).

``--source guided`` runs the window's Qt-free session (``LiveSession``) through a guided test of
the six motions (one trial each, ``GUIDED_PEAKS``), prints ``PROTOCOL_DONE`` once all six are
measured, then goes on recording a still head, never saving, until it is killed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]


# ----- for the tests ----------------------------------------------------------------------------
@contextlib.contextmanager
def running(data_dir: Path, source: str, rate: float = 30.0) -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """This recorder in a subprocess, and the list its stdout lines (stripped) are added to as they
    come. On exit it is killed if still running, then the pipe is given 0.2 s to drain."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.core.crash_recorder", str(data_dir), "--source", source, "--rate", str(rate)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            lines.append(line.strip())

    threading.Thread(target=read, daemon=True).start()
    try:
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
    time.sleep(0.2)  # let the reader thread drain the pipe


def sigkill(proc: subprocess.Popen) -> float:
    """SIGKILL the recorder now and wait for it; returns the kill's wall-clock time."""
    kill_wall = time.time()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    return kill_wall


def handed_over(lines: list[str]) -> list[tuple[int, float, float]]:
    """(frame_index, time_s, wall clock) of every ``HANDED`` line."""
    return [(int(f), float(t), float(w)) for _, f, t, w in (line.split() for line in lines if line.startswith("HANDED"))]


# ----- the recorder -----------------------------------------------------------------------------


def truth_stream():
    from tests.core.angle_streams import truth_samples

    yield from truth_samples(ROOT / "assets" / "demo_clinic_truth.csv")


GUIDED_PEAKS = {
    "rotation_left": 70.0, "rotation_right": 65.0, "flexion": 50.0,
    "extension": 55.0, "lateral_flexion_left": 40.0, "lateral_flexion_right": 35.0,
}  # fmt: skip


def guided_stream():
    """Neutral, then one movement to each of ``GUIDED_PEAKS``, then a still head for ever."""
    import numpy as np

    from tests.core.angle_streams import repetition, rest, samples_from_angles

    parts = [rest(0.5)] + [np.concatenate([repetition(m, peak), rest(0.3)]) for m, peak in GUIDED_PEAKS.items()]
    angles = np.concatenate(parts + [rest(600.0)])
    yield from samples_from_angles(angles)


def run_guided(store, args) -> int:
    from app.core.live_session import LiveSession
    from app.core.protocol import PHASE_DONE, ProtocolConfig
    from app.core.types import FrameResult

    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0))
    patient = store.create_patient()
    sid = live.start_recording(store, patient, engine="guided", camera="crash-test")
    print(f"SESSION {sid}", flush=True)
    said_done = False
    period = 1.0 / args.rate
    for i, sample in enumerate(guided_stream()):
        time.sleep(period)
        # The first frame ends the neutral hold (calibrating -> calibrated), as in the window.
        live.on_result(FrameResult(sample, calibrating=i == 0, calibrated=i > 0))
        print(f"HANDED {sample.frame_index} {sample.time_s:.6f} {time.time():.6f}", flush=True)
        if live.protocol.phase == PHASE_DONE and not said_done:
            said_done = True
            print("PROTOCOL_DONE", flush=True)
    return 0


def video_stream():
    # The lead's measuring core, when present: the same frames a clinician's session would see.
    from app.core.pipeline import MeasurementPipeline  # noqa: PLC0415
    from app.core.video import iter_video_frames  # noqa: PLC0415
    from app.engines.factory import create_engine  # noqa: PLC0415

    pipeline = MeasurementPipeline(create_engine("landmarks", None))
    pipeline.start_calibration(1.0)  # as a clinician's session starts: hold neutral first
    for frame in iter_video_frames(ROOT / "assets" / "demo_clinic.mp4"):
        yield pipeline.process(frame).sample


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir")
    parser.add_argument("--source", choices=("truth", "video", "guided"), default="truth")
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.store import open_store

    store = open_store(args.data_dir)
    if args.source == "guided":
        return run_guided(store, args)
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
