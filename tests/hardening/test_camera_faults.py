"""Camera unplugged mid-session (read raises, returns nothing, returns an empty image; re-opening
fails for a while): the capture worker reports 'lost' once, reconnects, the same session goes on
recording, and every measured sample reaches the store."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

import app.ui  # noqa: F401  (reconciles cv2 and Qt before PySide6 is used)
from PySide6.QtCore import Qt

from app.core.latest import LatestSlot
from app.core.live_session import LiveSession
from app.ui.workers import LOST, RUNNING, CaptureWorker, SourceSpec
from tests.hardening.helpers import wait_until
from tests.ui.fakes import TruthPipeline


class ScriptedCamera:
    """Delivers ``good`` frames, then fails the way ``fault`` says on every later read."""

    def __init__(self, good: int, fault: str) -> None:
        self.left, self.fault, self.opened = good, fault, True

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def read(self):
        if self.left > 0:
            self.left -= 1
            return True, np.full((96, 128, 3), 90, dtype=np.uint8)
        if self.fault == "raises":
            raise cv2.error("OpenCV(5.1) camera read failed: device disconnected")
        if self.fault == "empty":
            return True, np.empty((0, 0, 3), dtype=np.uint8)
        return False, None

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 128.0, cv2.CAP_PROP_FRAME_HEIGHT: 96.0}.get(prop, 0.0)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.opened = False


class UnpluggedThenBack:
    """1st open: a camera that fails after 40 frames; then opening raises (device gone) twice,
    gives a closed capture once, and then a good camera again."""

    def __init__(self, fault: str) -> None:
        self.fault, self.calls = fault, 0

    def __call__(self, spec):
        self.calls += 1
        if self.calls == 1:
            return ScriptedCamera(40, self.fault)
        if self.calls <= 3:
            raise OSError("no such device /dev/video0")
        if self.calls == 4:
            cam = ScriptedCamera(0, "none")
            cam.opened = False
            return cam
        return ScriptedCamera(10_000, "none")


@pytest.mark.parametrize("fault", ["raises", "empty", "returns_nothing"])
def test_camera_lost_and_back_keeps_the_session_and_every_sample(tmp_path, demo_truth, fault):
    from app.store import open_store

    slot: LatestSlot = LatestSlot()
    factory = UnpluggedThenBack(fault)
    worker = CaptureWorker(SourceSpec(camera=0), slot, capture_factory=factory, retry_s=0.02)
    states: list[str] = []
    worker.state_changed.connect(lambda state, _msg: states.append(state), Qt.ConnectionType.DirectConnection)
    store = open_store(tmp_path)
    session = LiveSession()
    pipeline = TruthPipeline(demo_truth)
    pipeline.start_calibration(0.1)
    patient = store.create_patient()
    sid = session.start_recording(store, patient)
    recorded: list[int] = []
    errors: list[BaseException] = []

    def capture() -> None:
        try:
            worker.run()  # the QThread's body, on a plain thread: the logic under test
        except BaseException as exc:  # what would kill the capture thread in the app
            errors.append(exc)

    thread = threading.Thread(target=capture, daemon=True)
    thread.start()
    try:
        def consume_until(n: int) -> bool:
            while len(recorded) < n and not errors and thread.is_alive():
                item = slot.get(timeout=0.05)
                if item is None:
                    continue
                result = pipeline.process(item.frame)
                session.on_result(result)
                if result.calibrated and not result.calibrating:
                    recorded.append(item.frame.index)
            return len(recorded) >= n

        assert consume_until(120), f"capture stopped: states {states}, errors {errors!r}"
    finally:
        worker.stop()
        thread.join(5)
    assert errors == [], f"the capture thread died: {errors[0]!r}"
    assert LOST in states and states.count(LOST) == 1
    assert states[-1] in (RUNNING, "stopped") and RUNNING in states[states.index(LOST):]
    assert factory.calls == 5
    assert session.stop_recording() == sid  # the same session, never split by the loss
    stored = [s.frame_index for s in store.samples(sid)]
    assert stored[: len(recorded)] == recorded  # every measured sample, in order, no gap
    times = [s.time_s for s in store.samples(sid)]
    assert times == sorted(times)
    store.close()
