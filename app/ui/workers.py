"""The two GUI threads: capture (camera or file, one code path) and processing (newest frame only).

Frames go from capture to processing through a :class:`~app.core.latest.LatestSlot`, never
through the Qt event queue, so a slow pipeline drops old frames instead of building latency.
Results go to the GUI thread through a queued signal; the GUI only does cheap bookkeeping per
result and repaints on its own timer.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QThread, Signal

from app.core.latest import LatestSlot
from app.core.types import Frame
from app.queues import drain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceSpec:
    """What to capture from: a camera index or a video file, with options."""

    camera: int | None = None
    video: Path | None = None
    width: int | None = None
    height: int | None = None
    realtime: bool = True  # file: play at the file's frame rate (like a camera)
    lossless: bool = False  # file: wait for the consumer instead of dropping (offline analysis, tests)
    loop: bool = False  # file: start again at the end (demo)

    @property
    def is_file(self) -> bool:
        return self.video is not None

    def describe(self) -> str:
        return f"video {Path(self.video).name}" if self.video is not None else f"camera {self.camera or 0}"


@dataclass(frozen=True, eq=False)
class CapturedFrame:
    """A frame plus the wall-clock instant it was read, to measure capture-to-screen latency."""

    frame: Frame
    captured_at: float  # time.monotonic()


def open_capture(spec: SourceSpec) -> Any:
    """OpenCV capture for ``spec`` (camera index or file); the default capture factory."""
    if spec.is_file:
        cap = cv2.VideoCapture(str(spec.video))
    else:
        # A missing camera makes OpenCV log errors on every retry (once a second): keep them out
        # of the console; "no camera" is shown in the window instead.
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            cap = cv2.VideoCapture(int(spec.camera or 0))
        finally:
            cv2.utils.logging.setLogLevel(level)
        if spec.width and spec.height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, spec.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, spec.height)
    return cap


# States the capture worker reports.
OPENING, RUNNING, LOST, ENDED, FAILED, STOPPED = "opening", "running", "lost", "ended", "failed", "stopped"


class CaptureWorker(QThread):
    """Reads frames from an OpenCV capture and puts them, frozen, into the latest-wins slot.

    A camera that stops delivering is reported as ``lost`` and re-opened every ``retry_s`` seconds
    until it is back (the session in the GUI is kept meanwhile). A file ends with ``ended``.
    """

    state_changed = Signal(str, str)  # state, human message
    source_info = Signal(int, int, float)  # width, height, fps

    def __init__(
        self,
        spec: SourceSpec,
        slot: LatestSlot[CapturedFrame],
        capture_factory: Callable[[SourceSpec], Any] = open_capture,
        retry_s: float = 1.0,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.slot = slot
        self._factory = capture_factory
        self._retry_s = retry_s
        self._stop = False
        self.frames_read = 0

    def stop(self) -> None:
        self._stop = True

    def _open(self) -> Any | None:
        try:
            cap = self._factory(self.spec)
        except (OSError, cv2.error) as exc:  # an unplugged camera can raise instead of failing to open
            log.info("cannot open %s: %s", self.spec.describe(), exc)
            return None
        if cap is None or not cap.isOpened():
            if cap is not None:
                cap.release()
            return None
        return cap

    def run(self) -> None:  # noqa: C901  (one loop with its few states is clearer than a class tree)
        self.state_changed.emit(OPENING, f"opening {self.spec.describe()}")
        cap = self._open()
        if cap is None and self.spec.is_file:
            self.state_changed.emit(FAILED, f"cannot read {self.spec.describe()}")
            return
        while cap is None and not self._stop:  # a camera may be plugged in later
            self.state_changed.emit(FAILED, f"no {self.spec.describe()}")
            self._sleep(self._retry_s)
            cap = self._open()
        if cap is None:
            return
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        fps = fps if 1.0 <= fps <= 240.0 else 30.0
        self.source_info.emit(int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), fps)
        self.state_changed.emit(RUNNING, self.spec.describe())
        index, looped_at = 0, 0
        t_start = time.monotonic()
        try:
            while not self._stop:
                try:
                    ok, bgr = cap.read()
                except (OSError, cv2.error) as exc:  # a driver raising on unplug = a lost camera
                    log.info("read from %s failed: %s", self.spec.describe(), exc)
                    ok, bgr = False, None
                now = time.monotonic()
                if not ok or bgr is None or bgr.size == 0:  # an empty image is a failed read too
                    if self.spec.is_file:
                        if self.spec.loop and index > looped_at:
                            # Time and frame numbers go on past the loop point: a neutral hold
                            # (or a trial) spanning it is measured like any other.
                            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                            t_start, looped_at = time.monotonic() - index / fps, index
                            continue
                        self.state_changed.emit(ENDED, f"end of {self.spec.describe()}")
                        return
                    cap = self._reconnect(cap)
                    if cap is None:
                        return
                    continue
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                rgb.setflags(write=False)  # frozen: shared read-only between threads
                # A file's time is its own (the filter needs true frame spacing); a camera's is the clock.
                ts = index / fps if self.spec.is_file else now
                self.slot.put(CapturedFrame(Frame(rgb, ts, index), now), block=self.spec.lossless, timeout=None)
                self.frames_read += 1
                index += 1
                if self.spec.is_file and self.spec.realtime:
                    self._sleep(t_start + index / fps - time.monotonic())
        finally:
            if cap is not None:
                cap.release()
            if self._stop:
                self.state_changed.emit(STOPPED, "capture stopped")

    def _reconnect(self, cap: Any) -> Any | None:
        cap.release()
        self.state_changed.emit(LOST, f"{self.spec.describe()} lost; reconnecting…")
        log.warning("camera lost: %s", self.spec.describe())
        while not self._stop:
            self._sleep(self._retry_s)
            new = self._open()
            if new is not None:
                self.state_changed.emit(RUNNING, f"{self.spec.describe()} back")
                log.info("camera back: %s", self.spec.describe())
                return new
        return None

    def _sleep(self, seconds: float) -> None:
        # Short steps so that stop() is honoured quickly.
        end = time.monotonic() + max(0.0, seconds)
        while not self._stop and (left := end - time.monotonic()) > 0:
            time.sleep(min(0.05, left))


class ProcessingWorker(QThread):
    """Runs the measuring pipeline on the newest frame only and emits each result.

    Commands that touch the pipeline (calibrate, reset) are queued with :meth:`submit` and run on
    this thread between frames, so the pipeline is only ever used from one thread.
    """

    result_ready = Signal(object, object, float)  # FrameResult, Frame, captured_at (monotonic)
    failed = Signal(str)

    def __init__(self, pipeline: Any, slot: LatestSlot[CapturedFrame], parent=None) -> None:
        super().__init__(parent)
        self.pipeline = pipeline
        self.slot = slot
        self._commands: queue.SimpleQueue[Callable[[Any], None]] = queue.SimpleQueue()
        self._stop = False
        self.processed = 0

    def submit(self, command: Callable[[Any], None]) -> None:
        """Run ``command(pipeline)`` on the processing thread before the next frame."""
        self._commands.put(command)

    def use_pipeline(self, pipeline: Any) -> None:
        """Measure with ``pipeline`` from the next frame on (switched on this thread)."""
        self.submit(lambda _old: setattr(self, "pipeline", pipeline))

    def stop(self) -> None:
        self._stop = True

    def _run_commands(self) -> None:
        for command in drain(self._commands):
            try:
                command(self.pipeline)
            except Exception as exc:  # a failed command must not kill the live view
                log.exception("pipeline command failed")
                self.failed.emit(str(exc))

    def run(self) -> None:
        while not self._stop:
            self._run_commands()
            item = self.slot.get(timeout=0.05)
            if item is None:
                if self.slot.closed:
                    break
                continue
            self._run_commands()  # a calibration requested while waiting starts on this frame
            try:
                result = self.pipeline.process(item.frame)
            except Exception as exc:
                log.exception("pipeline failed on frame %d", item.frame.index)
                self.failed.emit(f"frame {item.frame.index}: {exc}")
                continue
            self.processed += 1
            self.result_ready.emit(result, item.frame, item.captured_at)
        self._run_commands()


def blank_image(width: int = 640, height: int = 480) -> np.ndarray:
    """A dark frame for the video panel before the first image arrives."""
    return np.full((height, width, 3), 32, dtype=np.uint8)
