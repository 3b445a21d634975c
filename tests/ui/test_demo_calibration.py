"""Finding 2 on the shipped demo video: a looped file's time goes on past the loop point, and the
guarded neutral hold started while the head is away waits for a frontal, still pause, then
calibrates (it never completed before: progress reset at the loop point, countdown '(30.8 s)')."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.core.latest import LatestSlot
from app.core.neutral_hold import HoldProblem, NeutralHold
from app.core.types import Frame
from app.ui.workers import CaptureWorker, SourceSpec
from tests.ui.helpers import wait_for


def test_a_looped_file_keeps_time_and_frame_numbers_going(qapp, tmp_path):
    path = tmp_path / "short.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for i in range(10):
        writer.write(np.full((48, 64, 3), 20 * i, np.uint8))
    writer.release()
    slot: LatestSlot = LatestSlot()
    worker = CaptureWorker(SourceSpec(video=path, realtime=False, lossless=True, loop=True), slot)
    got = []
    worker.start()
    try:
        assert wait_for(lambda: (item := slot.get(timeout=0.05)) is None or got.append(item.frame) or len(got) >= 25, 10)
    finally:
        worker.stop()
        slot.close()
        worker.wait(3000)
    times = [f.timestamp for f in got]
    assert times == sorted(times) and len(set(times)) == len(times), times  # before: back to 0 at the loop
    assert [f.index for f in got] == list(range(len(got)))


@pytest.mark.slow
def test_demo_video_calibrates_after_a_hold_started_at_lateral_flexion(demo_video):
    from app.ui.services import build_pipeline

    pipeline, _ = build_pipeline("landmarks", calibration_s=1.5)
    cap = cv2.VideoCapture(str(demo_video))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    start = 860  # 28.7 s: lateral flexion right held at its end range
    order = list(range(start, len(frames))) + list(range(0, 90))  # to the end, then the loop
    hold = NeutralHold(1.5)
    problems, calibrated_at = set(), None
    for k, index in enumerate(order):
        if k == 1:
            pipeline.start_calibration(hold=hold)  # the clinician presses C with the head tilted
        result = pipeline.process(Frame(frames[index], (start + k) / 30.0, start + k))
        problems.add(hold.problem)
        assert 0.0 <= result.calibration_progress <= 1.0
        if k and result.calibrated:
            calibrated_at = index
            break
    assert HoldProblem.NOT_FRONTAL in problems  # the tilted head was refused, and said so
    assert calibrated_at is not None, "the demo video never calibrated"
    assert calibrated_at < 90 or calibrated_at > 930  # at the neutral pause around the loop point
    # Taken from the pause once the head is back (30.4 s in the truth), not from the tilt before.
    assert pipeline.neutral.time_s >= 30.3
